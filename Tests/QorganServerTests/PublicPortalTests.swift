import Foundation
import HTTPTypes
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganReports
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

@testable import QorganServer

/// The public portal: anyone reads what a national administrator published and nothing else;
/// every count is protected by the cell-key method, so that an attacker who downloads every
/// public table recovers no small count, and every figure stays within the documented distance.
@Suite struct PublicPortalTests {
    @Test func anyoneReadsThePublishedFiguresAndNothingElse() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            let meta = try await web.send(.get, "/api/public/metadata?lang=ru")
            #expect(meta.status == .ok)
            let indicators = meta.object["indicators"] as? [[String: Any]] ?? []
            #expect(indicators.map { $0["code"] as? String } == DemoProgramme.publication.indicators)
            #expect((indicators.first?["name"] as? String)?.contains("Предотвращ") == true)
            #expect(meta.object["years"] as? [Int] == [2013, 2014, 2015, 2016, 2017])
            #expect((meta.object["units"] as? [[String: Any]])?.count == 18)  // the country and its 17 regions

            let table = "/api/public/analytics?dimension=dx:IND_DRAWN_IN&dimension=pe:2016&dimension=ou:LEVEL-2"
            let ok = try await web.send(.get, table)
            #expect(ok.status == .ok)
            // A row for each region with data that year, as in the signed-in answer.
            let regionsWithData = try state.engine.snapshot().run(
                AnalyticsQuery(
                    data: [.indicator(try #require(state.engine.snapshot().catalog.indicator("IND_DRAWN_IN")).uid)],
                    periods: [try PeriodSelection("2016")],
                    units: state.engine.snapshot().catalog.units(atLevel: 2, on: state.today).map(\.uid))
            ).rows.count
            #expect(regionsWithData > 10)
            #expect((ok.object["rows"] as? [[String]])?.count == regionsWithData)
            #expect(ok.headers[.cacheControl] == "public, max-age=60")
            // Cacheable: a client that has the answer gets 304.
            let tag = try #require(ok.headers[.eTag])
            let again = try await web.send(.get, table, headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified)
            let csv = try await web.send(.get, table.replacingOccurrences(of: "analytics?", with: "analytics.csv?"))
            #expect(csv.status == .ok && csv.text?.hasPrefix("dx,pe,ou,value") == true)

            // The rest of the API stays closed to anyone who has not signed in.
            let closed = try await web.send(.get, table.replacingOccurrences(of: "/public", with: ""))
            #expect(closed.status == .unauthorized)
            #expect(try await web.send(.get, "/api/publication").status == .unauthorized)
            #expect(
                try await web.send(.get, "/api/dataValueSets?dataSet=SECURITY&period=2016&orgUnit=KZ").status
                    == .unauthorized)

            // What is not published is refused, each refusal naming the parameter and the item.
            let base = "/api/public/analytics?dimension=pe:2016&dimension=ou:LEVEL-2&dimension=dx:"
            let refused: [(String, HTTPResponse.Status, String)] = [
                (base + "DRAWN_IN", .forbidden, "dx: 'DRAWN_IN'"),
                (base + "IND_READINESS", .forbidden, "dx: 'IND_READINESS'"),
                (base + "IND_DRAWN_IN&dimension=co", .badRequest, "breakdowns"),
                (base + "IND_DRAWN_IN&aggregationType=MAX", .badRequest, "aggregationType"),
                (
                    "/api/public/analytics?dimension=dx:IND_DRAWN_IN&dimension=pe:2018&dimension=ou:LEVEL-2",
                    .forbidden,
                    "pe: '2018'"
                ),
                (
                    "/api/public/analytics?dimension=dx:IND_DRAWN_IN&dimension=pe:2013..2017&dimension=ou:LEVEL-2",
                    .forbidden, "single years"
                ),
                (
                    "/api/public/analytics?dimension=dx:IND_DRAWN_IN&dimension=pe:201601&dimension=ou:LEVEL-2",
                    .forbidden, "pe: '201601'"
                ),
                (
                    "/api/public/analytics?dimension=dx:IND_DRAWN_IN&dimension=pe:2016&dimension=ou:LEVEL-3",
                    .forbidden, "level 3"
                ),
                (
                    "/api/public/analytics?dimension=dx:IND_DRAWN_IN&dimension=pe:2016&filter=ou:AKT;ALM", .conflict,
                    "one item"
                ),
            ]
            for (uri, status, fragment) in refused {
                let r = try await web.send(.get, uri)
                #expect(r.status == status, "\(uri)")
                #expect((r.object["message"] as? String)?.contains(fragment) == true, "\(uri): \(r.text ?? "")")
            }

            // The page, in three languages, with the table builder's table and downloads.
            for (lang, title) in [("en", "Public figures"), ("ru", "Открытые данные"), ("kk", "ашық деректері")] {
                let page = try await web.send(.get, "/public?lang=\(lang)&dx=IND_DRAWN_IN&level=2&from=2015&to=2017")
                #expect(page.status == .ok)
                let html = page.text ?? ""
                #expect(html.contains("<html lang=\"\(lang)\""))
                #expect(html.contains(title), "\(lang)")
                // The table's regions, and again in the map's table of values.
                #expect(html.components(separatedBy: "<th scope=\"row\">").count - 1 == 2 * 17)
                #expect(html.contains("/api/public/analytics.csv?dimension=dx:IND_DRAWN_IN"))
                #expect(html.contains("<svg"))
                #expect(!html.contains("csrf"))
            }
            let bad = try await web.send(.get, "/public?level=9")
            #expect(bad.status == .badRequest)
            #expect(bad.text?.contains("level &#39;9&#39;") == true || bad.text?.contains("level '9'") == true)
        }
    }

    /// The report's public edition on the portal: for anyone, in three languages, cacheable; its
    /// counts are the portal's (the same cell has the same value as in the table builder), none
    /// below the threshold, each within the documented distance; gone when not published.
    @Test func theReportOnThePortalPrintsTheTablesProtectedCounts() async throws {
        let state = try await WebFixture.state()
        let snapshot = state.engine.snapshot()
        let catalog = snapshot.catalog
        let publication = DemoProgramme.publication
        let method = publication.method
        let leafKeys = try #require(try state.store.publicationWithKeys().1)
        let built = try #require(
            try ReportOptions.portal(
                store: state.store, snapshot: snapshot, publication: publication, leafKeys: leafKeys,
                language: "en", today: state.today))
        let doc = built.document
        for p in built.protection.published {
            let c = Int(p.trueCount.rounded())
            #expect(!(p.value > 0 && p.value < Double(method.threshold)), "\(p)")
            #expect(abs(Int(p.value) - c) <= method.maximumDistance(forTrue: c), "\(p)")
        }
        // No count below the threshold anywhere in the document, and nothing links to the signed-in trace.
        for section in doc.sections {
            for table in section.tables {
                for row in table.rows {
                    for cell in row where cell.key != nil {
                        if let v = cell.number { #expect(!(v > 0 && v < Double(method.threshold)), "\(table.title)") }
                    }
                    #expect(row.allSatisfy { $0.trace == nil })
                }
            }
        }
        #expect(doc.figureTraces.isEmpty)
        let prevented = try #require(
            doc.sections.first { $0.code == "incidents" }?.tables.first, "the acts prevented by region")
        try await withApp(state) { web in
            // The table builder's figures for the same cells.
            let api = try await web.send(
                .get,
                "/api/public/analytics?dimension=dx:IND_ACTS_PREVENTED&dimension=pe:2013;2014;2015;2016;2017"
                    + "&dimension=ou:LEVEL-1;LEVEL-2")
            #expect(api.status == .ok)
            var portal: [String: Double] = [:]
            for row in api.object["rows"] as? [[String]] ?? [] where row.count >= 4 {
                portal["\(row[2])|\(row[1])"] = Double(row[3])
            }
            let country = try #require(catalog.roots(on: state.today).first)
            let regions = catalog.units(atLevel: 2, on: state.today)
            var compared = 0
            for row in prevented.rows {
                let name = row[0].text
                let unit = name == doc.labels["total"] ? country : regions.first { $0.name(in: "en") == name }
                guard let unit else { continue }
                for (i, year) in (2013...2017).enumerated() {
                    #expect(row[i + 1].number == portal["\(unit.uid)|\(year)"] ?? 0, "\(name) \(year)")
                    compared += 1
                }
            }
            // The country and its 16 regions of 2017 (a region split in 2018).
            #expect(compared == 17 * 5)

            for lang in ["en", "ru", "kk"] {
                let page = try await web.send(.get, "/public/report?lang=\(lang)")
                #expect(page.status == .ok)
                let html = page.text ?? ""
                #expect(html.contains("<html lang=\"\(lang)\""))
                #expect(!html.contains("/trace?"))
                #expect(page.headers[.cacheControl] == "public, max-age=60")
                let tag = try #require(page.headers[.eTag])
                let again = try await web.send(.get, "/public/report?lang=\(lang)", headers: [.ifNoneMatch: tag])
                #expect(again.status == .notModified)
            }
            let ru = try await web.send(.get, "/public/report?lang=ru")
            #expect(ru.text?.contains("методом ключей ячеек") == true)
            // The document served is the one built here.
            let json = try await web.send(.get, "/public/report?format=json&lang=en")
            #expect(json.status == .ok)
            #expect(Data(buffer: json.body) == (try doc.json()))
            let xlsx = try await web.send(.get, "/public/report?format=xlsx&lang=en")
            #expect(xlsx.status == .ok && Data(buffer: xlsx.body).starts(with: [0x50, 0x4B]))
            let bad = try await web.send(.get, "/public/report?format=docx")
            #expect(bad.status == .badRequest)
            #expect(bad.text?.contains("docx") == true)
            // The portal links to it.
            #expect(
                (try await web.send(.get, "/public?lang=en")).text?.contains("href=\"/public/report?lang=en\"") == true)
        }

        // Not published: gone from the portal, its link too.
        var off = publication
        off.report = false
        _ = try state.store.setPublication(off, user: "admin")
        try await withApp(state) { web in
            let page = try await web.send(.get, "/public/report?lang=en")
            #expect(page.status == .notFound)
            #expect(page.text?.contains("not published") == true)
            #expect((try await web.send(.get, "/public?lang=en")).text?.contains("/public/report") == false)
        }
        _ = try state.store.setPublication(publication, user: "admin")
        // A report needs the country among the published levels.
        var regional = publication
        regional.levels = [2]
        #expect(regional.problems(in: catalog).contains { $0.field == "report" })
    }

    @Test func aNationalAdministratorSetsWhatIsPublishedAudited() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            var publication = DemoProgramme.publication
            publication.indicators.removeAll { $0 == "IND_DRAWN_IN" }
            let body = try JSONSerialization.jsonObject(with: JSONEncoder().encode(publication))
            try await web.signIn("analyst")
            #expect(try await web.send(.put, "/api/publication", json: body).status == .forbidden)
            web.cookies = [:]
            try await web.signIn("admin")
            // Refused whole, naming what is wrong: an average cannot be protected as a count.
            var wrong = publication
            wrong.indicators.append("IND_READINESS")
            wrong.threshold = 1
            let refused = try await web.send(
                .put, "/api/publication", json: try JSONSerialization.jsonObject(with: JSONEncoder().encode(wrong)))
            #expect(refused.status == .badRequest)
            let text = refused.text ?? ""
            #expect(text.contains("READINESS_PCT") && text.contains("AVERAGE") && text.contains("threshold"), "\(text)")
            #expect(try state.store.publication() == DemoProgramme.publication)
            // A misspelt setting is refused, not ignored.
            let misspelt = try await web.send(
                .put, "/api/publication", headers: [.contentType: "application/json"],
                raw: #"{"indicators": [], "levels": [1], "fromYear": 2013, "threshhold": 10, "threshold": 5}"#)
            #expect(misspelt.status == .badRequest && misspelt.text?.contains("threshhold") == true)

            let saved = try await web.send(.put, "/api/publication", json: body)
            #expect(saved.status == .ok)
            #expect(try state.store.publication() == publication)
            let history = try state.store.recordHistory(kind: "publication", uid: "publication")
            #expect(history.count == 2)
            #expect(history.last?.changedBy == "admin")
            // At once: no longer published.
            web.cookies = [:]
            let gone = try await web.send(
                .get, "/api/public/analytics?dimension=dx:IND_DRAWN_IN&dimension=pe:2016&dimension=ou:LEVEL-2")
            #expect(gone.status == .forbidden)
        }
    }

    /// Two servers on one database: what one publishes and saves, the other's portal answers at
    /// once, although it keeps its portal's data between requests.
    @Test(arguments: TestBackend.allCases) func everyServersPortalFollowsEveryCommit(on backend: TestBackend)
        async throws
    {
        let (serverA, serverB) = try await WebFixture.twoServers(on: backend)
        let drawn = "/api/public/analytics?dimension=dx:IND_DRAWN_IN&dimension=pe:2016&dimension=ou:LEVEL-2"
        let convictions = "/api/public/analytics?dimension=dx:IND_CONVICTIONS&dimension=pe:2018&dimension=ou:AKT"
        try await withApp(serverB) { web in
            let before = try await web.send(.get, drawn)
            #expect(before.status == .ok)
        }
        let publication = Publication(
            indicators: ["IND_CONVICTIONS"], levels: [1, 2], fromYear: 2013, toYear: nil, threshold: 5)
        try await withApp(serverA) { web in
            try await web.signIn("admin")
            let body = try JSONSerialization.jsonObject(with: JSONEncoder().encode(publication))
            #expect(try await web.send(.put, "/api/publication", json: body).status == .ok)
        }
        try await withApp(serverB) { web in
            #expect(try await web.send(.get, drawn).status == .forbidden)
            let none = try await web.send(.get, convictions)
            #expect(none.status == .ok && (none.object["rows"] as? [[String]])?.isEmpty == true)
        }
        try await withApp(serverA) { web in
            try await web.signIn("admin")
            let saved = try await web.send(.post, "/api/dataValues?de=CONVICTIONS&pe=201801&ou=AKT&value=40")
            #expect((200..<300).contains(saved.status.code), "\(saved.text ?? "")")
        }
        try await withApp(serverB) { web in
            let rows = try await web.send(.get, convictions).object["rows"] as? [[String]] ?? []
            let value = rows.first.flatMap { Double($0[3]) } ?? -1
            #expect(rows.count == 1 && (38...42).contains(value), "\(rows)")
        }
    }

    /// A published count: what it adds up (selectors and how often), where and over which years.
    struct Cell: Hashable {
        var terms: String
        var unit: String
        var years: ClosedRange<Int>
    }

    /// One stored figure an attacker could alter: a selector's values of one region in one year.
    struct Atom: Hashable {
        var selector: CountSelector
        var region: String
        var year: Int
    }

    static func termsKey(_ terms: [CountSelector: Int]) -> String {
        terms.sorted { $0.key < $1.key }.map { "\($0.key.element).\($0.key.optionCombo ?? "*")×\($0.value)" }
            .joined(separator: "+")
    }

    /// Downloads every public table: each published indicator in every year, for the country and
    /// every region, with the counts it is computed from. Periods combine only as sums of
    /// published years (the portal refuses spans), which tell nothing more.
    @Test func anAttackerWithEveryPublicTableRecoversNoSmallCount() async throws {
        let state = try await WebFixture.state()
        let snapshot = state.engine.snapshot()
        let catalog = snapshot.catalog
        let today = state.today
        let publication = DemoProgramme.publication
        let method = publication.method
        let years = 2013...2017
        let spans = years.map { $0...$0 }
        let pe: @Sendable (ClosedRange<Int>) -> String = {
            $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)..\($0.upperBound)"
        }
        let country = try #require(catalog.roots(on: today).first)
        let regions = catalog.units(atLevel: 2, on: today)
        let units = [country.uid] + regions.map(\.uid)
        var counts: [String: PublicCount] = [:]
        for code in publication.indicators {
            let ind = try #require(catalog.indicator(code))
            counts[ind.uid] = try PublicCount(ind, catalog: catalog)
        }

        // 1. Everything the portal publishes, and the same again (repeated queries change nothing).
        let rows = try await withApp(state) { web -> [[String]] in
            var rows: [[String]] = []
            for code in publication.indicators {
                let uri =
                    "/api/public/analytics?dimension=dx:\(code)&dimension=pe:\(spans.map(pe).joined(separator: ";"))"
                    + "&dimension=ou:LEVEL-1;LEVEL-2&includeNumDen=true"
                let r = try await web.send(.get, uri)
                #expect(r.status == .ok, "\(code): \(r.text ?? "")")
                let again = try await web.send(.get, uri)
                #expect(again.body == r.body)
                rows += r.object["rows"] as? [[String]] ?? []
            }
            // One cell asked alone, in Qorgan's form with filters, is the cell of the big tables.
            let one = try await web.send(
                .get, "/api/public/analytics?dx=IND_DRAWN_IN&pe=2015&ou=\(regions[0].uid)&filter=pe&filter=ou")
            #expect(one.status == .ok)
            rows += ((one.object["rows"] as? [[String: Any]]) ?? []).map { r in
                [
                    "\(r["dx"] ?? "")", "2015", regions[0].uid, "\(r["value"] ?? "")", "\(r["numerator"] ?? "")",
                    "\(r["denominator"] ?? "")", "\(r["factor"] ?? "")",
                ]
            }
            return rows
        }
        #expect(rows.count > 500)
        // The report's public edition on the portal: every count it prints (the page serves this document).
        let leafKeys = try #require(try state.store.publicationWithKeys().1)
        let report = try #require(
            try ReportOptions.portal(
                store: state.store, snapshot: snapshot, publication: publication, leafKeys: leafKeys,
                language: "en", today: today))
        let reportCells = report.protection.published
        #expect(reportCells.count > 300, "the report publishes counts: \(reportCells.count)")

        // 2. The true counts (the engine, unprotected).
        let truth = try snapshot.run(
            AnalyticsQuery(
                data: counts.keys.sorted().map { .indicator($0) },
                periods: try spans.map { try PeriodSelection(pe($0)) }, units: units, includeNumeratorDenominator: true)
        )
        var trueValue: [Cell: Double] = [:]
        var published: [Cell: Double] = [:]
        func cells(_ dx: String, _ pe: String, _ ou: String) throws -> (Cell, Cell?) {
            let count = try #require(counts[dx])
            let s = try PeriodSelection(pe).span
            let span = s.start.year...s.end.year
            return (
                Cell(terms: Self.termsKey(count.numerator), unit: ou, years: span),
                count.denominator.map { Cell(terms: Self.termsKey($0), unit: ou, years: span) }
            )
        }
        for r in truth.rows {
            let (n, d) = try cells(r.dx, r.pe, r.ou)
            trueValue[n] = r.numerator ?? r.value
            if let d, let den = r.denominator { trueValue[d] = den }
        }
        // The same cell has the same published value in every table that shows it.
        var inconsistent: [String] = []
        for row in rows where row.count == 7 {
            let (n, d) = try cells(row[0], row[1], row[2])
            let factor = Double(row[6]) ?? 1
            for (cell, text) in [(n, row[4])] + (d.map { [($0, row[5])] } ?? []) {
                guard let v = Double(text) else { continue }
                if let seen = published[cell], seen != v { inconsistent.append("\(cell): \(seen) and \(v)") }
                published[cell] = v
            }
            // A share is computed from the protected counts.
            let decimals = catalog.indicator(row[0])?.decimals ?? 0
            if let den = Double(row[5]), counts[row[0]]?.denominator != nil {
                #expect(den >= Double(PublicProtection.minimumDenominator(method)), "\(row)")
            }
            if let v = Double(row[3]), let num = Double(row[4]), let den = Double(row[5]), den > 0 {
                #expect(abs(v - num / den * factor) <= 0.5 * pow(10, -Double(decimals)) + 1e-9, "\(row)")
            }
        }
        var termsOf: [String: [CountSelector: Int]] = [:]
        for c in counts.values {
            termsOf[Self.termsKey(c.numerator)] = c.numerator
            if let d = c.denominator { termsOf[Self.termsKey(d)] = d }
        }
        // The report's counts: the same cell has the same value as in the tables; its true count is the engine's.
        for p in reportCells {
            let cell = Cell(terms: Self.termsKey(p.terms), unit: p.unit, years: p.year...p.year)
            termsOf[cell.terms] = p.terms
            if let seen = published[cell], seen != p.value {
                inconsistent.append("report \(cell): \(seen) and \(p.value)")
            }
            if let t = trueValue[cell], t != p.trueCount {
                inconsistent.append("report \(cell): true \(t), \(p.trueCount)")
            }
            published[cell] = p.value
            trueValue[cell] = p.trueCount
        }
        #expect(inconsistent.isEmpty, "\(inconsistent.prefix(5))")

        // 3. No count below the threshold is published as it is, and every published count lies
        // within the documented distance of the true one.
        var far: [String] = []
        for (cell, p) in published {
            let t = try #require(trueValue[cell], "no truth for \(cell)")
            let c = Int(t.rounded())
            if p > 0 && p < Double(method.threshold) { far.append("\(cell) published as \(p)") }
            if abs(Int(p) - c) > method.maximumDistance(forTrue: c) { far.append("\(cell): \(c) published as \(p)") }
        }
        #expect(far.isEmpty, "\(far.prefix(5))")
        #expect(published.count > 700)

        // 4. The attack. The attacker knows the method, its parameters, every published count and
        // how the counts add up (regions to the country, years to spans, elements to indicators);
        // not the secret. A small count is recovered when the published figures leave it one
        // possible value. For each one, find another database — a few regions' yearly figures
        // changed by one — that differs in that count and would have let every published figure
        // be what it is (each within the perturbations its new true count allows): then the
        // attacker cannot tell the two apart.
        // The atoms: each option combination of each summed element, region and year.
        let elements = Set(termsOf.values.flatMap { $0.keys.map(\.element) })
        let summed = Set(elements.filter { catalog.element($0)?.aggregationType == .sum })
        var atomValue: [Atom: Double] = [:]
        for e in summed {
            let result = try snapshot.run(
                AnalyticsQuery(
                    data: [.element(e)], periods: years.compactMap { Period.year($0) }.map(PeriodSelection.init),
                    units: regions.map(\.uid), disaggregate: true))
            for r in result.rows {
                atomValue[
                    Atom(
                        selector: CountSelector(element: e, optionCombo: r.co), region: r.ou, year: Int(r.pe) ?? 0)] =
                    r.value
            }
        }
        /// How many times `atom` counts in `cell`.
        func times(_ atom: Atom, in cell: Cell) -> Int {
            guard cell.years.contains(atom.year), cell.unit == atom.region || cell.unit == country.uid,
                let terms = termsOf[cell.terms]
            else { return 0 }
            var m = 0
            for (s, k) in terms
            where s.element == atom.selector.element
                && (s.optionCombo == nil || s.optionCombo == atom.selector.optionCombo)
            {
                m += k
            }
            return m
        }
        var cellsOf: [Atom: [Cell]] = [:]
        for atom in atomValue.keys {
            cellsOf[atom] = published.keys.filter { times(atom, in: $0) > 0 }
        }
        /// Whether every published count could be what it is if the atoms changed by `changes`.
        func consistent(_ changes: [(Atom, Int)]) -> Bool {
            var touched = Set<Cell>()
            for (a, d) in changes {
                guard let v = atomValue[a], v + Double(d) >= 0 else { return false }
                touched.formUnion(cellsOf[a] ?? [])
            }
            for cell in touched {
                guard let t = trueValue[cell], let p = published[cell] else { continue }
                let moved = Int(t.rounded()) + changes.reduce(0) { $0 + $1.1 * times($1.0, in: cell) }
                guard moved >= 0, method.support(ofTrue: moved).contains(Int(p)) else { return false }
            }
            return true
        }
        let atoms = atomValue.keys.sorted { ($0.year, $0.region, $0.selector) < ($1.year, $1.region, $1.selector) }
        var small = 0
        var recovered: [String] = []
        for (cell, t) in trueValue where published[cell] != nil && t >= 1 && t < Double(method.threshold) {
            guard let terms = termsOf[cell.terms], terms.keys.allSatisfy({ summed.contains($0.element) }) else {
                continue
            }
            small += 1
            let inside = atoms.filter { times($0, in: cell) > 0 }
            var found = false
            search: for a in inside {
                for d in [1, -1] {
                    if consistent([(a, d)]) {
                        found = true
                        break search
                    }
                    for b in atoms where times(b, in: cell) == 0 && consistent([(a, d), (b, -d)]) {
                        found = true
                        break search
                    }
                }
            }
            if !found { recovered.append("\(cell) = \(t)") }
        }
        #expect(small > 200, "the demo has small counts to attack: \(small)")
        #expect(recovered.isEmpty, "\(recovered.count) of \(small) small counts recovered: \(recovered.prefix(5))")
    }
}
