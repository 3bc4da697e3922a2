import Foundation

/// The programme's results framework: goals → outcomes → outputs, each with its indicators,
/// and each indicator with its definition, baseline, targets, means of verification,
/// frequency and responsible unit. Stored as one versioned document.
public struct ResultsFramework: Hashable, Sendable, Codable {
    public var programme: String
    public var goals: [Goal]
    /// The document's texts in other languages: language → English text → its translation (the
    /// programme's title, names of goals, outcomes and outputs, definitions, means of verification,
    /// frequencies). Kept with the document, so each version carries its own.
    public var translations: [String: [String: String]]?
    public init(programme: String, goals: [Goal], translations: [String: [String: String]]? = nil) {
        self.programme = programme
        self.goals = goals
        self.translations = translations
    }

    /// One of the document's texts in `language`, the text itself where it has no translation.
    public func text(_ english: String, in language: String) -> String {
        translations?[language]?[english].flatMap { $0.isEmpty ? nil : $0 } ?? english
    }

    public struct Goal: Hashable, Sendable, Codable {
        public var code: String
        public var name: String
        public var outcomes: [Outcome]
        public init(code: String, name: String, outcomes: [Outcome]) {
            self.code = code
            self.name = name
            self.outcomes = outcomes
        }
    }
    public struct Outcome: Hashable, Sendable, Codable {
        public var code: String
        public var name: String
        public var indicators: [FrameworkIndicator]
        public var outputs: [Output]
        public init(code: String, name: String, indicators: [FrameworkIndicator], outputs: [Output]) {
            self.code = code
            self.name = name
            self.indicators = indicators
            self.outputs = outputs
        }
    }
    public struct Output: Hashable, Sendable, Codable {
        public var code: String
        public var name: String
        public var indicators: [FrameworkIndicator]
        public init(code: String, name: String, indicators: [FrameworkIndicator]) {
            self.code = code
            self.name = name
            self.indicators = indicators
        }
    }
    public struct Baseline: Hashable, Sendable, Codable {
        public var value: Double
        public var period: String
        public init(value: Double, period: String) {
            self.value = value
            self.period = period
        }
    }
    public struct Target: Hashable, Sendable, Codable {
        public var period: String
        public var value: Double
        /// The unit whose target it is (code or uid); nil: the indicator's responsible unit. A
        /// region's report judges the region against the region's own targets only.
        public var unit: String?
        public init(period: String, value: Double, unit: String? = nil) {
            self.period = period
            self.value = value
            self.unit = unit
        }
    }

    public struct FrameworkIndicator: Hashable, Sendable, Codable {
        /// An indicator of the metadata (code or uid).
        public var indicator: String
        public var definition: String
        public var baseline: Baseline
        public var targets: [Target]
        public var meansOfVerification: String
        public var frequency: String
        /// The unit answerable for it (code or uid).
        public var responsibleUnit: String
        /// False when less is better (acts not prevented).
        public var higherIsBetter: Bool?
        public init(
            indicator: String, definition: String, baseline: Baseline, targets: [Target], meansOfVerification: String,
            frequency: String, responsibleUnit: String, higherIsBetter: Bool? = nil
        ) {
            self.indicator = indicator
            self.definition = definition
            self.baseline = baseline
            self.targets = targets
            self.meansOfVerification = meansOfVerification
            self.frequency = frequency
            self.responsibleUnit = responsibleUnit
            self.higherIsBetter = higherIsBetter
        }
    }

    /// Every indicator with where it sits: (goal, outcome, output?) codes.
    public var indicators: [(path: String, indicator: FrameworkIndicator)] {
        goals.flatMap { g in
            g.outcomes.flatMap { o in
                o.indicators.map { ("\(g.code) › \(o.code)", $0) }
                    + o.outputs.flatMap { out in out.indicators.map { ("\(g.code) › \(o.code) › \(out.code)", $0) } }
            }
        }
    }

    public func problems(in catalog: Catalog) -> [Problem] {
        var out: [Problem] = []
        if programme.isEmpty { out.append(Problem(field: "programme", reason: "required")) }
        var codes = Set<String>()
        for g in goals {
            let all = [g.code] + g.outcomes.map(\.code) + g.outcomes.flatMap { $0.outputs.map(\.code) }
            for code in all where !codes.insert(code).inserted {
                out.append(
                    Problem(
                        field: "code", value: code, reason: "codes are unique in the framework",
                        code: Problem.duplicateCode))
            }
        }
        for (path, i) in indicators {
            let at = "indicator \(i.indicator) (\(path))"
            if catalog.indicator(i.indicator) == nil {
                out.append(
                    Problem.unknown(
                        object: at, field: "indicator", value: i.indicator, reason: "no indicator with this code or uid"
                    ))
            }
            if catalog.unit(i.responsibleUnit) == nil {
                out.append(
                    Problem.unknown(
                        object: at, field: "responsibleUnit", value: i.responsibleUnit,
                        reason: "no organisation unit with this code or uid"))
            }
            if (try? PeriodSelection(i.baseline.period)) == nil {
                out.append(
                    Problem(object: at, field: "baseline.period", value: i.baseline.period, reason: "not a period"))
            }
            for t in i.targets where (try? PeriodSelection(t.period)) == nil {
                out.append(Problem(object: at, field: "targets.period", value: t.period, reason: "not a period"))
            }
            for t in i.targets where t.unit.map({ catalog.unit($0) == nil }) ?? false {
                out.append(
                    Problem.unknown(
                        object: at, field: "targets.unit", value: t.unit,
                        reason: "no organisation unit with this code or uid"))
            }
            if i.targets.isEmpty { out.append(Problem(object: at, field: "targets", reason: "at least one target")) }
        }
        return out
    }
}
