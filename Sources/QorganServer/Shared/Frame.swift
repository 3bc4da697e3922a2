import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// The frame every page shares (layout, errors, static files, the choices pages offer), and
/// what the site answers outside any feature: the root, static files, the service worker, the
/// OpenAPI document, health and metrics. Templates are Mustache files in Resources/templates;
/// every piece of text comes from the message catalogue of the chosen language.
enum FrameFeature: ServerFeature {
    static func register(_ routes: Routes) {
        let router = routes.pages
        let p = routes.p
        let state = routes.state
        router.get("/") { _, _ in HTTP.redirect("/dashboard") }
        router.get("/static/:file") { _, c in try p.staticFile(try c.parameters.require("file")) }
        // The service worker, from the root so that its scope is the whole site.
        router.get("/sw.js") { _, _ in
            var response = try p.staticFile("sw.js")
            response.headers[.cacheControl] = "no-cache"
            response.headers[.serviceWorkerAllowed] = "/"
            return response
        }
        // What the service worker shows for a page it cannot reach, in the reader's language: what
        // works without the connection (the service worker lists the forms kept on this device).
        // Nothing of anyone's session is in it.
        router.get("/offline") { _, c in
            let html =
                state.templates.render(
                    ["t": state.messages.table(c.language), "lang": c.language] as Ctx, withTemplate: "offline") ?? ""
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        router.get("/api/openapi.json") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources")
            else {
                throw APIError.notFound("the OpenAPI document is missing from this build")
            }
            return HTTP.data(try Data(contentsOf: url), type: "application/json; charset=utf-8")
        }
        // Cheap enough to poll: one indexed read of the database, the engine's count from memory.
        router.get("/health") { _, _ -> Response in
            let databaseUp = (try? state.store.setting("metadata_version")) != nil
            let body =
                "{\"status\":\"\(databaseUp ? "ok" : "database unavailable")\",\"values\":\(state.engine.snapshot().valueCount)}"
            return Response(
                status: databaseUp ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        // Metrics tell who uses the system how much: for administrators and the configured scraper only.
        router.get("/metrics") { _, c -> Response in
            if !c.metricsReader {
                let user = try c.requireUser()
                guard user.role == .administrator else {
                    throw APIError.forbidden("only administrators and the metrics scraper read /metrics")
                }
            }
            var buffer: [UInt8] = []
            state.metrics.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
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
        var response = HTTP.html(html, status: status)
        response.headers[.xQorganOffline] = Self.offlineOwner(c)
        return response
    }

    /// Whose session a page belongs to, for the service worker's kept pages (sw.js): a tag derived
    /// from the session (never its secret) and when the session ends, in milliseconds; "none"
    /// without a session.
    static func offlineOwner(_ c: AppContext) -> String {
        guard case .session(let hash, let expires) = c.authentication else { return "none" }
        return "\(Secrets.sha256("offline-owner:" + hash).prefix(16)) \(Int64(expires.timeIntervalSince1970 * 1000))"
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
