import Foundation
import QorganCore

/// One key figure, computed.
public struct FigureResult: Hashable, Sendable, Codable {
    public var code: String
    public var label: String
    /// As the report prints it: `32.1 %`, `2 (Aktobe region 1, Almaty city 1)`, `89.9 % → 91.7 %`.
    public var display: String
    /// The number(s) behind it: one, or two for a change (from, to).
    public var values: [Double?]
    public var periods: String
    public var unit: String
    public var unitName: String
    public var indicator: String
    public var numerator: Double?
    public var denominator: Double?
    /// For a breakdown: each contributing child unit and its value.
    public var breakdown: [BreakdownItem]?

    public struct BreakdownItem: Hashable, Sendable, Codable {
        public var unit: String
        public var name: String
        public var value: Double
    }
}

/// The programme report: the figures its definitions ask for, computed through the
/// indicator machinery from the data. Nothing in it is typed in.
public struct ProgrammeReport: Sendable {
    public var figures: [FigureResult]

    /// The report computed by `aggregator`: the analytics engine, or the reference aggregation.
    /// `unit` (a uid) computes every figure for that unit instead of the unit its definition
    /// names: a region's report shows the region's figures, never the nation's.
    /// Units in breakdowns are named in `language`.
    /// `within` moves every figure into the report's periods (`Self.periods(of:within:)`).
    public init(
        aggregator: some IndicatorSource, unit forUnit: String? = nil, language: String = "en",
        within: PeriodSelection? = nil
    ) {
        let catalog = aggregator.catalog
        figures = catalog.reportFigures.compactMap { f in
            guard let ind = catalog.indicator(f.indicator), let unit = catalog.unit(forUnit ?? f.unit),
                let own = try? PeriodSelection(f.periods)
            else { return nil }
            let selection = within.map { Self.periods(of: own, within: $0) } ?? own
            let suffix = f.suffix.map { $0 == "%" ? " %" : " " + $0 } ?? ""
            func show(_ v: Double?) -> String {
                v.map { formatFigure($0, decimals: ind.decimals) + suffix } ?? "no data"
            }
            let main = aggregator.indicator(ind.uid, unit: unit.uid, span: selection.span)
            var result = FigureResult(
                code: f.code, label: f.label, display: show(main?.value), values: [main?.value],
                periods: selection.description, unit: unit.code, unitName: unit.name(in: language), indicator: ind.code,
                numerator: main?.numerator, denominator: ind.denominator == "1" ? nil : main?.denominator)
            switch f.kind {
            case .value:
                break
            case .breakdown:
                let items = catalog.children(of: unit.uid, on: selection.span.start).compactMap {
                    child -> FigureResult.BreakdownItem? in
                    guard let v = aggregator.indicator(ind.uid, unit: child.uid, span: selection.span)?.value, v != 0
                    else { return nil }
                    return .init(unit: child.code, name: child.name(in: language), value: v)
                }
                result.breakdown = items
                if !items.isEmpty {
                    result.display +=
                        " ("
                        + items.map { "\($0.name) \(formatFigure($0.value, decimals: ind.decimals))" }.joined(
                            separator: ", ") + ")"
                }
            case .change:
                let periods = Period.periods(of: f.periodType ?? .yearly, within: selection.span)
                let withData = periods.compactMap { p -> (Period, IndicatorResult)? in
                    guard let r = aggregator.indicator(ind.uid, unit: unit.uid, span: p.span), r.value != nil else {
                        return nil
                    }
                    return (p, r)
                }.suffix(2)
                if withData.count == 2, let a = withData.first, let b = withData.last {
                    result.values = [a.1.value, b.1.value]
                    result.display = "\(show(a.1.value)) → \(show(b.1.value))"
                    result.periods = "\(a.0.iso) → \(b.0.iso)"
                    result.numerator = b.1.numerator
                    result.denominator = ind.denominator == "1" ? nil : b.1.denominator
                } else if let only = withData.last {
                    result.values = [only.1.value]
                    result.display = show(only.1.value)
                    result.periods = only.0.iso
                } else {
                    result.values = []
                    result.display = "no data"
                }
            }
            return result
        }
    }

    /// A figure's periods in a report of `report`'s periods: the part of its own that lies within
    /// the report's; a single period outside them moves to the report's last period of its type
    /// (F2 of 2017 in a report of 2016 is 2016's); otherwise the report's periods themselves.
    public static func periods(of own: PeriodSelection, within report: PeriodSelection) -> PeriodSelection {
        let (a, b) = (own.span, report.span)
        if a.start >= b.start && a.end <= b.end { return own }
        if b.start >= a.start && b.end <= a.end { return report }
        if a.start <= b.end && b.start <= a.end, own.first.type == report.first.type {
            let inside = Period.periods(
                of: own.first.type, within: DaySpan(start: max(a.start, b.start), end: min(a.end, b.end)))
            if let first = inside.first, let last = inside.last, let s = try? PeriodSelection(from: first, to: last) {
                return s
            }
        }
        if own.isSingle, let last = Period.periods(of: own.first.type, within: b).last { return PeriodSelection(last) }
        return report
    }

    public func figure(_ code: String) -> FigureResult? { figures.first { $0.code == code } }

    /// A plain-text table: figure, value, period, unit, indicator.
    public func table() -> String {
        let header = ["Figure", "Value", "Period", "Unit", "Indicator", "What"]
        let rows = figures.map { [$0.code, $0.display, $0.periods, $0.unitName, $0.indicator, $0.label] }
        return TextTable.render(header: header, rows: rows)
    }

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(["figures": figures])
    }
}

/// `12`, `32.1`, `1,234.5`: the indicator's decimals, thousands grouped.
public func formatFigure(_ v: Double, decimals: Int) -> String {
    let s = String(format: "%.\(decimals)f", v)
    let parts = s.split(separator: ".", maxSplits: 1)
    var whole = String(parts[0])
    let negative = whole.hasPrefix("-")
    if negative { whole.removeFirst() }
    var grouped = ""
    for (i, ch) in whole.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { grouped.append(",") }
        grouped.append(ch)
    }
    return (negative ? "-" : "") + String(grouped.reversed()) + (parts.count > 1 ? "." + parts[1] : "")
}

/// Columns padded to their widest cell.
public enum TextTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0.count > i ? $0[i].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(
            separator: "\n") + "\n"
    }
}
