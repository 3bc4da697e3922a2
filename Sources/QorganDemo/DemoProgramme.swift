import Foundation
import QorganCore
import QorganStore

/// The demo programme of SEED-FIGURES.md: the 2013–2017 state programme, its regions
/// and field offices, forms, indicators and five years of illustrative regional data.
///
/// The data are generated from a fixed seed. National totals are chosen so that the
/// indicator machinery reproduces the report's figures F1–F11; they are then spread
/// over regions, offices, months and breakdowns by whole-number apportionment, so
/// every level adds up exactly and no two regions look alike.
public enum DemoProgramme {
    /// The demo's results framework (illustrative targets).
    public static var framework: ResultsFramework { DemoFramework.framework }

    public static let notice = """
        Illustrative data. The 2016 attacks in Aktobe (5 June) and Almaty (18 July) are public events; \
        the twelve foiled plots of the incident register, the readiness assessments and the registry of \
        vulnerable sites are illustrative (and marked so), and every other number in this demo is synthetic, \
        generated to reproduce the programme report's figures.
        """
    /// The notice in Russian and Kazakh.
    public static let notices = [
        "ru": """
        Иллюстративные данные. Нападения 2016 года в Актобе (5 июня) и Алматы (18 июля) — общеизвестные \
        события; двенадцать предотвращённых замыслов реестра инцидентов, оценки готовности и реестр уязвимых \
        объектов иллюстративны (и так помечены), а все прочие числа демонстрации синтетические и созданы, \
        чтобы воспроизвести цифры отчёта о программе.
        """,
        "kk": """
        Иллюстрациялық деректер. 2016 жылғы Ақтөбедегі (5 маусым) және Алматыдағы (18 шілде) шабуылдар — \
        жалпыға белгілі оқиғалар; инциденттер тізіліміндегі алдын алынған он екі ниет, дайындықты бағалау \
        және осал объектілер тізілімі иллюстрациялық (солай белгіленген), ал демонстрациядағы басқа сандардың \
        бәрі синтетикалық, бағдарлама есебінің көрсеткіштерін қайталау үшін жасалған.
        """,
    ]
    public static let user = "demo"
    public static let seed: UInt64 = 20_130_101

    /// The figures the demo must reproduce, as the report prints them.
    public static let expectedFigures: [String: String] = [
        "F1": "12", "F2": "1", "F3": "32.1 %", "F4": "90.7 %", "F5": "91", "F6": "81", "F7": "177", "F8": "123",
        "F9": "2 (Aktobe region 1, Almaty city 1)", "F10": "89.9 % → 91.7 %", "F11": "10 %",
    ]

    /// Writes the demo programme into an empty store.
    public static func install(into store: Store) throws {
        try store.importMetadata(metadata(), source: "the demo metadata", user: user)
        let catalog = try store.catalog()
        try store.saveValues(values(catalog: catalog), source: "the demo data", user: user)
        let completions = DemoCompletions.records(catalog: catalog)
        try store.saveCompletions(completions, by: user)
        try store.saveApprovals(DemoApprovals.records(catalog: catalog, completions: completions))
        try store.saveIncidents(
            incidents().map { ($0, nil) }, source: "the demo incidents", user: user,
            newUid: DemoIncidents.uidSequence())
        try store.saveInstrument(DemoReadiness.instrument, source: "the demo checklist", user: user)
        let counter = DemoIncidents.Counter()
        try store.saveAssessments(
            DemoReadiness.assessments().map { ($0, nil) }, source: "the demo assessments", user: user,
            newUid: { Uid.stable("demo:assessment:\(counter.next())") })
        let registry = DemoSites.registry()
        try store.saveSites(registry.sites.map { ($0, nil) }, source: "the demo sites", user: user)
        try store.saveInspections(registry.inspections.map { ($0, nil) }, source: "the demo inspections", user: user)
        try store.setResultsFramework(DemoFramework.framework, source: "the demo framework", user: user)
        try store.setPublication(publication, source: "the demo publication", user: user)
        try store.setSetting("demo.notice", notice)
        for (language, text) in notices { try store.setSetting("demo.notice.\(language)", text) }
    }

    static func uid(_ kind: String, _ code: String) -> String { Uid.stable("demo:\(kind):\(code)") }

    /// What the demo's public portal publishes: the counts of the programme's results and the
    /// shares computed from them, for the country and its regions, 2013–2017.
    public static let publication = Publication(
        indicators: [
            "IND_ACTS_PREVENTED", "IND_ACTS_COMMITTED", "IND_PREVENTION_SHARE", "IND_DEPARTURES_STOPPED",
            "IND_TRAVEL_INTENT_STOPPED", "IND_STUDENTS_RETURNED", "IND_THEOLOGY_DIVERTED", "IND_CONVICTIONS",
            "IND_TG_COVERAGE", "IND_DRAWN_IN", "IND_MARGINALISED_SHARE", "IND_YOUNG_SHARE",
        ], levels: [1, 2], fromYear: 2013, toYear: 2017, threshold: 5, report: true)

    // MARK: Metadata

    public static func metadata() -> Catalog {
        var c = Catalog()
        c.categoryCombos = []
        let opening = Day.firstOfMonth(2000, 1)
        c.organisationUnitLevels = [
            OrgUnitLevel(level: 1, name: "National", translations: ["ru": "Республика", "kk": "Республика"]),
            OrgUnitLevel(level: 2, name: "Region", translations: ["ru": "Регион", "kk": "Өңір"]),
            OrgUnitLevel(
                level: 3, name: "Field office",
                translations: ["ru": "Районное подразделение", "kk": "Аудандық бөлімше"]),
        ]
        func unit(_ code: String, _ name: String, parent: String?, opened: Day = opening) -> OrgUnit {
            OrgUnit(
                uid: uid("ou", code), code: code, name: name, openingDate: opened,
                parents: [ParentLink(parent: parent, from: opened)],
                translations: DemoTranslations.of(code), geometry: Geography.tile(code))
        }
        c.organisationUnits.append(unit(Geography.national.code, Geography.national.name, parent: nil))
        for r in Geography.regions {
            c.organisationUnits.append(unit(r.code, r.name, parent: Geography.national.code))
        }
        for r in Geography.regions {
            for o in r.offices {
                var u = unit(o.code, o.name, parent: r.code)
                if o.code == Geography.shymkentCode {
                    u.parents.append(
                        ParentLink(parent: Geography.national.code, from: Geography.shymkentReorganisation))
                    u.name = "Shymkent city"
                    u.translations = ["ru": "город Шымкент", "kk": "Шымкент қаласы"]
                    u.description =
                        "A field office of South Kazakhstan region until 19 June 2018, then a city of republican significance."
                }
                c.organisationUnits.append(u)
            }
        }
        let rc = Geography.rehabilitationCentre
        c.organisationUnits.append(
            unit(rc.code, rc.name, parent: rc.parent, opened: Day.firstOfMonth(2015, 1)))

        func category(_ code: String, _ name: String, _ options: [(String, String)]) -> Category {
            Category(
                uid: uid("category", code), code: code, name: name,
                options: options.map {
                    CategoryOption(
                        uid: uid("option", "\(code).\($0.0)"), code: $0.0, name: $0.1,
                        translations: DemoTranslations.of("\(code).\($0.0)"))
                }, translations: DemoTranslations.of("CATEGORY.\(code)"))
        }
        c.categories = [
            category("TARGET_GROUP", "Target group", targetGroups.map { ($0.code, $0.name) }),
            category("SEX", "Sex", [("MALE", "Male"), ("FEMALE", "Female")]),
            category("CHANNEL", "Channel", channels.map { ($0.code, $0.name) }),
        ]
        func combo(_ code: String, _ name: String, _ cats: [String]) -> CategoryCombo {
            CategoryCombo(uid: uid("combo", code), code: code, name: name, categories: cats)
        }
        c.categoryCombos = [
            combo("TG", "Target group", ["TARGET_GROUP"]),
            combo("TG_SEX", "Target group and sex", ["TARGET_GROUP", "SEX"]),
            combo("CHANNEL", "Channel", ["CHANNEL"]),
        ]
        func element(
            _ code: String, _ name: String, _ type: ValueType = .integerZeroOrPositive,
            _ agg: AggregationType = .sum, combo: String = CategoryCombo.defaultCode, _ description: String? = nil
        ) -> DataElement {
            DataElement(
                uid: uid("de", code), code: code, name: name, description: description, valueType: type,
                aggregationType: agg, categoryCombo: combo, translations: DemoTranslations.of(code))
        }
        c.dataElements = [
            element("DEPARTURES_STOPPED", "Citizens stopped from leaving to take part in terrorist activity abroad"),
            element(
                "TRAVEL_INTENT_STOPPED", "Citizens whose intention to leave to join armed groups abroad was stopped"),
            element("STUDENTS_RETURNED", "Students brought back home from abroad"),
            element("THEOLOGY_DIVERTED", "People diverted from travelling to theological schools abroad"),
            element("CONVICTIONS", "People convicted of terrorist and religious-extremist crimes"),
            element("DRAWN_IN", "People identified as drawn into destructive movements", combo: "TG_SEX"),
            element("DRAWN_IN_MARGINALISED", "Of those drawn in: from the marginalised part of society"),
            element(
                "TG_SIZE", "Size of the programme's target group", .integerZeroOrPositive, .averageSumOrgUnit,
                combo: "TG",
                "People in the groups the programme targets (estimate at the start of the year)."),
            element(
                "TG_REACHED", "Target group members newly reached by targeted preventive work", combo: "TG",
                "Counted once, in the month they are first reached, so years add up."),
            element("PREV_EVENTS", "Preventive events held", combo: "CHANNEL"),
            element(
                "READINESS_PCT", "Office readiness to respond to terrorist threats", .percentage, .average,
                "Readiness of the office from its latest assessment of the year (Σ weight × score / Σ weight × maximum over "
                    + "applicable items, in percent); regions and the nation take the mean over their offices. Derived."
            ),
            element(
                "REHAB_CASELOAD", "Rehabilitation centre caseload at the end of the quarter", .integerZeroOrPositive,
                .last),
            element("REHAB_ADMISSIONS", "Admissions to the rehabilitation centre"),
            element("REHAB_COMPLETIONS", "Completed rehabilitation programmes"),
        ]
        // Readiness comes from assessments.
        if let i = c.dataElements.firstIndex(where: { $0.code == ReadinessRegister.element }) {
            c.dataElements[i].derivedFrom = ReadinessRegister.derivedFrom
        }
        // The incident register's and the site registry's categories and elements (acts prevented
        // and not come from the one, the protection of sites from the other).
        for register in [IncidentRegister.metadata(), SiteRegister.metadata(.standard)] {
            c.categories += register.categories
            c.categoryCombos += register.categoryCombos
            c.dataElements += register.dataElements
        }
        let regionCodes = Geography.regions.map(\.code)
        let officeCodes = Geography.regions.flatMap { $0.offices.map(\.code) }
        func form(
            _ code: String, _ name: String, _ type: PeriodType, _ elements: [String], _ units: [String],
            timely: Int = 15
        ) -> DataSet {
            DataSet(
                uid: uid("ds", code), code: code, name: name, periodType: type, dataElements: elements,
                organisationUnits: units, timelyDays: timely, translations: DemoTranslations.of(code))
        }
        c.dataSets = [
            form(
                "SECURITY", "Security outcomes (monthly)", .monthly,
                [
                    "DEPARTURES_STOPPED", "TRAVEL_INTENT_STOPPED", "STUDENTS_RETURNED",
                    "THEOLOGY_DIVERTED", "CONVICTIONS",
                ], regionCodes),
            form(
                "PREVENTION", "Preventive work (monthly)", .monthly, ["PREV_EVENTS", "TG_REACHED"], officeCodes,
                timely: 10),
            form(
                "INVOLVEMENT", "Involvement in destructive movements (quarterly)", .quarterly,
                ["DRAWN_IN", "DRAWN_IN_MARGINALISED"], regionCodes, timely: 20),
            form("TARGET_GROUP", "Target group (yearly)", .yearly, ["TG_SIZE"], regionCodes, timely: 45),
            form(
                "REHAB", "Rehabilitation centre (quarterly)", .quarterly,
                ["REHAB_CASELOAD", "REHAB_ADMISSIONS", "REHAB_COMPLETIONS"],
                [Geography.rehabilitationCentre.code], timely: 20),
        ]
        func indicator(
            _ code: String, _ name: String, _ num: String, _ den: String? = "1", factor: Double = 1, decimals: Int = 0,
            _ description: String? = nil
        ) -> Indicator {
            Indicator(
                uid: uid("in", code), code: code, name: name, description: description, numerator: num,
                denominator: den ?? "1",
                factor: factor, decimals: decimals, target: DemoTranslations.targets[code],
                translations: DemoTranslations.of(code))
        }
        let youngShare = ["YOUTH", "STUDENTS", "PUPILS"].flatMap { g in
            ["MALE", "FEMALE"].map { "#{DRAWN_IN.\(g)_\($0)}" }
        }
        c.indicators = [
            // Acts come from the incident register: foiled plots were prevented; attacks that took
            // place (completed or failed) were not.
            indicator(
                "IND_ACTS_PREVENTED", "Acts prevented", "#{INC_EVENTS.FOILED}", nil,
                "Foiled plots of the incident register."),
            indicator(
                "IND_ACTS_COMMITTED", "Acts not prevented", "#{INC_EVENTS.COMPLETED} + #{INC_EVENTS.FAILED}", nil,
                "Attacks of the incident register that took place, completed or failed."),
            indicator(
                "IND_PREVENTION_SHARE", "Share of plotted acts that were prevented",
                "N{IND_ACTS_PREVENTED}", "N{IND_ACTS_PREVENTED} + N{IND_ACTS_COMMITTED}", factor: 100, decimals: 1),
            indicator(
                "IND_DEPARTURES_STOPPED", "Departures to terrorist activity abroad stopped", "#{DEPARTURES_STOPPED}"),
            indicator(
                "IND_TRAVEL_INTENT_STOPPED", "Intentions to join armed groups abroad stopped",
                "#{TRAVEL_INTENT_STOPPED}"),
            indicator("IND_STUDENTS_RETURNED", "Students brought back from abroad", "#{STUDENTS_RETURNED}"),
            indicator("IND_THEOLOGY_DIVERTED", "Diverted from theological schools abroad", "#{THEOLOGY_DIVERTED}"),
            indicator("IND_CONVICTIONS", "Convictions for terrorist and religious-extremist crimes", "#{CONVICTIONS}"),
            indicator(
                "IND_TG_COVERAGE", "Coverage of the target group by targeted preventive work",
                "#{TG_REACHED}", "#{TG_SIZE}", factor: 100, decimals: 1,
                "Newly reached members over the target group's size (its average over the years asked for)."),
            indicator(
                "IND_READINESS", "Readiness of offices to respond to terrorist threats", "#{READINESS_PCT}", decimals: 1
            ),
            indicator(
                "IND_MARGINALISED_SHARE", "Share of the marginalised among those drawn into destructive movements",
                "#{DRAWN_IN_MARGINALISED}", "#{DRAWN_IN}", factor: 100, decimals: 0),
            indicator(
                "IND_YOUNG_SHARE", "Share of young people, students and pupils among those drawn in",
                youngShare.joined(separator: " + "), "#{DRAWN_IN}", factor: 100, decimals: 1),
            indicator("IND_DRAWN_IN", "People drawn into destructive movements", "#{DRAWN_IN}"),
            indicator(
                "IND_SITES_INSPECTED", "Share of vulnerable sites inspected in the year", "#{SITES_INSPECTED}",
                "#{SITES_BY_CATEGORY}", factor: 100, decimals: 1),
            indicator(
                "IND_SITE_COMPLIANCE", "Protection measures in place at inspected sites", "#{SITE_MEASURES_IN_PLACE}",
                "#{SITE_MEASURES_REQUIRED}", factor: 100, decimals: 1),
            indicator(
                "IND_REHAB_COMPLETION_RATE", "Rehabilitation completions per admission", "#{REHAB_COMPLETIONS}",
                "#{REHAB_ADMISSIONS}", factor: 100, decimals: 1),
            // Completeness and timeliness of the forms, from their completions.
            indicator(
                "IND_REPORTING_SECURITY", "Security outcome reports completed", "R{SECURITY.REPORTING_RATE}",
                decimals: 1, "Completed reports over expected ones, in percent."),
            indicator(
                "IND_ON_TIME_SECURITY", "Security outcome reports completed on time",
                "R{SECURITY.REPORTING_RATE_ON_TIME}", decimals: 1,
                "Reports completed within the form's 15 days after the month, over expected ones, in percent."),
            indicator(
                "IND_REPORTING_PREVENTION", "Preventive work reports completed", "R{PREVENTION.REPORTING_RATE}",
                decimals: 1, "Completed reports over expected ones, in percent."),
            indicator(
                "IND_ON_TIME_PREVENTION", "Preventive work reports completed on time",
                "R{PREVENTION.REPORTING_RATE_ON_TIME}", decimals: 1,
                "Reports completed within the form's 10 days after the month, over expected ones, in percent."),
        ]
        let kz = Geography.national.code
        c.reportFigures = [
            ReportFigure(
                code: "F1", label: "Terrorist and violent extremist acts prevented", indicator: "IND_ACTS_PREVENTED",
                periods: "2013..2017", unit: kz),
            ReportFigure(
                code: "F2",
                label: "Citizens stopped from leaving to take part in terrorist activity abroad, since 1 January 2017",
                indicator: "IND_DEPARTURES_STOPPED", periods: "2017", unit: kz),
            ReportFigure(
                code: "F3", label: "Coverage of the target group by targeted preventive work",
                indicator: "IND_TG_COVERAGE", periods: "2016", unit: kz, suffix: "%"),
            ReportFigure(
                code: "F4", label: "Coverage of the target group over all programme years",
                indicator: "IND_TG_COVERAGE", periods: "2013..2017", unit: kz, suffix: "%"),
            ReportFigure(
                code: "F5", label: "Citizens whose intention to leave to join armed groups abroad was stopped",
                indicator: "IND_TRAVEL_INTENT_STOPPED", periods: "2013..2017", unit: kz),
            ReportFigure(
                code: "F6", label: "Students brought back home from abroad", indicator: "IND_STUDENTS_RETURNED",
                periods: "2013..2017", unit: kz),
            ReportFigure(
                code: "F7", label: "People diverted from travelling to theological schools abroad",
                indicator: "IND_THEOLOGY_DIVERTED", periods: "2013..2017", unit: kz),
            ReportFigure(
                code: "F8", label: "People convicted of terrorist and religious-extremist crimes",
                indicator: "IND_CONVICTIONS", periods: "2013..2017", unit: kz),
            ReportFigure(
                code: "F9", label: "Acts that could not be prevented", indicator: "IND_ACTS_COMMITTED", periods: "2016",
                unit: kz, kind: .breakdown),
            ReportFigure(
                code: "F10", label: "Readiness of regional and field offices to respond to terrorist threats",
                indicator: "IND_READINESS",
                periods: "2013..2017", unit: kz, kind: .change, periodType: .yearly, suffix: "%"),
            ReportFigure(
                code: "F11",
                label: "Share of the marginalised part of society among those drawn into destructive movements",
                indicator: "IND_MARGINALISED_SHARE", periods: "2017", unit: kz, suffix: "%"),
        ]
        c.validationRules = DemoValidation.rules
        return c
    }

    static let targetGroups: [(code: String, name: String, reachShare: Double, drawnShare: Double)] = [
        ("YOUTH", "Young people", 0.34, 0.38), ("STUDENTS", "Students", 0.22, 0.18),
        ("PUPILS", "School pupils", 0.26, 0.09),
        ("UNEMPLOYED", "Unemployed", 0.11, 0.24), ("OTHERS", "Others", 0.07, 0.11),
    ]
    static let channels: [(code: String, name: String)] = [
        ("EDU", "Educational institutions"), ("WEB", "Awareness website"), ("MEDIA", "Mass media"),
        ("COMMUNITY", "Community meetings"),
    ]
}
