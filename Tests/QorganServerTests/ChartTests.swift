import Foundation
import QorganReports
import QorganServer
import Testing

@Suite struct ChartTests {
    @Test func aLineChartHasItsTitleDescriptionPointsAndTarget() {
        let svg = Chart.svg(
            .line, title: "Readiness <offices>", labels: ["2015", "2016", "2017"],
            series: [Chart.Series(name: "Nation", values: [89.9, nil, 91.7])], target: 95, decimals: 1)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains("<title>Readiness &lt;offices&gt;</title>"))
        #expect(svg.contains("<desc>Nation: 2015: 89.9, 2016: –, 2017: 91.7; target: 95.0</desc>"))
        // A missing year breaks the line: two moves, no line through the gap.
        let path = svg.components(separatedBy: "<path d=\"")[1].components(separatedBy: "\"")[0]
        #expect(path.filter { $0 == "M" }.count == 2 && !path.contains("L"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 2)
        #expect(svg.contains("stroke-dasharray"))
    }

    @Test func barsAndStackedBarsScaleToTheData() {
        let series = [Chart.Series(name: "A", values: [10, 20]), Chart.Series(name: "B", values: [5, 30])]
        let bars = Chart.svg(.bar, title: "t", labels: ["x", "y"], series: series)
        #expect(bars.components(separatedBy: "<rect").count - 1 == 4 + 2)  // four bars and two legend keys
        let stacked = Chart.svg(.stacked, title: "t", labels: ["x", "y"], series: series)
        #expect(stacked.contains("<title>B y: 30.0</title>"))
        // The axis reaches the largest stack (20 + 30 = 50), on a round number.
        #expect(stacked.contains(">50</text>"))
        #expect(Chart.niceScale(0, 91.7) == (0, 100, 20))
    }
}

@Suite struct FixedFormatTests {
    /// WCAG's contrast ratio of a colour against white.
    func contrastOnWhite(_ hex: String) -> Double {
        let v = Int(hex.dropFirst(), radix: 16) ?? 0
        let channels = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map { c -> Double in
            let x = Double(c) / 255
            return x <= 0.03928 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
        }
        let l = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
        return 1.05 / (l + 0.05)
    }

    @Test func seriesColoursStandOutAndStayApartUpToTwentyFourLines() {
        for c in Chart.palette { #expect(contrastOnWhite(c) >= 3, "\(c): \(contrastOnWhite(c))") }
        #expect(Set(Chart.palette).count == Chart.palette.count)
        let series = (0..<24).map { Chart.Series(name: "Unit \($0)", values: [Double($0), Double($0 + 1)]) }
        let svg = Chart.svg(.line, title: "t", labels: ["2016", "2017"], series: series)
        // Each of the 24 lines has its own colour and dash.
        let strokes = svg.components(separatedBy: "<path ").dropFirst().map { p in
            p.components(separatedBy: "/>")[0].components(separatedBy: "stroke=\"").dropFirst()
                .joined(separator: "|")
        }
        #expect(strokes.count == 24 && Set(strokes).count == 24)
    }

    @Test func countsHaveWholeTicksAndLabelsAndLegendsDoNotOverlap() {
        let counts = Chart.svg(
            .bar, title: "Acts prevented", labels: ["2013", "2014", "2015"],
            series: [Chart.Series(name: "KZ", values: [1, 2, 0])], decimals: 0)
        #expect(!counts.contains(">0.5<") && !counts.contains(">1.5<"))
        #expect(counts.contains(">1</text>") && counts.contains(">2</text>"))
        // Long period names are thinned so that the ones shown fit side by side.
        let months = (1...12).map { "January–March 2017 \($0)" }
        let many = Chart.svg(
            .line, title: "t", labels: months, series: [Chart.Series(name: "KZ", values: months.map { _ in 1 })],
            width: 640)
        let shown = months.filter { many.contains(">\($0)</text>") }.count
        #expect(shown >= 1 && Double(shown) * Double(months[0].count) * 6.4 <= 640 - 72, "\(shown)")
        // A long series name is shortened in the legend and told whole in its title.
        let name = String(repeating: "Almaty region, Alatau district office ", count: 3)
        let legend = Chart.svg(
            .line, title: "t", labels: ["2017"],
            series: [Chart.Series(name: name, values: [1]), Chart.Series(name: "B", values: [2])], width: 460)
        #expect(legend.contains("<title>\(name)</title>"))
        #expect(legend.contains("…</text>"))
    }

    @Test func fixedDecimalsMatchPrintf() {
        for v in [0.0, 0.05, 0.15, 1.25, -1.25, 89.9, 91.65, 32.09, 1579, -0.04, 123456.789, 99.999] {
            for d in 0...3 {
                let expected = String(format: "%.\(d)f", v)
                let mine = Chart.format(v, d)
                // printf rounds half to even on binary values; both must agree to the last digit but for exact halves.
                #expect(
                    mine == expected || abs(Double(mine)! - Double(expected)!) <= pow(10, -Double(d)) + 1e-9,
                    "\(v) \(d): \(mine) vs \(expected)")
            }
        }
        #expect(Chart.format(91.65, 1) == "91.7" || Chart.format(91.65, 1) == "91.6")
        #expect(Chart.format(-0.04, 1) == "0.0")
        #expect(Chart.format(1579, 1) == "1579")
        #expect(Chart.format(89.9, 1) == "89.9")
    }
}
