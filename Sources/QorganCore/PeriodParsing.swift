import Foundation

extension Period {
    // MARK: Parsing

    /// Parses a DHIS2 period identifier.
    public init(_ text: String) throws {
        guard let p = Period.parse(text) else { throw QorganError.invalidPeriod(text) }
        self = p
    }

    /// Parses a DHIS2 period identifier: every fixed period type of DHIS2, in DHIS2's forms
    /// (`2017-03` and `2017-03-15` as well as `201703` and `20170315`).
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
        // The dashed forms: yyyy-MM and yyyy-MM-dd.
        if rest.first == "-" {
            let parts = rest.dropFirst().split(separator: "-", omittingEmptySubsequences: false)
            guard parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }) else { return nil }
            if parts.count == 1, let m = Int(parts[0]) { return month(y, m) }
            if parts.count == 2, let m = Int(parts[0]), let d = Int(parts[1]), let day = Day(year: y, month: m, day: d)
            {
                return .day(day)
            }
            return nil
        }
        /// The number after `prefix`, of 1 to `digits` digits.
        func number(after prefix: String, digits: Int) -> Int? {
            guard rest.hasPrefix(prefix) else { return nil }
            let n = rest.dropFirst(prefix.count)
            guard !n.isEmpty, n.count <= digits, n.allSatisfy(\.isASCIIDigit) else { return nil }
            return Int(n)
        }
        if let b = number(after: "BiW", digits: 2) { return biWeek(y, b) }
        for t in PeriodType.allCases {
            if let infix = t.weekInfix, let w = number(after: infix, digits: 2) { return week(y, w, type: t) }
        }
        if let q = number(after: "Q", digits: 1) { return quarter(y, q) }
        if let q = number(after: "NovQ", digits: 1) {
            guard (1...4).contains(q) else { return nil }
            return Period(type: .quarterlyNov, start: q == 1 ? .firstOfMonth(y - 1, 11) : .firstOfMonth(y, 3 * q - 4))
        }
        if let h = number(after: "S", digits: 1) {
            guard h == 1 || h == 2 else { return nil }
            return Period(type: .sixMonthly, start: .firstOfMonth(y, h == 1 ? 1 : 7))
        }
        if let h = number(after: "AprilS", digits: 1) {
            guard h == 1 || h == 2 else { return nil }
            return Period(type: .sixMonthlyApril, start: .firstOfMonth(y, h == 1 ? 4 : 10))
        }
        if let h = number(after: "NovS", digits: 1) {
            guard h == 1 || h == 2 else { return nil }
            return Period(type: .sixMonthlyNov, start: h == 1 ? .firstOfMonth(y - 1, 11) : .firstOfMonth(y, 5))
        }
        if rest.count == 3, rest.hasSuffix("B"), let b = Int(rest.prefix(2)), rest.prefix(2).allSatisfy(\.isASCIIDigit)
        {
            guard (1...6).contains(b) else { return nil }
            return Period(type: .biMonthly, start: .firstOfMonth(y, 2 * b - 1))
        }
        for t in PeriodType.allCases where rest == t.financialSuffix {
            let month = t.monthSpan?.anchor ?? 1
            // November years are named by the year they end in.
            return Period(type: t, start: .firstOfMonth(t == .financialNov ? y - 1 : y, month))
        }
        return nil
    }

    /// What is wrong with an identifier that does not parse, in words (for `qorgan periods` and errors).
    public static func problem(with raw: String) -> String {
        let s = raw.trimmedSpaces
        if s.isEmpty { return "it is empty" }
        let chars = Array(s)
        guard chars.count >= 4, chars[0..<4].allSatisfy(\.isASCIIDigit), let y = Int(String(chars[0..<4])) else {
            return "a period identifier starts with a four-digit year"
        }
        guard Day.supportedYears.contains(y) else {
            return "the year \(y) is outside \(Day.supportedYears.lowerBound)–\(Day.supportedYears.upperBound)"
        }
        let rest = String(chars[4...])
        func count(_ prefix: String) -> Bool {
            rest.hasPrefix(prefix) && rest.dropFirst(prefix.count).allSatisfy(\.isASCIIDigit)
        }
        if count("BiW") { return "\(y) has \((isoWeeks(in: y) + 1) / 2) bi-weeks, numbered from 1" }
        for t in PeriodType.allCases {
            if let infix = t.weekInfix, let weekday = t.weekStart, count(infix) {
                let day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][weekday - 1]
                return "\(y) has \(weeks(in: y, weekday: weekday)) weeks starting on \(day), numbered from 1"
            }
        }
        if count("Q") || count("NovQ") { return "a quarter is 1, 2, 3 or 4" }
        if count("S") || count("AprilS") || count("NovS") { return "a half-year is 1 or 2" }
        if rest.hasSuffix("B") { return "a bi-month is 01 to 06" }
        if rest.allSatisfy(\.isASCIIDigit) || rest.hasPrefix("-") {
            return rest.count <= 3 ? "a month is 01 to 12" : "no such day in the calendar"
        }
        return "not a DHIS2 period identifier (formats: "
            + PeriodType.allCases.map(\.identifierFormat).joined(separator: ", ") + ")"
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
