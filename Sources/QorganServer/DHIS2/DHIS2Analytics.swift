import Foundation
import Hummingbird
import QorganAnalytics
import QorganCore
import QorganInterop

/// `/api/analytics` in DHIS2's form: `dimension=dx:…;…`, `dimension=pe:…`, `dimension=ou:…`
/// (`LEVEL-n` with boundary units, `USER_ORGUNIT…`), `dimension=co`, `filter=ou:…`,
/// `startDate`/`endDate`, relative periods, `displayProperty`, `outputIdScheme`, `skipMeta`,
/// `skipData`, `includeNumDen`, `columns`/`rows`; answered with DHIS2's header objects,
/// `metaData.items`/`metaData.dimensions` and rows of strings.
struct DHIS2Analytics {
    var spec: QuerySpec
    var skipMeta = false
    var skipData = false
    var shortNames = false
    var outputScheme = IdScheme.uid

    /// Whether a request is in DHIS2's form rather than Qorgan's (`dx=…&pe=…&ou=…`).
    static func isDHIS2(_ r: Request) -> Bool {
        !r.uri.queryParameters.getAll("dimension").isEmpty
            || r.uri.queryParameters.getAll("filter").contains { $0.contains(":") }
    }

    static func parse(_ r: Request, catalog: Catalog) throws -> DHIS2Analytics {
        var items: [AnalyticsDimension: [String]] = [:]
        var filters: Set<AnalyticsDimension> = []
        var co = false
        func add(_ text: String, asFilter: Bool, _ parameter: String) throws {
            guard text.utf8.count <= 20_000 else {
                throw APIError.badRequest(parameter, nil, "at most 20000 characters")
            }
            let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let name = parts[0]
            let list = parts.count > 1 ? parts[1].split(separator: ";").map(String.init).filter { !$0.isEmpty } : []
            guard let d = AnalyticsDimension(rawValue: name) else {
                throw APIError.badRequest(
                    parameter, text,
                    "the dimension '\(name)' is not one Qorgan has: dx (data), pe (periods), ou (units) or co (disaggregation)"
                )
            }
            if d == .co {
                guard !asFilter else { throw APIError.badRequest(parameter, text, "co is a dimension, not a filter") }
                guard list.isEmpty else {
                    throw APIError.badRequest(parameter, text, "co takes no items: dimension=co breaks elements down")
                }
                co = true
                return
            }
            // A bare name is Qorgan's form (filter=ou), which does not mix with DHIS2's dimension=.
            guard !list.isEmpty else {
                throw APIError.illegalQuery(parameter, text, "\(name) takes items in DHIS2's form: \(name):A;B")
            }
            guard items[d] == nil else {
                throw APIError.illegalQuery(parameter, text, "\(name) is given twice (as a dimension and a filter?)")
            }
            items[d] = list
            if asFilter { filters.insert(d) }
        }
        for t in r.uri.queryParameters.getAll("dimension") { try add(t, asFilter: false, "dimension") }
        for t in r.uri.queryParameters.getAll("filter") { try add(t, asFilter: true, "filter") }
        if let span = try HTTP.dateSpan(r) {
            guard items[.pe] == nil else {
                throw APIError.badRequest(
                    "startDate", span.start.description, "give periods (pe) or startDate and endDate, not both")
            }
            items[.pe] = [PeriodSelection(spanning: span).description]
            filters.insert(.pe)
        }
        var spec = QuerySpec(
            dx: items[.dx] ?? [], pe: items[.pe] ?? [], ou: try units(items[.ou] ?? [], catalog: catalog))
        spec.filters = filters
        spec.co = co
        spec.includeNumeratorDenominator = try HTTP.flag(r, "includeNumDen") || HTTP.flag(r, "numeratorDenominator")
        if let t = HTTP.param(r, "aggregationType") {
            guard let at = AggregationType(rawValue: t.uppercased()) else {
                throw APIError.badRequest("aggregationType", t, "not an aggregation type")
            }
            spec.aggregationType = at
        }
        if try HTTP.flag(r, "tableLayout") {
            throw APIError.badRequest(
                "tableLayout", "true", "not supported: rows come flat, one per cell (Qorgan's pivot page lays them out)"
            )
        }
        for p in ["columns", "rows"] {
            for d in HTTP.params(r, p) {
                guard let dim = AnalyticsDimension(rawValue: d), dim == .co ? co : items[dim] != nil else {
                    throw APIError.badRequest(p, d, "names a dimension of the query (dx, pe, ou or co)")
                }
            }
        }
        var out = DHIS2Analytics(spec: spec)
        out.skipMeta = try HTTP.flag(r, "skipMeta")
        out.skipData = try HTTP.flag(r, "skipData")
        if let p = HTTP.param(r, "displayProperty") {
            guard ["NAME", "SHORTNAME"].contains(p.uppercased()) else {
                throw APIError.badRequest("displayProperty", p, "NAME or SHORTNAME")
            }
            out.shortNames = p.uppercased() == "SHORTNAME"
        }
        out.outputScheme = try IdScheme.from(r, "outputIdScheme")
        return out
    }

    /// DHIS2's unit items in Qorgan's selectors: a `LEVEL-n` (a level number or a level's uid)
    /// with plain units means that level within those units; organisation unit groups do not exist.
    static func units(_ list: [String], catalog: Catalog) throws -> [String] {
        let levelUids = Dictionary(
            catalog.organisationUnitLevels.map { (Uid.stable("organisationUnitLevel:\($0.level)"), $0.level) },
            uniquingKeysWith: { a, _ in a })
        var levels: [String] = []
        var boundaries: [String] = []
        var other: [String] = []
        for item in list {
            if item.hasPrefix("OU_GROUP-") {
                throw APIError.badRequest(
                    "ou", item, "Qorgan has no organisation unit groups: name units, LEVEL-n or USER_ORGUNIT")
            }
            if item.hasPrefix("LEVEL-") {
                let rest = String(item.dropFirst("LEVEL-".count))
                levels.append(levelUids[rest].map { "LEVEL-\($0)" } ?? item)
            } else if item.hasPrefix("USER_ORGUNIT") {
                other.append(item)
            } else {
                boundaries.append(item)
            }
        }
        if !levels.isEmpty, !boundaries.isEmpty {
            return other + levels.flatMap { l in boundaries.map { "\(l):\($0)" } }
        }
        return other + levels + boundaries
    }

    static let columns: [AnalyticsDimension: String] = [
        .dx: "Data", .co: "Category option combo", .pe: "Period", .ou: "Organisation unit",
    ]

    /// The answer in DHIS2's shape.
    func json(_ result: AnalyticsResult, catalog: Catalog) -> Data {
        let axes = result.axes
        var headers: [JSONValue] = axes.map { d in
            .object([
                ("name", .string(d.rawValue)), ("column", .string(Self.columns[d] ?? d.rawValue)),
                ("valueType", .string("TEXT")), ("type", .string("java.lang.String")), ("hidden", .bool(false)),
                ("meta", .bool(true)),
            ])
        }
        var numeric = ["value"]
        if spec.includeNumeratorDenominator { numeric += ["numerator", "denominator", "factor"] }
        for n in numeric {
            headers.append(
                .object([
                    ("name", .string(n)), ("column", .string(n.prefix(1).uppercased() + n.dropFirst())),
                    ("valueType", .string("NUMBER")), ("type", .string("java.lang.Double")), ("hidden", .bool(false)),
                    ("meta", .bool(false)),
                ]))
        }
        let rows: [JSONValue] =
            skipData
            ? []
            : result.rows.map { r in
                var cells: [JSONValue] = axes.map { d in .string(id(result.item(r, d), result)) }
                cells.append(.string(result.format(r)))
                if spec.includeNumeratorDenominator {
                    cells += [r.numerator, r.denominator, r.factor].map {
                        $0.map { .string(formatNumber($0)) } ?? .string("")
                    }
                }
                return .array(cells)
            }
        var members: [(String, JSONValue)] = [("headers", .array(headers))]
        if !skipMeta {
            var items: [(String, JSONValue)] = []
            var seen = Set<String>()
            func addItem(_ raw: String) {
                let key = id(raw, result)
                guard seen.insert(key).inserted else { return }
                var m: [(String, JSONValue)] = [("name", .string(name(raw, result, catalog)))]
                if let code = result.codes[raw] { m.append(("code", .string(code))) }
                if outputScheme == .uid, raw != key { m.append(("uid", .string(raw))) }
                items.append((key, .object(m)))
            }
            for r in result.rows { for d in axes { addItem(result.item(r, d)) } }
            for d in [AnalyticsDimension.dx, .pe, .ou] {
                items.append((d.rawValue, .object([("name", .string(Self.columns[d] ?? ""))])))
            }
            let dx: [JSONValue] = result.query.data.map { d in
                switch d {
                case .indicator(let u), .element(let u): .string(id(u, result))
                case .operand(let e, let c): .string(id("\(e).\(c)", result))
                }
            }
            let pe: [JSONValue] = result.query.periods.map { .string($0.description) }
            let ou: [JSONValue] = result.query.units.map { .string(id($0, result)) }
            var cocs: [String] = []
            for r in result.rows { if let c = r.co, !cocs.contains(c) { cocs.append(c) } }
            members.append(
                (
                    "metaData",
                    .object([
                        ("items", .object(items)),
                        (
                            "dimensions",
                            .object([
                                ("dx", .array(dx)), ("pe", .array(pe)), ("ou", .array(ou)),
                                ("co", .array(cocs.map { .string(id($0, result)) })),
                            ])
                        ),
                    ])
                ))
        }
        members += [
            ("rows", .array(rows)), ("headerWidth", .int(headers.count)), ("height", .int(rows.count)),
            ("width", .int(rows.isEmpty ? 0 : headers.count)),
        ]
        return JSONValue.object(members).data
    }

    /// The answer as CSV: a header of the headers' names, then the rows.
    func csv(_ result: AnalyticsResult) -> String {
        let axes = result.axes
        var header = axes.map(\.rawValue) + ["value"]
        if spec.includeNumeratorDenominator { header += ["numerator", "denominator", "factor"] }
        var s = CSV.line(header) + "\n"
        for r in result.rows {
            var cells = axes.map { id(result.item(r, $0), result) } + [result.format(r)]
            if spec.includeNumeratorDenominator {
                cells += [r.numerator, r.denominator, r.factor].map { $0.map(formatNumber) ?? "" }
            }
            s += CSV.line(cells) + "\n"
        }
        return s
    }

    /// An id as `outputIdScheme` writes it.
    func id(_ raw: String, _ result: AnalyticsResult) -> String {
        switch outputScheme {
        case .uid: raw
        case .code: result.codes[raw] ?? raw
        case .name: result.names[raw] ?? raw
        }
    }

    func name(_ raw: String, _ result: AnalyticsResult, _ catalog: Catalog) -> String {
        if shortNames {
            if let s = catalog.unit(raw)?.shortName { return s }
            if let s = catalog.element(raw)?.shortName { return s }
            if let s = catalog.indicator(raw)?.shortName { return s }
        }
        return result.label(raw)
    }
}
