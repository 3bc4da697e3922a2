import Foundation

/// How the registry of places vulnerable to terrorism is set up: categories and the measures
/// each requires, occupancy tiers, and how often a site must be inspected.
public struct SiteConfiguration: Hashable, Sendable, Codable {
    public struct Measure: Hashable, Sendable, Codable, Translatable {
        public var code: String
        public var name: String
        /// The name in other languages, by language code (`ru`, `kk`).
        public var translations: [String: String]?
    }
    public struct Category: Hashable, Sendable, Codable, Translatable {
        public var code: String
        public var name: String
        /// Codes of the measures a site of this category must have.
        public var measures: [String]
        public var translations: [String: String]?
    }
    public struct Tier: Hashable, Sendable, Codable, Translatable {
        public var code: String
        public var name: String
        /// The lowest expected peak occupancy of the tier.
        public var from: Int
        public var translations: [String: String]?
    }
    public var measures: [Measure]
    public var categories: [Category]
    public var tiers: [Tier]
    public var inspectionIntervalMonths: Int

    public static let standard = SiteConfiguration(
        measures: [
            Measure(
                code: "ACCESS", name: "Access control",
                translations: ["ru": "Контроль доступа", "kk": "Кіруді бақылау"]),
            Measure(
                code: "CCTV", name: "Video surveillance", translations: ["ru": "Видеонаблюдение", "kk": "Бейнебақылау"]),
            Measure(code: "ALARM", name: "Alarm", translations: ["ru": "Сигнализация", "kk": "Дабыл"]),
            Measure(code: "GUARDS", name: "Security staff", translations: ["ru": "Охрана", "kk": "Күзет"]),
            Measure(
                code: "EVACUATION", name: "Evacuation procedure",
                translations: ["ru": "Порядок эвакуации", "kk": "Эвакуациялау тәртібі"]),
            Measure(
                code: "INVACUATION", name: "Invacuation procedure",
                translations: ["ru": "Порядок укрытия внутри здания", "kk": "Ғимарат ішінде паналау тәртібі"]),
            Measure(
                code: "LOCKDOWN", name: "Lockdown procedure",
                translations: ["ru": "Порядок блокирования объекта", "kk": "Объектіні бұғаттау тәртібі"]),
            Measure(
                code: "COMMS", name: "Communication",
                translations: ["ru": "Связь и оповещение", "kk": "Байланыс және хабарлау"]),
            Measure(
                code: "EXERCISES", name: "Exercises held",
                translations: ["ru": "Проводятся учения", "kk": "Жаттығулар өткізіледі"]),
        ],
        categories: [
            Category(
                code: "MASS", name: "Places of mass gathering",
                measures: [
                    "ACCESS", "CCTV", "ALARM", "GUARDS", "EVACUATION", "INVACUATION", "LOCKDOWN", "COMMS", "EXERCISES",
                ], translations: ["ru": "Места массового пребывания людей", "kk": "Адамдар жаппай болатын орындар"]),
            Category(
                code: "TRANSPORT", name: "Transport hubs",
                measures: [
                    "ACCESS", "CCTV", "ALARM", "GUARDS", "EVACUATION", "INVACUATION", "LOCKDOWN", "COMMS", "EXERCISES",
                ], translations: ["ru": "Транспортные узлы", "kk": "Көлік тораптары"]),
            Category(
                code: "EDUCATION", name: "Education and health",
                measures: ["ACCESS", "CCTV", "ALARM", "EVACUATION", "INVACUATION", "LOCKDOWN", "COMMS", "EXERCISES"],
                translations: ["ru": "Образование и здравоохранение", "kk": "Білім беру және денсаулық сақтау"]),
            Category(
                code: "WORSHIP", name: "Places of worship",
                measures: ["ACCESS", "CCTV", "ALARM", "EVACUATION", "LOCKDOWN", "COMMS"],
                translations: ["ru": "Культовые объекты", "kk": "Ғибадат орындары"]),
        ],
        tiers: [
            Tier(code: "BASIC", name: "Basic", from: 0, translations: ["ru": "Базовый", "kk": "Базалық"]),
            Tier(
                code: "STANDARD", name: "Standard", from: 200, translations: ["ru": "Стандартный", "kk": "Стандартты"]),
            Tier(
                code: "ENHANCED", name: "Enhanced", from: 800, translations: ["ru": "Усиленный", "kk": "Күшейтілген"]),
        ],
        inspectionIntervalMonths: 12)

    public func category(_ code: String) -> Category? { categories.first { $0.code == code } }

    /// The tier of an expected peak occupancy: the highest whose threshold it reaches.
    public func tier(occupancy: Int) -> Tier? { tiers.sorted { $0.from < $1.from }.last { occupancy >= $0.from } }

    public func problems() -> [Problem] {
        var out: [Problem] = []
        let measureCodes = Set(measures.map(\.code))
        // Codes become option codes of the registry's categories: each one given, and once.
        for (field, codes) in [
            ("measures", measures.map(\.code)), ("categories", categories.map(\.code)), ("tiers", tiers.map(\.code)),
        ] {
            var seen = Set<String>()
            for code in codes {
                if code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    out.append(Problem(field: field, value: code, reason: "every code is given"))
                } else if !seen.insert(code).inserted {
                    out.append(
                        Problem(field: field, value: code, reason: "codes are unique", code: Problem.duplicateCode))
                }
            }
        }
        if categories.isEmpty { out.append(Problem(field: "categories", reason: "at least one category")) }
        for c in categories {
            for m in c.measures where !measureCodes.contains(m) {
                out.append(
                    Problem.unknown(
                        object: "category \(c.code)", field: "measures", value: m,
                        reason: "not a measure of the configuration"))
            }
        }
        if tiers.isEmpty || !tiers.contains(where: { $0.from == 0 }) {
            out.append(Problem(field: "tiers", reason: "the tiers start from 0"))
        }
        if !(1...1200).contains(inspectionIntervalMonths) {
            out.append(
                Problem(
                    field: "inspectionIntervalMonths", value: String(inspectionIntervalMonths),
                    reason: "1 to 1200 months"))
        }
        return out
    }
}

public enum SitePlanStatus: String, CaseIterable, Sendable, Codable { case none, draft, approved, expired }
public enum Finding: String, CaseIterable, Sendable, Codable {
    case inPlace = "in-place"
    case partial, missing
}
public enum InspectionKind: String, CaseIterable, Sendable, Codable { case planned, unannounced }

/// A place vulnerable to terrorism: what it is, where, how many people it holds at its peak,
/// who is responsible (a role), and its anti-terrorist protection passport's status. No site
/// plans, floor plans or utility schemes are stored, by design.
public struct Site: Hashable, Sendable, Codable {
    public var uid: String
    public var name: String
    public var category: String
    public var sector: String?
    public var unit: String
    public var peakOccupancy: Int
    public var responsibleRole: String
    public var registered: Day
    public var closed: Day?
    /// The status and date of the site's anti-terrorist protection passport.
    public var planStatus: SitePlanStatus
    public var planDate: Day?
    /// The name, the sector and the responsible role in other languages.
    public var translations: RecordTranslations?
    /// The fields `translations` may carry.
    public static let translatedFields: Set<String> = ["name", "sector", "responsibleRole"]

    public init(
        uid: String = "", name: String, category: String, sector: String? = nil, unit: String, peakOccupancy: Int,
        responsibleRole: String, registered: Day, closed: Day? = nil, planStatus: SitePlanStatus = .none,
        planDate: Day? = nil, translations: RecordTranslations? = nil
    ) {
        self.uid = uid
        self.name = name
        self.category = category
        self.sector = sector
        self.unit = unit
        self.peakOccupancy = peakOccupancy
        self.responsibleRole = responsibleRole
        self.registered = registered
        self.closed = closed
        self.planStatus = planStatus
        self.planDate = planDate
        self.translations = translations
    }

    enum CodingKeys: String, CodingKey {
        case uid, name, category, sector, unit, peakOccupancy, responsibleRole, registered, closed, planStatus,
            planDate,
            translations
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        name = try c.decode(String.self, forKey: .name)
        category = try c.decode(String.self, forKey: .category)
        sector = try c.decodeIfPresent(String.self, forKey: .sector)
        unit = try c.decode(String.self, forKey: .unit)
        peakOccupancy = try c.decode(Int.self, forKey: .peakOccupancy)
        responsibleRole = try c.decode(String.self, forKey: .responsibleRole)
        registered = try c.decode(Day.self, forKey: .registered)
        closed = try c.decodeIfPresent(Day.self, forKey: .closed)
        planStatus = try c.decodeIfPresent(SitePlanStatus.self, forKey: .planStatus) ?? .none
        planDate = try c.decodeIfPresent(Day.self, forKey: .planDate)
        translations = try c.decodeIfPresent(RecordTranslations.self, forKey: .translations)
    }

    /// The texts people may translate, by field.
    public var texts: [String: String] { ["name": name, "sector": sector ?? "", "responsibleRole": responsibleRole] }

    /// The field's text in `language`: its translation, or the text as written.
    public func text(_ field: String, in language: String) -> String {
        let original = texts[field] ?? ""
        return translations?.text(field, in: language, or: original) ?? original
    }

    public func isActive(on day: Day) -> Bool { registered <= day && (closed.map { day < $0 } ?? true) }

    public func problems(_ config: SiteConfiguration, catalog: Catalog, line: Int? = nil) -> [Problem] {
        var out: [Problem] = []
        func bad(_ f: String, _ v: String?, _ r: String, code: String? = nil) {
            out.append(Problem(line: line, field: f, value: v, reason: r, code: code))
        }
        if name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 200 {
            bad("name", name, "1 to 200 characters")
        }
        if config.category(category) == nil {
            bad(
                "category", category, "one of \(config.categories.map(\.code).joined(separator: ", "))",
                code: Problem.unknownReference)
        }
        if catalog.unit(unit) == nil { bad("unit", unit, catalog.noUnit(unit), code: Problem.unknownReference) }
        if peakOccupancy < 0 { bad("peakOccupancy", String(peakOccupancy), "a number of people, 0 or more") }
        if responsibleRole.trimmingCharacters(in: .whitespaces).isEmpty {
            bad("responsibleRole", nil, "the responsible role (not a name) is required")
        }
        if let closed, closed < registered {
            bad(
                "closed", closed.description, "before the site was registered (\(registered))",
                code: Problem.inconsistent)
        }
        if planStatus != .none && planDate == nil {
            bad("planDate", nil, "the date of the protection passport is required when it exists")
        }
        out += translations?.problems(fields: Self.translatedFields, line: line) ?? []
        return out
    }
}

public struct Prescription: Hashable, Sendable, Codable {
    public var text: String
    public var due: Day
    public var closed: Day?
    /// The text in other languages (field `text`).
    public var translations: RecordTranslations?
    public init(text: String, due: Day, closed: Day? = nil, translations: RecordTranslations? = nil) {
        self.text = text
        self.due = due
        self.closed = closed
        self.translations = translations
    }

    /// The text in `language`: its translation, or the text as written.
    public func text(in language: String) -> String { translations?.text("text", in: language, or: text) ?? text }
    public func isOverdue(on day: Day) -> Bool { due < day && (closed.map { $0 > day } ?? true) }
}

public struct Inspection: Hashable, Sendable, Codable {
    public var uid: String
    public var site: String
    public var date: Day
    public var kind: InspectionKind
    /// Measure code → finding, for every measure the site's category requires.
    public var findings: [String: Finding]
    public var prescriptions: [Prescription]

    public init(
        uid: String = "", site: String, date: Day, kind: InspectionKind, findings: [String: Finding],
        prescriptions: [Prescription] = []
    ) {
        self.uid = uid
        self.site = site
        self.date = date
        self.kind = kind
        self.findings = findings
        self.prescriptions = prescriptions
    }

    enum CodingKeys: String, CodingKey { case uid, site, date, kind, findings, prescriptions }

    /// A new inspection names no uid (it is given one) and may have no prescriptions.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        site = try c.decode(String.self, forKey: .site)
        date = try c.decode(Day.self, forKey: .date)
        kind = try c.decode(InspectionKind.self, forKey: .kind)
        findings = try c.decode([String: Finding].self, forKey: .findings)
        prescriptions = try c.decodeIfPresent([Prescription].self, forKey: .prescriptions) ?? []
    }

    public func problems(site: Site?, _ config: SiteConfiguration, line: Int? = nil) -> [Problem] {
        var out: [Problem] = []
        func bad(_ f: String, _ v: String?, _ r: String, code: String? = nil) {
            out.append(Problem(line: line, field: f, value: v, reason: r, code: code))
        }
        guard let site else {
            bad("site", self.site, "no site with this uid", code: Problem.unknownReference)
            return out
        }
        if date < site.registered {
            bad(
                "date", date.description, "before the site was registered (\(site.registered))",
                code: Problem.inconsistent)
        }
        let required = Set(config.category(site.category)?.measures ?? [])
        for m in findings.keys.sorted() where !required.contains(m) {
            bad("findings", m, "not a measure required of a \(site.category) site")
        }
        let missing = required.subtracting(findings.keys).sorted()
        if !missing.isEmpty {
            bad(
                "findings", missing.joined(separator: ", "), "every measure the site's category requires has a finding",
                code: Problem.inconsistent)
        }
        for (i, p) in prescriptions.enumerated() {
            if p.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                bad("prescriptions[\(i)].text", nil, "required")
            }
            for problem in p.translations?.problems(fields: ["text"], line: line) ?? [] {
                bad("prescriptions[\(i)].\(problem.field ?? "translations")", problem.value, problem.reason)
            }
            if p.due < date {
                bad(
                    "prescriptions[\(i)].due", p.due.description, "due before the inspection (\(date))",
                    code: Problem.inconsistent)
            }
            if let c = p.closed, c < date {
                bad(
                    "prescriptions[\(i)].closed", c.description, "closed before it was issued (\(date))",
                    code: Problem.inconsistent)
            }
        }
        return out
    }
}

/// The data elements the registry derives, by unit and year.
public enum SiteRegister {
    public static let derivedFrom = "site registry"
    public static let sitesByCategory = "SITES_BY_CATEGORY"
    public static let sitesByTier = "SITES_BY_TIER"
    public static let sitesInspected = "SITES_INSPECTED"
    public static let measuresRequired = "SITE_MEASURES_REQUIRED"
    public static let measuresInPlace = "SITE_MEASURES_IN_PLACE"
    public static let prescriptionsIssued = "PRESCRIPTIONS_ISSUED"
    public static let prescriptionsClosed = "PRESCRIPTIONS_CLOSED"
    public static let prescriptionsOverdue = "PRESCRIPTIONS_OVERDUE"

    static func uid(_ s: String) -> String { Uid.stable("site-registry:\(s)") }

    /// The registry's elements in Russian and Kazakh.
    static let names: [String: (ru: String, kk: String)] = [
        sitesByCategory: ("Зарегистрированные объекты по категориям", "Тіркелген объектілер санаттар бойынша"),
        sitesByTier: ("Зарегистрированные объекты по уровням", "Тіркелген объектілер деңгейлер бойынша"),
        sitesInspected: ("Проверенные объекты", "Тексерілген объектілер"),
        measuresRequired: (
            "Требуемые меры защиты (проверенные объекты)", "Талап етілетін қорғау шаралары (тексерілген объектілер)"
        ),
        measuresInPlace: (
            "Принятые меры защиты (проверенные объекты)", "Қабылданған қорғау шаралары (тексерілген объектілер)"
        ),
        prescriptionsIssued: ("Выданные предписания", "Берілген нұсқамалар"),
        prescriptionsClosed: ("Исполненные предписания", "Орындалған нұсқамалар"),
        prescriptionsOverdue: ("Просроченные предписания на конец года", "Жыл соңындағы мерзімі өткен нұсқамалар"),
    ]

    /// The categories (from the configuration) and elements of the registry.
    public static func metadata(_ config: SiteConfiguration) -> Catalog {
        var c = Catalog()
        c.categoryCombos = []
        c.categories = [
            QorganCore.Category(
                uid: uid("category:SITE_CATEGORY"), code: "SITE_CATEGORY", name: "Site category",
                options: config.categories.map {
                    CategoryOption(
                        uid: uid("option:SITE_CATEGORY.\($0.code)"), code: $0.code, name: $0.name,
                        translations: $0.translations)
                }, translations: ["ru": "Категория объекта", "kk": "Объект санаты"]),
            QorganCore.Category(
                uid: uid("category:SITE_TIER"), code: "SITE_TIER", name: "Site tier",
                options: config.tiers.map {
                    CategoryOption(
                        uid: uid("option:SITE_TIER.\($0.code)"), code: $0.code, name: $0.name,
                        translations: $0.translations)
                }, translations: ["ru": "Уровень объекта", "kk": "Объект деңгейі"]),
        ]
        c.categoryCombos = [
            CategoryCombo(
                uid: uid("combo:SITE_CATEGORY"), code: "SITE_CATEGORY", name: "Site category",
                categories: ["SITE_CATEGORY"]),
            CategoryCombo(uid: uid("combo:SITE_TIER"), code: "SITE_TIER", name: "Site tier", categories: ["SITE_TIER"]),
        ]
        func e(
            _ code: String, _ name: String, _ d: String, agg: AggregationType = .sum,
            combo: String = CategoryCombo.defaultCode
        ) -> DataElement {
            DataElement(
                uid: uid("de:\(code)"), code: code, name: name,
                description: d + " Derived from the site registry, by year.",
                valueType: .integerZeroOrPositive, aggregationType: agg, categoryCombo: combo,
                translations: names[code].map { ["ru": $0.ru, "kk": $0.kk] }, derivedFrom: derivedFrom)
        }
        c.dataElements = [
            e(
                sitesByCategory, "Registered sites by category", "Sites active at the end of the year.",
                agg: .averageSumOrgUnit, combo: "SITE_CATEGORY"),
            e(
                sitesByTier, "Registered sites by tier", "Sites active at the end of the year, by occupancy tier.",
                agg: .averageSumOrgUnit, combo: "SITE_TIER"),
            e(sitesInspected, "Sites inspected", "Sites with at least one inspection in the year."),
            e(
                measuresRequired, "Protection measures required (inspected sites)",
                "Measures required of the sites inspected in the year."),
            e(
                measuresInPlace, "Protection measures in place (inspected sites)",
                "Of those, found in place at the year's last inspection."),
            e(prescriptionsIssued, "Prescriptions issued", "Prescriptions issued by inspections in the year."),
            e(prescriptionsClosed, "Prescriptions closed", "Prescriptions closed in the year."),
            e(
                prescriptionsOverdue, "Prescriptions overdue at the end of the year",
                "Open prescriptions past their due date on 31 December.", agg: .lastInPeriod),
        ]
        return c
    }
}
