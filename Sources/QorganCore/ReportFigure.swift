/// One key figure of the programme report: which indicator, for which periods and unit,
/// and how it is read. The report holds no numbers; it holds these definitions.
public struct ReportFigure: Hashable, Sendable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// The indicator's value for the unit over the periods.
        case value
        /// The value, followed by the unit's children that contributed (F9: where).
        case breakdown
        /// The two latest periods (of `periodType`) with data in the selection: from → to (F10).
        case change
    }

    public var code: String
    public var label: String
    public var indicator: String
    /// A period or range, e.g. `2016` or `2013..2017`.
    public var periods: String
    public var unit: String
    public var kind: Kind
    /// For `change`: the period type whose periods are compared.
    public var periodType: PeriodType?
    /// Shown with the value: `%` for percentages.
    public var suffix: String?

    public init(
        code: String, label: String, indicator: String, periods: String, unit: String,
        kind: Kind = .value, periodType: PeriodType? = nil, suffix: String? = nil
    ) {
        self.code = code
        self.label = label
        self.indicator = indicator
        self.periods = periods
        self.unit = unit
        self.kind = kind
        self.periodType = periodType
        self.suffix = suffix
    }
}
