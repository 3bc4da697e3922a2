import Foundation

/// A calendar day in the proleptic Gregorian calendar, free of time zones.
///
/// Periods, opening dates and reorganisations are all whole days; keeping them
/// as a plain value (and not `Foundation.Date`) keeps the calendar exact and fast.
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// The years Qorgan accepts from input (periods, dates, page parameters): anything
    /// outside is refused at parse time, so that no calendar arithmetic on an input can
    /// leave the proleptic calendar's 1…9999.
    public static let supportedYears = 1900...2100

    /// Creates a day, or returns nil when the date does not exist (2017-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            day >= 1, day <= Day.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day as one number (year, month and day in their own bits), for hashing: a day and a
    /// period are looked up for every value a batch brings.
    var packed: Int { year << 9 | month << 5 | day }

    public func hash(into hasher: inout Hasher) { hasher.combine(packed) }

    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The first day of a month; `month` is clamped to 1…12 and `year` to the calendar's 1…9999,
    /// so that calendar arithmetic needs no optional.
    public static func firstOfMonth(_ year: Int, _ month: Int) -> Day {
        Day(unchecked: min(max(year, 1), 9999), min(max(month, 1), 12), 1)
    }

    /// 31 December of `year` (clamped to 1…9999).
    public static func lastOfYear(_ year: Int) -> Day { Day(unchecked: min(max(year, 1), 9999), 12, 31) }

    public static func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (negative before). Algorithm from H. Hinnant's `days_from_civil`.
    public var ordinal: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(ordinal z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(unchecked: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public func adding(days n: Int) -> Day { Day(ordinal: ordinal + n) }

    /// ISO weekday: Monday = 1 … Sunday = 7.
    public var isoWeekday: Int {
        let w = (ordinal + 3) % 7  // 1970-01-01 was a Thursday (index 3 from Monday)
        return (w < 0 ? w + 7 : w) + 1
    }

    public static func < (a: Day, b: Day) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `2017-03-15`
    public var description: String {
        pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// Parses `YYYY-MM-DD`.
    /// Parses `YYYY-MM-DD` within `years` (by default the years input may name; the store reads
    /// back what it holds with the whole calendar).
    public init?(iso text: String, years: ClosedRange<Int> = Day.supportedYears) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), years.contains(y)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let d = Day(iso: s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(s)' is not a date (YYYY-MM-DD)")
        }
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension Character {
    public var isASCIIDigit: Bool { isASCII && isNumber }
}

/// `n` in decimal, left-padded with zeros to `width` (String(format:) is slow in hot paths).
@inline(__always)
func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

extension String {
    /// Without leading and trailing spaces and tabs; the string itself when it has none (the common case).
    public var trimmedSpaces: String {
        guard let f = utf8.first, let l = utf8.last else { return self }
        if f != 32 && f != 9 && l != 32 && l != 9 { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}

extension Day {
    /// Today, in UTC.
    public static var today: Day {
        // Days since 1970-01-01 in UTC: no calendar object, nothing optional.
        Day(ordinal: Int((Date().timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    /// The same day `n` months later (earlier for negative n), clamped to the month's end.
    public func addingMonths(_ n: Int) -> Day {
        let total = year * 12 + (month - 1) + n
        let y = total / 12
        let m = total % 12 + 1
        return Day(unchecked: y, m, min(day, Day.daysInMonth(year: y, month: m)))
    }
}
