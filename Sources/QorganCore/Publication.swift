import Foundation

/// What the public portal publishes: set by a national administrator, audited. Nothing else is
/// reachable without signing in.
public struct Publication: Codable, Sendable, Hashable {
    /// Indicators (codes or uids) open to the public, in the portal's order.
    public var indicators: [String]
    /// Hierarchy levels open to the public (1: the country, 2: regions, …).
    public var levels: [Int]
    /// The first year published.
    public var fromYear: Int
    /// The last year published; nil: the last year that has ended.
    public var toYear: Int?
    /// Counts 1 … threshold − 1 are never published (the cell-key method's `T`).
    public var threshold: Int
    /// Whether the programme report's public edition is on the portal, for the country over the
    /// published years, every count in it protected as the tables' are (`ReportProtection`).
    public var report: Bool

    public init(
        indicators: [String], levels: [Int], fromYear: Int, toYear: Int? = nil, threshold: Int = 5,
        report: Bool = false
    ) {
        self.indicators = indicators
        self.levels = levels
        self.fromYear = fromYear
        self.toYear = toYear
        self.threshold = threshold
        self.report = report
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case indicators, levels, fromYear, toYear, threshold, report }

    struct AnyKey: CodingKey {
        var stringValue: String
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// A field it does not have is refused (a misspelt `threshhold` must not be ignored).
    public init(from decoder: Decoder) throws {
        let all = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = all.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorruptedError(
                forKey: unknown, in: all,
                debugDescription: "'\(unknown.stringValue)' is not a setting of the publication ("
                    + CodingKeys.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        indicators = try c.decode([String].self, forKey: .indicators)
        levels = try c.decode([Int].self, forKey: .levels)
        fromYear = try c.decode(Int.self, forKey: .fromYear)
        toYear = try c.decodeIfPresent(Int.self, forKey: .toYear)
        threshold = try c.decode(Int.self, forKey: .threshold)
        report = try c.decodeIfPresent(Bool.self, forKey: .report) ?? false
    }

    /// Nothing is published.
    public static let none = Publication(indicators: [], levels: [], fromYear: 2000, toYear: nil, threshold: 5)

    public static let thresholds = 3...1000
    public static let maxIndicators = 200

    public var method: CellKeyMethod { CellKeyMethod(threshold: threshold) }

    /// Every setting in one line: two publications with the same signature publish the same.
    public var signature: String {
        indicators.joined(separator: ",") + "|" + levels.map(String.init).joined(separator: ",")
            + "|\(fromYear)|\(toYear.map(String.init) ?? "-")|\(threshold)|\(report ? "report" : "-")"
    }

    /// The years published on `today`.
    public func years(today: Day) -> ClosedRange<Int>? {
        let last = toYear ?? (today.year - 1)
        return fromYear <= last ? fromYear...last : nil
    }

    /// What is wrong with it in `catalog`, each problem naming its field and value.
    public func problems(in catalog: Catalog) -> [Problem] {
        var out: [Problem] = []
        if indicators.count > Self.maxIndicators {
            out.append(
                Problem(
                    field: "indicators", value: "\(indicators.count)",
                    reason: "at most \(Self.maxIndicators) indicators"))
        }
        var seen = Set<String>()
        for ref in indicators {
            guard let ind = catalog.indicator(ref) else {
                out.append(
                    Problem.unknown(
                        object: nil, field: "indicators", value: ref, reason: "no indicator with this code or uid"))
                continue
            }
            if !seen.insert(ind.uid).inserted {
                out.append(
                    Problem(field: "indicators", value: ref, reason: "listed twice", code: Problem.duplicateCode))
            }
            do {
                _ = try PublicCount(ind, catalog: catalog)
            } catch let e as PublicCount.NotCountable {
                // The indicator as the metadata define it: a conflict with another object, not a malformed input.
                out.append(
                    Problem(
                        object: "indicator \(ind.code)", field: e.field, value: e.value, reason: e.reason,
                        code: Problem.inconsistent))
            } catch {
                out.append(Problem(object: "indicator \(ind.code)", reason: "\(error)", code: Problem.inconsistent))
            }
        }
        let maxLevel = catalog.organisationUnitLevels.map(\.level).max() ?? 0
        for l in levels where !(1...max(maxLevel, 1)).contains(l) {
            out.append(
                Problem.unknown(field: "levels", value: "\(l)", reason: "levels are 1…\(maxLevel) in this hierarchy"))
        }
        if Set(levels).count != levels.count {
            out.append(
                Problem(
                    field: "levels", value: levels.map(String.init).joined(separator: ","),
                    reason: "a level is listed twice", code: Problem.duplicateCode))
        }
        if !Day.supportedYears.contains(fromYear) {
            out.append(Problem(field: "fromYear", value: "\(fromYear)", reason: "a year from 1900 to 2100"))
        }
        if let toYear {
            if !Day.supportedYears.contains(toYear) {
                out.append(Problem(field: "toYear", value: "\(toYear)", reason: "a year from 1900 to 2100"))
            } else if toYear < fromYear {
                out.append(
                    Problem(
                        field: "toYear", value: "\(toYear)", reason: "must not be before fromYear \(fromYear)",
                        code: Problem.inconsistent))
            }
        }
        if report && !levels.contains(1) {
            out.append(
                Problem(
                    field: "report", value: "true",
                    reason: "the report is the country's: it needs level 1 among the published levels",
                    code: Problem.inconsistent))
        }
        if !Self.thresholds.contains(threshold) {
            out.append(
                Problem(
                    field: "threshold", value: "\(threshold)",
                    reason: "from \(Self.thresholds.lowerBound) to \(Self.thresholds.upperBound)"))
        }
        return out
    }
}

/// What an element contributes to a published count: all its values, or one option combination's.
public struct CountSelector: Hashable, Sendable, Comparable {
    public var element: String
    /// The option combination's uid; nil: every combination.
    public var optionCombo: String?

    public init(element: String, optionCombo: String? = nil) {
        self.element = element
        self.optionCombo = optionCombo
    }

    public static func < (a: CountSelector, b: CountSelector) -> Bool {
        (a.element, a.optionCombo ?? "") < (b.element, b.optionCombo ?? "")
    }
}

/// A public indicator as counts: its numerator (and denominator, for a share or a rate) as sums
/// of stored values, each published count protected by the cell-key method, the indicator's
/// value computed from the protected counts.
public struct PublicCount: Sendable, Hashable {
    public var indicator: String
    /// The numerator's terms with how often each is added.
    public var numerator: [CountSelector: Int]
    /// nil for a count (denominator 1).
    public var denominator: [CountSelector: Int]?
    public var factor: Double

    public struct NotCountable: Error, Sendable {
        public var field: String
        public var value: String
        public var reason: String
    }

    /// Only sums (`+`) of elements summed over units and periods can be published as counts:
    /// any other expression (a difference, a product, a constant, a reporting rate) or an element
    /// that is not a count (an average, a last value, a percentage) could not be protected.
    public init(_ indicator: Indicator, catalog: Catalog) throws {
        self.indicator = indicator.uid
        factor = indicator.factor
        var visiting: Set<String> = [indicator.uid]
        numerator = try Self.terms(indicator.numerator, field: "numerator", catalog: catalog, visiting: &visiting)
        let den = indicator.denominator.trimmingCharacters(in: .whitespaces)
        if den == "1" {
            denominator = nil
        } else {
            denominator = try Self.terms(den, field: "denominator", catalog: catalog, visiting: &visiting)
        }
    }

    /// Every element the counts read.
    public var elements: Set<String> {
        Set(numerator.keys.map(\.element)).union((denominator ?? [:]).keys.map(\.element))
    }

    static func terms(_ text: String, field: String, catalog: Catalog, visiting: inout Set<String>) throws
        -> [CountSelector: Int]
    {
        let expression: Expression
        do { expression = try Expression.parse(text) } catch {
            throw NotCountable(field: field, value: text, reason: "cannot be read: \(error)")
        }
        var out: [CountSelector: Int] = [:]
        func add(_ e: Expression) throws {
            switch e {
            case .binary(.add, let a, let b):
                try add(a)
                try add(b)
            case .reference(let r) where r.kind == .element:
                guard let el = catalog.element(r.code) else {
                    throw NotCountable(field: field, value: r.code, reason: "no data element with this code")
                }
                guard [.sum, .averageSumOrgUnit].contains(el.aggregationType) else {
                    throw NotCountable(
                        field: field, value: el.code,
                        reason:
                            "is aggregated with \(el.aggregationType.rawValue): only counts summed over units can be published"
                    )
                }
                guard [.integer, .integerZeroOrPositive].contains(el.valueType) else {
                    throw NotCountable(
                        field: field, value: el.code,
                        reason: "holds \(el.valueType.rawValue) values: only whole counts can be published")
                }
                var coc: String? = nil
                if let combo = r.combo {
                    guard let c = catalog.optionCombo(combo, of: el) else {
                        throw NotCountable(
                            field: field, value: "\(r.code).\(combo)",
                            reason: "no such option combination of \(el.code)")
                    }
                    coc = c.uid
                }
                out[CountSelector(element: el.uid, optionCombo: coc), default: 0] += 1
            case .reference(let r) where r.kind == .indicator:
                guard let sub = catalog.indicator(r.code) else {
                    throw NotCountable(field: field, value: r.code, reason: "no indicator with this code")
                }
                guard visiting.insert(sub.uid).inserted else {
                    throw NotCountable(field: field, value: r.code, reason: "refers to itself")
                }
                defer { visiting.remove(sub.uid) }
                guard sub.denominator.trimmingCharacters(in: .whitespaces) == "1", sub.factor == 1 else {
                    throw NotCountable(
                        field: field, value: sub.code, reason: "is not a count (it has a denominator or a factor)")
                }
                for (k, n) in try Self.terms(sub.numerator, field: field, catalog: catalog, visiting: &visiting) {
                    out[k, default: 0] += n
                }
            default:
                throw NotCountable(
                    field: field, value: text,
                    reason: "only a sum (+) of data elements and count indicators can be published with protection")
            }
        }
        try add(expression)
        return out
    }
}
