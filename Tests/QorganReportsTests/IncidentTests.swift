import Foundation
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganInterop
import QorganReports
import QorganStore
import QorganTestSupport
import Testing

/// The incident register: code lists, dates, checks, the counts it derives, GTD files.
@Suite struct IncidentTests {
    // MARK: Code lists and dates

    @Test func theGTDCodeListsAreComplete() {
        #expect(GTD.attackTypes.keys.sorted() == Array(1...9))
        #expect(GTD.targetTypes.keys.sorted() == Array(1...22))
        #expect(GTD.weaponTypes.keys.sorted() == Array(1...13))
        #expect(GTD.propertyExtents.keys.sorted() == Array(1...4))
        #expect(GTD.attackTypes[3] == "Bombing/Explosion" && GTD.attackTypes[9] == "Unknown")
        #expect(GTD.targetTypes[14] == "Private Citizens & Property" && GTD.targetTypes[20] == "Unknown")
        #expect(GTD.weaponTypes[6] == "Explosives" && GTD.weaponTypes[13] == "Unknown")
        // Every code is an option of the register's breakdowns, so every count has a cell.
        var c = Catalog()
        let merged = try! c.merging(IncidentRegister.metadata(), source: "test").0
        c = merged
        #expect(c.optionCombos(of: c.element("INC_ATTACK_TYPE")!).count == 9)
        #expect(c.optionCombos(of: c.element("INC_TARGET_TYPE")!).count == 22)
        #expect(
            c.optionCombos(of: c.element("INC_EVENTS")!).map(\.code) == ["COMPLETED", "FAILED", "FOILED", "UNKNOWN"])
        #expect(c.dataElements.allSatisfy { $0.derivedFrom == "incident register" })
    }

    @Test(arguments: [
        ("2016", "2016", IncidentDate.Precision.year), ("2016-06", "201606", .month), ("2016-06-05", "201606", .day),
        ("2016-02-29", "201602", .day),
    ])
    func datesKeepTheirPrecision(text: String, period: String, precision: IncidentDate.Precision) throws {
        let d = try #require(IncidentDate(text))
        #expect(d.description == text)
        #expect(d.precision == precision)
        #expect(d.period.iso == period)
    }

    @Test(arguments: ["2017-02-29", "2017-13", "2017-00", "17-01", "2017-1", "2017-01-32", "", "2017-06-", "1800"])
    func impossibleDatesAreRefused(text: String) {
        #expect(IncidentDate(text) == nil)
    }

    @Test func anIncidentIsCheckedFieldByField() throws {
        let catalog = try Fixtures.smallStore().catalog()
        var i = Incident(
            date: IncidentDate("2016-03")!, unit: "NOWHERE", latitude: 91, outcome: .foiled, attackType: 10,
            targetType: 0,
            weaponType: 14, killed: -1, propertyExtent: 2, sources: [" "])
        let fields = Set(i.problems(in: catalog).compactMap(\.field))
        #expect(
            fields == [
                "unit", "attackType", "targetType", "weaponType", "killed", "latitude", "longitude", "propertyExtent",
                "sources[0]",
            ])
        i = Incident(date: IncidentDate("2016-03")!, unit: "A1", outcome: .foiled, killed: 2)
        #expect(i.problems(in: catalog).map(\.field) == ["outcome"])
        i = Incident(date: IncidentDate("2017-03")!, unit: "OLD", outcome: .completed)  // closed at the end of 2015
        #expect(i.problems(in: catalog).first?.reason.contains("was not open") == true)
        i = Incident(date: IncidentDate("2016")!, unit: "A2", outcome: .unknown)
        #expect(i.problems(in: catalog).isEmpty)
    }

    // MARK: Derived counts

    /// A store with the small catalog and an engine following it.
    func storeWithEngine(_ backend: TestBackend = .sqlite) throws -> (Store, AnalyticsEngine) {
        let store = try backend.smallStore()
        try store.ensureIncidentRegister()
        let (engine, _) = try AnalyticsEngine.open(store: store)
        return (store, engine)
    }

    func count(_ engine: AnalyticsEngine, _ dx: String, _ pe: String, _ ou: String) throws -> Double? {
        let s = engine.snapshot()
        return try s.run(
            try QuerySpec(dx: [dx], pe: [pe], ou: [ou]).resolve(
                in: s.catalog, today: Day(year: 2026, month: 1, day: 1)!)
        ).rows.first?.value
    }

    @Test(arguments: TestBackend.allCases) func countsFollowEveryCreateEditMoveAndDelete(on backend: TestBackend) throws
    {
        let (store, engine) = try storeWithEngine(backend)
        let saved = try store.saveIncidents(
            [
                (
                    Incident(
                        date: IncidentDate("2016-03-10")!, unit: "A1", outcome: .foiled, attackType: 3,
                        targetType: 3, weaponType: 6), nil
                )
            ], user: "tester")
        let uid = saved[0].incident.uid
        #expect(try count(engine, "INC_EVENTS.FOILED", "2016", "C") == 1)
        #expect(try count(engine, "INC_EVENTS.FOILED", "2016Q1", "A") == 1)
        #expect(try count(engine, "INC_ATTACK_TYPE.AT3", "2016", "A") == 1)
        #expect(try count(engine, "INC_TARGET_TYPE.TT3", "201603", "A1") == 1)

        // Edit: the plot turns out to have been carried out, with victims.
        var i = saved[0].incident
        i.outcome = .completed
        i.killed = 2
        i.wounded = 5
        try store.saveIncidents([(i, nil)], user: "tester")
        #expect(try count(engine, "INC_EVENTS.FOILED", "2016", "C") == nil)
        #expect(try count(engine, "INC_EVENTS.COMPLETED", "2016", "C") == 1)
        #expect(try count(engine, "INC_KILLED", "2016", "C") == 2)
        #expect(try count(engine, "INC_WOUNDED", "2016", "C") == 5)

        // Move to another region's district: the count leaves A and enters B.
        i.unit = "B1"
        try store.saveIncidents([(i, nil)], user: "tester")
        #expect(try count(engine, "INC_EVENTS.COMPLETED", "2016", "A") == nil)
        #expect(try count(engine, "INC_EVENTS.COMPLETED", "2016", "B") == 1)

        // Only the year is known after all: counted in 2016, not in any quarter of it.
        i.date = IncidentDate("2016")!
        try store.saveIncidents([(i, nil)], user: "tester")
        #expect(try count(engine, "INC_EVENTS.COMPLETED", "2016", "B") == 1)
        #expect(try count(engine, "INC_EVENTS.COMPLETED", "2016Q1", "B") == nil)

        // Casualties not known: nothing summed (not known is not 0).
        i.killed = nil
        try store.saveIncidents([(i, nil)], user: "tester")
        #expect(try count(engine, "INC_KILLED", "2016", "C") == nil)

        try store.deleteIncident(uid: uid, user: "tester")
        #expect(try count(engine, "INC_EVENTS.COMPLETED", "2016", "C") == nil)
        #expect(try store.incidents().isEmpty)
        #expect(try store.incidents(IncidentFilter(includeDeleted: true)).count == 1)
        #expect(
            try store.incidentHistory(uid: uid).map(\.action) == [
                "CREATE", "UPDATE", "UPDATE", "UPDATE", "UPDATE", "DELETE",
            ])
        #expect(throws: QorganError.self) { try store.deleteIncident(uid: uid, user: "tester") }

        // The derived values keep a history too: who changed the register, and when.
        let c = try store.catalog()
        let el = c.element("INC_EVENTS")!
        let history = try store.history(
            DataValueKey(
                element: el.uid, period: Period.year(2016)!, unit: c.unit("B1")!.uid,
                optionCombo: c.optionCombo("COMPLETED", of: el)!.uid))
        #expect(history.map(\.action) == [.create, .delete])
        #expect(history.allSatisfy { $0.changedBy == "tester" })
    }

    @Test(arguments: TestBackend.allCases) func savingIsAllOrNothingAndDerivedValuesCannotBeEntered(
        on backend: TestBackend
    ) throws {
        let (store, engine) = try storeWithEngine(backend)
        let before = try store.auditCount()
        #expect(throws: QorganError.self) {
            try store.saveIncidents(
                [
                    (Incident(date: IncidentDate("2016-03")!, unit: "A1", outcome: .foiled), 1),
                    (Incident(date: IncidentDate("2016-03")!, unit: "A1", outcome: .foiled, attackType: 42), 2),
                ], user: "t")
        }
        #expect(try store.incidents().isEmpty)
        #expect(try store.auditCount() == before)
        try store.saveIncidents(
            [(Incident(date: IncidentDate("2016-03")!, unit: "A1", outcome: .foiled), nil)], user: "t", dryRun: true)
        #expect(try store.incidents().isEmpty)
        #expect(try count(engine, "INC_EVENTS.FOILED", "2016", "C") == nil)
        do {
            try store.saveValues(
                [
                    DataValueInput(
                        element: "INC_EVENTS", period: "201603", unit: "A1", optionCombo: "FOILED", value: "5")
                ], user: "t")
            Issue.record("a derived value was accepted")
        } catch let QorganError.rejected(_, problems) {
            #expect(problems.first?.reason.contains("derived from the incident register") == true)
        }
    }

    // MARK: GTD files

    static let header =
        "eventid,iyear,imonth,iday,country_txt,provstate,city,latitude,longitude,success,attacktype1,targtype1,weaptype1,nkill,nwound,property,propextent,claimed,summary,scite1"

    @Test func aGTDFileImportsTheRowsOfOneCountry() throws {
        let store = try Fixtures.demoStore()
        let csv = """
            \(Self.header)
            201606050001,2016,6,5,Kazakhstan,Aktobe,Aktobe,50.28,57.17,1,2,4,5,25,38,1,3,0,Attack in Aktobe,Press
            201607180001,2016,7,18,Kazakhstan,Almaty city,Almaty,43.25,76.95,1,2,3,5,,,-9,,0,Attack in Almaty,Press
            201501010001,2015,1,0,Kyrgyzstan,Bishkek,Bishkek,,,1,3,2,6,0,0,0,,0,Elsewhere,Press
            201512000002,2015,12,0,Kazakhstan,MAN,Aktau,,,0,3,3,6,0,0,0,,0,A failed bombing,Press
            """
        let result = try GTDFile.parse(csv, source: "gtd.csv", country: "Kazakhstan", catalog: try store.catalog())
        #expect(result.skipped == 1)
        #expect(result.incidents.count == 3)
        let first = result.incidents[0].incident
        #expect(
            first.outcome == .completed && first.killed == 25 && first.wounded == 38 && first.propertyExtent == 3
                && first.claimed == .no)
        #expect(try store.catalog().unit(first.unit)?.code == "AKT")  // 'Aktobe' is 'Aktobe region'
        #expect(result.incidents[1].incident.killed == nil)  // empty nkill: not known
        #expect(
            result.incidents[2].incident.outcome == .failed && result.incidents[2].incident.date.precision == .month)
        let saved = try store.saveIncidents(
            result.incidents.map { ($0.incident, $0.line) }, source: "gtd.csv", user: "importer")
        #expect(saved.count == 3)
        // F9 counts attacks that took place: the two demo attacks, and these three.
        #expect(try ProgrammeReport(aggregator: store.referenceAggregator()).figure("F9")?.values == [4])
        // The same file again updates, it does not duplicate.
        let again = try GTDFile.parse(
            csv.replacingOccurrences(of: "25,38", with: "26,38"), source: "gtd.csv", country: "Kazakhstan",
            catalog: try store.catalog())
        try store.saveIncidents(again.incidents.map { ($0.incident, $0.line) }, user: "importer")
        #expect(try store.incidents().count == 14 + 3)
        #expect(try store.incidents().first { $0.incident.gtdEventId == "201606050001" }?.incident.killed == 26)
    }

    @Test func everyBadRowIsNamedByLineAndNothingIsImported() throws {
        let store = try Fixtures.demoStore()
        let csv = """
            \(Self.header)
            1,2016,2,30,Kazakhstan,Aktobe,,,,1,2,4,5,,,0,,0,Impossible date,
            2,2016,6,5,Kazakhstan,Atlantis,,,,1,2,4,5,,,0,,0,Unmapped place,
            3,2016,6,5,Kazakhstan,Aktobe,,,,1,12,4,5,,,0,,0,Unknown attack type,
            4,2016,6,5,Kazakhstan,Almaty,,,,1,2,44,5,,,0,,0,Ambiguous place and unknown target,
            5,2016,6,5,Kazakhstan,Aktobe,,,,2,2,4,99,-3,,0,,0,Bad success and weapon and killed,
            """
        do {
            _ = try GTDFile.parse(csv, source: "gtd.csv", country: "Kazakhstan", catalog: try store.catalog())
            Issue.record("a bad file was accepted")
        } catch let QorganError.rejected(source, problems) {
            #expect(source == "gtd.csv")
            let found = Set(problems.map { "\($0.line ?? 0):\($0.field ?? "")" })
            #expect(
                found == [
                    "2:iyear", "3:provstate", "4:attacktype1", "5:provstate", "5:targtype1", "6:success", "6:weaptype1",
                    "6:nkill",
                ])
            #expect(
                problems.first { $0.line == 5 && $0.field == "provstate" }?.reason.contains("ambiguous: ALA, ALM")
                    == true)
        }
        #expect(try store.incidents().count == 14)
        // A mapping file settles the ambiguous name.
        let map = try GTDFile.mapping("provstate,unit\nAlmaty,ALA\n", source: "map.csv")
        let ok = try GTDFile.parse(
            "\(Self.header)\n4,2016,6,5,Kazakhstan,Almaty,,,,1,2,3,5,,,0,,0,Mapped,\n", source: "gtd.csv",
            country: "Kazakhstan", mapping: map, catalog: try store.catalog())
        #expect(try store.catalog().unit(ok.incidents[0].incident.unit)?.code == "ALA")
        #expect(throws: QorganError.self) { try GTDFile.mapping("just one column\n", source: "map.csv") }
    }

    @Test func exportThenImportGivesTheSameRegister() throws {
        let store = try Fixtures.demoStore()
        let catalog = try store.catalog()
        let before = try store.incidents().map(\.incident)
        let text = GTDFile.write(before, catalog: catalog, country: "Kazakhstan")
        #expect(
            text.hasPrefix(
                "eventid,iyear,imonth,iday,country_txt,provstate,city,latitude,longitude,success,attacktype1"))
        #expect(text.contains(",foiled,"))
        let other = try Fixtures.demoStore()
        for r in try other.incidents() { try other.deleteIncident(uid: r.incident.uid, user: "t") }
        let parsed = try GTDFile.parse(text, source: "export.csv", country: "Kazakhstan", catalog: try other.catalog())
        let audit = try store.auditCount()
        try store.saveIncidents(parsed.incidents.map { ($0.incident, $0.line) }, user: "t")
        #expect(try store.incidents().map(\.incident) == before)
        #expect(try store.auditCount() == audit)  // nothing changed, nothing recorded
    }

    // MARK: The demo

    @Test func theDemosActsPreventedAndNotPreventedComeFromItsIncidents() throws {
        let store = try Fixtures.demoStore()
        let incidents = try store.incidents().map(\.incident)
        #expect(incidents.count == 14)
        let foiled = incidents.filter { $0.outcome == .foiled }
        #expect(foiled.count == 12 && foiled.allSatisfy(\.illustrative))
        #expect(Set(foiled.map(\.date.year)) == [2013, 2014, 2015, 2016, 2017])
        #expect(Set(foiled.map(\.unit)).count >= 6)
        let attacks = incidents.filter { $0.outcome == .completed }
        #expect(
            attacks.map(\.date.description) == ["2016-06-05", "2016-07-18"] && attacks.allSatisfy { !$0.illustrative })
        let report = ProgrammeReport(aggregator: try store.referenceAggregator())
        #expect(report.figure("F1")?.display == "12")
        #expect(report.figure("F9")?.display == "2 (Aktobe region 1, Almaty city 1)")
        // No value of the security form says how many acts there were: the register does.
        #expect(try store.catalog().element("ACTS_PREVENTED") == nil)
        // One more foiled plot, one more act prevented; deleting it takes it back.
        let saved = try store.saveIncidents(
            [(Incident(date: IncidentDate("2017-11-20")!, unit: "KAR_TEMIRTAU", outcome: .foiled), nil)], user: "t")
        #expect(ProgrammeReport(aggregator: try store.referenceAggregator()).figure("F1")?.display == "13")
        try store.deleteIncident(uid: saved[0].incident.uid, user: "t")
        #expect(ProgrammeReport(aggregator: try store.referenceAggregator()).figure("F1")?.display == "12")
    }
}
