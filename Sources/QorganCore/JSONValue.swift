import Foundation

/// A JSON value whose objects keep their keys in order: answers built field by field (DHIS2's
/// `fields=` selection, its metadata lists), written with `JSONText`.
public indirect enum JSONValue: Sendable, Equatable, Encodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)):
            x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// A member of an object (nil for other values and absent keys).
    public subscript(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The value as text, as a filter compares it: strings as they are, numbers without a
    /// needless fraction, booleans as `true`/`false`; nil for null, arrays and objects.
    public var scalarText: String? {
        switch self {
        case .string(let s): s
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .object(let members):
            var c = encoder.container(keyedBy: Key.self)
            for (k, v) in members { try c.encode(v, forKey: Key(stringValue: k)) }
        default:
            var c = encoder.singleValueContainer()
            switch self {
            case .null: try c.encodeNil()
            case .bool(let b): try c.encode(b)
            case .number(let d): try c.encode(d)
            case .string(let s): try c.encode(s)
            case .array(let a): try c.encode(a)
            case .object: break
            }
        }
    }

    public static func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    public static func int(_ n: Int) -> JSONValue { .number(Double(n)) }

    public func write(to out: inout JSONText) {
        switch self {
        case .null: out.raw("null")
        case .bool(let b): b ? out.raw("true") : out.raw("false")
        case .number(let d): out.number(d)
        case .string(let s): out.string(s)
        case .array(let items):
            out.raw("[")
            for (i, item) in items.enumerated() {
                if i > 0 { out.raw(",") }
                item.write(to: &out)
            }
            out.raw("]")
        case .object(let members):
            out.raw("{")
            for (i, (k, v)) in members.enumerated() {
                out.key(k, first: i == 0)
                v.write(to: &out)
            }
            out.raw("}")
        }
    }

    /// Compact UTF-8 JSON.
    public var data: Data {
        var out = JSONText()
        write(to: &out)
        return Data(out.bytes)
    }

    public var text: String { String(decoding: data, as: UTF8.self) }
}
