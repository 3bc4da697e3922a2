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
