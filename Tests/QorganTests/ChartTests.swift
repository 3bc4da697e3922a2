import Foundation
import QorganServer
import Testing

@Suite struct ChartTests {
    @Test func aLineChartHasItsTitleDescriptionPointsAndTarget() {
        let svg = Chart.svg(.line, title: "Readiness <offices>", labels: ["2015", "2016", "2017"],
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
        #expect(bars.components(separatedBy: "<rect").count - 1 == 4 + 2)   // four bars and two legend keys
        let stacked = Chart.svg(.stacked, title: "t", labels: ["x", "y"], series: series)
        #expect(stacked.contains("<title>B y: 30.0</title>"))
        // The axis reaches the largest stack (20 + 30 = 50), on a round number.
        #expect(stacked.contains(">50</text>"))
        #expect(Chart.niceScale(0, 91.7) == (0, 100, 20))
    }
}
