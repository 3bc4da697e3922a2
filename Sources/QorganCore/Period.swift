import Foundation

/// The period types of DHIS2, with their identifiers.
public enum PeriodType: String, CaseIterable, Sendable, Codable, Comparable {
    case daily = "Daily"
    case weekly = "Weekly"
    case biWeekly = "BiWeekly"
    case monthly = "Monthly"
    case biMonthly = "BiMonthly"
    case quarterly = "Quarterly"
    case sixMonthly = "SixMonthly"
    case yearly = "Yearly"
    case financialApril = "FinancialApril"
    case financialJuly = "FinancialJuly"
    case financialOct = "FinancialOct"
    case financialNov = "FinancialNov"

    /// About how many days a period of this type lasts (for estimating counts before building them).
    public var approximateDays: Int {
        switch self {
        case .daily: 1
        case .weekly: 7
        case .biWeekly: 14
        case .monthly: 28
        case .biMonthly: 59
        case .quarterly: 90
        case .sixMonthly: 181
        case .yearly, .financialApril, .financialJuly, .financialOct, .financialNov: 365
        }
    }

    /// Rough order from finest to coarsest (financial years rank with years).
    var rank: Int {
        switch self {
        case .daily: 0
        case .weekly: 1
        case .biWeekly: 2
        case .monthly: 3
        case .biMonthly: 4
        case .quarterly: 5
        case .sixMonthly: 6
        case .yearly, .financialApril, .financialJuly, .financialOct, .financialNov: 7
        }
    }

    public static func < (a: PeriodType, b: PeriodType) -> Bool { a.rank < b.rank }

    /// Accepts the DHIS2 name (`Monthly`) or a lower-case alias (`monthly`, `month`).
    public init?(name: String) {
        if let t = PeriodType(rawValue: name) {
            self = t
            return
        }
        let lower = name.lowercased()
        if let t = PeriodType.allCases.first(where: { $0.rawValue.lowercased() == lower }) {
            self = t
            return
        }
        switch lower {
        case "day": self = .daily
        case "week": self = .weekly
        case "month": self = .monthly
        case "quarter": self = .quarterly
        case "year": self = .yearly
        default: return nil
        }
    }

    /// First month of the financial year, for the financial types.
    var financialStartMonth: Int? {
        switch self {
        case .financialApril: 4
        case .financialJuly: 7
        case .financialOct: 10
        case .financialNov: 11
        default: nil
        }
    }

    var financialSuffix: String? {
        switch self {
        case .financialApril: "April"
        case .financialJuly: "July"
        case .financialOct: "Oct"
        case .financialNov: "Nov"
        default: nil
        }
    }
}

/// A span of whole days, both ends included.
public struct DaySpan: Hashable, Sendable {
    public let start: Day
    public let end: Day
    public init(start: Day, end: Day) {
        self.start = start
        self.end = end
    }
    public var dayCount: Int { end.ordinal - start.ordinal + 1 }
    public func contains(_ d: Day) -> Bool { start <= d && d <= end }
    public func contains(_ s: DaySpan) -> Bool { start <= s.start && s.end <= end }
}

/// One period: a type and the day it starts on. Its identifier, end and
/// neighbours follow from those two.
public struct Period: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let type: PeriodType
    public let start: Day

    private init(type: PeriodType, start: Day) {
        self.type = type
        self.start = start
    }

    // MARK: Construction

    public static func day(_ d: Day) -> Period { Period(type: .daily, start: d) }

    public static func year(_ y: Int) -> Period? {
        Day(year: y, month: 1, day: 1).map { Period(type: .yearly, start: $0) }
    }

    public static func month(_ y: Int, _ m: Int) -> Period? {
        Day(year: y, month: m, day: 1).map { Period(type: .monthly, start: $0) }
    }

    public static func quarter(_ y: Int, _ q: Int) -> Period? {
        guard (1...4).contains(q) else { return nil }
        return Day(year: y, month: 3 * q - 2, day: 1).map { Period(type: .quarterly, start: $0) }
    }

    /// Monday of ISO week 1 of `isoYear`: the week that holds 4 January.
    public static func isoWeekOneMonday(_ isoYear: Int) -> Day {
        let jan4 = Day.firstOfMonth(isoYear, 1).adding(days: 3)
        return jan4.adding(days: 1 - jan4.isoWeekday)
    }

    /// 52, or 53 in years whose 1 January is a Thursday (or a Wednesday in leap years).
    public static func isoWeeks(in isoYear: Int) -> Int {
        (isoWeekOneMonday(isoYear + 1).ordinal - isoWeekOneMonday(isoYear).ordinal) / 7
    }

    public static func week(_ isoYear: Int, _ w: Int) -> Period? {
        guard (1...9998).contains(isoYear), w >= 1, w <= isoWeeks(in: isoYear) else { return nil }
        return Period(type: .weekly, start: isoWeekOneMonday(isoYear).adding(days: 7 * (w - 1)))
    }

    /// Bi-weeks pair ISO weeks (1–2, 3–4, …); in a 53-week year the 27th bi-week is week 53 alone,
    /// so that bi-weeks never overlap the next year's.
    public static func biWeek(_ isoYear: Int, _ b: Int) -> Period? {
        guard (1...9998).contains(isoYear), b >= 1, 2 * b - 1 <= isoWeeks(in: isoYear) else { return nil }
        return Period(type: .biWeekly, start: isoWeekOneMonday(isoYear).adding(days: 14 * (b - 1)))
    }

    /// The period of `type` that contains `day` (for weeks, the ISO week of that day).
    public static func containing(_ day: Day, type: PeriodType) -> Period {
        switch type {
        case .daily: return Period(type: .daily, start: day)
        case .weekly, .biWeekly:
            let (isoYear, w) = isoWeek(of: day)
            // Built from the ISO week directly: the day's week exists, nothing to check.
            if type == .weekly {
                return Period(type: .weekly, start: isoWeekOneMonday(isoYear).adding(days: 7 * (w - 1)))
            }
            return Period(type: .biWeekly, start: isoWeekOneMonday(isoYear).adding(days: 14 * ((w + 1) / 2 - 1)))
        case .monthly: return Period(type: .monthly, start: .firstOfMonth(day.year, day.month))
        case .biMonthly:
            return Period(type: .biMonthly, start: .firstOfMonth(day.year, day.month - (day.month - 1) % 2))
        case .quarterly: return Period(type: .quarterly, start: .firstOfMonth(day.year, (day.month - 1) / 3 * 3 + 1))
        case .sixMonthly:
            return Period(type: .sixMonthly, start: .firstOfMonth(day.year, day.month <= 6 ? 1 : 7))
        case .yearly: return Period(type: .yearly, start: .firstOfMonth(day.year, 1))
        case .financialApril, .financialJuly, .financialOct, .financialNov:
            let m = type.financialStartMonth ?? 1
            let y = day.month >= m ? day.year : day.year - 1
            return Period(type: type, start: .firstOfMonth(y, m))
        }
    }

    /// ISO year and week number of a day.
    public static func isoWeek(of day: Day) -> (year: Int, week: Int) {
        var y = day.year
        if day < isoWeekOneMonday(y) { y -= 1 } else if day >= isoWeekOneMonday(y + 1) { y += 1 }
        return (y, (day.ordinal - isoWeekOneMonday(y).ordinal) / 7 + 1)
    }

    // MARK: Derived

    public var end: Day {
        switch type {
        case .daily: return start
        case .weekly: return start.adding(days: 6)
        case .biWeekly:
            let (y, w) = Period.isoWeek(of: start)
            return start.adding(days: w == Period.isoWeeks(in: y) ? 6 : 13)
        case .monthly: return monthsLater(1).adding(days: -1)
        case .biMonthly: return monthsLater(2).adding(days: -1)
        case .quarterly: return monthsLater(3).adding(days: -1)
        case .sixMonthly: return monthsLater(6).adding(days: -1)
        case .yearly, .financialApril, .financialJuly, .financialOct, .financialNov:
            return monthsLater(12).adding(days: -1)
        }
    }

    private func monthsLater(_ n: Int) -> Day {
        let m0 = start.month - 1 + n
        return .firstOfMonth(start.year + m0 / 12, m0 % 12 + 1)
    }

    public var span: DaySpan { DaySpan(start: start, end: end) }
    public var dayCount: Int { end.ordinal - start.ordinal + 1 }

    /// The DHIS2 identifier: `20170315`, `2017W5`, `2017BiW3`, `201703`, `201702B`,
    /// `2017Q1`, `2017S1`, `2017`, `2017April`, `2017July`, `2017Oct`, `2017Nov`.
    public var iso: String {
        let y = pad(start.year, 4)
        switch type {
        case .daily: return y + pad(start.month, 2) + pad(start.day, 2)
        case .weekly:
            let (iy, w) = Period.isoWeek(of: start)
            return pad(iy, 4) + "W" + String(w)
        case .biWeekly:
            let (iy, w) = Period.isoWeek(of: start)
            return pad(iy, 4) + "BiW" + String((w + 1) / 2)
        case .monthly: return y + pad(start.month, 2)
        case .biMonthly: return y + pad((start.month + 1) / 2, 2) + "B"
        case .quarterly: return y + "Q\((start.month + 2) / 3)"
        case .sixMonthly: return y + "S\(start.month == 1 ? 1 : 2)"
        case .yearly: return y
        default: return y + (type.financialSuffix ?? "")
        }
    }

    public var description: String { iso }

    /// The day that decides where a week rolls up: its Thursday (the ISO rule that
    /// places a week in a year). A bi-week rolls up by its first week's Thursday.
    public var rollupSpan: DaySpan {
        switch type {
        case .weekly, .biWeekly:
            let thursday = start.adding(days: 3)
            return DaySpan(start: thursday, end: thursday)
        default: return span
        }
    }

    /// Whether a value stored for `self` counts towards `span`. Periods inside the
    /// span count whole; weeks count where their Thursday lies, if the span is at
    /// least a week long. Nothing is ever split across periods.
    public func rollsUp(into span: DaySpan) -> Bool {
        switch type {
        case .weekly, .biWeekly:
            return span.contains(rollupSpan.start) && dayCount <= span.dayCount
        default:
            return span.contains(self.span)
        }
    }

    public var next: Period { Period.containing(end.adding(days: 1), type: type) }
    public var previous: Period { Period.containing(start.adding(days: -1), type: type) }

    public static func < (a: Period, b: Period) -> Bool {
        a.start != b.start ? a.start < b.start : a.end < b.end
    }

    // MARK: Parsing

    /// Parses a DHIS2 period identifier.
    public init(_ text: String) throws {
        guard let p = Period.parse(text) else { throw QorganError.invalidPeriod(text) }
        self = p
    }

    public static func parse(_ raw: String) -> Period? {
        let s = raw.trimmedSpaces
        let chars = Array(s)
        guard chars.count >= 4, chars.count <= 16, chars[0..<4].allSatisfy(\.isASCIIDigit),
            let y = Int(String(chars[0..<4])),
            Day.supportedYears.contains(y)
        else { return nil }
        let rest = String(chars[4...])
        if rest.isEmpty { return year(y) }
        if rest.allSatisfy(\.isASCIIDigit) {
            if rest.count == 2, let m = Int(rest) { return month(y, m) }
            if rest.count == 4, let m = Int(rest.prefix(2)), let d = Int(rest.suffix(2)),
                let day = Day(year: y, month: m, day: d)
            {
                return .day(day)
            }
            return nil
        }
        func number(after prefix: String) -> Int? {
            guard rest.hasPrefix(prefix) else { return nil }
            let n = rest.dropFirst(prefix.count)
            guard !n.isEmpty, n.count <= 2, n.allSatisfy(\.isASCIIDigit) else { return nil }
            return Int(n)
        }
        if let b = number(after: "BiW") { return biWeek(y, b) }
        if let w = number(after: "W") { return week(y, w) }
        if let q = number(after: "Q") { return quarter(y, q) }
        if let h = number(after: "S") {
            guard h == 1 || h == 2 else { return nil }
            return Period(type: .sixMonthly, start: .firstOfMonth(y, h == 1 ? 1 : 7))
        }
        if rest.count == 3, rest.hasSuffix("B"), let b = Int(rest.prefix(2)), rest.prefix(2).allSatisfy(\.isASCIIDigit)
        {
            guard (1...6).contains(b) else { return nil }
            return Period(type: .biMonthly, start: .firstOfMonth(y, 2 * b - 1))
        }
        for t in [PeriodType.financialApril, .financialJuly, .financialOct, .financialNov]
        where rest == t.financialSuffix {
            return Period(type: t, start: .firstOfMonth(y, t.financialStartMonth ?? 1))
        }
        return nil
    }

    /// Every period of `type` whose days all lie within `span` (whose roll-up day does, for weeks).
    public static func periods(of type: PeriodType, within span: DaySpan) -> [Period] {
        var out: [Period] = []
        var p = containing(span.start, type: type)
        while p.start <= span.end {
            if p.rollsUp(into: span) { out.append(p) }
            p = p.next
        }
        return out
    }
}

/// What a query or a report asks about in time: one period, or a range of
/// periods of one type (`2013..2017`, `2016Q2..2017Q1`).
public struct PeriodSelection: Hashable, Sendable, CustomStringConvertible {
    public let first: Period
    public let last: Period

    public init(_ p: Period) {
        first = p
        last = p
    }

    public init(from first: Period, to last: Period) throws {
        guard first.type == last.type else {
            throw QorganError.invalidPeriodRange(
                "\(first.iso)..\(last.iso)",
                reason: "both ends must be of one period type (\(first.type.rawValue) and \(last.type.rawValue))")
        }
        guard first <= last else {
            throw QorganError.invalidPeriodRange("\(first.iso)..\(last.iso)", reason: "the range ends before it starts")
        }
        self.first = first
        self.last = last
    }

    /// Parses `2016`, `2013..2017` or `2016Q2..2017Q1`.
    public init(_ text: String) throws {
        let s = text.trimmingCharacters(in: .whitespaces)
        if let r = s.range(of: "..") {
            let a = String(s[..<r.lowerBound])
            let b = String(s[r.upperBound...])
            try self.init(from: Period(a), to: Period(b))
        } else {
            self.init(try Period(s))
        }
    }

    /// A selection covering exactly `span`, from the daily periods at its ends.
    public init(spanning span: DaySpan) {
        first = .day(span.start)
        last = .day(span.end)
    }

    public var span: DaySpan { DaySpan(start: first.start, end: last.end) }
    public var isSingle: Bool { first == last }
    public var periods: [Period] {
        var out = [first]
        var p = first
        while p < last {
            p = p.next
            out.append(p)
        }
        return out
    }
    public var description: String { isSingle ? first.iso : "\(first.iso)..\(last.iso)" }
}
