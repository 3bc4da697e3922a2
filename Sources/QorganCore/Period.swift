import Foundation

/// The period types of DHIS2, with their identifiers and DHIS2's dates.
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
    case weeklyWednesday = "WeeklyWednesday"
    case weeklyThursday = "WeeklyThursday"
    case weeklyFriday = "WeeklyFriday"
    case weeklySaturday = "WeeklySaturday"
    case weeklySunday = "WeeklySunday"
    case quarterlyNov = "QuarterlyNov"
    case sixMonthlyApril = "SixMonthlyApril"
    case sixMonthlyNov = "SixMonthlyNov"
    case financialFeb = "FinancialFeb"
    case financialAug = "FinancialAug"
    case financialSep = "FinancialSep"

    /// The weekday a week of this type starts on (ISO: Monday = 1 … Sunday = 7); nil for other types.
    public var weekStart: Int? {
        switch self {
        case .weekly, .biWeekly: 1
        case .weeklyWednesday: 3
        case .weeklyThursday: 4
        case .weeklyFriday: 5
        case .weeklySaturday: 6
        case .weeklySunday: 7
        default: nil
        }
    }

    /// Weeks and bi-weeks: they roll up by a day of theirs, not by their whole span.
    public var isWeekly: Bool { weekStart != nil }

    /// The infix of a week type's identifier (`2017WedW5`).
    var weekInfix: String? {
        switch self {
        case .weekly: "W"
        case .weeklyWednesday: "WedW"
        case .weeklyThursday: "ThuW"
        case .weeklyFriday: "FriW"
        case .weeklySaturday: "SatW"
        case .weeklySunday: "SunW"
        default: nil
        }
    }

    /// For the types made of whole months: how many months a period lasts, and the month one of
    /// them starts in (the others follow every `months`).
    var monthSpan: (months: Int, anchor: Int)? {
        switch self {
        case .monthly: (1, 1)
        case .biMonthly: (2, 1)
        case .quarterly: (3, 1)
        case .quarterlyNov: (3, 11)
        case .sixMonthly: (6, 1)
        case .sixMonthlyApril: (6, 4)
        case .sixMonthlyNov: (6, 11)
        case .yearly: (12, 1)
        case .financialFeb: (12, 2)
        case .financialApril: (12, 4)
        case .financialJuly: (12, 7)
        case .financialAug: (12, 8)
        case .financialSep: (12, 9)
        case .financialOct: (12, 10)
        case .financialNov: (12, 11)
        default: nil
        }
    }

    /// About how many days a period of this type lasts (for estimating counts before building them).
    public var approximateDays: Int {
        switch self {
        case .daily: 1
        case .biWeekly: 14
        default:
            if let m = monthSpan { m.months == 1 ? 28 : m.months * 30 + m.months / 12 * 5 } else { 7 }
        }
    }

    /// Rough order from finest to coarsest (the variants rank with their kind: all weeks, all quarters, all years).
    var rank: Int {
        switch self {
        case .daily: 0
        case .biWeekly: 2
        case .monthly: 3
        case .biMonthly: 4
        case .quarterly, .quarterlyNov: 5
        case .sixMonthly, .sixMonthlyApril, .sixMonthlyNov: 6
        default: isWeekly ? 1 : 7
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
        // DHIS2's long names of two types.
        case "sixmonthlynovember": self = .sixMonthlyNov
        case "quarterlynovember": self = .quarterlyNov
        default: return nil
        }
    }

    /// The suffix of a financial year's identifier (`2017April`).
    var financialSuffix: String? {
        switch self {
        case .financialFeb: "Feb"
        case .financialApril: "April"
        case .financialJuly: "July"
        case .financialAug: "Aug"
        case .financialSep: "Sep"
        case .financialOct: "Oct"
        case .financialNov: "Nov"
        default: nil
        }
    }

    /// DHIS2's identifier pattern for the type (`yyyyWedWn`), for messages and `qorgan periods`.
    public var identifierFormat: String {
        switch self {
        case .daily: "yyyyMMdd or yyyy-MM-dd"
        case .biWeekly: "yyyyBiWn"
        case .monthly: "yyyyMM or yyyy-MM"
        case .biMonthly: "yyyyMMB"
        case .quarterly: "yyyyQn"
        case .quarterlyNov: "yyyyNovQn"
        case .sixMonthly: "yyyySn"
        case .sixMonthlyApril: "yyyyAprilSn"
        case .sixMonthlyNov: "yyyyNovSn"
        case .yearly: "yyyy"
        default: "yyyy" + (weekInfix.map { $0 + "n" } ?? financialSuffix ?? "")
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
/// neighbours follow from those two, with DHIS2's dates:
///
/// - weeks of each kind (Monday, Wednesday, Thursday, Friday, Saturday, Sunday) are numbered from
///   the week of that kind that holds 4 January (the one with at least four days of the year);
///   a year has 52 or 53 of them;
/// - bi-week n is ISO weeks 2n−1 and 2n: bi-week 27 of a 53-week year runs 14 days, into January;
/// - the November types are named by the year they end in (`2017Nov` is 2016-11-01..2017-10-31,
///   `2017NovQ1` starts in November 2016, `2017NovS1` too); every other type by the year it starts in.
public struct Period: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let type: PeriodType
    public let start: Day

    /// One word: the type's case and the start day. (The default hashed the type's name, a
    /// string, and the day's three numbers one by one.)
    public func hash(into hasher: inout Hasher) {
        hasher.combine(start.packed << 8 | Int(withUnsafeBytes(of: type) { $0.first ?? 0 }))
    }

    /// Only for starts already aligned to the type (construction and parsing, in this module).
    init(type: PeriodType, start: Day) {
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

    /// The first day of week 1 of `year` for weeks starting on `weekday` (1 = Monday): the week that holds 4 January.
    public static func weekOneStart(_ year: Int, weekday: Int = 1) -> Day {
        let jan4 = Day.firstOfMonth(year, 1).adding(days: 3)
        return jan4.adding(days: -((jan4.isoWeekday - weekday + 7) % 7))
    }

    /// Monday of ISO week 1 of `isoYear`: the week that holds 4 January.
    public static func isoWeekOneMonday(_ isoYear: Int) -> Day { weekOneStart(isoYear) }

    /// How many weeks starting on `weekday` a year has: 52, or 53.
    public static func weeks(in year: Int, weekday: Int = 1) -> Int {
        (weekOneStart(year + 1, weekday: weekday).ordinal - weekOneStart(year, weekday: weekday).ordinal) / 7
    }

    /// 52, or 53 in years whose 1 January is a Thursday (or a Wednesday in leap years).
    public static func isoWeeks(in isoYear: Int) -> Int { weeks(in: isoYear) }

    /// Week `w` of `year`, of a week type (`.weekly` or one of the other weekdays).
    public static func week(_ year: Int, _ w: Int, type: PeriodType = .weekly) -> Period? {
        guard type != .biWeekly, let weekday = type.weekStart, Day.supportedYears.contains(year), w >= 1,
            w <= weeks(in: year, weekday: weekday)
        else { return nil }
        return Period(type: type, start: weekOneStart(year, weekday: weekday).adding(days: 7 * (w - 1)))
    }

    /// Bi-week `b`: ISO weeks 2b−1 and 2b. In a 53-week year the 27th starts with week 53 and
    /// runs on into week 1 of the next year, as in DHIS2.
    public static func biWeek(_ isoYear: Int, _ b: Int) -> Period? {
        guard Day.supportedYears.contains(isoYear), b >= 1, 2 * b - 1 <= isoWeeks(in: isoYear) else { return nil }
        return Period(type: .biWeekly, start: isoWeekOneMonday(isoYear).adding(days: 14 * (b - 1)))
    }

    /// The year and number of the week of `weekday`-starting weeks that contains `day`.
    public static func week(of day: Day, weekday: Int = 1) -> (year: Int, week: Int) {
        var y = day.year
        if day < weekOneStart(y, weekday: weekday) {
            y -= 1
        } else if day >= weekOneStart(y + 1, weekday: weekday) {
            y += 1
        }
        return (y, (day.ordinal - weekOneStart(y, weekday: weekday).ordinal) / 7 + 1)
    }

    /// ISO year and week number of a day.
    public static func isoWeek(of day: Day) -> (year: Int, week: Int) { week(of: day) }

    /// The period of `type` that contains `day` (for bi-weeks, the one its ISO week opens or closes;
    /// the 27th bi-week of a 53-week year also covers the next year's first week, which this gives as
    /// the next year's first bi-week).
    public static func containing(_ day: Day, type: PeriodType) -> Period {
        if type == .daily { return Period(type: .daily, start: day) }
        if type == .biWeekly {
            let (isoYear, w) = isoWeek(of: day)
            return Period(type: .biWeekly, start: isoWeekOneMonday(isoYear).adding(days: 14 * ((w + 1) / 2 - 1)))
        }
        if let weekday = type.weekStart {
            return Period(type: type, start: day.adding(days: -((day.isoWeekday - weekday + 7) % 7)))
        }
        let (months, anchor) = type.monthSpan ?? (12, 1)
        let index = day.year * 12 + day.month - 1
        let offset = index - (anchor - 1)
        let startIndex = anchor - 1 + (offset >= 0 ? offset / months : -((-offset + months - 1) / months)) * months
        return Period(type: type, start: .firstOfMonth(startIndex / 12, startIndex % 12 + 1))
    }

    // MARK: Derived

    public var end: Day {
        switch type {
        case .daily: return start
        case .biWeekly: return start.adding(days: 13)
        default:
            if let (months, _) = type.monthSpan { return start.addingMonths(months).adding(days: -1) }
            return start.adding(days: 6)
        }
    }

    public var span: DaySpan { DaySpan(start: start, end: end) }
    public var dayCount: Int { end.ordinal - start.ordinal + 1 }

    /// The DHIS2 identifier: `20170315`, `2017W5`, `2017WedW5`, `2017BiW3`, `201703`, `201702B`,
    /// `2017Q1`, `2017NovQ1`, `2017S1`, `2017AprilS1`, `2017NovS1`, `2017`, `2017April`, `2017Nov`.
    public var iso: String {
        let y = pad(start.year, 4)
        switch type {
        case .daily: return y + pad(start.month, 2) + pad(start.day, 2)
        case .biWeekly:
            let (iy, w) = Period.isoWeek(of: start)
            return pad(iy, 4) + "BiW" + String((w + 1) / 2)
        case .monthly: return y + pad(start.month, 2)
        case .biMonthly: return y + pad((start.month + 1) / 2, 2) + "B"
        case .quarterly: return y + "Q\((start.month + 2) / 3)"
        case .quarterlyNov:
            // Q1 November–January (named by the year it ends), Q2 February, Q3 May, Q4 August.
            let q = start.month == 11 ? 1 : (start.month + 1) / 3 + 1
            return pad(start.year + (q == 1 ? 1 : 0), 4) + "NovQ\(q)"
        case .sixMonthly: return y + "S\(start.month == 1 ? 1 : 2)"
        case .sixMonthlyApril: return y + "AprilS\(start.month == 4 ? 1 : 2)"
        case .sixMonthlyNov: return start.month == 11 ? pad(start.year + 1, 4) + "NovS1" : y + "NovS2"
        case .yearly: return y
        case .financialNov: return pad(start.year + 1, 4) + "Nov"
        default:
            if let infix = type.weekInfix, let weekday = type.weekStart {
                let (wy, w) = Period.week(of: start, weekday: weekday)
                return pad(wy, 4) + infix + String(w)
            }
            return y + (type.financialSuffix ?? "")
        }
    }

    public var description: String { iso }

    /// The day that decides where a week rolls up: its fourth day (for ISO weeks the Thursday, the
    /// rule that places a week in a year). A bi-week rolls up by its first week's fourth day.
    public var rollupSpan: DaySpan {
        guard type.isWeekly else { return span }
        let fourth = start.adding(days: 3)
        return DaySpan(start: fourth, end: fourth)
    }

    /// Whether a value stored for `self` counts towards `span`. Periods inside the
    /// span count whole; weeks count where their fourth day lies, if the span is at
    /// least as long as they are. Nothing is ever split across periods.
    public func rollsUp(into span: DaySpan) -> Bool {
        if type.isWeekly { return span.contains(rollupSpan.start) && dayCount <= span.dayCount }
        return span.contains(self.span)
    }

    public var next: Period {
        type == .biWeekly
            ? Period.containing(start.adding(days: 14), type: type) : Period.containing(end.adding(days: 1), type: type)
    }
    public var previous: Period { Period.containing(start.adding(days: -1), type: type) }

    public static func < (a: Period, b: Period) -> Bool {
        if a.start != b.start { return a.start < b.start }
        if a.end != b.end { return a.end < b.end }
        return a.type.rawValue < b.type.rawValue
    }
}
