import Foundation
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganStore

/// What the portal answers from: the publication, its indicators as counts, and the cell keys
/// of the stored values they add up, for one state of the engine.
struct PortalData: Sendable {
    /// The change log's place the data were read at.
    var sequence: Int64
    /// The publication, the metadata generation and the published elements' generations: the
    /// data are built again when it changes (any process's commit reaches the engine first).
    var signature: String
    var publication: Publication
    /// Published indicators as counts, by uid.
    var counts: [String: PublicCount]
    /// Published indicators' uids, in the publication's order.
    var order: [String]
    var keys: PublicCellKeys
    /// The stored values' keys; nil until a publication has drawn its secret.
    var leafKeys: LeafKeys?
    var state: EngineState
    var method: CellKeyMethod { publication.method }
}

extension ServerState {
    /// The portal's data for the engine's current state: kept while nothing it reads changes.
    func portalData() throws -> PortalData {
        // Nothing committed since (the engine follows every commit, of any kind and any process,
        // before a request is answered): the publication and the values are the ones kept.
        let sequence = engine.sequence
        if let cached = portalCache.withLock({ $0 }), cached.sequence == sequence { return cached }
        let (snapshot, catalogGeneration, elementGenerations) = engine.snapshotWithVersions()
        let (publication, leafKeys) = try store.publicationWithKeys()
        let catalog = snapshot.catalog
        var counts: [String: PublicCount] = [:]
        var order: [String] = []
        for ref in publication.indicators {
            // An indicator changed since it was published so that it is no longer a count is not published.
            guard let ind = catalog.indicator(ref), let count = try? PublicCount(ind, catalog: catalog),
                counts[ind.uid] == nil
            else { continue }
            counts[ind.uid] = count
            order.append(ind.uid)
        }
        let elements = Set(counts.values.flatMap(\.elements)).sorted()
        let signature =
            publication.signature + "|m\(catalogGeneration)|"
            + elements.map { "\($0)=\(elementGenerations[$0] ?? 0)" }.joined(separator: ",")
        if var cached = portalCache.withLock({ $0 }), cached.signature == signature {
            cached.sequence = sequence
            portalCache.withLock { $0 = cached }
            return cached
        }
        let selectors = Set(counts.values.flatMap { Array($0.numerator.keys) + Array(($0.denominator ?? [:]).keys) })
        let keys = PublicCellKeys(
            state: snapshot, selectors: leafKeys == nil ? [] : selectors, leafKeys: leafKeys ?? LeafKeys(k0: 0, k1: 0))
        let data = PortalData(
            sequence: sequence, signature: signature, publication: publication, counts: leafKeys == nil ? [:] : counts,
            order: leafKeys == nil ? [] : order, keys: keys, leafKeys: leafKeys, state: snapshot)
        portalCache.withLock { $0 = data }
        return data
    }
}

extension Handlers {
    /// Cells one public query may ask for.
    static let publicMaxCells = 20_000

    /// `GET /api/public/analytics`: `/api/analytics` (DHIS2's form or Qorgan's) for anyone, on
    /// the published indicators, levels and years only, every count protected.
    func publicAnalytics(_ r: Request, _ c: AppContext) async throws -> Response {
        let portal = try state.portalData()
        let catalog = portal.state.catalog
        let today = state.today
        guard let years = portal.publication.years(today: today), !portal.order.isEmpty else {
            throw APIError.notFound("nothing is published on the portal yet")
        }
        let (dhis2, parsed) = try analyticsSpec(r, catalog: catalog)
        var spec = parsed
        if spec.co {
            throw APIError.badRequest("co", "true", "the portal publishes indicators, not their breakdowns")
        }
        if let t = spec.aggregationType {
            throw APIError.badRequest("aggregationType", t.rawValue, "the portal publishes each indicator as defined")
        }
        if let t = spec.periodType {
            throw APIError.badRequest("periodType", t.rawValue, "the portal publishes years only")
        }
        for (d, items) in [(AnalyticsDimension.dx, spec.dx), (.pe, spec.pe), (.ou, spec.ou)]
        where spec.filters.contains(d) && items.count > 1 {
            throw APIError.illegalQuery(
                "filter", "\(d.rawValue):\(items.joined(separator: ";"))",
                "a filter of the portal takes one item (each published figure is one cell)")
        }
        spec.includeNumeratorDenominator = true
        spec.limits = state.configuration.queryLimits
        spec.limits.maxCells = min(spec.limits.maxCells, Self.publicMaxCells)
        let query = try spec.resolve(in: catalog, today: today)
        let published = portal.order.compactMap { catalog.indicator($0)?.code }.joined(separator: ", ")
        for item in query.data {
            guard case .indicator(let uid) = item, portal.counts[uid] != nil else {
                // Named by its code, as the caller most likely wrote it.
                let name: String
                switch item {
                case .element(let e): name = catalog.element(e)?.code ?? e
                case .indicator(let i): name = catalog.indicator(i)?.code ?? i
                case .operand(let e, let c):
                    let el = catalog.element(e)
                    name = (el?.code ?? e) + "." + (el.flatMap { catalog.optionCombo(c, of: $0)?.code } ?? c)
                }
                throw APIError(
                    .forbidden, code: "not_public",
                    "dx: '\(name)' is not published on the portal (published: \(published))")
            }
        }
        // Single years only: each year is one cell. A span's total is the sum of its published
        // years (the page adds them); a cell of its own for every span would give an attacker
        // overlapping views of the same values to intersect (docs/DISCLOSURE.md).
        for selection in query.periods {
            let span = selection.span
            let year =
                span.start.month == 1 && span.start.day == 1 && span.end.month == 12 && span.end.day == 31
                && span.start.year == span.end.year
            guard year, years.contains(span.start.year) else {
                throw APIError(
                    .forbidden, code: "not_public",
                    "pe: '\(selection)' is not published on the portal: it publishes single years "
                        + "\(years.lowerBound)–\(years.upperBound) (a span's total is the sum of its years)")
            }
        }
        let levels = portal.publication.levels
        for unit in query.units {
            let level = catalog.level(of: unit, on: today)
            guard levels.contains(level) else {
                throw APIError(
                    .forbidden, code: "not_public",
                    "ou: '\(catalog.unit(unit)?.code ?? unit)' is at level \(level); the portal publishes levels "
                        + levels.sorted().map(String.init).joined(separator: ", "))
            }
        }
        let format = try format(r, c, allowed: ["json", "csv", "xlsx"])
        let language = c.language
        let cacheKey = "public|\(portal.signature)|\(language)|\(today)|\(r.uri.query ?? "")|\(format)"
        func compute() async throws -> AnswerCache.Answer {
            var result = try await c.cancellingWhenClientLeaves { try portal.state.run(query) }
            Analytics.localise(&result, catalog: catalog, language: language)
            PublicProtection.protect(&result, counts: portal.counts, keys: portal.keys, method: portal.method)
            switch format {
            case "csv":
                return .init(
                    body: Data((dhis2?.csv(result) ?? result.csv()).utf8), contentType: "text/csv; charset=utf-8",
                    filename: "qorgan-public.csv")
            case "xlsx":
                let t = result.table()
                return .init(
                    body: XLSX.workbook(sheets: [
                        XLSX.Sheet(name: "Public figures", header: t.header, rows: Analytics.cells(result))
                    ]),
                    contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    filename: "qorgan-public.xlsx")
            default:
                let body = try dhis2.map { $0.json(result, catalog: catalog) } ?? result.json()
                return .init(body: body, contentType: "application/json; charset=utf-8", filename: nil)
            }
        }
        let answer = try await state.answers.answer(cacheKey) {
            var answer = try await compute()
            answer.tag = Self.entityTag(answer.body)
            return answer
        }
        return Self.cacheable(
            HTTP.data(answer.body, type: answer.contentType, filename: answer.filename), body: answer.body,
            tag: answer.tag, r)
    }

    /// `GET /api/public/metadata`: what the portal publishes, in the caller's language.
    func publicMetadata(_ r: Request, _ c: AppContext) async throws -> Response {
        let portal = try state.portalData()
        let language = c.language
        let today = state.today
        let answer = try await state.answers.answer("public-metadata|\(portal.signature)|\(language)|\(today)") {
            let body = JSONValue.object(Self.portalMetadata(portal, language: language, today: today)).data
            return .init(
                body: body, contentType: "application/json; charset=utf-8", filename: nil, tag: Self.entityTag(body))
        }
        return Self.cacheable(HTTP.data(answer.body, type: answer.contentType), body: answer.body, tag: answer.tag, r)
    }

    static func portalMetadata(_ portal: PortalData, language: String, today: Day) -> [(String, JSONValue)] {
        let catalog = portal.state.catalog
        let years = portal.publication.years(today: today).map { Array($0) } ?? []
        let indicators: [JSONValue] = portal.order.compactMap { uid in
            guard let ind = catalog.indicator(uid), let count = portal.counts[uid] else { return nil }
            var m: [(String, JSONValue)] = [
                ("id", .string(ind.uid)), ("code", .string(ind.code)), ("name", .string(ind.name(in: language))),
                ("decimals", .int(ind.decimals)), ("kind", .string(count.denominator == nil ? "count" : "share")),
            ]
            if let t = ind.target { m.append(("target", .number(t))) }
            return .object(m)
        }
        let levels = portal.publication.levels.sorted()
        let levelItems: [JSONValue] = levels.map { l in
            let name = catalog.organisationUnitLevels.first { $0.level == l }?.name(in: language) ?? "\(l)"
            return .object([("level", .int(l)), ("name", .string(name))])
        }
        let units: [JSONValue] = levels.flatMap { l in
            catalog.units(atLevel: l, on: today).map { u -> JSONValue in
                var m: [(String, JSONValue)] = [
                    ("id", .string(u.uid)), ("code", .string(u.code)), ("name", .string(u.name(in: language))),
                    ("level", .int(l)),
                ]
                if let p = u.parent(on: today) { m.append(("parent", .string(p))) }
                return .object(m)
            }
        }
        let method = portal.method
        return [
            ("indicators", .array(indicators)), ("levels", .array(levelItems)), ("units", .array(units)),
            ("years", .array(years.map { .int($0) })),
            (
                "protection",
                .object([
                    ("method", .string("cell key")), ("threshold", .int(method.threshold)),
                    ("maxPerturbation", .int(method.maxPerturbation)),
                    ("maximumDistance", .int(method.threshold + method.maxPerturbation - 1)),
                ])
            ),
        ]
    }

    /// The entity tag of a body.
    static func entityTag(_ body: Data) -> String {
        "\"" + String(Secrets.sha256(String(decoding: body, as: UTF8.self)).prefix(32)) + "\""
    }

    /// An answer anyone may cache for a minute, with an ETag (304 when the client has it).
    static func cacheable(_ response: Response, body: Data, tag: String? = nil, _ r: Request) -> Response {
        let tag = tag ?? entityTag(body)
        var response = response
        if let match = r.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces) == tag || $0.trimmingCharacters(in: .whitespaces) == "W/" + tag
            })
        {
            response = Response(status: .notModified)
        }
        response.headers[.eTag] = tag
        response.headers[.cacheControl] = "public, max-age=60"
        // Names come in the language of `?lang=`, else of the cookie or the browser's.
        response.headers[.vary] = "Accept-Language, Cookie"
        return response
    }
}
