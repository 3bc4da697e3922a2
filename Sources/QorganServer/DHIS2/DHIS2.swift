import Foundation
import Hummingbird
import NIOCore
import QorganCore
import QorganInterop
import QorganStore

/// DHIS2's forms of a path: a version prefix (`/api/40/dataElements`) and a format suffix
/// (`/api/dataElements.json`, `.csv`, `.adx`). Both are taken off before the router matches the
/// path, so that every API route answers in all these forms; the suffix is kept in the context.
public struct DHIS2Paths<Inner: HTTPResponder>: HTTPResponder where Inner.Context == AppContext {
    public typealias Context = AppContext
    static var suffixes: Set<String> { ["json", "csv", "adx", "xml"] }
    let inner: Inner

    public func respond(to request: Request, context: AppContext) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/api/") else { return try await inner.respond(to: request, context: context) }
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var context = context
        var changed = false
        // ["", "api", "40", …]: a two-digit version, as DHIS2's clients send it.
        if segments.count > 3, segments[2].count == 2, segments[2].allSatisfy(\.isASCIIDigit) {
            segments.remove(at: 2)
            changed = true
        }
        if let last = segments.last, last != "openapi.json", let dot = last.lastIndex(of: "."), dot != last.startIndex {
            let suffix = last[last.index(after: dot)...].lowercased()
            if Self.suffixes.contains(suffix) {
                segments[segments.count - 1] = String(last[..<dot])
                context.suffixFormat = suffix
                changed = true
            }
        }
        guard changed else { return try await inner.respond(to: request, context: context) }
        var head = request.head
        let query = request.uri.query.map { "?" + $0 } ?? ""
        head.path = segments.joined(separator: "/") + query
        return try await inner.respond(to: Request(head: head, body: request.body), context: context)
    }
}

/// The application's responder: the router, behind DHIS2's path forms.
public struct QorganResponderBuilder: HTTPResponderBuilder {
    let router: Router<AppContext>
    public init(_ router: Router<AppContext>) { self.router = router }
    public func buildResponder() -> DHIS2Paths<RouterResponder<AppContext>> {
        DHIS2Paths(inner: router.buildResponder())
    }
}

// MARK: fields=

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

// MARK: Lists

/// DHIS2's metadata collections: every object as a full JSON object, references as `{"id": …}`.
struct MetadataObjects {
    let catalog: Catalog
    let user: Principal
    let today: Day
    let language: String

    static let collections = [
        "organisationUnits", "organisationUnitLevels", "dataElements", "dataSets", "indicators", "categoryCombos",
        "categoryOptionCombos", "validationRules",
    ]

    static func ref(_ id: String) -> JSONValue { .object([("id", .string(id))]) }
    static func date(_ d: Day) -> JSONValue { .string(d.description + "T00:00:00.000") }

    func named(_ uid: String, _ code: String, _ name: String, _ display: String, short: String? = nil)
        -> [(String, JSONValue)]
    {
        [
            ("id", .string(uid)), ("code", .string(code)), ("name", .string(name)),
            ("shortName", .string(short ?? String(name.prefix(50)))), ("displayName", .string(display)),
            ("displayShortName", .string(short ?? String(display.prefix(50)))),
        ]
    }

    /// The objects of `collection` the caller may see, in the catalog's order.
    func objects(_ collection: String) -> [JSONValue] {
        switch collection {
        case "organisationUnits":
            // The forms of each unit, once: not a scan of every form per unit.
            var forms: [String: [String]] = [:]
            for d in catalog.dataSets { for u in d.organisationUnits { forms[u, default: []].append(d.uid) } }
            return catalog.organisationUnits.filter { user.canSee($0.uid, in: catalog, on: today) }.map {
                unit($0, forms: forms[$0.uid] ?? [])
            }
        case "organisationUnitLevels":
            return catalog.organisationUnitLevels.map { l in
                .object([
                    ("id", .string(Uid.stable("organisationUnitLevel:\(l.level)"))), ("name", .string(l.name)),
                    ("displayName", .string(l.name)), ("level", .int(l.level)),
                ])
            }
        case "dataElements":
            return catalog.dataElements.map { e in
                .object(
                    named(e.uid, e.code, e.name, e.name(in: language), short: e.shortName) + [
                        ("description", .string(e.description)), ("valueType", .string(e.valueType.rawValue)),
                        ("aggregationType", .string(e.aggregationType.rawValue)), ("domainType", .string("AGGREGATE")),
                        ("zeroIsSignificant", .bool(false)), ("categoryCombo", Self.ref(e.categoryCombo)),
                        (
                            "dataSetElements",
                            .array(
                                catalog.dataSets(of: e).map {
                                    .object([("dataSet", Self.ref($0.uid)), ("dataElement", Self.ref(e.uid))])
                                })
                        ),
                    ])
            }
        case "dataSets":
            return catalog.dataSets.map { d in
                .object(
                    named(d.uid, d.code, d.name, d.name(in: language)) + [
                        ("description", .string(d.description)), ("periodType", .string(d.periodType.rawValue)),
                        ("timelyDays", .int(d.timelyDays)), ("expiryDays", .int(d.expiryDays)),
                        ("openFuturePeriods", .int(0)), ("categoryCombo", Self.ref(CategoryCombo.defaultUid)),
                        (
                            "dataSetElements",
                            .array(
                                d.dataElements.map {
                                    .object([("dataElement", Self.ref($0)), ("dataSet", Self.ref(d.uid))])
                                })
                        ),
                        (
                            "organisationUnits",
                            .array(
                                d.organisationUnits.filter { user.canSee($0, in: catalog, on: today) }.map(Self.ref))
                        ),
                    ])
            }
        case "indicators":
            return catalog.indicators.map { i in
                var members =
                    named(i.uid, i.code, i.name, i.name(in: language), short: i.shortName) + [
                        ("description", .string(i.description)), ("numerator", .string(i.numerator)),
                        ("denominator", .string(i.denominator)), ("decimals", .int(i.decimals)),
                        ("annualized", .bool(false)), ("factor", .number(i.factor)),
                        (
                            "indicatorType",
                            .object([
                                ("id", .string(Uid.stable("indicatorType:\(i.factor)"))), ("factor", .number(i.factor)),
                                ("name", .string(i.factor == 100 ? "Per cent" : "Factor \(formatNumber(i.factor))")),
                            ])
                        ),
                    ]
                if let t = i.target { members.append(("target", .number(t))) }
                return .object(members)
            }
        case "categoryCombos":
            return catalog.categoryCombos.map { c in
                .object(
                    named(c.uid, c.code, c.name, c.name) + [
                        ("dataDimensionType", .string("DISAGGREGATION")),
                        ("isDefault", .bool(c.uid == CategoryCombo.defaultUid)),
                        ("categories", .array(c.categories.map(Self.ref))),
                        ("categoryOptionCombos", .array((catalog.optionCombos[c.uid] ?? []).map { Self.ref($0.uid) })),
                    ])
            }
        case "validationRules":
            return catalog.validationRules.map { v in
                func side(_ s: ValidationRule.Side) -> JSONValue {
                    .object([
                        ("expression", .string(s.expression)), ("description", .string(s.description)),
                        ("missingValueStrategy", .string(s.missingValueStrategy.rawValue)),
                    ])
                }
                return .object(
                    named(v.uid, v.code, v.name, v.name(in: language)) + [
                        ("description", .string(v.description)), ("instruction", .string(v.instruction)),
                        ("displayInstruction", .string(v.instruction(in: language))),
                        ("importance", .string(v.importance.rawValue)), ("operator", .string(v.operator.rawValue)),
                        ("periodType", .string(v.periodType.rawValue)), ("leftSide", side(v.leftSide)),
                        ("rightSide", side(v.rightSide)),
                        ("organisationUnitLevels", .array(v.organisationUnitLevels.map { .int($0) })),
                    ])
            }
        case "categoryOptionCombos":
            return catalog.categoryCombos.flatMap { catalog.optionCombos[$0.uid] ?? [] }.map(optionCombo)
        case "categories":
            return catalog.categories.map { c in
                .object(
                    named(c.uid, c.code, c.name, c.name) + [
                        ("dataDimensionType", .string("DISAGGREGATION")),
                        (
                            "categoryOptions",
                            .array(
                                c.options.map { o in
                                    .object([
                                        ("id", .string(o.uid)), ("code", .string(o.code)), ("name", .string(o.name)),
                                        ("displayName", .string(o.name)),
                                    ])
                                })
                        ),
                    ])
            }
        default: return []
        }
    }

    func optionCombo(_ c: CategoryOptionCombo) -> JSONValue {
        .object(
            named(c.uid, c.code, c.name, c.name) + [
                ("categoryCombo", Self.ref(c.categoryCombo)), ("categoryOptions", .array(c.options.map(Self.ref))),
            ])
    }

    func unit(_ u: OrgUnit, forms: [String]) -> JSONValue {
        let ancestors = catalog.ancestors(of: u.uid, on: today)
        let children = catalog.children(of: u.uid, on: today)
        var members = named(u.uid, u.code, u.name, u.name(in: language), short: u.shortName)
        members += [
            ("description", .string(u.description)), ("level", .int(ancestors.count + 1)),
            ("path", .string("/" + (ancestors.reversed() + [u.uid]).joined(separator: "/"))),
            ("openingDate", Self.date(u.openingDate)),
        ]
        if let closed = u.closingDate { members.append(("closedDate", Self.date(closed))) }
        if let parent = ancestors.first { members.append(("parent", Self.ref(parent))) }
        members += [
            ("children", .array(children.map { Self.ref($0.uid) })), ("leaf", .bool(children.isEmpty)),
            ("ancestors", .array(ancestors.reversed().map(Self.ref))),
            ("dataSets", .array(forms.map(Self.ref))),
        ]
        return .object(members)
    }

    /// Every object by uid, for references asked for more than their id.
    /// `known`: a collection already built for the answer, not built again.
    func index(known: (collection: String, objects: [JSONValue])? = nil) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for c in Self.collections + ["categories"] {
            let list = c == known?.collection ? known?.objects ?? [] : objects(c)
            for o in list { if case .string(let id)? = o["id"] { out[id] = o } }
        }
        return out
    }

    /// One object by uid or code.
    /// One object of `objects` by uid or code.
    static func object(_ ref: String, in objects: [JSONValue]) -> JSONValue? {
        objects.first { $0["id"]?.scalarText == ref } ?? objects.first { $0["code"]?.scalarText == ref }
    }
}

/// A lazily built index of every object, shared by the lookups of one answer (built only when a
/// reference is asked for more than its id; the collection the answer already built is reused).
final class ObjectIndex {
    private let objects: MetadataObjects
    private let known: (collection: String, objects: [JSONValue])?
    private var built: [String: JSONValue]?
    init(_ objects: MetadataObjects, known: (collection: String, objects: [JSONValue])? = nil) {
        self.objects = objects
        self.known = known
    }
    func resolve(_ id: String) -> JSONValue? {
        if built == nil { built = objects.index(known: known) }
        return built?[id]
    }
}

extension Handlers {
    func metadataObjects(_ c: AppContext) throws -> MetadataObjects {
        MetadataObjects(catalog: try catalog(), user: try c.requireUser(), today: state.today, language: c.language)
    }

    /// A DHIS2 metadata list: `filter` (repeated: all must hold, or any with `rootJunction=OR`),
    /// `order`, `fields` (default `id,displayName`), `page`/`pageSize` (default 50) or `paging=false`;
    /// JSON with DHIS2's `pager`, or CSV of the selected fields.
    func list(_ collection: String, _ r: Request, _ c: AppContext) throws -> Response {
        let source = try metadataObjects(c)
        var objects = source.objects(collection)
        let refs = ObjectIndex(source, known: (collection, objects))
        let filters = try r.uri.queryParameters.getAll("filter").map(ObjectFilter.parse)
        let known = Set(objects.flatMap { o -> [String] in if case .object(let m) = o { m.map(\.0) } else { [] } })
        for f in filters where !objects.isEmpty && !known.contains(f.path[0]) {
            throw APIError.badRequest(
                "filter", f.text,
                "\(collection) have no property '\(f.path[0])' (they have \(known.sorted().joined(separator: ", ")))")
        }
        if collection == "organisationUnits", let level = try HTTP.int(r, "level", in: 1...64) {
            objects = objects.filter { $0["level"] == .int(level) }
        }
        if collection == "organisationUnits", try HTTP.flag(r, "userOnly") {
            // DHIS2's "the units I am assigned to": the roots of the caller's subtrees.
            let mine = Set(source.user.units.compactMap { source.catalog.unit($0)?.uid })
            objects = objects.filter { o in o["id"]?.scalarText.map(mine.contains) ?? false }
        }
        let junction = HTTP.param(r, "rootJunction")?.uppercased() ?? "AND"
        guard junction == "AND" || junction == "OR" else {
            throw APIError.badRequest("rootJunction", junction, "AND (the default) or OR")
        }
        let any = junction == "OR"
        if !filters.isEmpty {
            objects = objects.filter { o in
                any
                    ? filters.contains { $0.matches(o, resolve: refs.resolve) }
                    : filters.allSatisfy { $0.matches(o, resolve: refs.resolve) }
            }
        }
        if let order = HTTP.param(r, "order") {
            let parts = order.split(separator: ":").map(String.init)
            let key = parts[0]
            let direction = parts.count > 1 ? parts[1].lowercased() : "asc"
            guard ["asc", "desc", "iasc", "idesc"].contains(direction) else {
                throw APIError.badRequest("order", order, "property:asc, :desc, :iasc or :idesc")
            }
            let insensitive = direction.hasPrefix("i")
            func text(_ o: JSONValue) -> String {
                let t = o[key]?.scalarText ?? ""
                return insensitive ? t.lowercased() : t
            }
            objects.sort { a, b in
                let (x, y) = (text(a), text(b))
                if let p = Double(x), let q = Double(y) { return direction.hasSuffix("desc") ? p > q : p < q }
                return direction.hasSuffix("desc") ? x > y : x < y
            }
        }
        let fields =
            try HTTP.param(r, "fields").map(FieldSelection.parse)
            ?? FieldSelection(named: [("id", nil), ("displayName", nil)])
        let paging = !(try pagingOff(r))
        let total = objects.count
        let pageSize = try HTTP.int(r, "pageSize", in: 1...100_000) ?? 50
        let pageCount = max(1, (total + pageSize - 1) / pageSize)
        let page = try HTTP.int(r, "page", in: 1...1_000_000) ?? 1
        if paging { objects = Array(objects.dropFirst((page - 1) * pageSize).prefix(pageSize)) }
        let selected = objects.map { fields.apply($0, resolve: refs.resolve) }
        if try wantsCSV(r, c) {
            let columns = fields.all ? Array(known).sorted() : fields.columns
            return HTTP.data(
                Data(("\u{FEFF}" + MetadataCSV.write(selected, columns: columns)).utf8),
                type: "text/csv; charset=utf-8",
                filename: "\(collection).csv")
        }
        var members: [(String, JSONValue)] = []
        if paging {
            var pager: [(String, JSONValue)] = [
                ("page", .int(page)), ("pageCount", .int(pageCount)), ("total", .int(total)),
                ("pageSize", .int(pageSize)),
            ]
            if page < pageCount { pager.append(("nextPage", .string(pageLink(r, page + 1)))) }
            if page > 1 { pager.append(("prevPage", .string(pageLink(r, page - 1)))) }
            members.append(("pager", .object(pager)))
        }
        members.append((collection, .array(selected)))
        return HTTP.data(JSONValue.object(members).data, type: "application/json; charset=utf-8")
    }

    /// `paging=false` (absent: paged).
    func pagingOff(_ r: Request) throws -> Bool { try HTTP.param(r, "paging") != nil && !HTTP.flag(r, "paging") }

    /// The same request for another page.
    func pageLink(_ r: Request, _ page: Int) -> String {
        var items = (r.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("page=") }.map(String.init)
        items.append("page=\(page)")
        return r.uri.path + "?" + items.joined(separator: "&")
    }

    /// Whether the caller asked for CSV (`.csv`, `format=csv`, or `Accept: text/csv` / `application/csv`).
    func wantsCSV(_ r: Request, _ c: AppContext) throws -> Bool {
        try format(r, c, allowed: ["json", "csv"]) == "csv"
    }

    /// The answer's format: the path's suffix, else `format=`, else the Accept header; JSON by default.
    func format(_ r: Request, _ c: AppContext, allowed: [String]) throws -> String {
        if let f = c.suffixFormat ?? HTTP.param(r, "format")?.lowercased() {
            guard allowed.contains(f) else {
                throw APIError.badRequest("format", f, "this resource is served as \(allowed.joined(separator: ", "))")
            }
            return f
        }
        let accept = r.headers[.accept]?.lowercased() ?? ""
        if allowed.contains("adx"), accept.contains("application/adx+xml") { return "adx" }
        if allowed.contains("csv"), accept.contains("text/csv") || accept.contains("application/csv") { return "csv" }
        return "json"
    }

    /// One metadata object by uid or code, with `fields` (default: every field).
    func single(_ collection: String, _ ref: String, _ r: Request, _ c: AppContext) throws -> Response {
        let source = try metadataObjects(c)
        let all = source.objects(collection)
        guard let object = MetadataObjects.object(ref, in: all) else {
            if collection == "organisationUnits", source.catalog.unit(ref) != nil {
                // It exists, outside the caller's units: refused as it is on every route.
                throw APIError.outOfScope(ref)
            }
            throw APIError.notFound("no \(collection.dropLast()) with the uid or code '\(ref)'")
        }
        let refs = ObjectIndex(source, known: (collection, all))
        let fields = try HTTP.param(r, "fields").map(FieldSelection.parse) ?? FieldSelection(all: true)
        let selected = fields.apply(object, resolve: refs.resolve)
        if try wantsCSV(r, c) {
            let columns: [String] =
                if case .object(let m) = selected { m.map(\.0) } else { [] }
            return HTTP.data(
                Data(("\u{FEFF}" + MetadataCSV.write([selected], columns: columns)).utf8),
                type: "text/csv; charset=utf-8", filename: "\(collection).csv")
        }
        return HTTP.data(selected.data, type: "application/json; charset=utf-8")
    }

    /// `/api/system/info` as DHIS2 answers it: its clients read `version` (`2.NN`) and `calendar`.
    func systemInfo(_ r: Request) throws -> JSONValue {
        let now = Date()
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let host = r.head.authority ?? "localhost"
        return .object([
            ("version", .string(DHIS2Compatibility.version)), ("revision", .string(DHIS2Compatibility.revision)),
            ("buildTime", .string(DHIS2Compatibility.buildTime)), ("calendar", .string("iso8601")),
            ("dateFormat", .string("yyyy-mm-dd")), ("serverDate", .string(iso.string(from: now))),
            ("serverTimeZoneId", .string("UTC")), ("serverTimeZoneDisplayName", .string("Coordinated Universal Time")),
            ("contextPath", .string("http://\(host)")), ("systemName", .string("Qorgan")),
            ("systemId", .string(try store.identity().database)),
            // Analytics are computed from the stored values at every request: never behind.
            ("lastAnalyticsTableSuccess", .string(iso.string(from: now))),
            ("intervalSinceLastAnalyticsTableSuccess", .string("0 s")),
            ("isMetadataVersionEnabled", .bool(false)), ("encryption", .bool(false)),
        ])
    }

    /// `/api/me`: Qorgan's fields (username, role, units, language) and DHIS2's (id, organisationUnits,
    /// userCredentials, authorities, settings), with `fields`.
    func meJSON(_ r: Request, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        let catalog = try catalog()
        let units = user.units.compactMap { catalog.unit($0) }
        var authorities = ["M_dhis-web-dataentry"]
        if user.role.canWriteValues { authorities += ["F_DATAVALUE_ADD", "F_DATAVALUE_DELETE"] }
        if user.role.canManageUsers { authorities += ["ALL", "F_USER_ADD"] }
        let me: JSONValue = .object([
            ("id", .string(Uid.stable("user:\(user.username)"))), ("username", .string(user.username)),
            ("name", .string(user.username)), ("displayName", .string(user.username)),
            ("role", .string(user.role.rawValue)), ("units", .array(user.units.map { .string($0) })),
            ("language", .string(user.language)), ("disabled", .bool(false)),
            ("organisationUnits", .array(units.map { MetadataObjects.ref($0.uid) })),
            ("dataViewOrganisationUnits", .array(units.map { MetadataObjects.ref($0.uid) })),
            ("userCredentials", .object([("username", .string(user.username))])),
            (
                "userRoles",
                .array([
                    .object([
                        ("id", .string(Uid.stable("role:\(user.role.rawValue)"))),
                        ("name", .string(user.role.rawValue)),
                    ])
                ])
            ),
            ("authorities", .array(authorities.map { .string($0) })),
            ("settings", .object([("keyUiLocale", .string(user.language ?? c.language))])),
        ])
        let refs = ObjectIndex(try metadataObjects(c))
        let fields = try HTTP.param(r, "fields").map(FieldSelection.parse) ?? FieldSelection(all: true)
        return HTTP.data(fields.apply(me, resolve: refs.resolve).data, type: "application/json; charset=utf-8")
    }
}

/// What Qorgan tells DHIS2's clients it is.
enum DHIS2Compatibility {
    /// The DHIS2 Web API version whose shapes Qorgan's DHIS2 routes follow.
    static let version = "2.40"
    static let apiVersion = 40
    static let revision = "qorgan"
    static let buildTime = "2026-12-01T00:00:00.000"
}

/// Metadata as CSV: one column per selected field; a reference is written as its id, a list of
/// references as ids joined with `;`.
enum MetadataCSV {
    static func cell(_ v: JSONValue?) -> String {
        switch v {
        case .none, .null?: return ""
        case .object?: return v?["id"]?.scalarText ?? ""
        case .array(let items)?: return items.map { cell($0) }.joined(separator: ";")
        case let scalar?: return scalar.scalarText ?? ""
        }
    }

    static func write(_ objects: [JSONValue], columns: [String]) -> String {
        var s = CSV.line(columns) + "\n"
        for o in objects { s += CSV.line(columns.map { cell(o[$0]) }) + "\n" }
        return s
    }
}
