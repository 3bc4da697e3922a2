import QorganCore

/// What to check: rules, the units below some roots, and the periods within a span.
public struct ValidationScope: Sendable {
    /// Unit uids: each and its subtree (as the hierarchy stood at the start of each period).
    public var units: [String]
    public var span: DaySpan
    /// Rule uids; empty: every rule.
    public var rules: [String]
    /// Only the rules that read an element of this form (a uid).
    public var dataSet: String?
    /// Only these units, not their subtrees (a form's own check).
    public var exactUnits: Bool
    /// The most rule × unit × period checks one request may ask for.
    public var maxChecks: Int

    public init(
        units: [String], span: DaySpan, rules: [String] = [], dataSet: String? = nil, exactUnits: Bool = false,
        maxChecks: Int = 2_000_000
    ) {
        self.units = units
        self.span = span
        self.rules = rules
        self.dataSet = dataSet
        self.exactUnits = exactUnits
        self.maxChecks = maxChecks
    }
}

/// A validation run's answer.
public struct ValidationOutcome: Sendable {
    /// Broken rules, the most important first, then by rule, period and unit.
    public var violations: [ValidationViolation]
    /// The rules that were checked.
    public var rules: [ValidationRule]
    /// Rule × unit × period combinations looked at, and those with the data to be checked.
    public var considered: Int
    public var checked: Int
}

extension EngineState {
    /// Checks validation rules on the current data: each rule for every unit that enters its
    /// data (and every unit at its aggregation levels) in the scope, for every period of its
    /// type within the span, on aggregated values exactly as analytics computes them.
    public func validate(_ scope: ValidationScope) throws -> ValidationOutcome {
        var rules = catalog.validationRules
        if !scope.rules.isEmpty {
            let wanted = Set(scope.rules)
            rules = rules.filter { wanted.contains($0.uid) }
        }
        if let ds = scope.dataSet.flatMap({ catalog.dataSet($0) }) {
            let ofForm = Set(catalog.validationRules(of: ds).map(\.uid))
            rules = rules.filter { ofForm.contains($0.uid) }
        }
        // What each rule is checked for, bounded before any work.
        var plans: [(rule: ValidationRule, left: Expression, right: Expression, periods: [Period], units: [[String]])] =
            []
        var total = 0
        for rule in rules {
            guard let left = try? Expression.parse(rule.leftSide.expression),
                let right = try? Expression.parse(rule.rightSide.expression)
            else { continue }
            let periods = Period.periods(of: rule.periodType, within: scope.span)
            var unitsByPeriod: [[String]] = []
            for p in periods {
                let candidates: [String]
                if scope.exactUnits {
                    candidates = scope.units.filter { catalog.unit($0)?.isOpen(throughout: p.span) ?? false }
                } else {
                    candidates = catalog.units(of: rule, in: p).filter { u in
                        scope.units.contains { catalog.isInSubtree(u, of: $0, on: p.start) }
                    }
                }
                unitsByPeriod.append(candidates)
                total += candidates.count
            }
            guard total <= scope.maxChecks else {
                throw QorganError.invalidRequest(
                    what: "the validation",
                    problems: [
                        Problem(
                            reason:
                                "it asks for more than \(scope.maxChecks) checks (rules × units × periods): ask for fewer units, periods or rules"
                        )
                    ])
            }
            plans.append((rule, left, right, periods, unitsByPeriod))
        }
        var violations: [ValidationViolation] = []
        var checked = 0
        for plan in plans {
            try Task.checkCancellation()
            let units = Array(Set(plan.units.joined())).sorted()
            if units.isEmpty { continue }
            let query = AnalyticsQuery(data: [], periods: plan.periods.map { PeriodSelection($0) }, units: units)
            let runner = QueryRunner(state: self, query: query)
            var memo: [String: [Double?]] = [:]
            let grids = runner.referenceGrids(plan.left.references + plan.right.references, memo: &memo)
            let unitIndex = Dictionary(uniqueKeysWithValues: units.enumerated().map { ($1, $0) })
            for (pi, period) in plan.periods.enumerated() {
                for u in plan.units[pi] {
                    guard let ui = unitIndex[u] else { continue }
                    let b = ui * runner.periodCount + pi
                    let resolve: (Expression.Reference) -> Double? = { r in grids[QueryRunner.key(r)]?[b] ?? nil }
                    guard let result = plan.rule.check(left: plan.left, right: plan.right, resolve) else { continue }
                    checked += 1
                    if !result.holds {
                        violations.append(
                            ValidationViolation(
                                rule: plan.rule.uid, unit: u, period: period.iso, leftValue: result.left,
                                rightValue: result.right, importance: plan.rule.importance))
                    }
                }
            }
        }
        let code = Dictionary(uniqueKeysWithValues: rules.map { ($0.uid, $0.code) })
        let start = Dictionary(plans.flatMap(\.periods).map { ($0.iso, $0.start) }, uniquingKeysWith: { a, _ in a })
        let never = Day.firstOfMonth(1, 1)
        violations.sort {
            ($0.importance, code[$0.rule] ?? "", start[$0.period] ?? never, $0.period, $0.unit)
                < ($1.importance, code[$1.rule] ?? "", start[$1.period] ?? never, $1.period, $1.unit)
        }
        return ValidationOutcome(violations: violations, rules: plans.map(\.rule), considered: total, checked: checked)
    }
}

extension ValidationOutcome {
    /// One violation as the API and `qorgan validate --format json` write it: ids, codes and
    /// names in `language`, both sides' values, and the instruction for the person entering data.
    public static func json(_ v: ValidationViolation, catalog: Catalog, language: String) -> JSONValue {
        let rule = catalog.validationRule(v.rule)
        let unit = catalog.unit(v.unit)
        func number(_ d: Double?) -> JSONValue { d.map { .number(($0 * 1e6).rounded() / 1e6) } ?? .null }
        return .object([
            ("validationRule", .string(v.rule)),
            ("validationRuleCode", .string(rule?.code ?? "")),
            ("validationRuleName", .string(rule?.name(in: language) ?? "")),
            ("importance", .string(v.importance.rawValue)),
            ("operator", .string(rule?.operator.rawValue ?? "")),
            ("leftSide", .string(rule?.leftSide.expression ?? "")),
            ("rightSide", .string(rule?.rightSide.expression ?? "")),
            ("leftSideValue", number(v.leftValue)),
            ("rightSideValue", number(v.rightValue)),
            ("period", .string(v.period)),
            ("organisationUnit", .string(v.unit)),
            ("organisationUnitCode", .string(unit?.code ?? "")),
            ("organisationUnitName", .string(unit?.name(in: language) ?? "")),
            ("instruction", rule?.instruction(in: language).map { .string($0) } ?? .null),
        ])
    }

    /// The whole answer: the violations and how much was checked.
    public func json(catalog: Catalog, language: String) -> JSONValue {
        .object([
            (
                "validationRuleViolations",
                .array(violations.map { Self.json($0, catalog: catalog, language: language) })
            ),
            ("rulesChecked", .number(Double(rules.count))),
            ("considered", .number(Double(considered))),
            ("checked", .number(Double(checked))),
        ])
    }
}
