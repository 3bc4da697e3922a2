import Foundation

/// Charts drawn by the server as SVG: no script, no CDN, legible at a glance, with a
/// title and a text description for screen readers.
public enum Chart {
    public enum Kind: String, Sendable { case line, bar, stacked }

    public struct Series: Sendable {
        public var name: String
        public var values: [Double?]
        public init(name: String, values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    /// Eight hues apart from one another, each at least 3:1 against the white background (WCAG's
    /// rule for graphics), with no red and green pair; red is kept for the target line.
    public static let palette = [
        "#0b5fa5", "#b35806", "#6a3d9a", "#00796b", "#c2185b", "#3a3a3a", "#8a6d00", "#0288d1",
    ]
    /// After eight series the colours come again with another dash, so that 24 lines stay apart.
    static let dashes = ["", "8 4", "2 3"]

    static func color(_ i: Int) -> String { palette[i % palette.count] }
    static func dash(_ i: Int) -> String {
        let d = dashes[(i / palette.count) % dashes.count]
        return d.isEmpty ? "" : " stroke-dasharray=\"\(d)\""
    }
    /// About how wide a text of 11 px is drawn, for laying out labels that must not overlap.
    static func textWidth(_ s: String) -> Double { Double(s.count) * 6.4 }

    /// An SVG chart of `series` over `labels` (the x axis).
    public static func svg(
        _ kind: Kind, title: String, labels: [String], series: [Series], target: Double? = nil,
        targetLabel: String = "target", decimals: Int = 1, width: Int = 640, height: Int = 300,
        showTitle: Bool = true
    ) -> String {
        let left = 56.0
        let right = 16.0
        let top = showTitle ? 36.0 : 12.0
        let w = Double(width)
        let plotW = w - left - right
        // The legend: as many columns as its longest name allows (up to three); a name longer than
        // a whole row is shortened, and told whole in its title.
        let longest = series.map { textWidth($0.name) }.max() ?? 0
        let legendColumns = max(1, min(3, Int(plotW / (longest + 24))))
        let legendChars = max(8, Int((plotW / Double(legendColumns) - 24) / 6.4))
        let legendRows = series.count > 1 ? Int((Double(series.count) / Double(legendColumns)).rounded(.up)) : 0
        let bottom = 40.0 + Double(legendRows) * 18
        let h = Double(height) + Double(legendRows) * 18
        let plotH = h - top - bottom

        var maxV = 0.0
        var minV = 0.0
        if kind == .stacked {
            for i in labels.indices {
                let sum = series.reduce(0.0) { $0 + max(0, ($1.values.indices.contains(i) ? $1.values[i] : nil) ?? 0) }
                maxV = max(maxV, sum)
            }
        } else {
            for s in series {
                for v in s.values.compactMap({ $0 }) {
                    maxV = max(maxV, v)
                    minV = min(minV, v)
                }
            }
        }
        if let target { maxV = max(maxV, target) }
        var (lo, hi, step) = niceScale(minV, maxV == minV ? minV + 1 : maxV)
        // Whole numbers (counts) get whole ticks: no "0.5" of an incident.
        if decimals == 0 && step < 1 {
            step = 1
            lo = lo.rounded(.down)
            hi = max(hi.rounded(.up), lo + 1)
        }
        func y(_ v: Double) -> Double { top + plotH - (v - lo) / (hi - lo) * plotH }
        let n = max(labels.count, 1)
        let band = plotW / Double(n)
        func x(_ i: Int) -> Double { left + band * (Double(i) + 0.5) }

        var description: [String] = []
        for s in series {
            let parts = zip(labels, s.values).map { "\($0): \($1.map { format($0, decimals) } ?? "–")" }
            description.append("\(s.name): " + parts.joined(separator: ", "))
        }
        if let target { description.append("\(targetLabel): \(format(target, decimals))") }

        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(Int(w)) \(Int(h))" width="\(Int(w))" height="\(Int(h))" role="img" aria-label="\(esc(title))">
            <title>\(esc(title))</title><desc>\(esc(description.joined(separator: "; ")))</desc>
            """
        if showTitle {
            out +=
                "<text x=\"\(left)\" y=\"20\" font-size=\"15\" font-weight=\"bold\" fill=\"#222\">\(esc(title))</text>"
        }
        // Grid and y axis labels.
        var v = lo
        while v <= hi + step / 2 {
            out += "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(r(y(v)))\" y2=\"\(r(y(v)))\" stroke=\"#ddd\"/>"
            out +=
                "<text x=\"\(left - 6)\" y=\"\(r(y(v) + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">\(esc(format(v, step < 1 ? 1 : 0)))</text>"
            v += step
        }
        out +=
            "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(r(y(max(lo, 0))))\" y2=\"\(r(y(max(lo, 0))))\" stroke=\"#888\"/>"
        // X labels, thinned so that none overlaps the next one shown.
        let widest = max(labels.map(textWidth).max() ?? 0, 24) + 12
        let every = max(1, Int((Double(labels.count) * widest / plotW).rounded(.up)))
        for (i, l) in labels.enumerated() where i % every == 0 {
            out +=
                "<text x=\"\(r(x(i)))\" y=\"\(r(top + plotH + 16))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\">\(esc(l))</text>"
        }
        switch kind {
        case .line:
            for (si, s) in series.enumerated() {
                let color = color(si)
                var path = ""
                var pen = false
                for (i, val) in s.values.enumerated() where i < labels.count {
                    if let val {
                        path += "\(pen ? "L" : "M")\(r(x(i))),\(r(y(val))) "
                        pen = true
                    } else {
                        pen = false
                    }
                }
                out += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.5\"\(dash(si))/>"
                for (i, val) in s.values.enumerated() where i < labels.count {
                    if let val {
                        out +=
                            "<circle cx=\"\(r(x(i)))\" cy=\"\(r(y(val)))\" r=\"3.5\" fill=\"\(color)\"><title>\(esc(s.name)) \(esc(labels[i])): \(esc(format(val, decimals)))</title></circle>"
                    }
                }
            }
        case .bar:
            let barW = min(band * 0.8 / Double(max(series.count, 1)), 56)
            let groupW = barW * Double(max(series.count, 1))
            for (si, s) in series.enumerated() {
                let color = color(si)
                for (i, val) in s.values.enumerated() where i < labels.count {
                    guard let val else { continue }
                    let bx = x(i) - groupW / 2 + barW * Double(si)
                    let y0 = y(max(lo, 0))
                    let y1 = y(val)
                    out +=
                        "<rect x=\"\(r(bx))\" y=\"\(r(min(y0, y1)))\" width=\"\(r(max(barW - 1, 1)))\" height=\"\(r(abs(y0 - y1)))\" fill=\"\(color)\"><title>\(esc(s.name)) \(esc(labels[i])): \(esc(format(val, decimals)))</title></rect>"
                }
            }
        case .stacked:
            let barW = min(band * 0.7, 56)
            for i in labels.indices {
                var base = 0.0
                for (si, s) in series.enumerated() {
                    guard s.values.indices.contains(i), let val = s.values[i], val > 0 else { continue }
                    let color = color(si)
                    out +=
                        "<rect x=\"\(r(x(i) - barW / 2))\" y=\"\(r(y(base + val)))\" width=\"\(r(barW))\" height=\"\(r(y(base) - y(base + val)))\" fill=\"\(color)\"><title>\(esc(s.name)) \(esc(labels[i])): \(esc(format(val, decimals)))</title></rect>"
                    base += val
                }
            }
        }
        if let target {
            out +=
                "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(r(y(target)))\" y2=\"\(r(y(target)))\" stroke=\"#c23b3b\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>"
            out +=
                "<text x=\"\(w - right)\" y=\"\(r(y(target) - 5))\" font-size=\"11\" text-anchor=\"end\" fill=\"#c23b3b\">\(esc(targetLabel)) \(esc(format(target, decimals)))</text>"
        }
        if series.count > 1 {
            for (si, s) in series.enumerated() {
                let lx = left + Double(si % legendColumns) * (plotW / Double(legendColumns))
                let ly = top + plotH + 32 + Double(si / legendColumns) * 18
                if kind == .line {
                    out +=
                        "<line x1=\"\(r(lx))\" x2=\"\(r(lx + 18))\" y1=\"\(r(ly - 4))\" y2=\"\(r(ly - 4))\" stroke=\"\(color(si))\" stroke-width=\"3\"\(dash(si))/>"
                } else {
                    out +=
                        "<rect x=\"\(r(lx + 4))\" y=\"\(r(ly - 9))\" width=\"10\" height=\"10\" fill=\"\(color(si))\"/>"
                }
                let name = s.name.count > legendChars ? s.name.prefix(legendChars - 1) + "…" : s.name
                out +=
                    "<text x=\"\(r(lx + 22))\" y=\"\(r(ly))\" font-size=\"11\" fill=\"#333\"><title>\(esc(s.name))</title>\(esc(name))</text>"
            }
        }
        return out + "</svg>"
    }

    /// Axis bounds and step on round numbers (1, 2, 5 × 10^k).
    public static func niceScale(_ lo: Double, _ hi: Double) -> (Double, Double, Double) {
        let span = hi - lo
        let raw = span / 5
        let mag = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        return ((lo / step).rounded(.down) * step, (hi / step).rounded(.up) * step, step)
    }

    static func r(_ v: Double) -> String { fixed(v, 1) }

    public static func format(_ v: Double, _ decimals: Int) -> String {
        if decimals == 0 || v == v.rounded() && abs(v) >= 100 { return String(Int64(v.rounded())) }
        return fixed(v, decimals)
    }

    /// `v` with `decimals` digits after the point, rounded half away from zero; without
    /// Foundation's `String(format:)`, which was a fifth of a dashboard's time.
    static func fixed(_ v: Double, _ decimals: Int) -> String {
        guard v.isFinite, abs(v) < 1e12, (0...6).contains(decimals) else { return String(v) }
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let n = Int64((abs(v) * Double(scale)).rounded())
        let whole = String(n / scale)
        let sign = v < 0 && n != 0 ? "-" : ""
        if decimals == 0 { return sign + whole }
        let fraction = String(n % scale)
        return sign + whole + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
