import Foundation

/// A form registered complete for a unit and period: when, and by whom.
public struct CompletionRecord: Hashable, Sendable {
    public var dataSet: String
    public var period: String
    public var unit: String
    /// The day it was completed (UTC).
    public var completedOn: Day
    public var completedBy: String

    public init(dataSet: String, period: String, unit: String, completedOn: Day, completedBy: String) {
        self.dataSet = dataSet
        self.period = period
        self.unit = unit
        self.completedOn = completedOn
        self.completedBy = completedBy
    }
}

/// How completely and how timely a form was reported, as DHIS2 counts it.
///
/// - **expected**: units assigned to the form, open throughout the period, in the scope;
/// - **reported**: the form was completed, or has at least one value (a form of zeros left
///   incomplete stores nothing, so completion is what says it was reported);
/// - **complete**: registered complete;
/// - **on time**: completed no later than the form's `timelyDays` after the period ended.
public struct Completeness: Sendable {
    public struct Counts: Hashable, Sendable, Codable {
        public var expected = 0
        public var reported = 0
        public var complete = 0
        public var onTime = 0
        public init() {}

        /// Complete reports over expected ones, in percent (nil when none were expected).
        public var reportingRate: Double? { expected == 0 ? nil : Double(complete) * 100 / Double(expected) }
        /// Complete on time over expected, in percent.
        public var onTimeRate: Double? { expected == 0 ? nil : Double(onTime) * 100 / Double(expected) }
        /// Units that sent something (values or completion) over expected, in percent.
        public var receivedRate: Double? { expected == 0 ? nil : Double(reported) * 100 / Double(expected) }

        mutating func add(_ cell: Cell) {
            expected += 1
            if cell.reported { reported += 1 }
            if cell.complete { complete += 1 }
            if cell.onTime { onTime += 1 }
        }
    }

    /// One expected report.
    public struct Cell: Hashable, Sendable {
        public var unit: String
        public var period: Period
        public var reported: Bool
        public var complete: Bool
        public var onTime: Bool
        public var completedOn: Day?
    }

    public var dataSet: DataSet
    /// The periods asked for, in order.
    public var periods: [Period]
    /// The expected units, in the order of the catalog.
    public var units: [String]
    public var cells: [Cell]

    /// Counts by unit, by period and in total.
    public var byUnit: [String: Counts] {
        var out: [String: Counts] = [:]
        for c in cells { out[c.unit, default: Counts()].add(c) }
        return out
    }
    public var byPeriod: [Period: Counts] {
        var out: [Period: Counts] = [:]
        for c in cells { out[c.period, default: Counts()].add(c) }
        return out
    }
    public var total: Counts {
        var out = Counts()
        for c in cells { out.add(c) }
        return out
    }
    /// Expected reports that never arrived (nothing stored, not completed), the latest first.
    public var missing: [Cell] {
        cells.filter { !$0.reported }.sorted { ($0.period.start, $0.unit) > ($1.period.start, $1.unit) }
    }

    /// The completeness of `form` for the units in the subtrees of `roots` (as the hierarchy stood
    /// at the start of each period) and its periods within `span`. `reported` holds
    /// "unit|period" for every unit and period with a stored value of the form's elements.
    public static func compute(
        form: DataSet, catalog: Catalog, roots: [String], span: DaySpan, reported: Set<String>,
        completions: [CompletionRecord]
    ) -> Completeness {
        let periods = Period.periods(of: form.periodType, within: span)
        var done: [String: Day] = [:]
        for c in completions where c.dataSet == form.uid { done["\(c.unit)|\(c.period)"] = c.completedOn }
        let assigned = Set(form.organisationUnits)
        let ordered = catalog.organisationUnits.map(\.uid).filter { assigned.contains($0) }
        var cells: [Cell] = []
        var expectedUnits = Set<String>()
        for p in periods {
            let deadline = p.end.adding(days: form.timelyDays)
            for u in ordered {
                guard catalog.unit(u)?.isOpen(throughout: p.span) ?? false,
                    roots.contains(where: { catalog.isInSubtree(u, of: $0, on: p.start) })
                else { continue }
                expectedUnits.insert(u)
                let key = "\(u)|\(p.iso)"
                let completedOn = done[key]
                cells.append(
                    Cell(
                        unit: u, period: p, reported: completedOn != nil || reported.contains(key),
                        complete: completedOn != nil, onTime: completedOn.map { $0 <= deadline } ?? false,
                        completedOn: completedOn))
            }
        }
        return Completeness(
            dataSet: form, periods: periods, units: ordered.filter { expectedUnits.contains($0) }, cells: cells)
    }
}

extension Completeness {
    /// The answer as the API and `qorgan completeness --format json` write it.
    public func json(catalog: Catalog, language: String) -> JSONValue {
        func counts(_ c: Counts) -> [(String, JSONValue)] {
            func rate(_ r: Double?) -> JSONValue { r.map { .number(($0 * 10).rounded() / 10) } ?? .null }
            return [
                ("expected", .number(Double(c.expected))), ("reported", .number(Double(c.reported))),
                ("complete", .number(Double(c.complete))), ("completeOnTime", .number(Double(c.onTime))),
                ("reportingRate", rate(c.reportingRate)), ("onTimeRate", rate(c.onTimeRate)),
            ]
        }
        let units = byUnit
        let periodCounts = byPeriod
        return .object([
            ("dataSet", .string(dataSet.uid)), ("dataSetCode", .string(dataSet.code)),
            ("dataSetName", .string(dataSet.name(in: language))), ("timelyDays", .number(Double(dataSet.timelyDays))),
            ("total", .object(counts(total))),
            (
                "byOrgUnit",
                .array(
                    self.units.map { u in
                        .object(
                            [
                                ("orgUnit", .string(u)), ("orgUnitCode", .string(catalog.unit(u)?.code ?? "")),
                                ("orgUnitName", .string(catalog.unit(u)?.name(in: language) ?? "")),
                            ] + counts(units[u] ?? Counts()))
                    })
            ),
            (
                "byPeriod",
                .array(periods.map { p in .object([("period", .string(p.iso))] + counts(periodCounts[p] ?? Counts())) })
            ),
            (
                "notReported",
                .array(
                    missing.map { c in
                        .object([
                            ("orgUnit", .string(c.unit)), ("orgUnitCode", .string(catalog.unit(c.unit)?.code ?? "")),
                            ("orgUnitName", .string(catalog.unit(c.unit)?.name(in: language) ?? "")),
                            ("period", .string(c.period.iso)),
                        ])
                    })
            ),
        ])
    }
}

/// What an `R{FORM.METRIC}` reference reads: DHIS2's reporting rate metrics.
public enum ReportingMetric: String, CaseIterable, Sendable {
    /// Complete reports over expected ones, in percent.
    case reportingRate = "REPORTING_RATE"
    /// Complete on time over expected, in percent.
    case reportingRateOnTime = "REPORTING_RATE_ON_TIME"
    case actualReports = "ACTUAL_REPORTS"
    case actualReportsOnTime = "ACTUAL_REPORTS_ON_TIME"
    case expectedReports = "EXPECTED_REPORTS"

    /// The metric from counts; nil when no report was expected.
    public func value(_ c: Completeness.Counts) -> Double? {
        guard c.expected > 0 else { return nil }
        switch self {
        case .reportingRate: return c.reportingRate
        case .reportingRateOnTime: return c.onTimeRate
        case .actualReports: return Double(c.complete)
        case .actualReportsOnTime: return Double(c.onTime)
        case .expectedReports: return Double(c.expected)
        }
    }
}

/// Every completion, by form, for reporting rates of any unit and span.
public struct CompletionIndex: Sendable {
    /// Form uid → "unit|period" → the day it was completed.
    var byForm: [String: [String: Day]] = [:]

    public init(_ records: [CompletionRecord] = []) {
        for r in records { byForm[r.dataSet, default: [:]]["\(r.unit)|\(r.period)"] = r.completedOn }
    }

    public var count: Int { byForm.values.reduce(0) { $0 + $1.count } }

    /// Expected, complete and on-time reports of `form` for the subtree of `unit` (as it stood at
    /// the start of each period) over the form's periods lying within any of `spans`.
    public func counts(form: DataSet, catalog: Catalog, unit: String, spans: [DaySpan]) -> Completeness.Counts {
        var out = Completeness.Counts()
        let done = byForm[form.uid] ?? [:]
        var seen = Set<Period>()
        for span in spans {
            for p in Period.periods(of: form.periodType, within: span) where seen.insert(p).inserted {
                let deadline = p.end.adding(days: form.timelyDays)
                for u in form.organisationUnits {
                    guard catalog.unit(u)?.isOpen(throughout: p.span) ?? false,
                        catalog.isInSubtree(u, of: unit, on: p.start)
                    else { continue }
                    out.expected += 1
                    if let day = done["\(u)|\(p.iso)"] {
                        out.reported += 1
                        out.complete += 1
                        if day <= deadline { out.onTime += 1 }
                    }
                }
            }
        }
        return out
    }

    /// The value of `R{form.metric}` for a unit and span.
    public func value(
        _ metric: ReportingMetric, form: DataSet, catalog: Catalog, unit: String, spans: [DaySpan]
    ) -> Double? {
        metric.value(counts(form: form, catalog: catalog, unit: unit, spans: spans))
    }
}
