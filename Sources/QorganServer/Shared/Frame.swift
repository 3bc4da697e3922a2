import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// The server-rendered pages: sign-in, dashboard, data entry, pivot, metadata, history,
/// users and the account. Templates are Mustache files in Resources/templates; every
/// piece of text comes from the message catalogue of the chosen language.
enum Pages {
    static func register(on router: Router<AppContext>, state: ServerState) {
        let p = PageHandlers(state: state)
        router.get("/") { _, _ in HTTP.redirect("/dashboard") }
        router.get("/static/:file") { _, c in try p.staticFile(try c.parameters.require("file")) }
        // The service worker, from the root so that its scope is the whole site.
        router.get("/sw.js") { _, _ in
            var response = try p.staticFile("sw.js")
            response.headers[.cacheControl] = "no-cache"
            response.headers[.serviceWorkerAllowed] = "/"
            return response
        }
        router.get("/login") { r, c in p.loginPage(r, c, error: nil) }
        router.post("/login") { r, c in try await p.login(r, c) }
        router.post("/logout") { r, c in try p.logout(r, c) }
        router.get("/language") { r, c in p.chooseLanguage(r, c) }
        router.get("/dashboard") { r, c in try p.page(r, c) { try p.dashboard(r, c, $0) } }
        router.get("/entry") { r, c in try p.page(r, c) { try p.entry(r, c, $0) } }
        router.get("/entry/blank") { r, c in try p.page(r, c) { try p.blankForm(r, c, $0) } }
        router.get("/pivot") { r, c in try p.page(r, c) { try p.pivot(r, c, $0) } }
        router.get("/validation") { r, c in try p.page(r, c) { try p.validation(r, c, $0) } }
        router.get("/completeness") { r, c in try p.page(r, c) { try p.completeness(r, c, $0) } }
        router.get("/outliers") { r, c in try p.page(r, c) { try p.outliers(r, c, $0) } }
        router.get("/notifications") { r, c in try p.page(r, c) { try p.notifications(r, c, $0) } }
        router.post("/outliers/followup") { r, c in try await p.pageAsync(r, c) { try await p.followUp(r, c, $0) } }
        router.post("/entry/approval") { r, c in try await p.pageAsync(r, c) { try await p.approvalStep(r, c, $0) } }
        router.get("/metadata") { r, c in try p.page(r, c) { try p.metadata(r, c, $0) } }
        router.get("/history") { r, c in try p.page(r, c) { try p.history(r, c, $0) } }
        router.get("/users") { r, c in try p.page(r, c) { try p.users(r, c, $0, notice: nil, error: nil) } }
        router.post("/users") { r, c in try await p.pageAsync(r, c) { try await p.createUser(r, c, $0) } }
        router.post("/users/:username") { r, c in try await p.pageAsync(r, c) { try await p.updateUser(r, c, $0) } }
        registerIncidents(on: router, p)
        registerRegistries(on: router, p)
        registerReport(on: router, p)
        router.get("/account") { r, c in try p.page(r, c) { try p.account(r, c, $0, newToken: nil, error: nil) } }
        router.post("/account/language") { r, c in try await p.pageAsync(r, c) { try await p.setLanguage(r, c, $0) } }
        router.post("/account/tokens") { r, c in try await p.pageAsync(r, c) { try await p.createToken(r, c, $0) } }
        router.post("/account/tokens/:id/revoke") { r, c in try await p.pageAsync(r, c) { try p.revokeToken(r, c, $0) }
        }
    }
}

typealias Ctx = [String: Any]

extension String {
    /// nil for an empty string: Mustache opens a section for any string, the empty one included.
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

struct PageHandlers: Sendable {
    let state: ServerState
    var api: Handlers { Handlers(state: state) }

    // MARK: Frame

    func render(
        _ template: String, _ c: AppContext, _ r: Request, title: String, active: String = "", _ extra: Ctx,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let t = state.messages.table(c.language)
        var ctx: Ctx = extra
        ctx["t"] = t
        ctx["lang"] = c.language
        // A page that shows an error summary says so first in its title (GOV.UK).
        ctx["title"] = (extra["hasProblems"] as? Bool == true ? t["common_errorPrefix"] ?? "" : "") + title
        ctx["csrf"] = c.csrf ?? ""
        ctx["active_" + active] = true
        let here =
            r.uri.path + "?"
            + (r.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("lang=") }.joined(separator: "&")
        ctx["languages"] = Messages.languages.map { code -> Ctx in
            [
                "code": code, "name": Messages.languageNames[code] ?? code, "current": code == c.language,
                "href":
                    "/language?set=\(code)&back=\(here.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")",
            ]
        }
        if let u = c.principal {
            ctx["user"] =
                [
                    "username": u.username, "role": t["role_" + u.role.rawValue] ?? u.role.rawValue,
                    "isAdmin": u.role.canManageUsers, "canWrite": u.role.canWriteValues,
                ] as Ctx
        }
        let html =
            state.templates.render(Self.dropNils(ctx), withTemplate: template) ?? "template \(template) is missing"
        return HTTP.html(html, status: status)
    }

    /// The context without absent values (`nil` wrapped in `Any`), which Mustache would print
    /// as "nil" instead of treating them as missing.
    static func dropNils(_ value: Any) -> Any {
        switch value {
        case is String, is [String: String], is [String], is Int, is Bool, is Double: return value
        case let d as [String: Any]:
            var out: [String: Any] = [:]
            out.reserveCapacity(d.count)
            for (k, v) in d {
                switch v {
                case is String, is Int, is Bool, is Double, is Int64, is [String: String], is [String]:
                    out[k] = v
                    continue
                default: break
                }
                let m = Mirror(reflecting: v)
                if m.displayStyle == .optional {
                    guard let inner = m.children.first?.value else { continue }
                    out[k] = dropNils(inner)
                } else {
                    out[k] = dropNils(v)
                }
            }
            return out
        case let a as [[String: Any]]: return a.map { dropNils($0) }
        default: return value
        }
    }

    /// A page for signed-in users: others go to the sign-in page first. Errors show as a page.
    func page(_ r: Request, _ c: AppContext, _ body: (Principal) throws -> Response) throws -> Response {
        guard let user = c.principal else {
            let next = r.uri.path + (r.uri.query.map { "?" + $0 } ?? "")
            return HTTP.redirect(
                "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
        }
        do { return try body(user) } catch let e as APIError { return errorPage(r, c, e) } catch let e as QorganError {
            return errorPage(r, c, APIError(e))
        }
    }

    func pageAsync(_ r: Request, _ c: AppContext, _ body: (Principal) async throws -> Response) async throws -> Response
    {
        guard let user = c.principal else { return HTTP.redirect("/login") }
        do { return try await body(user) } catch let e as APIError { return errorPage(r, c, e) } catch let e
            as QorganError
        { return errorPage(r, c, APIError(e)) }
    }

    func errorPage(_ r: Request, _ c: AppContext, _ e: APIError) -> Response {
        render(
            "error", c, r, title: state.messages.text("error_title", c.language),
            [
                "status": Int(e.status.code), "message": e.message, "problems": e.problems.map(\.description),
                "hasList": !e.problems.isEmpty,
            ], status: e.status)
    }

    func staticFile(_ name: String) throws -> Response {
        let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"]
        let ext = String(name.split(separator: ".").last ?? "")
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }), let type = types[ext],
            let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources/static"),
            let data = try? Data(contentsOf: url)
        else { throw APIError.notFound("no such file") }
        var response = HTTP.data(data, type: type)
        response.headers[.cacheControl] = "public, max-age=3600"
        return response
    }

    /// Cookies are Secure when Qorgan is configured for TLS or a TLS proxy says the request came over HTTPS.
    func secure(_ r: Request) -> Bool {
        state.configuration.secureCookies || r.headers[.xForwardedProto]?.lowercased() == "https"
    }

    /// Units the user may pick: their own, and below them down to `depth` levels.
    func unitChoices(_ user: Principal, _ catalog: Catalog, selected: String?, depth: Int = 1, lang: String) -> [Ctx] {
        var out: [Ctx] = []
        func add(_ u: OrgUnit, _ level: Int) {
            out.append([
                "uid": u.uid, "code": u.code, "name": String(repeating: "\u{2003}", count: level) + u.name(in: lang),
                "selected": u.uid == selected || u.code == selected,
            ])
            if level < depth { for ch in catalog.children(of: u.uid, on: state.today) { add(ch, level + 1) } }
        }
        for uid in user.units { if let u = catalog.unit(uid) { add(u, 0) } }
        return out
    }

    /// The years of the data, for period choices.
    func years() -> [Int] {
        let span = state.dataYears()
        let last = max(span?.upperBound ?? state.today.year, state.today.year)
        let first = min(span?.lowerBound ?? state.today.year, last)
        return Array(first...last)
    }

    func defaultYears() -> ClosedRange<Int> {
        let span = state.dataYears() ?? (state.today.year - 4)...state.today.year
        return max(span.lowerBound, span.upperBound - 4)...span.upperBound
    }

    /// How a measure's unit follows a value: " %", " per 1,000", nothing for a count.
    func measureUnit(_ m: Measure, _ t: [String: String]) -> String {
        switch m {
        case .percent: " %"
        case .perThousand: " " + (t["unit_perThousand"] ?? "per 1,000")
        case .perHundredThousand: " " + (t["unit_perHundredThousand"] ?? "per 100,000")
        case .count, .other: ""
        }
    }
}
