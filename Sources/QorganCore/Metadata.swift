/// How a value is written and checked.
public enum ValueType: String, CaseIterable, Sendable, Codable {
    case number = "NUMBER"
    case integer = "INTEGER"
    case integerZeroOrPositive = "INTEGER_ZERO_OR_POSITIVE"
    case percentage = "PERCENTAGE"
    case boolean = "BOOLEAN"
    case text = "TEXT"

    public var isNumeric: Bool { self != .text }
}

/// How values of one element combine across periods and organisation units.
/// Option combinations of an element always add up to its total first.
public enum AggregationType: String, CaseIterable, Sendable, Codable {
    /// Sum over periods and units.
    case sum = "SUM"
    /// Mean of every (unit, period) value in the subtree and span.
    case average = "AVERAGE"
    /// Mean over periods for each unit, then summed over units (stocks such as a population).
    case averageSumOrgUnit = "AVERAGE_SUM_ORG_UNIT"
    /// The latest value up to the end of the span (looking back before it), summed over units.
    case last = "LAST"
    /// The latest value inside the span, summed over units.
    case lastInPeriod = "LAST_IN_PERIOD"
    case min = "MIN"
    case max = "MAX"
    /// How many values were stored.
    case count = "COUNT"
    /// Not aggregated: only a value stored for exactly that unit and period.
    case none = "NONE"
}

/// One step of a unit's place in the hierarchy: from `from` on, its parent is `parent`
/// (nil: a root). A reorganisation adds a step; earlier periods keep the earlier parent.
public struct ParentLink: Hashable, Sendable, Codable {
    public var parent: String?
    public var from: Day
    public init(parent: String?, from: Day) {
        self.parent = parent
        self.from = from
    }
}

public struct OrgUnit: Hashable, Sendable, Codable {
    public var uid: String
    public var code: String
    public var name: String
    public var shortName: String?
    public var description: String?
    public var openingDate: Day
    public var closingDate: Day?
    /// The parent history, oldest first; the first step starts on the opening date.
    public var parents: [ParentLink]
    /// The name in other languages (`ru`, `kk`, …), shown to users who chose one.
    public var translations: [String: String]?
    /// Its shape on maps (GeoJSON, as DHIS2's `geometry`).
    public var geometry: Geometry?

    public init(
        uid: String, code: String, name: String, shortName: String? = nil, description: String? = nil,
        openingDate: Day, closingDate: Day? = nil, parents: [ParentLink], translations: [String: String]? = nil,
        geometry: Geometry? = nil
    ) {
        self.uid = uid
        self.code = code
        self.name = name
        self.shortName = shortName
        self.description = description
        self.openingDate = openingDate
        self.closingDate = closingDate
        self.parents = parents
        self.translations = translations
        self.geometry = geometry
    }

    enum CodingKeys: String, CodingKey {
        case uid, code, name, shortName, description, openingDate, closingDate, parents, parent, translations, geometry
    }

    /// Accepts `"parent": "CODE"` as a short form of a one-step history.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        shortName = try c.decodeIfPresent(String.self, forKey: .shortName)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        openingDate = try c.decode(Day.self, forKey: .openingDate)
        closingDate = try c.decodeIfPresent(Day.self, forKey: .closingDate)
        if let history = try c.decodeIfPresent([ParentLink].self, forKey: .parents) {
            parents = history
        } else {
            parents = [ParentLink(parent: try c.decodeIfPresent(String.self, forKey: .parent), from: openingDate)]
        }
        translations = try c.decodeIfPresent([String: String].self, forKey: .translations)
        geometry = try c.decodeIfPresent(Geometry.self, forKey: .geometry)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(uid, forKey: .uid)
        try c.encode(code, forKey: .code)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(shortName, forKey: .shortName)
        try c.encodeIfPresent(description, forKey: .description)
        try c.encode(openingDate, forKey: .openingDate)
        try c.encodeIfPresent(closingDate, forKey: .closingDate)
        try c.encode(parents, forKey: .parents)
        try c.encodeIfPresent(translations, forKey: .translations)
        try c.encodeIfPresent(geometry, forKey: .geometry)
    }

    /// The parent in force on `day`.
    public func parent(on day: Day) -> String? {
        var current: String? = nil
        for link in parents where link.from <= day { current = link.parent }
        return current
    }

    public func isOpen(on day: Day) -> Bool {
        openingDate <= day && (closingDate.map { day <= $0 } ?? true)
    }

    /// Open for the whole of `span`.
    public func isOpen(throughout span: DaySpan) -> Bool {
        openingDate <= span.start && (closingDate.map { span.end <= $0 } ?? true)
    }
}

public struct OrgUnitLevel: Hashable, Sendable, Codable, Translatable {
    public var level: Int
    public var name: String
    /// The name in other languages, by language code (`ru`, `kk`).
    public var translations: [String: String]?
    public init(level: Int, name: String, translations: [String: String]? = nil) {
        self.level = level
        self.name = name
        self.translations = translations
    }
}

public struct DataElement: Hashable, Sendable, Codable {
    public var uid: String
    public var code: String
    public var name: String
    public var shortName: String?
    public var description: String?
    public var valueType: ValueType
    public var aggregationType: AggregationType
    /// Reference to the disaggregation; the default combination when absent.
    public var categoryCombo: String
    public var translations: [String: String]?
    /// What computes its values (`incident register`, …); nil for values people enter.
    /// Derived values cannot be entered, imported or deleted by hand.
    public var derivedFrom: String?

    public init(
        uid: String, code: String, name: String, shortName: String? = nil, description: String? = nil,
        valueType: ValueType, aggregationType: AggregationType, categoryCombo: String = CategoryCombo.defaultUid,
        translations: [String: String]? = nil, derivedFrom: String? = nil
    ) {
        self.uid = uid
        self.code = code
        self.name = name
        self.shortName = shortName
        self.description = description
        self.valueType = valueType
        self.aggregationType = aggregationType
        self.categoryCombo = categoryCombo
        self.translations = translations
        self.derivedFrom = derivedFrom
    }

    enum CodingKeys: String, CodingKey {
        case uid, code, name, shortName, description, valueType, aggregationType, categoryCombo, translations,
            derivedFrom
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        shortName = try c.decodeIfPresent(String.self, forKey: .shortName)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        valueType = try c.decode(ValueType.self, forKey: .valueType)
        aggregationType = try c.decodeIfPresent(AggregationType.self, forKey: .aggregationType) ?? .sum
        categoryCombo = try c.decodeIfPresent(String.self, forKey: .categoryCombo) ?? CategoryCombo.defaultUid
        translations = try c.decodeIfPresent([String: String].self, forKey: .translations)
        derivedFrom = try c.decodeIfPresent(String.self, forKey: .derivedFrom)
    }
}

/// A form: the elements reported together, how often, and by which units.
public struct DataSet: Hashable, Sendable, Codable {
    public var uid: String
    public var code: String
    public var name: String
    public var description: String?
    public var periodType: PeriodType
    public var dataElements: [String]
    public var organisationUnits: [String]
    /// Days after the period's end during which a report still counts as on time.
    public var timelyDays: Int
    /// Days after the period's end after which the form locks for data entry (0: never).
    public var expiryDays: Int
    public var translations: [String: String]?

    public init(
        uid: String, code: String, name: String, description: String? = nil, periodType: PeriodType,
        dataElements: [String], organisationUnits: [String], timelyDays: Int = 15, expiryDays: Int = 0,
        translations: [String: String]? = nil
    ) {
        self.uid = uid
        self.code = code
        self.name = name
        self.description = description
        self.periodType = periodType
        self.dataElements = dataElements
        self.organisationUnits = organisationUnits
        self.timelyDays = timelyDays
        self.expiryDays = expiryDays
        self.translations = translations
    }

    /// Whether entry into `period` is closed on `today`.
    public func isExpired(_ period: Period, today: Day) -> Bool {
        expiryDays > 0 && period.end.adding(days: expiryDays) < today
    }

    enum CodingKeys: String, CodingKey {
        case uid, code, name, description, periodType, dataElements, organisationUnits, timelyDays, expiryDays,
            translations
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        let typeName = try c.decode(String.self, forKey: .periodType)
        guard let t = PeriodType(name: typeName) else {
            throw DecodingError.dataCorruptedError(
                forKey: .periodType, in: c,
                debugDescription:
                    "'\(typeName)' is not a period type (\(PeriodType.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        periodType = t
        dataElements = try c.decodeIfPresent([String].self, forKey: .dataElements) ?? []
        organisationUnits = try c.decodeIfPresent([String].self, forKey: .organisationUnits) ?? []
        timelyDays = try c.decodeIfPresent(Int.self, forKey: .timelyDays) ?? 15
        expiryDays = try c.decodeIfPresent(Int.self, forKey: .expiryDays) ?? 0
        guard expiryDays >= 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .expiryDays, in: c,
                debugDescription: "expiryDays is a number of days, 0 or more, not \(expiryDays)")
        }
        translations = try c.decodeIfPresent([String: String].self, forKey: .translations)
    }
}

/// numerator / denominator × factor, both written in the expression language.
public struct Indicator: Hashable, Sendable, Codable {
    public var uid: String
    public var code: String
    public var name: String
    public var shortName: String?
    public var description: String?
    public var numerator: String
    public var denominator: String
    public var factor: Double
    /// Decimals to show.
    public var decimals: Int
    /// The programme's target for the indicator, in its own unit (a percentage for a
    /// percentage), shown beside its trend; nil when it has none.
    public var target: Double?
    public var translations: [String: String]?

    public init(
        uid: String, code: String, name: String, shortName: String? = nil, description: String? = nil,
        numerator: String, denominator: String = "1", factor: Double = 1, decimals: Int = 1,
        target: Double? = nil, translations: [String: String]? = nil
    ) {
        self.uid = uid
        self.code = code
        self.name = name
        self.shortName = shortName
        self.description = description
        self.numerator = numerator
        self.denominator = denominator
        self.factor = factor
        self.decimals = decimals
        self.target = target
        self.translations = translations
    }

    enum CodingKeys: String, CodingKey {
        case uid, code, name, shortName, description, numerator, denominator, factor, decimals, target, translations
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        shortName = try c.decodeIfPresent(String.self, forKey: .shortName)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        numerator = try c.decode(String.self, forKey: .numerator)
        denominator = try c.decodeIfPresent(String.self, forKey: .denominator) ?? "1"
        factor = try c.decodeIfPresent(Double.self, forKey: .factor) ?? 1
        decimals = try c.decodeIfPresent(Int.self, forKey: .decimals) ?? 1
        target = try c.decodeIfPresent(Double.self, forKey: .target)
        translations = try c.decodeIfPresent([String: String].self, forKey: .translations)
    }
}

public struct Constant: Hashable, Sendable, Codable {
    public var uid: String
    public var code: String
    public var name: String
    public var value: Double
    public init(uid: String, code: String, name: String, value: Double) {
        self.uid = uid
        self.code = code
        self.name = name
        self.value = value
    }
    enum CodingKeys: String, CodingKey { case uid, code, name, value }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        value = try c.decode(Double.self, forKey: .value)
    }
}
