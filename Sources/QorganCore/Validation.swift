import Foundation

/// A validation rule: two expressions of the indicator language compared per unit and period,
/// as DHIS2 has them (`leftSide`, `operator`, `rightSide`, `importance`, `periodType`).
///
/// `#{DRAWN_IN_MARGINALISED} <= #{DRAWN_IN}`, quarterly, high importance: a region's quarter
/// that reports more marginalised people than people drawn in is a violation.
public struct ValidationRule: Hashable, Sendable, Codable {
    public enum Operator: String, Hashable, Sendable, Codable, CaseIterable {
        case equalTo = "equal_to"
        case notEqualTo = "not_equal_to"
        case greaterThan = "greater_than"
        case greaterThanOrEqualTo = "greater_than_or_equal_to"
        case lessThan = "less_than"
        case lessThanOrEqualTo = "less_than_or_equal_to"
        /// Both sides have data, or neither has.
        case compulsoryPair = "compulsory_pair"
        /// At most one side has data.
        case exclusivePair = "exclusive_pair"

        /// The operator as a symbol (`<=`), or its name for the pairs.
        public var symbol: String {
            switch self {
            case .equalTo: return "=="
            case .notEqualTo: return "!="
            case .greaterThan: return ">"
            case .greaterThanOrEqualTo: return ">="
            case .lessThan: return "<"
            case .lessThanOrEqualTo: return "<="
            case .compulsoryPair: return "compulsory pair"
            case .exclusivePair: return "exclusive pair"
            }
        }

        /// DHIS2's name (`less_than_or_equal_to`), the symbol (`<=`) or the pair's name with spaces.
        public init?(name: String) {
            let n = name.trimmedSpaces.lowercased()
            if let op = Operator(rawValue: n) {
                self = op
            } else if let op = Operator.allCases.first(where: {
                $0.symbol == n || $0.symbol == n.replacingOccurrences(of: "_", with: " ")
            }) {
                self = op
            } else {
                return nil
            }
        }

        public var isPair: Bool { self == .compulsoryPair || self == .exclusivePair }
    }

    public enum Importance: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
        case high = "HIGH", medium = "MEDIUM", low = "LOW"
        var rank: Int {
            switch self {
            case .high: return 0
            case .medium: return 1
            case .low: return 2
            }
        }
        /// High sorts first.
        public static func < (a: Importance, b: Importance) -> Bool { a.rank < b.rank }
    }

    /// What a side's missing data means, as in DHIS2.
    public enum MissingValueStrategy: String, Hashable, Sendable, Codable, CaseIterable {
        /// The rule is not checked when the side has none of its data (the default).
        case skipIfAllValuesMissing = "SKIP_IF_ALL_VALUES_MISSING"
        /// The rule is not checked when any data reference of the side has no data.
        case skipIfAnyValueMissing = "SKIP_IF_ANY_VALUE_MISSING"
        /// Missing data counts as 0 and the rule is always checked.
        case neverSkip = "NEVER_SKIP"
    }

    /// One side: an expression and what its missing data means.
    public struct Side: Hashable, Sendable, Codable {
        public var expression: String
        public var missingValueStrategy: MissingValueStrategy
        public var description: String?

        public init(
            _ expression: String, missingValueStrategy: MissingValueStrategy = .skipIfAllValuesMissing,
            description: String? = nil
        ) {
            self.expression = expression
            self.missingValueStrategy = missingValueStrategy
            self.description = description
        }

        enum CodingKeys: String, CodingKey { case expression, missingValueStrategy, description }

        /// `"#{A}"` or DHIS2's `{"expression": "#{A}", "missingValueStrategy": "NEVER_SKIP"}`.
        public init(from decoder: Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                self.init(text)
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                try c.decode(String.self, forKey: .expression),
                missingValueStrategy: try c.decodeIfPresent(MissingValueStrategy.self, forKey: .missingValueStrategy)
                    ?? .skipIfAllValuesMissing,
                description: try c.decodeIfPresent(String.self, forKey: .description))
        }

        /// The side's value: nil when it has no data; `skip` when the rule must not be checked.
        public func evaluate(
            _ expression: Expression, _ resolve: (Expression.Reference) -> Double?
        ) -> (value: Double?, skip: Bool) {
            var missing = 0
            var present = 0
            let value = expression.evaluate { r in
                let v = resolve(r)
                if r.kind != .constant {
                    if v == nil { missing += 1 } else { present += 1 }
                }
                return v
            }
            switch missingValueStrategy {
            case .skipIfAllValuesMissing:
                return (value, missing > 0 && present == 0)
            case .skipIfAnyValueMissing:
                return (value, missing > 0)
            case .neverSkip:
                return (value ?? (present == 0 ? 0 : nil), false)
            }
        }
    }

    public var uid: String
    public var code: String
    public var name: String
    public var description: String?
    /// Shown to the person entering data beside a violation: what to check or correct.
    public var instruction: String?
    public var importance: Importance
    public var `operator`: Operator
    public var leftSide: Side
    public var rightSide: Side
    /// The periods the rule is checked for (a form's periods: `Monthly`, `Quarterly`, …).
    public var periodType: PeriodType
    /// Levels at which the rule is also checked on aggregated data (2: every region); without
    /// them it is checked for the units that enter the rule's data on a form of its period type.
    public var organisationUnitLevels: [Int]
    /// The name in other languages.
    public var translations: [String: String]?
    /// The instruction in other languages.
    public var instructionTranslations: [String: String]?

    public init(
        uid: String, code: String, name: String, description: String? = nil, instruction: String? = nil,
        importance: Importance = .medium, operator op: Operator, leftSide: Side, rightSide: Side,
        periodType: PeriodType, organisationUnitLevels: [Int] = [], translations: [String: String]? = nil,
        instructionTranslations: [String: String]? = nil
    ) {
        self.uid = uid
        self.code = code
        self.name = name
        self.description = description
        self.instruction = instruction
        self.importance = importance
        self.operator = op
        self.leftSide = leftSide
        self.rightSide = rightSide
        self.periodType = periodType
        self.organisationUnitLevels = organisationUnitLevels
        self.translations = translations
        self.instructionTranslations = instructionTranslations
    }

    enum CodingKeys: String, CodingKey {
        case uid, code, name, description, instruction, importance, `operator`, leftSide, rightSide, periodType,
            organisationUnitLevels, translations, instructionTranslations
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        instruction = try c.decodeIfPresent(String.self, forKey: .instruction)
        let importanceName = try c.decodeIfPresent(String.self, forKey: .importance) ?? "MEDIUM"
        guard let imp = Importance(rawValue: importanceName.uppercased()) else {
            throw DecodingError.dataCorruptedError(
                forKey: .importance, in: c, debugDescription: "'\(importanceName)' is not HIGH, MEDIUM or LOW")
        }
        importance = imp
        let opName = try c.decode(String.self, forKey: .operator)
        guard let op = Operator(name: opName) else {
            throw DecodingError.dataCorruptedError(
                forKey: .operator, in: c,
                debugDescription:
                    "'\(opName)' is not an operator (\(Operator.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.operator = op
        leftSide = try c.decode(Side.self, forKey: .leftSide)
        rightSide = try c.decode(Side.self, forKey: .rightSide)
        let typeName = try c.decode(String.self, forKey: .periodType)
        guard let t = PeriodType(name: typeName) else {
            throw DecodingError.dataCorruptedError(
                forKey: .periodType, in: c, debugDescription: "'\(typeName)' is not a period type")
        }
        periodType = t
        organisationUnitLevels = try c.decodeIfPresent([Int].self, forKey: .organisationUnitLevels) ?? []
        translations = try c.decodeIfPresent([String: String].self, forKey: .translations)
        instructionTranslations = try c.decodeIfPresent([String: String].self, forKey: .instructionTranslations)
    }

    /// The instruction in `language` when translated, else the instruction.
    public func instruction(in language: String) -> String? {
        instructionTranslations?[language].flatMap { $0.isEmpty ? nil : $0 } ?? instruction
    }

    /// Whether the two sides' values satisfy the rule (nil: no data on that side).
    public func holds(left: Double?, right: Double?) -> Bool {
        switch self.operator {
        case .compulsoryPair: return (left == nil) == (right == nil)
        case .exclusivePair: return left == nil || right == nil
        default: break
        }
        guard let l = left, let r = right else { return true }
        // Values come from sums of decimals: compare to a millionth, as they are shown.
        let tolerance = 1e-9 * max(1, abs(l), abs(r))
        switch self.operator {
        case .equalTo: return abs(l - r) <= tolerance
        case .notEqualTo: return abs(l - r) > tolerance
        case .greaterThan: return l > r + tolerance
        case .greaterThanOrEqualTo: return l >= r - tolerance
        case .lessThan: return l < r - tolerance
        case .lessThanOrEqualTo: return l <= r + tolerance
        case .compulsoryPair, .exclusivePair: return true
        }
    }

    /// The rule checked on one unit and period, with `resolve` giving each reference's value:
    /// nil when it is not checked (missing data, as the sides' strategies say).
    public func check(
        left: Expression, right: Expression, _ resolve: (Expression.Reference) -> Double?
    ) -> (holds: Bool, left: Double?, right: Double?)? {
        if self.operator.isPair {
            // A pair asks whether each side has data: missing data is its whole point.
            let l = left.evaluate(resolve)
            let r = right.evaluate(resolve)
            return (holds(left: l, right: r), l, r)
        }
        let l = leftSide.evaluate(left, resolve)
        let r = rightSide.evaluate(right, resolve)
        if l.skip || r.skip { return nil }
        guard l.value != nil, r.value != nil else { return nil }
        return (holds(left: l.value, right: r.value), l.value, r.value)
    }
}

extension ValidationRule: Translatable {}

/// One rule found broken for one unit and period.
public struct ValidationViolation: Hashable, Sendable, Codable {
    public var rule: String
    public var unit: String
    public var period: String
    public var leftValue: Double?
    public var rightValue: Double?
    public var importance: ValidationRule.Importance

    public init(
        rule: String, unit: String, period: String, leftValue: Double?, rightValue: Double?,
        importance: ValidationRule.Importance
    ) {
        self.rule = rule
        self.unit = unit
        self.period = period
        self.leftValue = leftValue
        self.rightValue = rightValue
        self.importance = importance
    }
}

extension Catalog {
    /// The data elements a rule reads (either side, indicators followed).
    public func elements(of rule: ValidationRule) -> Set<String> {
        var out = Set<String>()
        var seen = Set<String>()
        func walk(_ text: String, depth: Int) {
            guard depth < 32, let e = try? Expression.parse(text) else { return }
            for r in e.references {
                switch r.kind {
                case .element: if let el = element(r.code) { out.insert(el.uid) }
                case .indicator:
                    if let ind = indicator(r.code), seen.insert(ind.uid).inserted {
                        walk(ind.numerator, depth: depth + 1)
                        walk(ind.denominator, depth: depth + 1)
                    }
                case .constant, .reportingRate: break
                }
            }
        }
        walk(rule.leftSide.expression, depth: 0)
        walk(rule.rightSide.expression, depth: 0)
        return out
    }

    /// The rules that read any element of `form` and are checked for its period type.
    public func validationRules(of form: DataSet) -> [ValidationRule] {
        let elements = Set(form.dataElements)
        return validationRules.filter {
            $0.periodType == form.periodType && !elements.isDisjoint(with: self.elements(of: $0))
        }
    }

    /// The form where `unit` enters a violation's data: of the rule's period type, reported by the
    /// unit, holding an element the rule reads; nil for a unit checked on aggregated data only.
    public func form(of violation: ValidationViolation) -> DataSet? {
        guard let rule = validationRule(violation.rule) else { return nil }
        let elements = self.elements(of: rule)
        return dataSets.first {
            $0.periodType == rule.periodType && assigns($0, to: violation.unit)
                && !elements.isDisjoint(with: $0.dataElements)
        }
    }

    /// Whether people type a form's data (some element is not derived from a register): only
    /// such forms are completed, watched for completeness and approved.
    public func isEntered(_ form: DataSet) -> Bool {
        form.dataElements.contains { element($0)?.derivedFrom == nil }
    }

    /// The units a rule is checked for in `period`: those that enter its data on a form of its
    /// period type, and every unit at its aggregation levels then; only units open throughout it.
    public func units(of rule: ValidationRule, in period: Period) -> [String] {
        let elements = self.elements(of: rule)
        var units = Set<String>()
        for form in dataSets where form.periodType == rule.periodType && !elements.isDisjoint(with: form.dataElements) {
            units.formUnion(form.organisationUnits)
        }
        if !rule.organisationUnitLevels.isEmpty {
            let levels = Set(rule.organisationUnitLevels)
            for u in organisationUnits where levels.contains(level(of: u.uid, on: period.start)) {
                units.insert(u.uid)
            }
        }
        return units.filter { unit($0)?.isOpen(throughout: period.span) ?? false }.sorted()
    }
}
