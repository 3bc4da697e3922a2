import Foundation
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganInterop
import QorganReports
import QorganStore
import QorganTestSupport
import Testing

/// Readiness assessments and the registry of vulnerable sites: scoring, frozen versions,
/// aggregation, flags, and the derived values following every edit.
@Suite struct RegistryTests {
    static let checklist = Instrument(
        code: "CHK", version: 1, name: "Checklist",
        sections: [
            InstrumentSection(
                code: "A", name: "Section A",
                items: [
                    InstrumentItem(code: "Y", text: "A yes/no item", weight: 3, scale: .yesNo),
                    InstrumentItem(code: "L", text: "A 0–4 item", weight: 2, scale: .levels),
                ]),
            InstrumentSection(
                code: "B", name: "Section B",
                items: [InstrumentItem(code: "X", text: "An exercise", weight: 1, scale: .exercise)]),
        ])

    func assessment(_ unit: String, _ date: String, _ y: String, _ l: String, _ x: String) -> Assessment {
        Assessment(
            unit: unit, date: Day(iso: date)!, instrument: "CHK", version: 1, assessorRole: "regional inspector",
            scores: [ItemScore(item: "Y", answer: y), ItemScore(item: "L", answer: l), ItemScore(item: "X", answer: x)])
    }

    func storeWithEngine(_ backend: TestBackend = .sqlite) throws -> (Store, AnalyticsEngine) {
        let store = try backend.smallStore()
        try store.ensureReadinessRegister()
        try store.ensureSiteRegister()
        let (engine, _) = try AnalyticsEngine.open(store: store)
        return (store, engine)
    }

    func value(_ engine: AnalyticsEngine, _ dx: String, _ pe: String, _ ou: String) throws -> Double? {
        let s = engine.snapshot()
        return try s.run(
            try QuerySpec(dx: [dx], pe: [pe], ou: [ou]).resolve(
                in: s.catalog, today: Day(year: 2026, month: 1, day: 1)!)
        ).rows.first?.value
    }

    // MARK: Scoring

    @Test func scoringWeighsItemsOverTheirMaximaAndLeavesOutNotApplicable() throws {
        #expect(
            ReadinessScale.exercise.score("P") == 3 && ReadinessScale.exercise.score("S") == 2
                && ReadinessScale.exercise.score("M") == 1 && ReadinessScale.exercise.score("U") == 0)
        #expect(
            ReadinessScale.yesNo.score("yes") == 1 && ReadinessScale.levels.score("5") == nil
                && ReadinessScale.exercise.score("X") == nil)
        // (3×1 + 2×2 + 1×2) / (3×1 + 2×4 + 1×3) = 9 / 14
        let a = assessment("A1", "2016-05-01", "yes", "2", "S")
        #expect(abs(a.readiness(Self.checklist)! - 100.0 * 9 / 14) < 1e-9)
        // Not applicable: out of both sums. (3 + 2) / (3 + 3)
        let na = assessment("A1", "2016-05-01", "yes", "NA", "S")
        #expect(abs(na.readiness(Self.checklist)! - 100.0 * 5 / 6) < 1e-9)
        #expect(assessment("A1", "2016-05-01", "NA", "NA", "NA").readiness(Self.checklist) == nil)
        let catalog = try Fixtures.smallStore().catalog()
        var bad = assessment("NOPE", "2016-05-01", "maybe", "7", "S")
        bad.scores.append(ItemScore(item: "Z", answer: "yes"))
        bad.scores.append(ItemScore(item: "Y", answer: "no"))
        bad.assessorRole = " "
        let fields = bad.problems(Self.checklist, catalog: catalog).compactMap(\.field)
        #expect(
            fields == [
                "unit", "assessorRole", "scores[0].answer", "scores[1].answer", "scores[3].item", "scores[4].item",
            ])
        var missing = assessment("A1", "2016-05-01", "yes", "2", "S")
        missing.scores.removeLast()
        #expect(missing.problems(Self.checklist, catalog: catalog).map(\.value) == ["X"])
        var twice = Self.checklist
        twice.sections[1].items[0].code = "Y"
        twice.sections[0].items[0].weight = 0
        #expect(
            Set(twice.problems().compactMap(\.field)) == ["sections[1].items[0].code", "sections[0].items[0].weight"])
    }

    @Test(arguments: TestBackend.allCases) func aUsedVersionIsFrozenAndANewOneIsDerived(on backend: TestBackend) throws
    {
        let (store, _) = try storeWithEngine(backend)
        try store.saveInstrument(Self.checklist, user: "admin")
        var changed = Self.checklist
        changed.name = "Renamed before use"
        try store.saveInstrument(changed, user: "admin")  // not used yet: may change
        try store.saveAssessments([(assessment("A1", "2016-05-01", "yes", "4", "P"), nil)], user: "inspector")
        changed.name = "Renamed after use"
        do {
            try store.saveInstrument(changed, user: "admin")
            Issue.record("a frozen version changed")
        } catch let QorganError.conflict(message) {
            #expect(message.contains("CHK v1 is frozen"))
        }
        #expect(try store.instrument(code: "CHK", version: 1)?.name == "Renamed before use")
        let v2 = try store.deriveInstrument(code: "CHK", user: "admin")
        #expect(v2.version == 2 && v2.derivedFrom == "CHK v1")
        var edited = v2
        edited.sections[0].items[0].weight = 5
        try store.saveInstrument(edited, user: "admin")
        #expect(
            try store.instruments().map { "\($0.instrument.label) \($0.frozen)" } == ["CHK v1 true", "CHK v2 false"])
        #expect(try store.recordHistory(kind: "instrument", uid: "CHK v1").map(\.action) == ["CREATE", "UPDATE"])
    }

    @Test(arguments: TestBackend.allCases) func readinessIsTheOfficesLatestOfTheYearAndRegionsTakeTheMean(
        on backend: TestBackend
    ) throws {
        let (store, engine) = try storeWithEngine(backend)
        try store.saveInstrument(Self.checklist, user: "admin")
        let first = try store.saveAssessments(
            [
                (assessment("A1", "2016-03-01", "yes", "4", "P"), 1),  // 100
                (assessment("A2", "2016-03-01", "no", "4", "P"), 2),  // (8 + 3) / 14
                (assessment("B1", "2016-03-01", "yes", "2", "U"), 3),  // (3 + 4) / 14 = 50
            ], user: "inspector")
        #expect(try value(engine, "READINESS_PCT", "2016", "A1") == 100)
        #expect(try value(engine, "READINESS_PCT", "2016", "B1") == 50)
        // A region: the mean of its offices; the nation: the mean of all offices.
        let a2 = (100.0 * 11 / 14 * 100).rounded() / 100
        #expect(abs(try value(engine, "READINESS_PCT", "2016", "A")! - (100 + a2) / 2) < 1e-9)
        #expect(abs(try value(engine, "READINESS_PCT", "2016", "C")! - (100 + a2 + 50) / 3) < 1e-9)
        // A later assessment of the same year replaces it; deleting it brings the earlier back.
        let later = try store.saveAssessments(
            [(assessment("A1", "2016-11-01", "no", "0", "U"), nil)], user: "inspector")
        #expect(try value(engine, "READINESS_PCT", "2016", "A1") == 0)
        try store.deleteAssessment(uid: later[0].assessment.uid, user: "inspector")
        #expect(try value(engine, "READINESS_PCT", "2016", "A1") == 100)
        // An edit moves the office's value; a deletion removes it.
        var edited = first[2].assessment
        edited.scores[1].answer = "4"
        try store.saveAssessments([(edited, nil)], user: "inspector")
        #expect(abs(try value(engine, "READINESS_PCT", "2016", "B1")! - 100.0 * 11 / 14) < 0.01)
        try store.deleteAssessment(uid: edited.uid, user: "inspector")
        #expect(try value(engine, "READINESS_PCT", "2016", "B1") == nil)
        #expect(
            try store.recordHistory(kind: "assessment", uid: edited.uid).map(\.action) == [
                "CREATE", "UPDATE", "DELETE",
            ])
        // All or nothing, and never by hand.
        #expect(throws: QorganError.self) {
            try store.saveAssessments(
                [
                    (assessment("B1", "2017-01-05", "yes", "4", "P"), 1),
                    (assessment("B1", "2017-01-05", "yes", "9", "P"), 2),
                ], user: "x")
        }
        #expect(try value(engine, "READINESS_PCT", "2017", "B1") == nil)
        #expect(throws: QorganError.self) {
            try store.saveValues(
                [DataValueInput(element: "READINESS_PCT", period: "2017", unit: "B1", value: "99")], user: "x")
        }
    }

    @Test(arguments: TestBackend.allCases) func theGapViewFindsTheWeakestItemsAndEachRegionsChange(
        on backend: TestBackend
    ) throws {
        let (store, _) = try storeWithEngine(backend)
        try store.saveInstrument(Self.checklist, user: "admin")
        try store.saveAssessments(
            [
                (assessment("A1", "2015-03-01", "no", "2", "M"), nil),
                (assessment("B1", "2015-03-01", "yes", "2", "M"), nil),
                (assessment("A1", "2017-03-01", "yes", "3", "M"), nil),
                (assessment("B1", "2017-03-01", "yes", "1", "U"), nil),
            ], user: "inspector")
        let inst = ["CHK v1": Self.checklist]
        let items = ReadinessGaps.items(try store.assessments(year: 2017).map(\.assessment), instruments: inst)
        #expect(items.map(\.item) == ["X", "L", "Y"])  // exercise 1/3 and 0 → 16.7 %; levels 3 and 1 → 50 %; yes 100 %
        #expect(abs(items[0].meanPercent - 100.0 / 6) < 1e-9)
        let catalog = try store.catalog()
        let regions = ReadinessGaps.regions(
            try store.assessments().map { ($0.assessment, $0.readiness) }, before: 2015, after: 2017,
            catalog: catalog,
            regions: catalog.children(of: catalog.unit("C")!.uid, on: Day(year: 2017, month: 12, day: 31)!))
        let a = regions.first { $0.unit == "A" }!
        let b = regions.first { $0.unit == "B" }!
        #expect(a.change! > 0 && b.change! < 0)
    }

    @Test func theDemosReadinessComesFromItemScores() throws {
        let store = try Fixtures.demoStore()
        let assessments = try store.assessments()
        #expect(assessments.count == 2 * 63)
        #expect(Set(assessments.map(\.assessment.date.year)) == [2015, 2017])
        #expect(try store.instruments().first?.frozen == true)
        // Field offices answer the regional-coordination item "not applicable".
        #expect(assessments.contains { $0.assessment.scores.contains { $0.item == "P3" && $0.notApplicable } })
        let readiness = try store.values(elements: [try store.catalog().element("READINESS_PCT")!.uid])
        #expect(readiness.count == 126 && readiness.allSatisfy { $0.storedBy == ReadinessRegister.derivedFrom })
        #expect(
            ProgrammeReport(aggregator: try store.referenceAggregator()).figure("F10")?.display == "89.9 % → 91.7 %")
    }

    // MARK: Sites

    func site(
        _ name: String, _ unit: String, _ occupancy: Int, category: String = "MASS", registered: String = "2015-01-01"
    ) -> Site {
        Site(
            name: name, category: category, unit: unit, peakOccupancy: occupancy, responsibleRole: "security manager",
            registered: Day(iso: registered)!, planStatus: .approved, planDate: Day(iso: registered))
    }

    func findings(_ inPlace: Int, of category: String = "MASS") -> [String: Finding] {
        let measures = SiteConfiguration.standard.category(category)!.measures
        return Dictionary(uniqueKeysWithValues: measures.enumerated().map { ($1, $0 < inPlace ? .inPlace : .missing) })
    }

    @Test func tiersFollowTheConfiguredThresholds() throws {
        let c = SiteConfiguration.standard
        #expect(c.tier(occupancy: 0)?.code == "BASIC" && c.tier(occupancy: 199)?.code == "BASIC")
        #expect(c.tier(occupancy: 200)?.code == "STANDARD" && c.tier(occupancy: 799)?.code == "STANDARD")
        #expect(c.tier(occupancy: 800)?.code == "ENHANCED")
        let (store, _) = try storeWithEngine()
        try store.saveSites([(site("Hall", "A1", 500), nil)], user: "t")
        #expect(try store.sites().first?.tier == "STANDARD")
        var stricter = c
        stricter.tiers[2].from = 400
        try store.setSiteConfiguration(stricter, user: "admin")
        #expect(try store.sites().first?.tier == "ENHANCED")
        var broken = c
        broken.categories[0].measures.append("TELEPORT")
        #expect(throws: QorganError.self) { try store.setSiteConfiguration(broken, user: "admin") }
    }

    @Test(arguments: TestBackend.allCases) func flagsNameSitesNotInspectedAndPrescriptionsPastDue(
        on backend: TestBackend
    ) throws {
        let (store, _) = try storeWithEngine(backend)
        let saved = try store.saveSites(
            [(site("Recent", "A1", 300), nil), (site("Old", "A2", 300), nil), (site("Never", "B1", 300), nil)],
            user: "t")
        try store.saveInspections(
            [
                (
                    Inspection(
                        site: saved[0].uid, date: Day(iso: "2017-02-01")!, kind: .planned, findings: findings(9),
                        prescriptions: [
                            Prescription(text: "Fixed", due: Day(iso: "2017-05-01")!, closed: Day(iso: "2017-04-01")!)
                        ]), nil
                ),
                (
                    Inspection(
                        site: saved[1].uid, date: Day(iso: "2016-11-30")!, kind: .unannounced, findings: findings(5),
                        prescriptions: [Prescription(text: "Install an alarm", due: Day(iso: "2017-03-01")!)]), nil
                ),
            ], user: "t")
        let flags = try store.siteFlags(on: Day(iso: "2017-12-31")!)
        #expect(Set(flags.notInspected.map(\.site.name)) == ["Old", "Never"])
        #expect(flags.overdue.map(\.prescription.text) == ["Install an alarm"])
        #expect(try store.siteFlags(on: Day(iso: "2017-02-15")!).overdue.isEmpty)
        // Within region A only (A2 moved to B in 2016, so 'Old' is B's now).
        #expect(
            try store.siteFlags(on: Day(iso: "2017-12-31")!, units: [try store.catalog().unit("A")!.uid]).notInspected
                .isEmpty)
        #expect(
            Set(
                try store.siteFlags(on: Day(iso: "2017-12-31")!, units: [try store.catalog().unit("B")!.uid])
                    .notInspected.map(\.site.name)) == ["Old", "Never"])
    }

    @Test(arguments: TestBackend.allCases) func derivedSiteValuesFollowEveryEdit(on backend: TestBackend) throws {
        let (store, engine) = try storeWithEngine(backend)
        let saved = try store.saveSites(
            [
                (site("Station", "A1", 900, category: "TRANSPORT"), nil),
                (site("Mosque", "A1", 150, category: "WORSHIP"), nil),
            ], user: "t")
        #expect(try value(engine, "SITES_BY_CATEGORY.TRANSPORT", "2015", "A") == 1)
        #expect(try value(engine, "SITES_BY_TIER.ENHANCED", "2015", "C") == 1)
        #expect(try value(engine, "SITES_BY_TIER.BASIC", "2015", "C") == 1)
        try store.saveInspections(
            [
                (
                    Inspection(
                        site: saved[0].uid, date: Day(iso: "2016-06-01")!, kind: .planned,
                        findings: findings(6, of: "TRANSPORT"),
                        prescriptions: [Prescription(text: "Guards", due: Day(iso: "2016-09-01")!)]), nil
                )
            ], user: "t")
        #expect(try value(engine, "SITES_INSPECTED", "2016", "C") == 1)
        #expect(try value(engine, "SITE_MEASURES_REQUIRED", "2016", "A") == 9)
        #expect(try value(engine, "SITE_MEASURES_IN_PLACE", "2016", "A") == 6)
        #expect(try value(engine, "PRESCRIPTIONS_ISSUED", "2016", "A1") == 1)
        #expect(try value(engine, "PRESCRIPTIONS_OVERDUE", "2016", "A1") == 1)
        // The prescription is closed: closed this year, no longer overdue.
        var i = try store.inspections().first!.inspection
        i.prescriptions[0].closed = Day(iso: "2016-10-15")!
        try store.saveInspections([(i, nil)], user: "t")
        #expect(try value(engine, "PRESCRIPTIONS_CLOSED", "2016", "A1") == 1)
        #expect(try value(engine, "PRESCRIPTIONS_OVERDUE", "2016", "A1") == nil)
        // The station moves to another region: its counts follow.
        var station = saved[0]
        station.unit = "B1"
        try store.saveSites([(station, nil)], user: "t")
        #expect(try value(engine, "SITES_BY_CATEGORY.TRANSPORT", "2016", "A") == nil)
        #expect(try value(engine, "SITES_BY_CATEGORY.TRANSPORT", "2016", "B") == 1)
        #expect(try value(engine, "SITE_MEASURES_IN_PLACE", "2016", "B") == 6)
        // Deleted: gone from the counts, kept in its history.
        try store.deleteSite(uid: station.uid, user: "t")
        #expect(try value(engine, "SITES_BY_CATEGORY.TRANSPORT", "2016", "C") == nil)
        #expect(
            try store.recordHistory(kind: "site", uid: station.uid).map(\.action) == ["CREATE", "UPDATE", "DELETE"])
        #expect(throws: QorganError.self) {
            try store.saveValues(
                [DataValueInput(element: "SITES_INSPECTED", period: "2016", unit: "A1", value: "3")], user: "x")
        }
    }

    @Test(arguments: TestBackend.allCases) func badSitesAndInspectionsAreRefusedWhole(on backend: TestBackend) throws {
        let (store, _) = try storeWithEngine(backend)
        let csv = """
            name,category,unit,peak_occupancy,responsible_role,registered,plan_status,plan_date
            Good hall,MASS,A1,300,manager,2015-01-01,approved,2015-02-01
            Bad category,CASTLE,A1,300,manager,2015-01-01,,
            Bad number,MASS,A1,many,manager,2015-01-01,,
            Bad date,MASS,A1,300,manager,2015-02-30,,
            No role,MASS,NOWHERE,300,,2015-01-01,approved,
            """
        do {
            let parsed = try SiteCSV.parse(csv, source: "sites.csv")
            try store.saveSites(parsed.map { ($0.site, $0.line) }, source: "sites.csv", user: "t")
            Issue.record("a bad file was accepted")
        } catch let QorganError.rejected(_, problems) {
            #expect(
                Set(problems.map { "\($0.line ?? 0):\($0.field ?? "")" }).isSuperset(of: [
                    "4:peak_occupancy", "5:registered",
                ]))
        }
        let good = try SiteCSV.parse(
            csv.components(separatedBy: "\n").prefix(3).joined(separator: "\n") + "\n", source: "sites.csv")
        do {
            try store.saveSites(good.map { ($0.site, $0.line) }, source: "sites.csv", user: "t")
            Issue.record("a bad category was accepted")
        } catch let QorganError.rejected(_, problems) {
            #expect(problems.map { "\($0.line ?? 0):\($0.field ?? "")" } == ["3:category"])
        }
        #expect(try store.sites().isEmpty)
        let saved = try store.saveSites([(site("Hall", "A1", 300), nil)], user: "t")
        var f = findings(9)
        f.removeValue(forKey: "ALARM")
        f["TELEPORT"] = .inPlace
        let bad = Inspection(
            site: saved[0].uid, date: Day(iso: "2014-01-01")!, kind: .planned, findings: f,
            prescriptions: [Prescription(text: "x", due: Day(iso: "2013-01-01")!)])
        let fields = bad.problems(site: saved[0], .standard).compactMap(\.field)
        #expect(fields == ["date", "findings", "findings", "prescriptions[0].due"])
        #expect(throws: QorganError.self) { try store.saveInspections([(bad, nil)], user: "t") }
        #expect(try store.inspections().isEmpty)
    }

    @Test func theDemoRegistryShowsTheImprovement() throws {
        let store = try Fixtures.demoStore()
        let sites = try store.sites()
        #expect(sites.count > 200 && sites.count < 400)
        #expect(Set(sites.map(\.site.category)) == ["MASS", "TRANSPORT", "EDUCATION", "WORSHIP"])
        let agg = try store.referenceAggregator()
        func compliance(_ years: String) throws -> Double {
            let c = agg.catalog
            return try #require(
                agg.indicator("IND_SITE_COMPLIANCE", unit: c.unit("KZ")!.uid, span: try PeriodSelection(years).span)?
                    .value)
        }
        #expect(try compliance("2014..2015") < 70)
        #expect(try compliance("2016..2017") > 80)
    }
}
