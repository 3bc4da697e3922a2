import Foundation
import QorganCore

/// A choropleth drawn by the server as SVG: each area filled by the class its value falls in,
/// a legend of the classes, "no data" hatched, each area's name and value on hover (its title)
/// and in the description for screen readers (pages give the values as a table too).
public enum ChoroplethMap {
    public struct Area: Sendable {
        public var code: String
        public var name: String
        public var geometry: Geometry
        public var value: Double?
        public init(code: String, name: String, geometry: Geometry, value: Double?) {
            self.code = code
            self.name = name
            self.geometry = geometry
            self.value = value
        }

        /// What a tile is labelled with: its code, or the start of its code's last part when the
        /// code is too long for a tile (YUK_SHYMKENT: SHY).
        public var tileLabel: String {
            code.count <= 4 ? code : String((code.split(separator: "_").last ?? Substring(code)).prefix(3))
        }
    }

    /// Blues of ColorBrewer's sequential scheme: one hue, lightness falling class by class, so the
    /// classes stay in order in grey and for people who confuse red and green. The two darkest
    /// carry white text (at least 4.5:1), the others near-black text.
    public static let palette = ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5", "#08306b"]
    static let darkFills: Set<String> = ["#2171b5", "#08306b"]

    /// The colours of `k` classes (1…5), spread over the palette.
    public static func colours(_ k: Int) -> [String] {
        switch k {
        case ...1: [palette[3]]
        case 2: [palette[1], palette[4]]
        case 3: [palette[0], palette[2], palette[4]]
        case 4: [palette[0], palette[1], palette[3], palette[4]]
        default: palette
        }
    }

    /// Class bounds by quantiles of the values (up to `classes` classes, fewer when there are
    /// fewer distinct values): the lower bound of each class, the first being the smallest value.
    public static func classBounds(_ values: [Double], classes: Int = 5) -> [Double] {
        let distinct = Array(Set(values)).sorted()
        guard !distinct.isEmpty else { return [] }
        let k = max(1, min(classes, distinct.count))
        let sorted = values.sorted()
        var bounds: [Double] = [distinct[0]]
        for i in 1..<k {
            let last = bounds.last ?? -.infinity
            // A quantile that repeats the last bound (many equal values) gives way to the next value up.
            let q = sorted[min(sorted.count - 1, i * sorted.count / k)]
            if let next = q > last ? q : distinct.first(where: { $0 > last }) { bounds.append(next) }
        }
        return bounds
    }

    /// The class of `v` among `bounds`.
    static func classOf(_ v: Double, _ bounds: [Double]) -> Int {
        (bounds.lastIndex { $0 <= v } ?? 0)
    }

    /// The map. `format` writes a value as the legend and titles show it (with its unit);
    /// `schematicNote` is printed when any area is a tile rather than a boundary.
    public static func svg(
        title: String, areas: [Area], format: (Double) -> String, noData: String, schematicNote: String,
        width: Int = 640
    ) -> String {
        let drawn = areas.filter { $0.geometry.bounds != nil }
        guard !drawn.isEmpty else { return "" }
        var w = Double.infinity
        var s = Double.infinity
        var e = -Double.infinity
        var n = -Double.infinity
        for a in drawn {
            if let b = a.geometry.bounds {
                w = min(w, b.west)
                s = min(s, b.south)
                e = max(e, b.east)
                n = max(n, b.north)
            }
        }
        // Equirectangular, shrunk by the cosine of the middle latitude: shapes keep their look.
        let kx = cos((s + n) / 2 * .pi / 180)
        let pad = 8.0
        let plotW = Double(width) - 2 * pad
        let spanX = max((e - w) * kx, 1e-6)
        let spanY = max(n - s, 1e-6)
        let scale = min(plotW / spanX, 420 / spanY)
        let mapH = spanY * scale
        func x(_ lon: Double) -> Double { pad + (lon - w) * kx * scale }
        func y(_ lat: Double) -> Double { pad + (n - lat) * scale }
        let values = drawn.compactMap(\.value)
        let bounds = classBounds(values)
        let fills = colours(bounds.count)
        let schematic = drawn.contains { $0.geometry.schematic }
        let legendRows = bounds.count + (drawn.contains { $0.value == nil } ? 1 : 0)
        let legendTop = pad + mapH + 16
        let height = Int(legendTop + Double(legendRows) * 22 + (schematic ? 26 : 6))
        // An id of the title (FNV-1a), the same in every process: pages stay byte for byte the same.
        let id =
            "map-" + String(title.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 } % 1_000_000)
        func esc(_ t: String) -> String {
            t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        func n1(_ v: Double) -> String { String(format: "%.1f", v) }
        let description = drawn.sorted { $0.name < $1.name }.map { "\($0.name): \($0.value.map(format) ?? noData)" }
            .joined(separator: "; ")
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 \(width) \(height)" role="img" \
            aria-labelledby="\(id)-t \(id)-d"><title id="\(id)-t">\(esc(title))</title><desc id="\(id)-d">\(esc(description))</desc>\
            <defs><pattern id="\(id)-none" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">\
            <rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#767676" stroke-width="2"/></pattern></defs>
            """
        for a in drawn {
            var d = ""
            for polygon in a.geometry.polygons {
                for ring in polygon where !ring.isEmpty {
                    if a.geometry.type == .point, let p = ring.first, p.count >= 2 {
                        let cx = x(p[0])
                        let cy = y(p[1])
                        d += "M\(n1(cx - 5)),\(n1(cy))a5,5 0 1,0 10,0a5,5 0 1,0 -10,0"
                        continue
                    }
                    d += ring.enumerated().map { i, p in (i == 0 ? "M" : "L") + n1(x(p[0])) + "," + n1(y(p[1])) }
                        .joined()
                    d += "Z"
                }
            }
            let cls = a.value.map { classOf($0, bounds) }
            let fill = cls.map { fills[min($0, fills.count - 1)] } ?? "url(#\(id)-none)"
            let label = "\(a.name): \(a.value.map(format) ?? noData)"
            out += "<path d=\"\(d)\" fill=\"\(fill)\" fill-rule=\"evenodd\" stroke=\"#ffffff\" stroke-width=\"1.5\""
            out += " data-code=\"\(esc(a.code))\"><title>\(esc(label))</title></path>"
            // Tiles carry their code and value: they are too regular to be told apart otherwise.
            if a.geometry.schematic, let b = a.geometry.bounds {
                let cx = x((b.west + b.east) / 2)
                let cy = y((b.south + b.north) / 2)
                let ink = Self.darkFills.contains(fill) ? "#ffffff" : "#1a1a1a"
                out +=
                    "<text x=\"\(n1(cx))\" y=\"\(n1(cy - 2))\" text-anchor=\"middle\" font-size=\"12\" fill=\"\(ink)\""
                out += " aria-hidden=\"true\">\(esc(a.tileLabel))</text>"
                out +=
                    "<text x=\"\(n1(cx))\" y=\"\(n1(cy + 13))\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\""
                out += " fill=\"\(ink)\" aria-hidden=\"true\">\(esc(a.value.map(format) ?? "–"))</text>"
            }
        }
        // The legend: each class's colour and range, then "no data".
        var rowY = legendTop
        for (i, lower) in bounds.enumerated() {
            let upper =
                i + 1 < bounds.count ? values.filter { $0 < bounds[i + 1] }.max() ?? lower : values.max() ?? lower
            let range = lower == upper ? format(lower) : "\(format(lower)) – \(format(upper))"
            out +=
                "<rect x=\"\(n1(pad))\" y=\"\(n1(rowY))\" width=\"18\" height=\"14\" fill=\"\(fills[i])\" stroke=\"#505050\"/>"
            out +=
                "<text x=\"\(n1(pad + 26))\" y=\"\(n1(rowY + 12))\" font-size=\"12\" fill=\"#1a1a1a\">\(esc(range))</text>"
            rowY += 22
        }
        if drawn.contains(where: { $0.value == nil }) {
            out +=
                "<rect x=\"\(n1(pad))\" y=\"\(n1(rowY))\" width=\"18\" height=\"14\" fill=\"url(#\(id)-none)\" stroke=\"#505050\"/>"
            out +=
                "<text x=\"\(n1(pad + 26))\" y=\"\(n1(rowY + 12))\" font-size=\"12\" fill=\"#1a1a1a\">\(esc(noData))</text>"
            rowY += 22
        }
        if schematic {
            out +=
                "<text x=\"\(n1(pad))\" y=\"\(n1(rowY + 14))\" font-size=\"12\" font-style=\"italic\" fill=\"#1a1a1a\""
            out += " class=\"schematic\">\(esc(schematicNote))</text>"
        }
        return out + "</svg>"
    }
}
