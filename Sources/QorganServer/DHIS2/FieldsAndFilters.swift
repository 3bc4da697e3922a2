import Foundation
import Hummingbird
import NIOCore
import QorganCore
import QorganInterop
import QorganStore

/// DHIS2's field selection: `id,name,parent[id,name],children[id]`, `*` (every field), `:all`,
/// `:identifiable`, `:nameable`, and `!field` to leave one out.
struct FieldSelection: Sendable {
    var all = false
    var named: [(name: String, nested: FieldSelection?)] = []
    var excluded: Set<String> = []

    static let identifiable = ["id", "name", "code", "created", "lastUpdated"]

    static func parse(_ text: String) throws -> FieldSelection {
        guard text.utf8.count <= 4_000 else { throw APIError.badRequest("fields", nil, "at most 4000 characters") }
        var chars = Array(text)[...]
        let s = try parseList(&chars, depth: 0)
        guard chars.isEmpty else {
            throw APIError.badRequest("fields", text, "unexpected '\(String(chars.prefix(10)))': brackets do not match")
        }
        return s
    }

    private static func parseList(_ chars: inout ArraySlice<Character>, depth: Int) throws -> FieldSelection {
        guard depth < 10 else { throw APIError.badRequest("fields", nil, "nested more than 10 levels deep") }
        var s = FieldSelection()
        while let c = chars.first, c != "]", c != ")" {
            if c == "," || c == " " {
                chars.removeFirst()
                continue
            }
            var name = ""
            while let c = chars.first, !",[]() ".contains(c) {
                name.append(c)
                chars.removeFirst()
            }
            var nested: FieldSelection? = nil
            if let open = chars.first, open == "[" || open == "(" {
                chars.removeFirst()
                nested = try parseList(&chars, depth: depth + 1)
                guard let close = chars.first, close == (open == "[" ? "]" : ")") else {
                    throw APIError.badRequest("fields", name, "a '\(open)' is not closed")
                }
                chars.removeFirst()
            }
            guard !name.contains("~"), !name.contains("::") else {
                throw APIError.badRequest("fields", name, "field transformers (~, ::) are not supported")
            }
            switch name {
            case "*", ":all", ":owner": s.all = true
            case ":identifiable": s.named += identifiable.map { ($0, nil) }
            case ":nameable": s.named += (identifiable + ["shortName", "description"]).map { ($0, nil) }
            case "": throw APIError.badRequest("fields", nil, "an empty field name")
            default:
                if name.hasPrefix("!") {
                    s.excluded.insert(String(name.dropFirst()))
                } else if name.hasPrefix(":") {
                    throw APIError.badRequest(
                        "fields", name, "unknown preset (known: *, :all, :owner, :identifiable, :nameable)")
                } else {
                    s.named.append((name, nested))
                }
            }
        }
        return s
    }

    /// The selected fields of `value` (objects; arrays element by element). A reference
    /// (`{"id": …}`) asked for more than its id is looked up with `resolve`.
    func apply(_ value: JSONValue, resolve: (String) -> JSONValue?) -> JSONValue {
        switch value {
        case .array(let items): return .array(items.map { apply($0, resolve: resolve) })
        case .object(var members):
            if needsMore(than: members), case .string(let id)? = value["id"], let full = resolve(id),
                case .object(let m) = full
            {
                members = m
            }
            var out: [(String, JSONValue)] = []
            if all { out = members.filter { !excluded.contains($0.0) } }
            for (name, nested) in named where !excluded.contains(name) {
                guard let v = members.first(where: { $0.0 == name })?.1 else { continue }
                let selected = nested.map { $0.apply(v, resolve: resolve) } ?? v
                if let i = out.firstIndex(where: { $0.0 == name }) {
                    out[i].1 = selected
                } else {
                    out.append((name, selected))
                }
            }
            return .object(out)
        default: return value
        }
    }

    private func needsMore(than members: [(String, JSONValue)]) -> Bool {
        guard members.count == 1, members[0].0 == "id" else { return false }
        return all || named.contains { $0.name != "id" }
    }

    /// Top-level names, for CSV columns.
    var columns: [String] { named.map(\.name).filter { !excluded.contains($0) } }
}

// MARK: filter=

/// One DHIS2 filter: `property:operator:value`, the property a dotted path (`parent.id`).
struct ObjectFilter: Sendable {
    var path: [String]
    var op: String
    var value: String
    var text: String

    static let operators: Set<String> = [
        "eq", "!eq", "ne", "neq", "like", "!like", "ilike", "!ilike", "$like", "!$like", "like$", "!like$", "$ilike",
        "!$ilike", "ilike$", "!ilike$", "in", "!in", "null", "!null", "empty", "!empty", "gt", "ge", "lt", "le",
        "token", "!token",
    ]

    static func parse(_ text: String) throws -> ObjectFilter {
        guard text.utf8.count <= 2_000 else { throw APIError.badRequest("filter", nil, "at most 2000 characters") }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[0].isEmpty else {
            throw APIError.badRequest("filter", text, "a filter is property:operator:value (name:ilike:aktobe)")
        }
        let op = parts[1]
        guard operators.contains(op) else {
            throw APIError.badRequest(
                "filter", text, "unknown operator '\(op)' (known: \(operators.sorted().joined(separator: ", ")))")
        }
        let valueless = ["null", "!null", "empty", "!empty"].contains(op)
        guard valueless || parts.count == 3 else {
            throw APIError.badRequest("filter", text, "the operator '\(op)' takes a value: property:\(op):value")
        }
        let path = parts[0].split(separator: ".").map(String.init)
        guard !path.isEmpty, path.count <= 10 else {
            throw APIError.badRequest("filter", text, "a property is a name or a dotted path (parent.id)")
        }
        return ObjectFilter(path: path, op: op, value: parts.count == 3 ? parts[2] : "", text: text)
    }

    /// Every value the path reaches (through arrays, and through references with `resolve`).
    func values(of object: JSONValue, resolve: (String) -> JSONValue?) -> [JSONValue] {
        var current: [JSONValue] = [object]
        for key in path {
            var next: [JSONValue] = []
            for v in current {
                var v = v
                if case .object(let m) = v, m.count == 1, key != "id", case .string(let id)? = v["id"],
                    let full = resolve(id)
                {
                    v = full
                }
                guard let member = v[key] else { continue }
                // A collection (`organisationUnits.id`) stands for each of its members.
                if case .array(let items) = member {
                    next += items
                } else {
                    next.append(member)
                }
            }
            current = next
        }
        return current
    }

    func matches(_ object: JSONValue, resolve: (String) -> JSONValue?) -> Bool {
        let found = values(of: object, resolve: resolve)
        let texts = found.compactMap(\.scalarText)
        let negated = op.hasPrefix("!") || op == "ne" || op == "neq"
        let base = op.hasPrefix("!") ? String(op.dropFirst()) : (op == "ne" || op == "neq" ? "eq" : op)
        let hit: Bool
        switch base {
        case "null": hit = found.isEmpty || found.contains(.null)
        case "empty":
            hit = found.isEmpty || found.contains { if case .array(let a) = $0 { a.isEmpty } else { false } }
        case "eq": hit = texts.contains(value)
        case "like": hit = texts.contains { $0.contains(value) }
        case "ilike", "token": hit = texts.contains { $0.range(of: value, options: .caseInsensitive) != nil }
        case "$like": hit = texts.contains { $0.hasPrefix(value) }
        case "like$": hit = texts.contains { $0.hasSuffix(value) }
        case "$ilike": hit = texts.contains { $0.lowercased().hasPrefix(value.lowercased()) }
        case "ilike$": hit = texts.contains { $0.lowercased().hasSuffix(value.lowercased()) }
        case "in":
            let list = Set(
                value.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").map(String.init))
            hit = texts.contains { list.contains($0) }
        default:
            hit = texts.contains { t in
                let order: ComparisonResult =
                    if let a = Double(t), let b = Double(value) {
                        a < b ? .orderedAscending : (a > b ? .orderedDescending : .orderedSame)
                    } else {
                        t.compare(value)
                    }
                switch base {
                case "gt": return order == .orderedDescending
                case "ge": return order != .orderedAscending
                case "lt": return order == .orderedAscending
                default: return order != .orderedDescending
                }
            }
        }
        return negated ? !hit : hit
    }
}
