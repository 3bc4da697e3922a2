import Foundation

/// When an event happened, to the precision known: a year, a month or a day.
public struct IncidentDate: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int?
    public var day: Int?

    /// A year alone, for a form to start from before its date is known (never saved as such:
    /// the incident's own date replaces it, or the form is refused).
    public static let placeholder = IncidentDate(unchecked: 2000)

    private init(unchecked year: Int) {
        self.year = year
        month = nil
        day = nil
    }

    public init?(year: Int, month: Int? = nil, day: Int? = nil) {
        guard Day.supportedYears.contains(year) else { return nil }
        if let month { guard (1...12).contains(month) else { return nil } }
        if let day {
            guard let month, Day(year: year, month: month, day: day) != nil else { return nil }
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date of `day`, to the day.
    public init(day: Day) {
        year = day.year
        month = day.month
        self.day = day.day
    }

    /// The month of `day`, its day not known.
    public init(monthOf day: Day) {
        year = day.year
        month = day.month
        self.day = nil
    }

    /// `2016`, `2016-06` or `2016-06-05`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
            parts[0].count == 4, parts.dropFirst().allSatisfy({ $0.count == 2 }), let year = Int(parts[0])
        else { return nil }
        self.init(year: year, month: parts.count > 1 ? Int(parts[1]) : nil, day: parts.count > 2 ? Int(parts[2]) : nil)
    }

    public enum Precision: String, Sendable { case year, month, day }
    public var precision: Precision { day != nil ? .day : month != nil ? .month : .year }

    public var description: String {
        var s = String(format: "%04d", year)
        if let month { s += String(format: "-%02d", month) }
        if let day { s += String(format: "-%02d", day) }
        return s
    }

    /// The period its counts go to: the month when it is known, else the year.
    public var period: Period { Period.containing(earliest, type: month == nil ? .yearly : .monthly) }

    /// The first day it may have been.
    public var earliest: Day { Day.firstOfMonth(year, month ?? 1).adding(days: (day ?? 1) - 1) }
    /// The last day it may have been.
    public var latest: Day {
        if day != nil { return earliest }
        return period.end
    }

    public static func < (a: IncidentDate, b: IncidentDate) -> Bool {
        (a.year, a.month ?? 0, a.day ?? 0) < (b.year, b.month ?? 0, b.day ?? 0)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let d = IncidentDate(text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "'\(text)' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"))
        }
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
