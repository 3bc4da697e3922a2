import Foundation
import HTTPTypes
import Hummingbird
import QorganAnalytics
import QorganCore
import QorganReports

extension PageHandlers {
    /// `/public/report`: the programme report's public edition for anyone, when the publication
    /// includes it: the country over the published years, every count protected as the portal's
    /// tables are (`ReportProtection`). `?format=xlsx` or `json` downloads it. Cacheable.
    func portalReport(_ r: Request, _ c: AppContext) async throws -> Response {
        let portal = try state.portalData()
        let lang = c.language
        let t = state.messages.table(lang)
        let format = HTTP.param(r, "format") ?? "html"
        guard ["html", "xlsx", "json"].contains(format) else {
            throw APIError.badRequest("format", format, "html, xlsx or json")
        }
        guard portal.publication.report, let leafKeys = portal.leafKeys else {
            var ctx = portalContext(r, c, portal, path: "/public/report")
            ctx["error"] = t["portal_reportNotPublished"] ?? "The report is not published on the portal."
            return HTTP.html(
                renderPortal(ctx, c, template: "portal-report", title: t["portal_reportTitle"] ?? ""), status: .notFound
            )
        }
        // The report reads more than the published indicators: it is computed again after any commit.
        let key = "portal-report|\(portal.signature)|\(state.engine.sequence)|\(lang)|\(state.today)|\(format)"
        let answer = try await state.answers.answer(key) {
            // The keys of exactly this state (its generation), shared by every language and format.
            let (snapshot, generation) = state.engine.versionedSnapshot()
            let keys =
                state.portalReportKeys.withLock { $0?.generation == generation ? $0?.keys : nil }
                ?? ReportProtection.keys(state: snapshot, leafKeys: leafKeys)
            state.portalReportKeys.withLock { $0 = (generation, keys) }
            guard
                let built = try ReportOptions.portal(
                    store: state.store, snapshot: snapshot, publication: portal.publication,
                    leafKeys: leafKeys, language: lang, today: state.today, keys: keys)
            else { throw APIError.notFound("the report is not published on the portal") }
            let doc = built.document
            let body: Data
            let type: String
            var filename: String? = nil
            switch format {
            case "xlsx":
                body = doc.workbook()
                type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                filename = "qorgan-public-report.xlsx"
            case "json":
                body = try doc.json()
                type = "application/json; charset=utf-8"
            default:
                var ctx = portalContext(r, c, portal, path: "/public/report")
                ctx["reportHTML"] = doc.html(standalone: false)
                ctx["onReport"] = true
                ctx["xlsxHref"] = "/public/report?format=xlsx&lang=\(lang)"
                ctx["jsonHref"] = "/public/report?format=json&lang=\(lang)"
                body = Data(renderPortal(ctx, c, template: "portal-report", title: doc.title).utf8)
                type = "text/html; charset=utf-8"
            }
            return .init(body: body, contentType: type, filename: filename, tag: Handlers.entityTag(body))
        }
        return Handlers.cacheable(
            HTTP.data(answer.body, type: answer.contentType, filename: answer.filename), body: answer.body,
            tag: answer.tag, r)
    }

    /// What every portal page's header needs: its languages (the same page, only its own
    /// parameters) and whether the report is published.
    func portalContext(_ r: Request, _ c: AppContext, _ portal: PortalData, path: String, params: [String] = [])
        -> Ctx
    {
        let lang = c.language
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        let choices = params.compactMap { name in
            HTTP.param(r, name).map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
        }
        return [
            "portalLang": lang, "reportPublished": portal.publication.report,
            "languages": Messages.languages.map { code -> Ctx in
                [
                    "code": code, "name": Messages.languageNames[code] ?? code, "current": code == lang,
                    "href": path + "?" + (choices + ["lang=\(code)"]).joined(separator: "&"),
                ]
            },
        ]
    }

    func renderPortal(_ ctx: Ctx, _ c: AppContext, template: String, title: String) -> String {
        var ctx = ctx
        ctx["t"] = state.messages.table(c.language)
        ctx["lang"] = c.language
        ctx["title"] = title
        return state.templates.render(Self.dropNils(ctx), withTemplate: template) ?? "template \(template) is missing"
    }
}
