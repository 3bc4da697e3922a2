import QorganCore

/// The dimensions of a query, named as in DHIS2's analytics API.
public enum AnalyticsDimension: String, Sendable, CaseIterable, Codable {
    case dx, co, pe, ou
}

/// What an analytics query asks: data items × periods × units (× option combinations),
/// each dimension on an axis or as a filter.
public struct AnalyticsQuery: Sendable {
    public var data: [DataItem]
    public var periods: [PeriodSelection]
    /// Unit uids.
    public var units: [String]
    /// Break elements down by option combination (the `co` dimension).
    public var disaggregate: Bool
    /// Dimensions that filter instead of forming an axis; a filter's items are taken together.
    public var filters: Set<AnalyticsDimension>
    /// Overrides every element's aggregation type.
    public var aggregationType: AggregationType?
    /// Adds numerator, denominator and factor columns for indicators.
    public var includeNumeratorDenominator: Bool

    public init(
        data: [DataItem], periods: [PeriodSelection], units: [String], disaggregate: Bool = false,
        filters: Set<AnalyticsDimension> = [], aggregationType: AggregationType? = nil,
        includeNumeratorDenominator: Bool = false
    ) {
        self.data = data
        self.periods = periods
        self.units = units
        self.disaggregate = disaggregate
        self.filters = filters
        self.aggregationType = aggregationType
        self.includeNumeratorDenominator = includeNumeratorDenominator
    }
}

/// The bounds of one query, so that no request can ask the engine for unbounded work.
public struct QueryLimits: Sendable, Hashable {
    /// Periods on the pe dimension, after relative periods and `periodType` are expanded
    /// (ten years of days).
    public var maxPeriods = 3_660
    /// Cells of the answer: data items × periods × units (filters count once).
    public var maxCells = 500_000
    public init() {}
}

/// A query as text, the way the CLI and the HTTP API receive it.
public struct QuerySpec: Sendable {
    public var dx: [String]
    public var pe: [String]
    public var ou: [String]
    public var co = false
    public var filters: Set<AnalyticsDimension> = []
    /// Splits each period item into periods of this type (`2013..2017` by `Yearly`: five columns).
    public var periodType: PeriodType?
    public var aggregationType: AggregationType?
    public var includeNumeratorDenominator = false
    /// The units of the user asking, for USER_ORGUNIT and USER_ORGUNIT_CHILDREN.
    public var userUnits: [String] = []
    /// How much one query may ask for: checked when it is resolved, before any work.
    public var limits = QueryLimits()

    public init(dx: [String], pe: [String], ou: [String]) {
        self.dx = dx
        self.pe = pe
        self.ou = ou
    }

    /// Resolves codes, relative periods and unit keywords against the catalog.
    /// Every item that does not resolve is listed, by dimension and value.
    public func resolve(in catalog: Catalog, today: Day) throws -> AnalyticsQuery {
        var problems: [Problem] = []
        var data: [DataItem] = []
        for item in dx {
            if let ind = catalog.indicator(item) {
                data.append(.indicator(ind.uid))
                continue
            }
            let parts = item.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard !parts.contains(where: \.isEmpty) else {
                problems.append(
                    Problem(field: "dx", value: item, reason: "an indicator, an element, or ELEMENT.COMBINATION"))
                continue
            }
            guard let first = parts.first, let el = catalog.element(first) else {
                problems.append(
                    Problem.unknown(
                        field: "dx", value: item, reason: "no data element or indicator with code or uid '\(item)'")
                )
                continue
            }
            if parts.count == 2 {
                guard let coc = catalog.optionCombo(parts[1], of: el) else {
                    problems.append(
                        Problem.unknown(
                            field: "dx", value: item,
                            reason:
                                "data element '\(el.code)' has no option combination '\(parts[1])' (it has: \(catalog.optionCombos(of: el).map(\.code).joined(separator: ", ")))"
                        ))
                    continue
                }
                data.append(.operand(element: el.uid, optionCombo: coc.uid))
            } else {
                data.append(.element(el.uid))
            }
        }
        var periods: [PeriodSelection] = []
        for item in pe {
            do {
                let selections = try RelativePeriods.expand(item, today: today) ?? [PeriodSelection(item)]
                if let t = periodType {
                    for s in selections {
                        // A whole range split into days can be long: refuse it before it is built.
                        let estimate = s.span.dayCount / t.approximateDays
                        guard periods.count + estimate <= limits.maxPeriods else {
                            problems.append(
                                Problem(
                                    field: "pe", value: item,
                                    reason:
                                        "holds about \(estimate) \(t.rawValue) periods; a query takes at most \(limits.maxPeriods)"
                                ))
                            break
                        }
                        let split = Period.periods(of: t, within: s.span)
                        if split.isEmpty {
                            problems.append(
                                Problem(field: "pe", value: item, reason: "holds no whole \(t.rawValue) period"))
                        }
                        periods += split.map { PeriodSelection($0) }
                    }
                } else {
                    periods += selections
                }
            } catch {
                problems.append(
                    Problem(
                        field: "pe", value: item,
                        reason:
                            "not a period, range (2013..2017) or relative period (THIS_YEAR, LAST_12_MONTHS, LAST_5_YEARS, …) in the years 1900–2100"
                    ))
            }
        }
        let asOf = periods.map(\.span.end).max() ?? today
        var units: [String] = []
        for item in ou {
            switch UnitSelector.expand(item, catalog: catalog, on: asOf, userUnits: userUnits) {
            case .valid(let list):
                if list.isEmpty {
                    problems.append(Problem(field: "ou", value: item, reason: "selects no unit open on \(asOf)"))
                }
                units += list
            case .invalid(let ps): problems += ps
            }
        }
        // Each may come as a dimension, a filter, or (periods) startDate and endDate: a query without
        // one is an illegal combination, as DHIS2 says, not a malformed value.
        for (field, list, what) in [
            ("dx", dx, "data element or indicator"), ("pe", pe, "period"), ("ou", ou, "organisation unit"),
        ] where list.isEmpty {
            problems.append(Problem(field: field, reason: "name at least one \(what)", code: Problem.illegalQuery))
        }
        if filters.contains(.dx) && dx.count > 1 {
            problems.append(
                Problem(field: "dx", reason: "data items cannot be added together as a filter; put dx on an axis"))
        }
        if periods.count > limits.maxPeriods {
            problems.append(
                Problem(
                    field: "pe", value: String(periods.count),
                    reason: "a query takes at most \(limits.maxPeriods) periods"))
        }
        var distinct = Set<String>()
        let unitCount = units.filter { distinct.insert($0).inserted }.count
        let cells = [
            filters.contains(.dx) ? 1 : data.count, filters.contains(.pe) ? 1 : periods.count,
            filters.contains(.ou) ? 1 : unitCount,
        ]
        .reduce(1) { $0.multipliedReportingOverflow(by: max($1, 1)).partialValue }
        if problems.isEmpty && (cells > limits.maxCells || cells < 0) {
            problems.append(
                Problem(
                    reason:
                        "the query asks for \(cells) cells (data × periods × units); at most \(limits.maxCells): ask for fewer periods or units, or use a filter"
                ))
        }
        if !problems.isEmpty { throw QorganError.invalidRequest(what: "the query", problems: problems) }
        var seen = Set<String>()
        return AnalyticsQuery(
            data: data, periods: periods, units: units.filter { seen.insert($0).inserted }, disaggregate: co,
            filters: filters, aggregationType: aggregationType,
            includeNumeratorDenominator: includeNumeratorDenominator)
    }
}

/// `CODE`, `LEVEL-2`, `LEVEL-3:AKT` (a level within a unit), `CHILDREN:AKT`, `USER_ORGUNIT`, `USER_ORGUNIT_CHILDREN`,
/// `USER_ORGUNIT_GRANDCHILDREN`.
enum UnitSelector {
    static func expand(_ item: String, catalog: Catalog, on day: Day, userUnits: [String]) -> Validated<[String]> {
        func fail(_ reason: String, code: String? = nil) -> Validated<[String]> {
            .invalid([Problem(field: "ou", value: item, reason: reason, code: code)])
        }
        func unknown(_ ref: String) -> Validated<[String]> {
            fail("no organisation unit with code or uid '\(ref)'", code: Problem.unknownReference)
        }
        if item == "USER_ORGUNIT" || item == "USER_ORGUNIT_CHILDREN" || item == "USER_ORGUNIT_GRANDCHILDREN" {
            guard !userUnits.isEmpty else { return fail("the user is bound to no unit") }
            var units = userUnits.compactMap { catalog.unit($0)?.uid }
            let depth = item == "USER_ORGUNIT" ? 0 : item == "USER_ORGUNIT_CHILDREN" ? 1 : 2
            for _ in 0..<depth { units = units.flatMap { catalog.children(of: $0, on: day).map(\.uid) } }
            return .valid(units)
        }
        if item.hasPrefix("CHILDREN:") {
            let ref = String(item.dropFirst("CHILDREN:".count))
            guard let u = catalog.unit(ref) else { return unknown(ref) }
            return .valid(catalog.children(of: u.uid, on: day).map(\.uid))
        }
        if item.hasPrefix("LEVEL-") {
            let rest = item.dropFirst("LEVEL-".count).split(
                separator: ":", maxSplits: 1, omittingEmptySubsequences: false
            ).map(String.init)
            guard let first = rest.first, let level = Int(first), (1...64).contains(level) else {
                return fail("LEVEL-n takes a level number from 1")
            }
            var units = catalog.units(atLevel: level, on: day)
            if rest.count == 2 {
                guard let within = catalog.unit(rest[1]) else {
                    return unknown(rest[1])
                }
                units = units.filter { catalog.isInSubtree($0.uid, of: within.uid, on: day) }
            }
            return .valid(units.map(\.uid))
        }
        guard let u = catalog.unit(item) else { return unknown(item) }
        return .valid([u.uid])
    }
}

/// DHIS2's relative periods, counted back from `today`: THIS_YEAR, LAST_YEAR, LAST_5_YEARS,
/// THIS_MONTH, LAST_MONTH, LAST_12_MONTHS, THIS_QUARTER, LAST_4_QUARTERS, LAST_52_WEEKS,
/// MONTHS_THIS_YEAR, QUARTERS_THIS_YEAR, TODAY, YESTERDAY, LAST_7_DAYS, …
public enum RelativePeriods {
    static let units: [(String, PeriodType)] = [
        ("DAY", .daily), ("WEEK", .weekly), ("BIWEEK", .biWeekly), ("MONTH", .monthly), ("BIMONTH", .biMonthly),
        ("QUARTER", .quarterly), ("SIX_MONTH", .sixMonthly), ("YEAR", .yearly), ("FINANCIAL_YEAR", .financialApril),
    ]

    /// nil when `text` is not a relative period.
    public static func expand(_ text: String, today: Day) throws -> [PeriodSelection]? {
        func current(_ t: PeriodType) -> Period { Period.containing(today, type: t) }
        func back(_ p: Period, _ n: Int) -> Period { (0..<n).reduce(p) { q, _ in q.previous } }
        switch text {
        case "TODAY": return [PeriodSelection(current(.daily))]
        case "YESTERDAY": return [PeriodSelection(back(current(.daily), 1))]
        case "MONTHS_THIS_YEAR":
            return Period.periods(of: .monthly, within: current(.yearly).span).map { PeriodSelection($0) }
        case "QUARTERS_THIS_YEAR":
            return Period.periods(of: .quarterly, within: current(.yearly).span).map { PeriodSelection($0) }
        default: break
        }
        for (name, type) in units {
            let plural = name + "S"
            if text == "THIS_\(name)" { return [PeriodSelection(current(type))] }
            if text == "LAST_\(name)" { return [PeriodSelection(back(current(type), 1))] }
            if text.hasPrefix("LAST_"), text.hasSuffix("_" + plural) {
                let middle = text.dropFirst(5).dropLast(plural.count + 1)
                guard let n = Int(middle), (1...1000).contains(n) else { return nil }
                let last = back(current(type), 1)
                return (0..<n).reversed().map { PeriodSelection(back(last, $0)) }
            }
        }
        return nil
    }
}
