import Foundation
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganReports
import QorganStore
import QorganTestSupport
import Testing

/// Disclosure control, trends, and the programme report in every format.
@Suite struct DisclosureTests {
    struct Rng {
        var g: SplitMix64
        mutating func next(_ n: Int) -> Int { Int.random(in: 0..<n, using: &g) }
    }

    /// Whether a hidden cell's value follows from the published totals: its unit vector lies in
    /// the span of the constraints (row, column and grand totals, over the hidden cells).
    static func determined(
        _ cell: Disclosure.Cell, hidden: [Disclosure.Cell], rows: Int, cols: Int,
        publishedRows: Set<Int>, publishedCols: Set<Int>
    ) -> Bool {
        var constraints: [[Double]] = []
        for r in publishedRows { constraints.append(hidden.map { $0.row == r ? 1 : 0 }) }
        for c in publishedCols { constraints.append(hidden.map { $0.column == c ? 1 : 0 }) }
        constraints.append(hidden.map { _ in 1 })  // the grand total
        let unit = hidden.map { $0 == cell ? 1.0 : 0.0 }
        return rank(constraints) == rank(constraints + [unit])
    }

    static func rank(_ m: [[Double]]) -> Int {
        var a = m
        guard let width = a.first?.count else { return 0 }
        var rank = 0
        for col in 0..<width {
            guard let pivot = (rank..<a.count).first(where: { abs(a[$0][col]) > 1e-9 }) else { continue }
            a.swapAt(rank, pivot)
            for r in 0..<a.count where r != rank && abs(a[r][col]) > 1e-9 {
                let f = a[r][col] / a[rank][col]
                for k in 0..<width { a[r][k] -= f * a[rank][k] }
            }
            rank += 1
        }
        return rank
    }

    @Test func noSuppressedCellCanBeRecoveredFromTheTotals() {
        var rng = Rng(g: SplitMix64(seed: 2017))
        var checked = 0
        var hiddenCells = 0
        for _ in 0..<400 {
            let rows = 2 + rng.next(6)
            let cols = 2 + rng.next(6)
            // Mostly small counts, some zeros, some large: the shapes small-area tables have.
            let table = (0..<rows).map { _ in
                (0..<cols).map { _ -> Double in
                    switch rng.next(10) {
                    case 0...2: 0
                    case 3...5: Double(1 + rng.next(4))
                    default: Double(5 + rng.next(40))
                    }
                }
            }
            let result = Disclosure.suppress(table, threshold: 5)
            let hidden = (0..<rows).flatMap { r in
                (0..<cols).compactMap { c in result.cells[r][c] == nil ? Disclosure.Cell(r, c) : nil }
            }
            for r in 0..<rows {
                for c in 0..<cols {
                    if table[r][c] > 0 && table[r][c] < 5 {
                        #expect(result.cells[r][c] == nil, "a small count is shown")
                    }
                    if let shown = result.cells[r][c] { #expect(shown == table[r][c]) }
                }
            }
            #expect(result.exposedRows.isEmpty && result.exposedColumns.isEmpty)
            for cell in hidden {
                #expect(
                    !Self.determined(
                        cell, hidden: hidden, rows: rows, cols: cols, publishedRows: Set(0..<rows),
                        publishedCols: Set(0..<cols)),
                    "cell \(cell) of \(table) can be worked out")
            }
            checked += 1
            hiddenCells += hidden.count
        }
        #expect(checked == 400 && hiddenCells > 1000)
    }

    @Test func aSingleSmallCellNeedsThreeCompanions() {
        let table: [[Double]] = [[3, 20, 30], [40, 50, 60], [70, 80, 90]]
        let r = Disclosure.suppress(table, threshold: 5)
        #expect(r.primary == [Disclosure.Cell(0, 0)])
        // The cheapest rectangle.
        #expect(r.complementary == [Disclosure.Cell(0, 1), Disclosure.Cell(1, 0), Disclosure.Cell(1, 1)])
        // One row alone cannot hide a cell among others: its total must go too.
        let line = Disclosure.suppress([[3, 20, 30]], threshold: 5)
        #expect(line.exposedRows == [0])
        #expect(Disclosure.percentage(40, numerator: 2, denominator: 5, threshold: 5) == nil)
        #expect(Disclosure.percentage(40, numerator: 20, denominator: 4, threshold: 5) == nil)
        #expect(Disclosure.percentage(40, numerator: 20, denominator: 50, threshold: 5) == 40)
    }

    @Test func aTrendIsStatedFromItsSlopeAndUncertainty() throws {
        let rising = try #require(Trend.fit([(2013, 352), (2014, 368), (2015, 391), (2016, 412), (2017, 430)]))
        #expect(abs(rising.slope - 20.0) < 0.01 && rising.direction == .rising)
        let noisy = try #require(Trend.fit([(1, 10), (2, 14), (3, 9), (4, 13), (5, 10)]))
        #expect(noisy.direction == .flat)
        #expect(try #require(Trend.fit([(1, 9), (2, 7), (3, 5)])).direction == .falling)
        #expect(Trend.fit([(1, 1), (2, 2)]) == nil)
    }
}

@Suite struct ReportTests {
    static func demo() throws -> (Store, AnalyticsEngine) {
        let store = try Fixtures.demoStore()
        let (engine, _) = try AnalyticsEngine.open(store: store)
        return (store, engine)
    }

    static func report(
        _ store: Store, _ engine: AnalyticsEngine, language: String = "en", edition: String = "full"
    ) throws -> ReportDocument {
        try ReportOptions.build(
            store: store, snapshot: engine.snapshot(), periods: "2013..2017", unit: "KZ", language: language,
            edition: edition, threshold: 5, today: Day(year: 2026, month: 11, day: 29)!)
    }

    @Test func theDemoReportStatesEveryFigureAndWhatTheDataSay() throws {
        let (store, engine) = try Self.demo()
        let doc = try Self.report(store, engine)
        #expect(doc.figures.map(\.code) == (1...11).map { "F\($0)" })
        for (code, display) in DemoProgramme.expectedFigures {
            #expect(doc.figures.first { $0.code == code }?.display == display, "\(code)")
        }
        #expect(
            doc.summary.contains(
                "Readiness of offices to respond to terrorist threats rose from 89.9 % to 91.7 % (2015 → 2017)."))
        #expect(doc.summary.contains("Coverage of the target group by targeted preventive work: 32.1 % (2016)."))
        #expect(
            doc.summary.contains {
                $0.hasPrefix("The number of people drawn into destructive movements is rising: +20.0 a year")
            })
        #expect(doc.summary.contains { $0.hasPrefix("Of 7 framework indicators,") })
        #expect(
            Set(doc.sections.map(\.code)) == [
                "incidents", "prevention", "travel", "prosecutions", "rehabilitation", "readiness", "sites",
                "involvement",
            ])
        #expect(
            doc.progress.count == 7
                && doc.progress.allSatisfy { ["met", "onTrack", "behind", "noData"].contains($0.statusCode) })
        #expect(doc.progress.first { $0.indicator == "IND_READINESS" }?.statusCode == "met")
        // Every number of every table carries the query behind it.
        let cells = doc.sections.flatMap(\.tables).flatMap(\.rows).flatMap { $0.dropFirst() }.filter {
            $0.number != nil
        }
        #expect(cells.count > 200 && cells.filter { $0.trace == nil }.count < cells.count / 10)
        #expect(doc.figureTraces["F10"] == "dx=IND_READINESS&pe=2013..2017&ou=KZ")
        let prevented = doc.sections.first { $0.code == "incidents" }!.tables[0]
        #expect(prevented.rows.last?.last?.number == 12)
    }

    /// The qualitative findings of the seed report, each stated from the data.
    @Test func theQualitativeFindingsAreBackedByData() throws {
        let (store, engine) = try Self.demo()
        let summary = try Self.report(store, engine).summary
        #expect(
            summary.contains {
                $0.hasPrefix("Young people, students and school pupils make up ") && $0.contains("the unemployed")
            })
        #expect(summary.contains { $0.hasPrefix("Preventive events held — Educational institutions rose from") })
        #expect(summary.contains { $0.hasPrefix("Preventive events held — Awareness website rose from") })
        #expect(
            summary.contains {
                $0.hasPrefix("Protection measures in place at inspected sites rose from")
                    && $0.contains("(2013..2015 → 2016..2017)")
            })
        #expect(summary.contains { $0.contains("is rising") })  // involvement is not decreasing
        let involvement = try Self.report(store, engine).sections.first { $0.code == "involvement" }!
        #expect(involvement.tables.contains { $0.title == "People drawn in by region and year" && $0.rows.count == 17 })
    }

    @Test func theReportSpeaksRussianAndKazakh() throws {
        let (store, engine) = try Self.demo()
        let ru = try Self.report(store, engine, language: "ru")
        #expect(ru.title == "Отчёт о реализации программы")
        #expect(ru.summary.contains { $0.contains("выросла с 89.9 % до 91.7 %") })
        let kk = try Self.report(store, engine, language: "kk")
        #expect(kk.summary.contains { $0.contains("89.9 %-дан 91.7 %-ға дейін өсті") })
        #expect(kk.unitName == "Қазақстан Республикасы")
    }

    @Test func changingTheDataChangesTheReport() throws {
        let (store, engine) = try Self.demo()
        #expect(try Self.report(store, engine).summary.first == "Acts prevented: 12 (2013..2017).")
        try store.saveIncidents(
            [(Incident(date: IncidentDate("2017-03")!, unit: "PAV", outcome: .foiled), nil)], user: "t")
        let after = try Self.report(store, engine)
        #expect(after.summary.first == "Acts prevented: 13 (2013..2017).")
        #expect(
            after.sections.first { $0.code == "incidents" }!.tables[0].rows.first { $0[0].text == "Pavlodar region" }?
                .last?.number == 1)
    }

    @Test func thePublicEditionHidesSmallCountsEverywhere() throws {
        let (store, engine) = try Self.demo()
        let doc = try Self.report(store, engine, edition: "public")
        #expect(doc.notes.contains { $0.hasPrefix("Public edition: counts below 5") })
        #expect(doc.figures.first { $0.code == "F9" }?.display == "–")
        #expect(!doc.summary.joined().contains("Aktobe region 1"))
        for table in doc.sections.flatMap(\.tables) {
            for row in table.rows {
                for cell in row.dropFirst() where !table.title.contains("%") {
                    if let n = cell.number, cell.trace?.hasPrefix("dx=IND_") != true || table.title.contains("region") {
                        #expect(
                            !(n > 0 && n < 5) || table.title.contains("Readiness")
                                || table.title.contains("Inspections"), "\(table.title): \(n)")
                    }
                }
            }
        }
        let prevented = doc.sections.first { $0.code == "incidents" }!.tables[0]
        #expect(prevented.rows.flatMap { $0 }.contains { $0.suppressed })
        #expect(prevented.rows.last?.last?.number == 12)  // the national total is not small
    }

    @Test func everyFormatCarriesTheReport() throws {
        let (store, engine) = try Self.demo()
        let doc = try Self.report(store, engine)
        let html = doc.html(traceBase: "http://q.example/trace?")
        #expect(html.hasPrefix("<!doctype html>") && html.contains("data-figure=\"F10\""))
        #expect(html.contains("href=\"http://q.example/trace?dx=IND_READINESS&amp;pe=2013..2017&amp;ou=KZ\""))
        #expect(html.contains("<svg") && !html.contains("<script"))
        let md = doc.markdown()
        #expect(
            md.contains(
                "| F10 | Readiness of regional and field offices to respond to terrorist threats | 89.9 % → 91.7 % | 2015 → 2017 |"
            ))
        let json = try JSONSerialization.jsonObject(with: try doc.json()) as! [String: Any]
        #expect((json["figures"] as? [[String: Any]])?.count == 11)
        let book = doc.workbook()
        let entries = XLSXReading.entries(book)
        #expect(entries.keys.filter { $0.hasPrefix("xl/worksheets/") }.count == 2 + doc.sections.count + 1)
        #expect(XLSXReading.numericCells(book) > 10)
    }
}
