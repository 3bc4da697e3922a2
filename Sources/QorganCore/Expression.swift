import Foundation
import Synchronization

/// The indicator expression language.
///
///     #{CODE}             a data element's total
///     #{CODE.COMBO}       one option combination of it (code or uid)
///     N{CODE}             another indicator's value
///     C{CODE}             a constant
///     R{FORM.METRIC}      a form's reporting rate: REPORTING_RATE, REPORTING_RATE_ON_TIME,
///                         ACTUAL_REPORTS, ACTUAL_REPORTS_ON_TIME, EXPECTED_REPORTS
///     1.5  + - * / ( )    numbers and arithmetic
///     == != < <= > >= && || !   comparisons and logic (1 is true, 0 false)
///     if(c, a, b)  isNull(x)  firstNonNull(a, b, …)  greatest(a, …)  least(a, …)
///
/// Missing data: a reference with no data is *missing*. Arithmetic reads a missing
/// operand as 0, but an expression whose references are all missing is missing
/// itself ("no data" is not 0). Division by zero makes the whole result missing.
public indirect enum Expression: Hashable, Sendable {
    case number(Double)
    case reference(Reference)
    case negate(Expression)
    case not(Expression)
    case binary(BinaryOperator, Expression, Expression)
    case call(Function, [Expression])

    public enum BinaryOperator: String, Sendable, Hashable {
        case add = "+", subtract = "-", multiply = "*", divide = "/"
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case and = "&&", or = "||"
    }

    public enum Function: String, Sendable, Hashable, CaseIterable {
        case `if` = "if", isNull, firstNonNull, greatest, least
    }

    public struct Reference: Hashable, Sendable {
        public enum Kind: Character, Sendable {
            case element = "#", indicator = "N", constant = "C"
            /// `R{FORM.METRIC}`: a form's reporting rate (`REPORTING_RATE`, …), from its completions.
            case reportingRate = "R"
        }
        public var kind: Kind
        public var code: String
        /// The option combination of a `#{CODE.COMBO}` operand.
        public var combo: String?
        /// 1-based position of the reference in the source text.
        public var position: Int
    }

    /// Every reference, in source order.
    public var references: [Reference] {
        switch self {
        case .number: return []
        case .reference(let r): return [r]
        case .negate(let e), .not(let e): return e.references
        case .binary(_, let a, let b): return a.references + b.references
        case .call(_, let args): return args.flatMap(\.references)
        }
    }

    // MARK: Evaluation

    struct DivisionByZero: Error {}

    /// Evaluates with `resolve` giving each reference's value (nil: no data).
    public func evaluate(_ resolve: (Reference) -> Double?) -> Double? {
        var anyData = false
        var dataRefs = 0
        let result: Double?
        do {
            result = try eval { r in
                if r.kind != .constant { dataRefs += 1 }
                let v = resolve(r)
                if v != nil && r.kind != .constant { anyData = true }
                return v
            }
        } catch {
            return nil
        }
        if dataRefs > 0 && !anyData { return nil }
        guard let result, result.isFinite else { return nil }
        return result
    }

    private func eval(_ resolve: (Reference) -> Double?) throws -> Double? {
        switch self {
        case .number(let n): return n
        case .reference(let r): return resolve(r)
        case .negate(let e): return try e.eval(resolve).map { -$0 }
        case .not(let e): return (try e.eval(resolve) ?? 0) == 0 ? 1 : 0
        case .binary(let op, let a, let b):
            let x = try a.eval(resolve) ?? 0
            let y = try b.eval(resolve) ?? 0
            switch op {
            case .add: return x + y
            case .subtract: return x - y
            case .multiply: return x * y
            case .divide:
                if y == 0 { throw DivisionByZero() }
                return x / y
            case .equal: return x == y ? 1 : 0
            case .notEqual: return x != y ? 1 : 0
            case .less: return x < y ? 1 : 0
            case .lessOrEqual: return x <= y ? 1 : 0
            case .greater: return x > y ? 1 : 0
            case .greaterOrEqual: return x >= y ? 1 : 0
            case .and: return (x != 0 && y != 0) ? 1 : 0
            case .or: return (x != 0 || y != 0) ? 1 : 0
            }
        case .call(let f, let args):
            switch f {
            case .if:
                let c = try args[0].eval(resolve) ?? 0
                return try (c != 0 ? args[1] : args[2]).eval(resolve)
            case .isNull:
                return try args[0].eval(resolve) == nil ? 1 : 0
            case .firstNonNull:
                for a in args { if let v = try a.eval(resolve) { return v } }
                return nil
            case .greatest:
                return try args.compactMap { try $0.eval(resolve) }.max()
            case .least:
                return try args.compactMap { try $0.eval(resolve) }.min()
            }
        }
    }

    // MARK: Parsing

    /// Parses an expression, or throws `QorganError.invalidExpression` with the
    /// 1-based position and the reason.
    /// Indicators and rules are parsed once: every analytics answer asks for the same few
    /// expressions again (a tenth of a dashboard's query was spent parsing them).
    public static func parse(_ text: String) throws -> Expression {
        if let known = parsed.withLock({ $0[text] }) { return known }
        var p = Parser(text: text)
        let e = try p.parseAll()
        parsed.withLock { memo in
            if memo.count >= 4096 { memo.removeAll(keepingCapacity: true) }
            memo[text] = e
        }
        return e
    }

    private static let parsed = Mutex<[String: Expression]>([:])
}

private struct Parser {
    let text: String
    let chars: [Character]
    var i = 0
    /// How deep the parse is nested (parentheses, signs, functions): bounded, so that no text
    /// can exhaust the stack.
    var depth = 0
    static let deepest = 100

    init(text: String) {
        self.text = text
        chars = Array(text)
    }

    func fail(_ reason: String, at pos: Int? = nil) -> QorganError {
        .invalidExpression(text, position: (pos ?? i) + 1, reason: reason)
    }

    mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

    mutating func peek(_ s: String) -> Bool {
        skipSpace()
        let c = Array(s)
        guard i + c.count <= chars.count else { return false }
        return Array(chars[i..<i + c.count]) == c
    }

    mutating func accept(_ s: String) -> Bool {
        if peek(s) {
            i += s.count
            return true
        }
        return false
    }

    mutating func parseAll() throws -> Expression {
        skipSpace()
        if i >= chars.count { throw fail("the expression is empty") }
        let e = try parseOr()
        skipSpace()
        if i < chars.count { throw fail("unexpected '\(chars[i])'") }
        return e
    }

    mutating func parseOr() throws -> Expression {
        var e = try parseAnd()
        while accept("||") { e = .binary(.or, e, try parseAnd()) }
        return e
    }

    mutating func parseAnd() throws -> Expression {
        var e = try parseComparison()
        while accept("&&") { e = .binary(.and, e, try parseComparison()) }
        return e
    }

    mutating func parseComparison() throws -> Expression {
        let e = try parseSum()
        for op in [Expression.BinaryOperator.equal, .notEqual, .lessOrEqual, .greaterOrEqual, .less, .greater]
        where accept(op.rawValue) {
            return .binary(op, e, try parseSum())
        }
        return e
    }

    mutating func parseSum() throws -> Expression {
        var e = try parseProduct()
        while true {
            if accept("+") {
                e = .binary(.add, e, try parseProduct())
            } else if accept("-") {
                e = .binary(.subtract, e, try parseProduct())
            } else {
                return e
            }
        }
    }

    mutating func parseProduct() throws -> Expression {
        var e = try parseUnary()
        while true {
            if accept("*") {
                e = .binary(.multiply, e, try parseUnary())
            } else if accept("/") {
                e = .binary(.divide, e, try parseUnary())
            } else {
                return e
            }
        }
    }

    mutating func parseUnary() throws -> Expression {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.deepest { throw fail("nested more than \(Self.deepest) deep") }
        if accept("-") { return .negate(try parseUnary()) }
        if accept("+") { return try parseUnary() }
        if peek("!") && !peek("!=") {
            i += 1
            return .not(try parseUnary())
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws -> Expression {
        skipSpace()
        guard i < chars.count else { throw fail("the expression ends where a value was expected") }
        let start = i
        let c = chars[i]
        if c == "(" {
            i += 1
            let e = try parseOr()
            guard accept(")") else { throw fail("')' expected to close the '(' at position \(start + 1)") }
            return e
        }
        if c.isASCIIDigit || c == "." { return try parseNumber() }
        if let kind = Expression.Reference.Kind(rawValue: c), i + 1 < chars.count, chars[i + 1] == "{" {
            return try parseReference(kind: kind)
        }
        if c.isLetter {
            var j = i
            while j < chars.count, chars[j].isLetter { j += 1 }
            let name = String(chars[i..<j])
            guard let f = Expression.Function.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() })
            else {
                throw fail("unknown function '\(name)' (known: if, isNull, firstNonNull, greatest, least)")
            }
            i = j
            guard accept("(") else { throw fail("'(' expected after \(f.rawValue)") }
            var args: [Expression] = []
            if !peek(")") {
                repeat { args.append(try parseOr()) } while accept(",")
            }
            guard accept(")") else { throw fail("')' or ',' expected in the arguments of \(f.rawValue)") }
            switch f {
            case .if where args.count != 3:
                throw fail("if takes 3 arguments (condition, then, else), not \(args.count)", at: start)
            case .isNull where args.count != 1:
                throw fail("isNull takes 1 argument, not \(args.count)", at: start)
            case .firstNonNull, .greatest, .least:
                if args.isEmpty { throw fail("\(f.rawValue) takes at least 1 argument", at: start) }
            default: break
            }
            return .call(f, args)
        }
        throw fail("unexpected '\(c)'")
    }

    mutating func parseNumber() throws -> Expression {
        let start = i
        while i < chars.count, chars[i].isASCIIDigit || chars[i] == "." { i += 1 }
        if i < chars.count, chars[i] == "e" || chars[i] == "E" {
            i += 1
            if i < chars.count, chars[i] == "+" || chars[i] == "-" { i += 1 }
            while i < chars.count, chars[i].isASCIIDigit { i += 1 }
        }
        let s = String(chars[start..<i])
        guard let v = Double(s) else { throw fail("'\(s)' is not a number", at: start) }
        return .number(v)
    }

    mutating func parseReference(kind: Expression.Reference.Kind) throws -> Expression {
        let start = i
        i += 2
        var j = i
        while j < chars.count, chars[j] != "}" { j += 1 }
        guard j < chars.count else { throw fail("'}' expected to close the reference", at: start) }
        let body = String(chars[i..<j]).trimmingCharacters(in: .whitespaces)
        i = j + 1
        guard !body.isEmpty else { throw fail("the reference is empty", at: start) }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if kind == .element {
            guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty }) else {
                throw fail("a data element reference is #{ELEMENT} or #{ELEMENT.COMBINATION}", at: start)
            }
            return .reference(
                .init(kind: .element, code: parts[0], combo: parts.count == 2 ? parts[1] : nil, position: start + 1))
        }
        if kind == .reportingRate {
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
                throw fail("a reporting rate reference is R{FORM.REPORTING_RATE} (or another metric)", at: start)
            }
            return .reference(.init(kind: .reportingRate, code: parts[0], combo: parts[1], position: start + 1))
        }
        guard parts.count == 1 else { throw fail("'.' is not allowed in \(kind.rawValue){…}", at: start) }
        return .reference(.init(kind: kind, code: body, combo: nil, position: start + 1))
    }
}
