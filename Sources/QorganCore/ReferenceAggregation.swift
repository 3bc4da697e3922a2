/// What can be asked for a value: a data element's total, one option combination of it,
/// or an indicator.
public enum DataItem: Hashable, Sendable, CustomStringConvertible {
    case element(String)
    case operand(element: String, optionCombo: String)
    case indicator(String)

    public var description: String {
        switch self {
        case .element(let e): return e
        case .operand(let e, let c): return "\(e).\(c)"
        case .indicator(let i): return i
        }
    }
}

/// An indicator's value with the parts it was computed from.
public struct IndicatorResult: Hashable, Sendable {
    public var numerator: Double?
    public var denominator: Double?
    public var factor: Double
    public var value: Double?
    public init(numerator: Double?, denominator: Double?, factor: Double, value: Double?) {
        self.numerator = numerator
        self.denominator = denominator
        self.factor = factor
        self.value = value
    }
}

/// The reference aggregation: the obviously-correct way to compute any value.
///
/// It looks at every stored value of the element, one by one, and is written for
/// clarity, not speed. The analytics engine must agree with it value for value.
///
/// The rules, in order:
/// 1. A stored value counts when it is not deleted, belongs to the element (and the
///    option combination, if one is asked for), lies in the subtree of the unit *as
///    the hierarchy stood on its period's first day*, and its period rolls up into the
///    span asked for (`Period.rollsUp(into:)`; LAST looks back to any period that
///    ends by the span's end).
/// 2. Option combinations (and attribute combinations) of one unit and period add up
///    to one cell.
/// 3. The element's aggregation type combines the cells:
///    SUM adds them; AVERAGE takes their mean; AVERAGE_SUM_ORG_UNIT takes each unit's
///    mean over its periods and adds the units; LAST and LAST_IN_PERIOD take each
///    unit's latest cell and add the units; MIN and MAX; COUNT counts stored values;
///    NONE takes only the cell stored for exactly that unit and period.
/// 4. No cell, no value: "no data" is never 0.
/// 5. Indicators evaluate numerator and denominator over the *aggregated* values of
///    the same unit and span, then numerator / denominator × factor (never an average
///    of ratios). A zero or missing denominator gives no value.
public struct ReferenceAggregator: Sendable {
    public let catalog: Catalog
    private let valuesByElement: [String: [DataValue]]
    /// Completions, for `R{FORM.METRIC}`.
    public let completions: CompletionIndex

    public init(catalog: Catalog, values: [DataValue], completions: [CompletionRecord] = []) {
        self.catalog = catalog
        self.completions = CompletionIndex(completions)
        var d: [String: [DataValue]] = [:]
        for v in values where !v.deleted { d[v.key.element, default: []].append(v) }
        valuesByElement = d
    }

    /// The value of `item` for `unit` (uid or code) over `periods`.
    public func value(
        _ item: DataItem, unit: String, periods: PeriodSelection,
        aggregationType: AggregationType? = nil
    ) -> Double? {
        guard let u = catalog.unit(unit) else { return nil }
        switch item {
        case .element(let e):
            return elementValue(e, optionCombo: nil, unit: u.uid, span: periods.span, aggregationType: aggregationType)
        case .operand(let e, let c):
            return elementValue(e, optionCombo: c, unit: u.uid, span: periods.span, aggregationType: aggregationType)
        case .indicator(let i):
            return indicator(i, unit: u.uid, span: periods.span)?.value
        }
    }

    public func elementValue(
        _ elementRef: String, optionCombo: String?, unit: String, span: DaySpan,
        aggregationType: AggregationType? = nil
    ) -> Double? {
        guard let el = catalog.element(elementRef), let u = catalog.unit(unit) else { return nil }
        var cocUid: String? = nil
        if let optionCombo {
            guard let coc = catalog.optionCombo(optionCombo, of: el) else { return nil }
            cocUid = coc.uid
        }
        let type = aggregationType ?? el.aggregationType

        // 1. The stored values that count.
        let rows = (valuesByElement[el.uid] ?? []).filter { v in
            if let cocUid, v.key.optionCombo != cocUid { return false }
            let inTime =
                type == .last
                ? v.key.period.rollupSpan.end <= span.end
                : v.key.period.rollsUp(into: span)
            return inTime && catalog.isInSubtree(v.key.unit, of: u.uid, on: v.key.period.start)
        }
        if type == .count { return rows.isEmpty ? nil : Double(rows.count) }

        // 2. Cells: one number per unit and period.
        struct Cell: Hashable {
            let unit: String
            let period: Period
        }
        var cells: [Cell: Double] = [:]
        for v in rows {
            guard let n = v.number else { continue }
            cells[Cell(unit: v.key.unit, period: v.key.period), default: 0] += n
        }
        if cells.isEmpty { return nil }

        // 3. The aggregation type.
        switch type {
        case .sum:
            return cells.values.reduce(0, +)
        case .average:
            return cells.values.reduce(0, +) / Double(cells.count)
        case .averageSumOrgUnit:
            let byUnit = Dictionary(grouping: cells, by: { $0.key.unit })
            return byUnit.values.map { unitCells in
                unitCells.map(\.value).reduce(0, +) / Double(unitCells.count)
            }.reduce(0, +)
        case .last, .lastInPeriod:
            let byUnit = Dictionary(grouping: cells, by: { $0.key.unit })
            return byUnit.values.map { unitCells in
                unitCells.max { a, b in
                    (a.key.period.end, a.key.period.start) < (b.key.period.end, b.key.period.start)
                }!.value
            }.reduce(0, +)
        case .min:
            return cells.values.min()
        case .max:
            return cells.values.max()
        case .count:
            return Double(rows.count)
        case .none:
            let exact = cells.filter { $0.key.unit == u.uid && $0.key.period.span == span }
            return exact.isEmpty ? nil : exact.values.reduce(0, +)
        }
    }

    /// An indicator's numerator, denominator and value for a unit and span.
    public func indicator(_ ref: String, unit: String, span: DaySpan) -> IndicatorResult? {
        indicator(ref, unit: unit, span: span, depth: 0)
    }

    private func indicator(_ ref: String, unit: String, span: DaySpan, depth: Int) -> IndicatorResult? {
        guard depth < 32, let ind = catalog.indicator(ref),
            let num = try? Expression.parse(ind.numerator),
            let den = try? Expression.parse(ind.denominator)
        else { return nil }
        let resolve: (Expression.Reference) -> Double? = { r in
            switch r.kind {
            case .element: return elementValue(r.code, optionCombo: r.combo, unit: unit, span: span)
            case .indicator: return indicator(r.code, unit: unit, span: span, depth: depth + 1)?.value
            case .constant: return catalog.constant(r.code)?.value
            case .reportingRate:
                guard let form = catalog.dataSet(r.code), let metric = ReportingMetric(rawValue: r.combo ?? "") else {
                    return nil
                }
                return completions.value(metric, form: form, catalog: catalog, unit: unit, spans: [span])
            }
        }
        let n = num.evaluate(resolve)
        let d = den.evaluate(resolve)
        var value: Double? = nil
        if let n, let d, d != 0 { value = n / d * ind.factor }
        return IndicatorResult(numerator: n, denominator: d, factor: ind.factor, value: value)
    }
}

/// Anything that computes indicators: the reference aggregation, and the analytics engine.
public protocol IndicatorSource: Sendable {
    var catalog: Catalog { get }
    func indicator(_ ref: String, unit: String, span: DaySpan) -> IndicatorResult?
}

extension ReferenceAggregator: IndicatorSource {}
