import Foundation
import Hummingbird
import NIOCore
import QorganCore
import QorganInterop
import QorganStore

/// The metadata collections through the API: lists with paging, fields, filters and order; one object.
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
            throw APIError.unknown(
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
