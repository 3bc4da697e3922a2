import Foundation
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// `GET /api/analytics`: the engine's queries in DHIS2's shape, as JSON, CSV or an HTML table.
extension Handlers {
    func analytics(_ r: Request, _ c: AppContext) async throws -> Response {
        let user = try c.requireUser()
        let (snapshot, catalogGeneration, elementGenerations) = state.engine.snapshotWithVersions()
        let (dhis2, parsed) = try analyticsSpec(r, catalog: snapshot.catalog)
        var spec = parsed
        spec.limits = state.configuration.queryLimits
        let format = try format(r, c, allowed: ["json", "csv", "xlsx"])
        // The answer depends on the query, the user's units, the language, the metadata and the
        // values of the elements it reads only: a write to another element leaves it right.
        let reads = Analytics.elements(of: spec.dx, in: snapshot.catalog)
        let cacheKey = reads.map { elements in
            user.units.joined(separator: ",") + "|" + c.language + "|\(state.today)|" + (r.uri.query ?? "") + "|"
                + format + "|m\(catalogGeneration)|"
                + elements.sorted().map { "\($0)=\(elementGenerations[$0] ?? 0)" }.joined(separator: ",")
        }
        let today = state.today
        let language = c.language
        let query = spec
        func compute() async throws -> AnswerCache.Answer {
            let result = try await c.cancellingWhenClientLeaves {
                try Analytics.run(query, user: user, snapshot: snapshot, today: today, language: language)
            }
            switch format {
            case "csv":
                return .init(
                    body: Data((dhis2?.csv(result) ?? result.csv()).utf8), contentType: "text/csv; charset=utf-8",
                    filename: "qorgan-analytics.csv")
            case "xlsx":
                let t = result.table()
                return .init(
                    body: XLSX.workbook(sheets: [
                        XLSX.Sheet(name: "Analytics", header: t.header, rows: Analytics.cells(result))
                    ]),
                    contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    filename: "qorgan-analytics.xlsx")
            default:
                let body = try dhis2.map { $0.json(result, catalog: snapshot.catalog) } ?? result.json()
                return .init(body: body, contentType: "application/json; charset=utf-8", filename: nil)
            }
        }
        // The same question asked by several people at once is computed once.
        let answer: AnswerCache.Answer
        if let cacheKey {
            answer = try await state.answers.answer(cacheKey, compute: compute)
        } else {
            answer = try await compute()
        }
        return HTTP.data(answer.body, type: answer.contentType, filename: answer.filename)
    }

    /// The query of an analytics request: DHIS2's form (dimension=, filter=dim:items) or
    /// Qorgan's (dx=, pe=, ou=, filter=dim), with `periodType`.
    func analyticsSpec(_ r: Request, catalog: Catalog) throws -> (DHIS2Analytics?, QuerySpec) {
        var dhis2: DHIS2Analytics? = nil
        var spec: QuerySpec
        // DHIS2's form (dimension=, filter=dim:items) or Qorgan's (dx=, pe=, ou=, filter=dim).
        if DHIS2Analytics.isDHIS2(r) {
            let parsed = try DHIS2Analytics.parse(r, catalog: catalog)
            dhis2 = parsed
            spec = parsed.spec
        } else {
            spec = QuerySpec(dx: HTTP.params(r, "dx"), pe: HTTP.params(r, "pe"), ou: HTTP.params(r, "ou"))
            spec.co = try HTTP.flag(r, "co")
            for f in HTTP.params(r, "filter") {
                guard let d = AnalyticsDimension(rawValue: f) else {
                    throw APIError.badRequest("filter", f, "takes dx, pe or ou")
                }
                spec.filters.insert(d)
            }
            if let t = HTTP.param(r, "aggregationType") {
                guard let at = AggregationType(rawValue: t.uppercased()) else {
                    throw APIError.badRequest("aggregationType", t, "not an aggregation type")
                }
                spec.aggregationType = at
            }
            spec.includeNumeratorDenominator = try HTTP.flag(r, "numeratorDenominator")
        }
        if let t = HTTP.param(r, "periodType") {
            guard let pt = PeriodType(name: t) else { throw APIError.badRequest("periodType", t, "not a period type") }
            spec.periodType = pt
        }
        return (dhis2, spec)
    }
}
