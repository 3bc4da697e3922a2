import Foundation

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
