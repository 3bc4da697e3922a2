import Foundation
import QorganAnalytics
import QorganCore
import QorganReports
import QorganStore
import QorganTestSupport
import Testing

@Suite struct EngineTests {
    func live(_ store: Store) throws -> AnalyticsEngine {
        let (engine, _) = try AnalyticsEngine.open(store: store)
        return engine
    }

    func sum(_ engine: AnalyticsEngine, _ element: String, _ unit: String, _ period: String) throws -> Double? {
        let s = engine.snapshot()
        let q = try QuerySpec(dx: [element], pe: [period], ou: [unit]).resolve(
            in: s.catalog, today: Day(year: 2017, month: 6, day: 1)!)
        return try s.run(q).rows.first?.value
    }

    @Test(arguments: TestBackend.allCases) func aSavedValueIsVisibleToTheNextQuery(on backend: TestBackend) throws {
        let store = try backend.smallStore()
        let engine = try live(store)
        #expect(try sum(engine, "AVG", "C", "2016") == nil)
        try store.saveValues([DataValueInput(element: "AVG", period: "201601", unit: "A1", value: "4")], user: "t")
        #expect(try sum(engine, "AVG", "C", "2016") == 4)
        try store.saveValues([DataValueInput(element: "AVG", period: "201602", unit: "B1", value: "8")], user: "t")
        #expect(try sum(engine, "AVG", "C", "2016") == 6)
        try store.saveValues(
            [DataValueInput(element: "AVG", period: "201601", unit: "A1", value: "", deleted: "true")], user: "t")
        #expect(try sum(engine, "AVG", "C", "2016") == 8)
        // A dry run and a rejected batch change nothing the engine sees.
        try store.saveValues(
            [DataValueInput(element: "AVG", period: "201603", unit: "B1", value: "100")], user: "t", dryRun: true)
        _ = try? store.saveValues(
            [
                DataValueInput(element: "AVG", period: "201603", unit: "B1", value: "100"),
                DataValueInput(element: "AVG", period: "201603", unit: "B1", value: "x", line: 2),
            ], user: "t")
        #expect(try sum(engine, "AVG", "C", "2016") == 8)
    }

    @Test(arguments: TestBackend.allCases) func metadataChangesReachTheEngine(on backend: TestBackend) throws {
        let store = try backend.smallStore()
        try store.saveValues(
            [DataValueInput(element: "SUM", period: "201601", unit: "A1", optionCombo: "M", value: "3")], user: "t")
        let engine = try live(store)
        var doc = Catalog()
        doc.categoryCombos = []
        let open = Day(year: 2010, month: 1, day: 1)!
        doc.organisationUnits = [
            OrgUnit(uid: "", code: "A3", name: "A3", openingDate: open, parents: [ParentLink(parent: "A", from: open)])
        ]
        doc.dataSets = [
            DataSet(
                uid: "", code: "MONTHLY", name: "Monthly form", periodType: .monthly,
                dataElements: [
                    "SUM", "AVG", "AVGSUM", "LAST", "LASTIN", "MIN", "MAX", "COUNT", "NONE", "INT", "POS", "PCT",
                    "BOOL", "TEXT",
                ],
                organisationUnits: ["A", "B", "A1", "A2", "B1", "OLD", "C", "A3"])
        ]
        try store.importMetadata(doc, user: "t")
        try store.saveValues(
            [DataValueInput(element: "SUM", period: "201601", unit: "A3", optionCombo: "F", value: "4")], user: "t")
        #expect(try sum(engine, "SUM", "A", "201601") == 7)
        #expect(try sum(engine, "SUM", "A3", "201601") == 4)

        // A reorganisation: A3 moves under B from 2016-01-01; its January value follows it.
        var move = Catalog()
        move.categoryCombos = []
        move.organisationUnits = [
            OrgUnit(
                uid: "", code: "A3", name: "A3", openingDate: open,
                parents: [
                    ParentLink(parent: "A", from: open),
                    ParentLink(parent: "B", from: Day(year: 2016, month: 1, day: 1)!),
                ])
        ]
        try store.importMetadata(move, user: "t")
        #expect(try sum(engine, "SUM", "A", "201601") == 3)
        #expect(try sum(engine, "SUM", "B", "201601") == 4)
        #expect(try sum(engine, "SUM", "C", "201601") == 7)
    }

    @Test func loadingFromTheStoreEqualsBuildingFromValues() throws {
        let store = try Fixtures.demoStore()
        let loaded = try live(store).snapshot()
        let built = EngineState.build(catalog: try store.catalog(), values: try store.values())
        #expect(loaded.valueCount == 30_605 && built.valueCount == loaded.valueCount)
        let spec = QuerySpec(
            dx: ["TG_REACHED", "DRAWN_IN", "IND_READINESS", "REHAB_CASELOAD"], pe: ["2013..2017"],
            ou: ["LEVEL-2", "KZ"])
        var s = spec
        s.co = true
        s.periodType = .quarterly
        let q = try s.resolve(in: loaded.catalog, today: Day(year: 2018, month: 1, day: 1)!)
        #expect(try loaded.run(q).rows == built.run(q).rows)
        #expect(try loaded.run(q).rows.count > 1000)
    }

    @Test func theReportIsTheSameFromTheEngineAndTheReference() throws {
        let store = try Fixtures.demoStore()
        let viaEngine = ProgrammeReport(aggregator: try live(store).snapshot())
        let viaReference = ProgrammeReport(aggregator: try store.referenceAggregator())
        #expect(viaEngine.figures.map(\.display) == viaReference.figures.map(\.display))
        for (a, b) in zip(viaEngine.figures, viaReference.figures) {
            #expect(a.values.count == b.values.count)
            for (x, y) in zip(a.values, b.values) { #expect(abs((x ?? -1) - (y ?? -1)) < 1e-9, "\(a.code)") }
            #expect(a.numerator == b.numerator || abs((a.numerator ?? 0) - (b.numerator ?? 0)) < 1e-9)
        }
        #expect(viaEngine.figure("F10")?.display == "89.9 % → 91.7 %")
    }

    @Test func querySpecsResolveRelativePeriodsAndUnitSelectors() throws {
        let c = try Fixtures.demoStore().catalog()
        let today = Day(year: 2017, month: 5, day: 10)!
        func periods(_ item: String, type: PeriodType? = nil) throws -> [String] {
            var s = QuerySpec(dx: ["TG_REACHED"], pe: [item], ou: ["KZ"])
            s.periodType = type
            return try s.resolve(in: c, today: today).periods.map(\.description)
        }
        #expect(try periods("THIS_YEAR") == ["2017"])
        #expect(try periods("LAST_YEAR") == ["2016"])
        #expect(try periods("LAST_5_YEARS") == ["2012", "2013", "2014", "2015", "2016"])
        #expect(try periods("LAST_12_MONTHS").first == "201605" && periods("LAST_12_MONTHS").last == "201704")
        #expect(try periods("THIS_QUARTER") == ["2017Q2"])
        #expect(try periods("LAST_4_QUARTERS") == ["2016Q2", "2016Q3", "2016Q4", "2017Q1"])
        #expect(try periods("MONTHS_THIS_YEAR").count == 12)
        #expect(try periods("2013..2017", type: .yearly) == ["2013", "2014", "2015", "2016", "2017"])
        #expect(try periods("2016", type: .quarterly) == ["2016Q1", "2016Q2", "2016Q3", "2016Q4"])
        func units(_ item: String, pe: String = "2016") throws -> [String] {
            try QuerySpec(dx: ["TG_REACHED"], pe: [pe], ou: [item]).resolve(in: c, today: today).units.map {
                c.unit($0)!.code
            }
        }
        #expect(try units("LEVEL-2").count == 16)
        #expect(try units("LEVEL-2", pe: "2019").count == 17)  // Shymkent is a region from June 2018
        #expect(try units("CHILDREN:AKT") == ["AKT_AKTOBE", "AKT_KANDYAGASH", "AKT_KHROMTAU"])
        #expect(try units("LEVEL-3:ATY") == ["ATY_ATYRAU", "ATY_KULSARY"])
        var mine = QuerySpec(dx: ["TG_REACHED"], pe: ["2016"], ou: ["USER_ORGUNIT", "USER_ORGUNIT_CHILDREN"])
        mine.userUnits = ["AKT"]
        #expect(
            try mine.resolve(in: c, today: today).units.map { c.unit($0)!.code } == [
                "AKT", "AKT_AKTOBE", "AKT_KANDYAGASH", "AKT_KHROMTAU",
            ])
        mine.userUnits = []
        #expect(throws: QorganError.self) { try mine.resolve(in: c, today: today) }
        #expect {
            _ = try QuerySpec(
                dx: ["NOPE", "TG_REACHED.NOPE"], pe: ["2016Q9", "LAST_0_YEARS"], ou: ["LEVEL-x", "NOWHERE"]
            ).resolve(in: c, today: today)
        } throws: { e in
            guard case QorganError.invalidRequest(_, let ps) = e else { return false }
            return ps.count == 6 && ps.filter { $0.field == "dx" }.count == 2
                && ps.filter { $0.field == "pe" }.count == 2
                && ps.filter { $0.field == "ou" }.count == 2
        }
    }

    @Test func filtersPivotsAndFormats() throws {
        let store = try Fixtures.demoStore()
        let s = try live(store).snapshot()
        let today = Day(year: 2018, month: 1, day: 1)!
        var spec = QuerySpec(dx: ["TG_REACHED"], pe: ["2016", "2017"], ou: ["AKT", "ALA"])
        let both = try s.run(try spec.resolve(in: s.catalog, today: today))
        spec.filters = [.pe, .ou]
        let filtered = try s.run(try spec.resolve(in: s.catalog, today: today))
        #expect(filtered.rows.count == 1)
        #expect(filtered.rows[0].value == both.rows.map(\.value).reduce(0, +))
        #expect(filtered.axes == [.dx])

        spec = QuerySpec(dx: ["DRAWN_IN"], pe: ["2013..2017"], ou: ["KZ"])
        spec.co = true
        spec.periodType = .yearly
        let r = try s.run(try spec.resolve(in: s.catalog, today: today))
        let pivot = r.pivot(rows: [.co], columns: [.pe])
        #expect(pivot.header == ["co", "2013", "2014", "2015", "2016", "2017"])
        // Option combinations that never had a value have no row ("no data" is not 0).
        #expect(pivot.rows.count == Set(r.rows.compactMap(\.co)).count)
        #expect(pivot.rows.count >= 8)
        #expect(pivot.rows.first?.first == "Young people, Male")
        let yearly2017 = pivot.rows.compactMap { Int($0[5]) }.reduce(0, +)
        #expect(yearly2017 == 430)
        let csv = r.csv()
        #expect(csv.hasPrefix("dx,co,pe,ou,value\n"))
        #expect(csv.contains("DRAWN_IN,YOUTH_MALE,2013,KZ,"))
        let json = try JSONSerialization.jsonObject(with: try r.json()) as! [String: Any]
        #expect((json["rows"] as! [Any]).count == r.rows.count)
        #expect(
            ((json["metaData"] as! [String: Any])[s.catalog.unit("KZ")!.uid] as! [String: Any])["name"] as? String
                == "Republic of Kazakhstan")
    }
}
