import Foundation
import QorganCore
import QorganDemo
import QorganReports
import QorganStore
import QorganTestSupport
import Testing

@Suite struct DemoTests {
    let store: Store
    init() throws { store = try Fixtures.demoStore() }

    func report() throws -> ProgrammeReport { ProgrammeReport(aggregator: try store.referenceAggregator()) }

    @Test func reproducesEveryFigureOfTheProgrammeReport() throws {
        let r = try report()
        #expect(r.figures.map(\.code) == (1...11).map { "F\($0)" })
        for (code, expected) in DemoProgramme.expectedFigures {
            #expect(r.figure(code)?.display == expected, "\(code)")
        }
        #expect(r.figure("F10")?.periods == "2015 → 2017")
        #expect(r.figure("F3")?.numerator == 50_686)
        #expect(r.figure("F3")?.denominator == 157_900)
        #expect(r.figure("F9")?.breakdown?.map(\.unit) == ["AKT", "ALA"])
    }

    @Test func theRegionsTell18DifferentStories() throws {
        let agg = try store.referenceAggregator()
        let c = agg.catalog
        let regions = c.children(of: c.unit("KZ")!.uid, on: Day(year: 2016, month: 1, day: 1)!)
        #expect(regions.count == 16)
        let reach = regions.map {
            agg.value(
                .indicator(c.indicator("IND_TG_COVERAGE")!.uid), unit: $0.uid, periods: try! PeriodSelection("2016"))
        }
        #expect(reach.allSatisfy { $0 != nil })
        #expect(Set(reach.map { $0! }).count == regions.count, "no two regions alike")
        // The regions add up to the nation.
        let el = c.element("TG_REACHED")!.uid
        let sum = regions.compactMap { agg.value(.element(el), unit: $0.uid, periods: try! PeriodSelection("2016")) }
            .reduce(0, +)
        #expect(sum == 50_686)
    }

    @Test func involvementIsNotDecreasingAndYoungPeopleLead() throws {
        let agg = try store.referenceAggregator()
        let c = agg.catalog
        let drawn = (2013...2017).map {
            agg.value(
                .indicator(c.indicator("IND_DRAWN_IN")!.uid), unit: "KZ", periods: try! PeriodSelection(String($0)))!
        }
        #expect(zip(drawn, drawn.dropFirst()).allSatisfy { $0 <= $1 })
        let young = agg.value(
            .indicator(c.indicator("IND_YOUNG_SHARE")!.uid), unit: "KZ", periods: try PeriodSelection("2013..2017"))!
        #expect(young > 50)
    }

    @Test func shymkentMovesOnlyAfterTheProgramme() throws {
        let c = try store.catalog()
        let shymkent = c.unit("YUK_SHYMKENT")!
        #expect(c.level(of: shymkent.uid, on: Day(year: 2017, month: 12, day: 31)!) == 3)
        #expect(c.level(of: shymkent.uid, on: Day(year: 2019, month: 1, day: 1)!) == 2)
        #expect(c.isInSubtree(shymkent.uid, of: c.unit("YUK")!.uid, on: Day(year: 2016, month: 5, day: 1)!))
        #expect(!c.isInSubtree(shymkent.uid, of: c.unit("YUK")!.uid, on: Day(year: 2019, month: 5, day: 1)!))
    }

    @Test func oneRegionalValueMovesTheNationalFigureByExactlyItsChange() throws {
        let agg = try store.referenceAggregator()
        let el = agg.catalog.element("TG_REACHED")!
        let key = DataValueKey(
            element: el.uid, period: try Period("201610"), unit: agg.catalog.unit("ZKO_ORAL")!.uid,
            optionCombo: agg.catalog.optionCombo("STUDENTS", of: el)!.uid)
        let old = Int(try #require(try store.value(key)).value)!
        // 2016 is approved to the national level: the approval is withdrawn first, as an
        // administrator would, or the value stays locked.
        try store.approve(
            .unapprove, dataSet: try #require(agg.catalog.dataSet("PREVENTION")).uid, period: "201610",
            unit: key.unit, reason: "correcting October", by: "admin"
        ) { _ in nil }
        // And the office's October is marked incomplete again, to be corrected.
        try store.reopen([("PREVENTION", "201610", "ZKO_ORAL")])
        try store.saveValues(
            [
                DataValueInput(
                    element: "TG_REACHED", period: "201610", unit: "ZKO_ORAL", optionCombo: "STUDENTS",
                    value: String(old + 1_579))
            ], user: "analyst")
        let f3 = try #require(try report().figure("F3"))
        #expect(f3.numerator == 52_265.0)  // 50 686 + 1 579
        #expect(f3.display == "33.1 %")
        // Acts prevented come from the incident register: one more foiled plot, one more act prevented.
        try store.saveIncidents(
            [(Incident(date: IncidentDate("2017-11")!, unit: "MAN", outcome: .foiled), nil)], user: "analyst")
        #expect(try report().figure("F1")?.display == "13")
    }

    @Test func generationIsDeterministic() throws {
        let c = try store.catalog()
        #expect(DemoProgramme.values(catalog: c) == DemoProgramme.values(catalog: c))
        #expect(DemoProgramme.metadata() == DemoProgramme.metadata())
        #expect(DemoProgramme.incidents() == DemoProgramme.incidents())
        // The entered values, and the values the incident register derives from its events.
        let values = try store.values()
        // 14 events in 14 cells × (outcome, attack type, target type); no casualty is known.
        #expect(values.filter { $0.storedBy == IncidentRegister.storedBy }.count == 14 * 3)
        #expect(values.filter { $0.storedBy == ReadinessRegister.derivedFrom }.count == 2 * 63)
        let derived = values.filter {
            [IncidentRegister.storedBy, ReadinessRegister.derivedFrom, SiteRegister.derivedFrom].contains($0.storedBy)
        }
        #expect(try store.valueCount() == DemoProgramme.values(catalog: c).count + derived.count)
    }

    /// Aggregate by design: no table or column could hold data about the people the programme deals with.
    @Test func theSchemaHoldsNoPersonalData() throws {
        let path = Fixtures.temporaryPath()
        _ = try Store(path: path)
        let out = try runSQLite(path, ".schema").lowercased()
        for word in [
            "person", "citizen", "birth", "religio", "belief", "passport", "iin", "surname", "first_name",
            "last_name", "address", "phone", "ethnic", "nationality", "gender", "patient",
        ] {
            #expect(!out.contains(word), "the schema mentions '\(word)'")
        }
        #expect(out.contains("create table data_value"))
    }

    func runSQLite(_ path: String, _ command: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, command]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
