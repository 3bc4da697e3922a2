import Foundation
import QorganAnalytics
import QorganCore
import QorganReports
import QorganStore
import QorganTestSupport
import Testing

/// The public edition as a whole document: every count it prints anywhere passes one disclosure
/// pass. Generated for many units, periods and thresholds, no published count is below the
/// threshold, no count is both withheld in one place and printed in another, and no withheld
/// cell of a table follows from what the document publishes (its totals, or the same totals
/// printed elsewhere: key figures, the progress table, other tables).
@Suite(.serialized) struct PublicEditionTests {
    static let (store, engine): (Store, AnalyticsEngine) = {
        let store = try! Fixtures.demoStore()
        return (store, try! AnalyticsEngine.open(store: store).0)
    }()

    static func document(unit: String, periods: String, threshold: Double, edition: String = "public") throws
        -> ReportDocument
    {
        try ReportOptions.build(
            store: store, snapshot: engine.snapshot(), periods: periods, unit: unit, language: "en",
            edition: edition, threshold: threshold, today: Day(year: 2026, month: 11, day: 29)!)
    }

    static func isCount(_ code: String, _ catalog: Catalog) -> Bool {
        guard let ind = catalog.indicator(code) else { return catalog.element(code) != nil }
        return ind.denominator.trimmingCharacters(in: .whitespaces) == "1" && ind.factor == 1
    }

    /// Every problem of one document, described.
    static func problems(_ doc: ReportDocument, threshold: Double, catalog: Catalog) -> [String] {
        var out: [String] = []
        func small(_ v: Double?) -> Bool { v.map { $0 > 0 && $0 < threshold } ?? false }
        var published: [String: Double] = [:]
        var withheld = Set<String>()
        for table in doc.sections.flatMap(\.tables) {
            for row in table.rows {
                for cell in row {
                    guard let key = cell.key else { continue }
                    if cell.suppressed {
                        withheld.insert(key)
                        if cell.number != nil || cell.trace != nil {
                            out.append("\(table.title): \(key) hidden but kept")
                        }
                    } else if let n = cell.number {
                        published[key] = n
                        if small(n) { out.append("\(table.title): \(key) = \(n) is printed") }
                    }
                }
            }
        }
        for f in doc.figures where f.denominator == nil && isCount(f.indicator, catalog) {
            if f.values.contains(where: small) { out.append("figure \(f.code) prints \(f.display)") }
            if let trace = doc.figureTraces[f.code], let k = Disclosure.key(trace: trace), let v = f.values.last ?? nil
            {
                published[k] = v
            }
            for item in f.breakdown ?? [] where small(item.value) {
                out.append("figure \(f.code) prints \(item.name) \(item.value)")
            }
        }
        for p in doc.progress where isCount(p.indicator, catalog) {
            if small(p.latestValue) { out.append("progress \(p.indicator) latest \(p.latest)") }
            if small(p.baselineValue) { out.append("progress \(p.indicator) baseline \(p.baseline)") }
            if let t = p.trace, let k = Disclosure.key(trace: t), let v = p.latestValue { published[k] = v }
        }
        for k in withheld where published[k] != nil {
            out.append("\(k) is withheld in one place and printed (\(published[k] ?? 0)) in another")
        }
        // Tables of counts with their totals: no hidden cell follows from the published totals,
        // a total counting as published when the document prints it anywhere.
        for table in doc.sections.flatMap(\.tables) where table.header.last == "Total" && table.rows.count > 1 {
            guard table.rows.last?.first?.text == "Total" else { continue }
            let inner = table.rows.dropLast().map { Array($0.dropFirst().dropLast()) }
            let rows = inner.count
            let cols = inner.first?.count ?? 0
            guard rows > 0, cols > 0 else { continue }
            var hidden: [Disclosure.Cell] = []
            for r in 0..<rows {
                for c in 0..<cols where inner[r][c].suppressed { hidden.append(Disclosure.Cell(r, c)) }
            }
            guard !hidden.isEmpty else { continue }
            func isPublished(_ cell: ReportDocument.Cell?) -> Bool {
                guard let cell else { return false }
                return !cell.suppressed || cell.key.map { published[$0] != nil } == true
            }
            let publishedRows = Set((0..<rows).filter { isPublished(table.rows[$0].last) })
            let totals = table.rows[rows]
            let publishedCols = Set((0..<cols).filter { isPublished(totals[$0 + 1]) })
            let grand = isPublished(totals.last)
            for cell in hidden {
                var constraints: [[Double]] = []
                for r in publishedRows { constraints.append(hidden.map { $0.row == r ? 1 : 0 }) }
                for c in publishedCols { constraints.append(hidden.map { $0.column == c ? 1 : 0 }) }
                if grand { constraints.append(hidden.map { _ in 1 }) }
                let unit = hidden.map { $0 == cell ? 1.0 : 0.0 }
                if DisclosureTests.rank(constraints) == DisclosureTests.rank(constraints + [unit]) {
                    out.append("\(table.title): the hidden cell \(cell.row),\(cell.column) follows from the totals")
                }
            }
        }
        return out
    }

    @Test func noPublishedCountIsSmallOrRecoverableAcrossUnitsPeriodsAndThresholds() throws {
        let catalog = try Self.store.catalog()
        var documents = 0
        var withheldCells = 0
        var failures: [String] = []
        for unit in ["KZ", "AKT", "ALA", "ZKO", "MAN", "AKT_AKTOBE"] {
            for periods in ["2013..2017", "2016", "2015..2016", "2017"] {
                for threshold in [3.0, 5, 10] {
                    let doc = try Self.document(unit: unit, periods: periods, threshold: threshold)
                    documents += 1
                    withheldCells += doc.sections.flatMap(\.tables).flatMap(\.rows).joined().filter(\.suppressed).count
                    failures += Self.problems(doc, threshold: threshold, catalog: catalog).map {
                        "\(unit) \(periods) threshold \(threshold): \($0)"
                    }
                }
            }
        }
        #expect(documents == 72)
        #expect(withheldCells > 100, "the demo's small counts are withheld: \(withheldCells)")
        #expect(failures.isEmpty, "\(failures.prefix(20).joined(separator: "\n"))")
    }

    /// The case of the issue: the national report of 2013–2017 hides the yearly counts of acts
    /// prevented in its table, and its progress table printed them ("2 (2013)", "2 (2017)").
    @Test func theProgressTableWithholdsWhatTheSectionTableHides() throws {
        let doc = try Self.document(unit: "KZ", periods: "2013..2017", threshold: 5)
        let acts = try #require(doc.progress.first { $0.indicator == "IND_ACTS_PREVENTED" })
        #expect(acts.latest == "–" && acts.baseline == "–" && acts.status == "–", "\(acts)")
        for text in [doc.markdown(), doc.html(traceBase: "/trace?"), String(decoding: try doc.json(), as: UTF8.self)] {
            #expect(!text.contains("| Acts prevented | 2 (2013)"))
        }
        // The full edition prints them.
        let full = try Self.document(unit: "KZ", periods: "2013..2017", threshold: 5, edition: "full")
        #expect(full.progress.first { $0.indicator == "IND_ACTS_PREVENTED" }?.latest == "2 (2017)")
    }
}
