import Foundation

/// One thing wrong with an input: where it is (file line, column or object) and why.
public struct Problem: Hashable, Sendable, CustomStringConvertible, Codable {
    /// 1-based line of a file, when the input was a file.
    public var line: Int?
    /// The column, field or property at fault (`value`, `orgunit`, `numerator`).
    public var field: String?
    /// The object at fault, when it is metadata (`dataElement REACHED`).
    public var object: String?
    /// The offending value as it was given.
    public var value: String?
    public var reason: String
    /// What kind of problem it is, for a page to say in its own language (`notNumber`,
    /// `approved`, …); nil when only the reason says it.
    public var code: String?

    public init(
        line: Int? = nil, object: String? = nil, field: String? = nil, value: String? = nil, reason: String,
        code: String? = nil
    ) {
        self.line = line
        self.object = object
        self.field = field
        self.value = value
        self.reason = reason
        self.code = code
    }

    public var description: String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let object { parts.append(object) }
        if let field { parts.append("field '\(field)'") }
        if let value { parts.append("value '\(value)'") }
        return (parts.isEmpty ? "" : parts.joined(separator: ", ") + ": ") + reason
    }
}

extension Problem {
    /// The code of a problem that names nothing known: a code or uid of a unit, element, form,
    /// option combination, rule… that no object has. A request whose every problem is one is
    /// answered 409 Conflict, as DHIS2 answers an unknown identifier; a malformed input is a 400.
    public static let unknownReference = "unknown"

    /// A reference to nothing known (see `unknownReference`).
    public static func unknown(
        line: Int? = nil, object: String? = nil, field: String, value: String?, reason: String
    ) -> Problem {
        Problem(line: line, object: object, field: field, value: value, reason: reason, code: unknownReference)
    }

    /// The code of a problem of uniqueness: a code or key given twice (in the input, or already
    /// taken). Like an unknown reference, a conflict with other objects.
    public static let duplicateCode = "duplicate"

    /// The code of a problem of a request's parameters taken together (one of two alternatives
    /// missing, an end before its start): DHIS2's illegal query, a 409.
    public static let illegalQuery = "illegalQuery"

    /// The code of a problem of a unit not open at the record's date or period: a conflict with
    /// the unit's state (DHIS2 answers a closed unit 409 too).
    public static let closedUnit = "closed"

    /// The code of a problem of fields each valid that contradict each other or the object they
    /// concern (an end before its start, an inspection before its site was registered).
    public static let inconsistent = "inconsistent"

    /// True when there are problems and every one is a conflict with other objects (a reference to
    /// nothing known, or a code given twice): such a request is answered 409, a malformed one 400.
    public static func onlyConflicts(_ problems: [Problem]) -> Bool {
        !problems.isEmpty
            && problems.allSatisfy {
                [unknownReference, duplicateCode, illegalQuery, closedUnit, inconsistent].contains($0.code)
            }
    }
}

/// Where in a JSON document a decoder was, as a person reads it: `sections[0].items[2].code`.
public func jsonPath(_ path: [any CodingKey]) -> String {
    path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        .trimmingCharacters(in: CharacterSet(charactersIn: "."))
}

/// Every error Qorgan reports to a person says what is wrong and, where it can, what to do.
public enum QorganError: Error, Sendable, CustomStringConvertible, Equatable {
    case invalidPeriod(String)
    case invalidPeriodRange(String, reason: String)
    case invalidExpression(String, position: Int, reason: String)
    case notFound(kind: String, key: String)
    case invalidValue(Problem)
    /// A batch (file, document) was rejected whole; nothing was changed.
    case rejected(source: String, problems: [Problem])
    /// A request that changes nothing (a query) cannot be answered as asked.
    case invalidRequest(what: String, problems: [Problem])
    case conflict(String)
    case invalidArgument(String)
    /// The database could not be written now (another process held it); nothing was changed.
    case busy(String)

    public var description: String {
        switch self {
        case .invalidPeriod(let s):
            return
                "'\(s)' is not a period identifier (examples: 2017, 2017Q1, 201703, 2017W5, 20170315, 2017April; years 1900–2100)"
        case .invalidPeriodRange(let s, let reason):
            return "'\(s)' is not a period range: \(reason)"
        case .invalidExpression(let e, let pos, let reason):
            return "expression '\(e)' at position \(pos): \(reason)"
        case .notFound(let kind, let key):
            return "no \(kind) with code or uid '\(key)'"
        case .invalidValue(let p):
            return p.description
        case .rejected(let source, let problems):
            let n = problems.count
            return "\(source) was rejected, nothing was changed; \(n) problem\(n == 1 ? "" : "s"):\n"
                + problems.map { "  - \($0)" }.joined(separator: "\n")
        case .invalidRequest(let what, let problems):
            let n = problems.count
            return "\(what) cannot be answered; \(n) problem\(n == 1 ? "" : "s"):\n"
                + problems.map { "  - \($0)" }.joined(separator: "\n")
        case .conflict(let s): return s
        case .invalidArgument(let s): return s
        case .busy(let s): return s
        }
    }
}

/// A CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, quote or line break.
/// A text that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return, and is not a number) gets a leading `'`, so that opening an export never runs
/// what somebody typed into a comment, a source or a name (OWASP's advice on CSV injection).
public func csvField(_ s: String) -> String {
    // The common case, a plain field, in one pass over the bytes (an answer has many of them).
    // Bytes, not characters: "\r\n" is one character, equal to neither "\r" nor "\n".
    var plain = true
    for (i, b) in s.utf8.enumerated() {
        switch b {
        case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "\""), UInt8(ascii: "\n"),
            UInt8(ascii: "\r"):
            plain = false
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"):
            if i == 0 { plain = false }
        default: break
        }
        if !plain { break }
    }
    if plain { return s }
    var s = s
    if let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(s) == nil {
        s = "'" + s
    }
    // Quoted whenever it holds a separator any spreadsheet splits on (Russian and Kazakh Excel split
    // on ';'), so that no part of it can start a cell of its own, where a formula would run.
    if s.utf8.contains(where: { [44, 59, 9, 34, 10, 13].contains($0) }) {  // , ; tab " \n \r
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
}
