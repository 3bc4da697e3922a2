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

    // MARK: Sign-in

    static let loginCookie = "qorgan_login"
    /// No account's name is longer (users are created with at most this many characters).
    static let maxUsernameLength = 64

    func loginPage(
        _ r: Request, _ c: AppContext, error: String?, status: HTTPResponse.Status = .ok, username: String = ""
    ) -> Response {
        // Double-submit token against cross-site sign-in: a cookie and the same value in the form.
        let token = r.cookies[Self.loginCookie]?.value ?? Secrets.randomToken()
        var response = render(
            "login", c, r, title: state.messages.text("login_title", c.language),
            [
                "loginToken": token, "error": error as Any, "next": HTTP.localPath(HTTP.param(r, "next")),
                "username": username,
            ], status: status)
        response.setCookie(
            Cookie(
                name: Self.loginCookie, value: token, path: "/", secure: secure(r),
                httpOnly: true, sameSite: .strict))
        return response
    }

    func login(_ r: Request, _ c: AppContext) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        let t = state.messages
        // A name longer than any account's is refused as it is, never stored whole.
        let username = String(
            (form["username"]?.trimmingCharacters(in: .whitespaces) ?? "").prefix(Self.maxUsernameLength + 1))
        guard let sent = form["_csrf"], let cookie = r.cookies[Self.loginCookie]?.value,
            Secrets.constantTimeEquals(sent, cookie)
        else {
            return loginPage(r, c, error: t.text("login_expired", c.language), status: .forbidden, username: username)
        }
        if let wait = try state.throttle.retryAfter(username: username, address: c.clientAddress) {
            try state.store.recordSecurityEvent(actor: c.clientAddress, action: "SIGN_IN_THROTTLED", subject: username)
            var response = loginPage(
                r, c,
                error: t.text("login_throttled", c.language).replacingOccurrences(
                    of: "{minutes}", with: String((wait + 59) / 60)),
                status: .tooManyRequests, username: username)
            response.headers[.retryAfter] = String(wait)
            return response
        }
        // The password is hashed whether or not the name exists, so that the time of the answer
        // does not tell which names do.
        let account = username.count <= Self.maxUsernameLength ? try state.store.user(named: username) : nil
        let password = String((form["password"] ?? "").prefix(1_024))
        let matches = Secrets.verifyPassword(password, hash: account?.passwordHash ?? Secrets.unknownUserHash)
        guard let user = account, !user.disabled, matches else {
            try state.throttle.failed(username: username, address: c.clientAddress)
            try state.store.recordSecurityEvent(actor: c.clientAddress, action: "SIGN_IN_FAILED", subject: username)
            return loginPage(
                r, c, error: t.text("login_failed", c.language), status: .unauthorized,
                username: String(username.prefix(Self.maxUsernameLength)))
        }
        try state.throttle.succeeded(username: username, address: c.clientAddress)
        let secret = Secrets.randomToken()
        try state.store.createSession(
            tokenHash: Secrets.sha256(secret), userId: user.principal.id, csrf: Secrets.randomToken(),
            expires: Date().addingTimeInterval(state.configuration.sessionLifetime))
        // Only paths of this site: no open redirect.
        var response = HTTP.redirect(HTTP.localPath(form["next"]))
        response.setCookie(
            Cookie(
                name: AuthMiddleware.sessionCookie, value: secret, maxAge: Int(state.configuration.sessionLifetime),
                path: "/", secure: secure(r), httpOnly: true, sameSite: .lax))
        return response
    }

    func logout(_ r: Request, _ c: AppContext) throws -> Response {
        if case .session(let hash) = c.authentication, let u = c.principal {
            try state.store.endSession(tokenHash: hash, username: u.username)
        }
        var response = HTTP.redirect("/login")
        response.setCookie(
            Cookie(
                name: AuthMiddleware.sessionCookie, value: "", maxAge: 0, path: "/",
                secure: secure(r), httpOnly: true, sameSite: .lax))
        return response
    }

    func chooseLanguage(_ r: Request, _ c: AppContext) -> Response {
        let lang =
            HTTP.param(r, "set").flatMap { Messages.languages.contains($0) ? $0 : nil } ?? Messages.defaultLanguage
        var response = HTTP.redirect(HTTP.localPath(HTTP.param(r, "back")))
        response.setCookie(
            Cookie(
                name: AuthMiddleware.languageCookie, value: lang, maxAge: 365 * 86400, path: "/",
                secure: secure(r), httpOnly: true, sameSite: .lax))
        return response
    }

    // MARK: Choices shared by pages

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

    // MARK: Dashboard

    func dashboard(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let (snapshot, generation) = state.engine.versionedSnapshot()
        let catalog = snapshot.catalog
        let lang = c.language
        let t = state.messages.table(lang)
        let unitRef = HTTP.param(r, "ou") ?? user.units.first ?? ""
        guard let unit = catalog.unit(unitRef) else {
            throw APIError.badRequest("ou", unitRef, "no organisation unit with this code or uid")
        }
        guard user.canSee(unit.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(unitRef) }
        let range = defaultYears()
        let from = try HTTP.year(r, "from") ?? range.lowerBound
        let to = try HTTP.year(r, "to") ?? range.upperBound
        guard from <= to, to - from < 30 else {
            throw APIError.badRequest(
                "from", String(from), "the first year must not be after the last (at most 30 years)")
        }
        let labels = (from...to).map(String.init)
        // The cards depend on the unit, the years, the language and the engine's state only.
        let cacheKey = "\(unit.uid)|\(from)|\(to)|\(lang)"
        let cardsHTML: String
        if let hit = state.dashboards.get(cacheKey, generation: generation) {
            cardsHTML = String(decoding: hit.body, as: UTF8.self)
        } else {
            let cards = try dashboardCards(
                unit: unit, labels: labels, from: from, to: to, user: user, snapshot: snapshot, lang: lang, t: t)
            cardsHTML =
                state.templates.render(Self.dropNils(["cards": cards, "t": t] as Ctx), withTemplate: "dashboard-cards")
                ?? ""
            state.dashboards.put(
                cacheKey, generation: generation,
                .init(body: Data(cardsHTML.utf8), contentType: "text/html", filename: nil))
        }
        return render(
            "dashboard", c, r, title: t["nav_dashboard"] ?? "Dashboard", active: "dashboard",
            [
                "unitName": unit.name(in: lang), "units": unitChoices(user, catalog, selected: unit.uid, lang: lang),
                "years": years().map { ["year": $0, "from": $0 == from, "to": $0 == to] as Ctx },
                "from": from, "to": to, "cardsHTML": cardsHTML, "empty": catalog.reportFigures.isEmpty,
            ])
    }

    /// One card per key indicator (those of the report's figures): latest value, change, target, chart.
    func dashboardCards(
        unit: OrgUnit, labels: [String], from: Int, to: Int, user: Principal, snapshot: EngineState,
        lang: String, t: [String: String]
    ) throws -> [Ctx] {
        let catalog = snapshot.catalog
        var seen = Set<String>()
        let indicators = catalog.reportFigures.compactMap { catalog.indicator($0.indicator) }.filter {
            seen.insert($0.uid).inserted
        }
        // The programme's targets are the results framework's (the report's): the one for the last
        // year shown, else its last; an indicator outside the framework keeps its own.
        var framed: [String: ResultsFramework.FrameworkIndicator] = [:]
        for (_, fi) in try state.store.resultsFramework()?.indicators ?? [] {
            if let uid = catalog.indicator(fi.indicator)?.uid, framed[uid] == nil { framed[uid] = fi }
        }
        func target(_ ind: Indicator) -> (value: Double, higherIsBetter: Bool)? {
            guard let fi = framed[ind.uid], !fi.targets.isEmpty else { return ind.target.map { ($0, true) } }
            let upTo = fi.targets.filter { (Int($0.period.prefix(4)) ?? Int.max) <= to }
            return ((upTo.last ?? fi.targets.last)?.value ?? 0, fi.higherIsBetter ?? true)
        }
        var cards: [Ctx] = []
        if !indicators.isEmpty {
            var spec = QuerySpec(dx: indicators.map(\.uid), pe: labels, ou: [unit.uid])
            spec.filters = []
            let result = try Analytics.run(spec, user: user, snapshot: snapshot, today: state.today, language: lang)
            var values: [String: [String: Double]] = [:]
            for row in result.rows { values[row.dx, default: [:]][row.pe] = row.value }
            for ind in indicators {
                let series = labels.map { values[ind.uid]?[$0] }
                let lastIndex = series.lastIndex { $0 != nil }
                let latest = lastIndex.flatMap { series[$0] }
                let previous = lastIndex.flatMap { i in series[..<i].last { $0 != nil } ?? nil }
                // Values with their unit: "20.7 %", a change in percentage points.
                let measure = catalog.measure(of: ind)
                let unitText = measureUnit(measure, t)
                var card: Ctx = [
                    "code": ind.code, "name": ind.name(in: lang), "uid": ind.uid,
                    "latest": latest.map { Chart.format($0, ind.decimals) } ?? "–",
                    "unit": (latest == nil ? nil : unitText.nilIfEmpty) as Any,
                    "latestYear": lastIndex.map { labels[$0] } ?? "",
                    "pivotHref": "/pivot?dx=\(ind.uid)&from=\(from)&to=\(to)&ou=\(unit.uid)&children=1",
                ]
                // A headline from an earlier year says that the later years shown have no data.
                if let i = lastIndex, i < labels.count - 1 {
                    let after = labels[i + 1] == labels[labels.count - 1] ? labels[i + 1] : "\(labels[i + 1])–\(to)"
                    card["stale"] = fill(t["dashboard_noDataFor"] ?? "", ["years": after])
                } else if lastIndex == nil {
                    card["stale"] = fill(
                        t["dashboard_noDataFor"] ?? "", ["years": from == to ? "\(from)" : "\(from)–\(to)"])
                }
                if let latest, let previous {
                    let d = latest - previous
                    card["change"] =
                        (d > 0 ? "+" : d < 0 ? "−" : "±") + Chart.format(abs(d), ind.decimals)
                        + (measure == .percent ? " " + (t["unit_points"] ?? "pp") : unitText)
                    card["trend"] = d > 0 ? "up" : d < 0 ? "down" : "flat"
                }
                let goal = target(ind)
                if let goal {
                    card["target"] = Chart.format(goal.value, ind.decimals) + unitText
                    if let latest {
                        card["targetMet"] = goal.higherIsBetter ? latest >= goal.value : latest <= goal.value
                    }
                }
                // Counts as bars (a missing year reads as none), rates and percentages as a line.
                let isCount = measure == .count
                card["chart"] = Chart.svg(
                    isCount ? .bar : .line, title: ind.name(in: lang), labels: labels,
                    series: [Chart.Series(name: unit.name(in: lang), values: series)],
                    target: goal?.value, targetLabel: t["dashboard_target"] ?? "target", decimals: ind.decimals,
                    width: 460, height: 200, showTitle: false)
                cards.append(card)
            }
        }
        return cards
    }

    /// A blank paper form for a unit and period: every element and breakdown with a box to write in.
    func blankForm(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let (form, period, unit) = try api.sheetKey(
            HTTP.param(r, "ds"), HTTP.param(r, "pe"), HTTP.param(r, "ou"), c, catalog)
        let rows = FormSheet.cells(of: form, catalog).map { e, coc -> Ctx in
            [
                "name": e.name(in: lang), "code": "\(e.code).\(coc.code)",
                "breakdown": coc.code == "default" ? "" : catalog.name(of: coc, in: lang),
            ]
        }
        return render(
            "entry-blank", c, r, title: (t["blank_title"] ?? "Paper form") + " — " + form.name(in: lang),
            active: "entry",
            [
                "formName": form.name(in: lang), "unitName": unit.name(in: lang), "unitCode": unit.code,
                "periodName": state.messages.periodName(period, lang), "pe": period.iso, "rows": rows,
            ])
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

    // MARK: Data entry

    func entry(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let today = state.today
        let forms = catalog.dataSets.filter { ds in
            ds.organisationUnits.contains { user.canSee($0, in: catalog, on: today) }
        }
        let dsRef = HTTP.param(r, "ds")
        let form = dsRef.flatMap { catalog.dataSet($0) }
        if let dsRef, form == nil { throw APIError.badRequest("ds", dsRef, "no data set with this code or uid") }
        var ctx: Ctx = [
            "forms": forms.map { ["uid": $0.uid, "name": $0.name(in: lang), "selected": $0.uid == form?.uid] as Ctx }
        ]
        guard let form else {
            return render("entry", c, r, title: t["nav_entry"] ?? "Data entry", active: "entry", ctx)
        }
        let units = form.organisationUnits.compactMap { catalog.unit($0) }
            .filter { user.canSee($0.uid, in: catalog, on: today) }.sorted { $0.name(in: lang) < $1.name(in: lang) }
        let unitRef = HTTP.param(r, "ou").flatMap { $0.isEmpty ? nil : $0 }
        var unit = unitRef.flatMap { catalog.unit($0) }
        if let unitRef, unit == nil {
            throw APIError.badRequest("ou", unitRef, "no organisation unit with this code or uid")
        }
        if let unit, !user.canSee(unit.uid, in: catalog, on: today) { throw APIError.outOfScope(unitRef ?? "") }
        // A user who enters data for one unit of this form need not choose it.
        if unit == nil, units.count == 1 { unit = units.first }
        var notices: [String] = []
        var otherForms: [Ctx] = []
        if let chosen = unit, !form.organisationUnits.contains(chosen.uid) {
            // The form was changed on an open grid: the forms this unit does report on.
            notices.append(
                fill(
                    t["entry_notReporting"] ?? "", ["unit": chosen.name(in: lang), "form": form.name(in: lang)]))
            otherForms = forms.filter { $0.organisationUnits.contains(chosen.uid) }.map {
                ["name": $0.name(in: lang), "href": "/entry?ds=\($0.uid)&ou=\(chosen.uid)"] as Ctx
            }
            unit = nil
        }
        let peRef = HTTP.param(r, "pe").flatMap { $0.isEmpty ? nil : $0 }
        var period = peRef.flatMap { Period.parse($0) }
        if let peRef, period == nil {
            throw APIError.badRequest("pe", peRef, "not a period (201712, 2017Q4, 2017)")
        }
        if let chosen = period, chosen.type != form.periodType {
            // The form was changed on an open grid, from a monthly form to a quarterly one, say.
            notices.append(
                fill(
                    t["entry_otherPeriodType"] ?? "",
                    ["form": form.name(in: lang), "type": t["periodType_" + form.periodType.rawValue] ?? ""]))
            period = nil
        }
        // Data is entered for periods that have begun, never for future ones.
        var problems: [Ctx] = []
        if let chosen = period, chosen.start > today {
            problems.append(
                [
                    "field": "entry-pe",
                    "text": fill(t["entry_future"] ?? "", ["period": state.messages.periodName(chosen, lang)]),
                ])
            period = nil
        }
        let yearList = years().filter { $0 <= today.year }
        let year = try HTTP.year(r, "year") ?? period?.start.year ?? today.year
        guard Period.year(year) != nil, year <= today.year else {
            throw APIError.badRequest("year", String(year), "a year from 1900 to \(today.year)")
        }
        if let chosen = period, chosen.start.year != year { period = nil }
        // Open pressed without a unit or a period: say what is missing, beside its field.
        if HTTP.param(r, "open") != nil {
            if unit == nil { problems.append(["field": "entry-ou", "text": t["entry_chooseUnit"] ?? ""]) }
            if period == nil, problems.isEmpty || unit == nil {
                problems.append(["field": "entry-pe", "text": t["entry_choosePeriod"] ?? ""])
            }
        }
        func periods(in y: Int) -> [Period] {
            Period.year(y).map { Period.periods(of: form.periodType, within: $0.span).filter { $0.start <= today } }
                ?? []
        }
        let named = { (p: Period) -> Ctx in
            ["iso": p.iso, "name": state.messages.periodName(p, lang), "selected": p == period]
        }
        ctx["ds"] = form.uid
        ctx["formName"] = form.name(in: lang)
        ctx["units"] = units.map { ["uid": $0.uid, "name": $0.name(in: lang), "selected": $0.uid == unit?.uid] as Ctx }
        ctx["years"] = yearList.map { ["year": $0, "selected": $0 == year] as Ctx }
        ctx["periods"] = periods(in: year).map(named)
        // Every year's periods, for the page's script to offer a year's periods as soon as it is chosen.
        var byYear: [String: [[String]]] = [:]
        for y in yearList { byYear[String(y)] = periods(in: y).map { [$0.iso, state.messages.periodName($0, lang)] } }
        ctx["periodsByYear"] = String(decoding: (try? JSONEncoder().encode(byYear)) ?? Data(), as: UTF8.self)
        ctx["notices"] = notices
        ctx["problems"] = problems
        ctx["hasProblems"] = !problems.isEmpty
        ctx["otherForms"] = otherForms
        ctx["hasOtherForms"] = !otherForms.isEmpty
        guard let unit, let period else {
            return render("entry", c, r, title: t["nav_entry"] ?? "Data entry", active: "entry", ctx)
        }
        let current = try state.store.values(unit: unit.uid, period: period, elements: form.dataElements)
        let previous = try state.store.values(unit: unit.uid, period: period.previous, elements: form.dataElements)
        func index(_ vs: [DataValue]) -> [String: DataValue] {
            Dictionary(vs.map { ("\($0.key.element)|\($0.key.optionCombo)", $0) }, uniquingKeysWith: { a, _ in a })
        }
        let now = index(current)
        let before = index(previous)
        let approval = try state.store.approval(dataSet: form.uid, period: period.iso, unit: unit.uid)
        let locked = form.isExpired(period, today: today) && !user.role.canOverrideExpiry
        let readOnly = locked || approval != nil || !user.role.canWriteValues
        // A completed form is read-only until it is marked incomplete again.
        let done = try state.store.completion(dataSet: form.uid, period: period.iso, unit: unit.uid)
        // One table per disaggregation, in the order the form lists its elements.
        var sectionColumns: [[Ctx]] = []
        var sectionRows: [[Ctx]] = []
        var sectionIndex: [String: Int] = [:]
        for ref in form.dataElements {
            guard let e = catalog.element(ref) else { continue }
            let combos = catalog.optionCombos(of: e)
            let index: Int
            if let known = sectionIndex[e.categoryCombo] {
                index = known
            } else {
                index = sectionColumns.count
                sectionIndex[e.categoryCombo] = index
                sectionColumns.append(
                    combos.map {
                        ["name": $0.code == "default" ? (t["entry_value"] ?? "Value") : catalog.name(of: $0, in: lang)]
                            as Ctx
                    })
                sectionRows.append([])
            }
            let cells = combos.map { coc -> Ctx in
                let k = "\(e.uid)|\(coc.uid)"
                let history = "/history?de=\(e.uid)&pe=\(period.iso)&ou=\(unit.uid)&co=\(coc.uid)"
                return [
                    "de": e.uid, "co": coc.uid, "value": now[k]?.value ?? "", "previous": before[k]?.value as Any,
                    "label": "\(e.name(in: lang)) \(coc.code == "default" ? "" : catalog.name(of: coc, in: lang))",
                    "type": e.valueType.rawValue,
                    "history": history, "readOnly": readOnly || done != nil,
                    "comment": now[k]?.comment ?? "", "followUp": now[k]?.followUp ?? false,
                    "hasComment": !(now[k]?.comment ?? "").isEmpty,
                ]
            }
            sectionRows[index].append([
                "name": e.name(in: lang), "code": e.code, "cells": cells,
                "type": t["valueType_" + e.valueType.rawValue] ?? e.valueType.rawValue,
            ])
        }
        let sections: [Ctx] = zip(sectionColumns, sectionRows).map { ["columns": $0, "rows": $1] }
        ctx["selected"] = true
        ctx["ou"] = unit.uid
        ctx["unitName"] = unit.name(in: lang)
        ctx["pe"] = period.iso
        ctx["periodName"] = state.messages.periodName(period, lang)
        ctx["previousPeriod"] = state.messages.periodName(period.previous, lang)
        ctx["sections"] = sections
        ctx["locked"] = locked
        ctx["readOnly"] = readOnly
        ctx["completed"] = done != nil
        ctx["completedBy"] = done?.completedBy ?? ""
        ctx["completedAt"] = done.map { state.time($0.completedAt) } ?? ""
        ctx["completionComment"] = done?.comment
        let violations = try state.formViolations(form, period, unit)
        ctx["approval"] = try approvalContext(form, period, unit, user, catalog, approval, violations, r, lang)
        ctx["hasRules"] = !catalog.validationRules(of: form).isEmpty
        ctx["violations"] = violations.map { state.violationContext($0, catalog, lang) }
        return render("entry", c, r, title: t["nav_entry"] ?? "Data entry", active: "entry", ctx)
    }

    // MARK: Validation

    /// The data quality pages' unit (the user's first when none is asked; within their units) and
    /// period or range (the last year with data when none is asked).
    func unitAndPeriods(_ r: Request, _ user: Principal, _ catalog: Catalog) throws -> (
        OrgUnit, String, PeriodSelection
    ) {
        let unitRef = HTTP.param(r, "ou") ?? user.units.first ?? ""
        guard let unit = catalog.unit(unitRef) else {
            throw APIError.badRequest("ou", unitRef, "no organisation unit with this code or uid")
        }
        guard user.canSee(unit.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(unitRef) }
        let pe = HTTP.param(r, "pe") ?? String(years().last ?? state.today.year)
        guard let selection = try? PeriodSelection(pe) else {
            throw APIError.badRequest("pe", pe, "not a period or range (2017, 2016..2017, 2017Q1)")
        }
        return (unit, pe, selection)
    }

    /// The rules broken in the user's units for a period or range, each linked to its form.
    func validation(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let engine = state.engine.snapshot()
        let catalog = engine.catalog
        let lang = c.language
        let t = state.messages.table(lang)
        let (unit, pe, selection) = try unitAndPeriods(r, user, catalog)
        let importance = try HTTP.importance(r)
        let outcome: ValidationOutcome
        do {
            outcome = try engine.validate(
                ValidationScope(
                    units: [unit.uid], span: selection.span, maxChecks: state.configuration.queryLimits.maxCells))
        } catch QorganError.invalidRequest(_, let problems) {
            throw APIError.badRequest("pe", pe, problems.map(\.reason).joined(separator: "; "))
        }
        let shown = outcome.violations.filter { importance == nil || $0.importance == importance }
        let rows: [Ctx] = shown.map { v in
            var row = state.violationContext(v, catalog, lang)
            // The form where the unit enters the rule's data, if it enters any.
            if let form = catalog.form(of: v) { row["link"] = "/entry?ds=\(form.uid)&ou=\(v.unit)&pe=\(v.period)" }
            return row
        }
        return render(
            "validation", c, r, title: t["validation_title"] ?? "Validation rules", active: "validation",
            [
                "active_validationRules": true,
                "units": unitChoices(user, catalog, selected: unit.uid, lang: lang), "pe": pe,
                "importances": ValidationRule.Importance.allCases.map { i -> Ctx in
                    [
                        "value": i.rawValue, "name": t["validation_importance_" + i.rawValue] ?? i.rawValue,
                        "selected": i == importance,
                    ]
                },
                "violations": rows, "count": shown.count, "checked": outcome.checked, "empty": shown.isEmpty,
            ])
    }

    // MARK: Approval

    /// The entry page's approval box: where the sign-off stands, the last return's reason, and
    /// the steps the user may take (each a small form posting to /entry/approval).
    func approvalContext(
        _ form: DataSet, _ period: Period, _ unit: OrgUnit, _ user: Principal, _ catalog: Catalog,
        _ current: ApprovalRecord?, _ violations: [ValidationViolation], _ r: Request, _ lang: String
    ) throws -> Ctx? {
        guard catalog.isEntered(form) else { return nil }
        let t = state.messages.table(lang)
        let a = try api.approvalContext(form, period, unit, user, catalog, violations: violations)
        let history = try state.store.approvalHistory(dataSet: form.uid, period: period.iso, unit: unit.uid)
        let levelName = { (level: Int) -> String in
            catalog.organisationUnitLevels.first { $0.level == level }?.name(in: lang) ?? String(level)
        }
        var ctx: Ctx = ["approved": current != nil]
        if let current {
            ctx["status"] =
                (current.level == 1
                    ? t["approval_national"] ?? "Approved to the national level"
                    : (t["approval_atLevel"] ?? "Approved at level") + " " + levelName(current.level))
                + " — \(current.by), \(state.time(current.at))"
        } else {
            ctx["status"] = t["approval_none"] ?? "Not approved"
        }
        if let last = history.last, last.action == .return {
            ctx["returned"] =
                (t["approval_returnedBy"] ?? "Returned by")
                + " \(last.by) (\(state.time(last.at))): \(last.reason ?? "")"
        }
        var actions: [Ctx] = []
        for action in ApprovalAction.allCases {
            guard case .success = api.decide(action, a, user.role, current: current, reason: "?") else {
                continue
            }
            actions.append([
                "action": action.rawValue.lowercased(),
                "label": t["approval_" + action.rawValue.lowercased()] ?? action.rawValue,
                "needsReason": action == .return,
            ])
        }
        ctx["actions"] = actions
        if let code = HTTP.param(r, "approvalError") {
            ctx["error"] = t["approval_error_" + code] ?? code
        }
        return ctx
    }

    /// POST /entry/approval: one approval step from the entry page, then back to it.
    func approvalStep(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        let ds = form["ds"] ?? ""
        let ou = form["ou"] ?? ""
        let pe = form["pe"] ?? ""
        let allowed = CharacterSet.alphanumerics
        func q(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        let back = "/entry?ds=\(q(ds))&ou=\(q(ou))&pe=\(q(pe))"
        do {
            _ = try api.postApproval(
                ApprovalBody(
                    dataSet: ds, period: pe, orgUnit: ou, action: form["action"] ?? "", reason: form["reason"]), c)
            return HTTP.redirect(back)
        } catch let e as APIError where e.status != .badRequest || e.code == "reason_required" {
            return HTTP.redirect(back + "&approvalError=\(q(e.code))")
        }
    }

    // MARK: Notifications

    /// What needs the user's attention, by kind, each linked to where it is dealt with.
    func notifications(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let list = try api.notices(user, catalog, lang)
        let groups: [Ctx] = Notice.Kind.allCases.compactMap { kind in
            let items = list.filter { $0.kind == kind }
            guard !items.isEmpty else { return nil }
            return [
                "kind": kind.rawValue, "title": t["notifications_kind_" + kind.rawValue] ?? kind.rawValue,
                "count": items.count, "items": items.map { ["text": $0.text, "link": $0.link] as Ctx },
            ]
        }
        return render(
            "notifications", c, r, title: t["notifications_title"] ?? "Notifications", active: "notifications",
            ["groups": groups, "empty": groups.isEmpty, "count": list.count])
    }

    // MARK: Outliers

    /// The largest outliers in a unit's subtree for a period or range, each with its series'
    /// median and mean, a follow-up mark to set or clear, and a link to its history.
    func outliers(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let unit = HTTP.param(r, "ou") ?? user.units.first ?? ""
        let pe = HTTP.param(r, "pe") ?? String(years().last ?? state.today.year)
        // The page's defaults (the user's first unit, the last year, 200 rows), read as the API reads.
        let defaults = ["ou": [unit], "pe": [pe], "maxResults": ["200"]]
        let q = try api.outlierRequest(
            { name in defaults[name] ?? HTTP.params(r, name) }, c, catalog)
        let found = try api.detectOutliers(q, catalog)
        func fmt(_ d: Double?) -> String { d.map { formatNumber(($0 * 100).rounded() / 100) } ?? "–" }
        let rows: [Ctx] = found.map { o in
            let coc = catalog.optionCombo(uid: o.key.optionCombo)
            let element = catalog.element(o.key.element)
            return [
                "element": (element?.name(in: lang) ?? o.key.element)
                    + (coc.map { $0.code == "default" ? "" : " — " + catalog.name(of: $0, in: lang) } ?? ""),
                "unit": catalog.unit(o.key.unit)?.name(in: lang) ?? o.key.unit, "period": o.key.period.iso,
                "value": fmt(o.value), "median": fmt(o.statistics?.median), "mean": fmt(o.statistics?.mean),
                "score": o.score.map { String(format: "%.1f", $0) } ?? "–",
                "bounds": o.bounds.map { "\(fmt($0.min))–\(fmt($0.max))" } ?? "–", "followUp": o.followUp,
                "de": o.key.element, "co": o.key.optionCombo, "ou": o.key.unit,
                "history":
                    "/history?de=\(o.key.element)&pe=\(o.key.period.iso)&ou=\(o.key.unit)&co=\(o.key.optionCombo)",
            ]
        }
        return render(
            "outliers", c, r, title: t["outliers_title"] ?? "Outliers", active: "validation",
            [
                "active_outliersPage": true, "units": unitChoices(user, catalog, selected: unit, lang: lang), "pe": pe,
                "algorithms": OutlierAlgorithm.allCases.map { a -> Ctx in
                    [
                        "value": a.rawValue, "name": t["outliers_" + a.rawValue] ?? a.rawValue,
                        "selected": a == q.algorithm,
                    ]
                },
                "threshold": formatNumber(q.threshold), "rows": rows, "count": rows.count, "empty": rows.isEmpty,
                "back": "/outliers?" + (r.uri.query ?? ""),
            ])
    }

    /// POST /outliers/followup: set or clear a value's follow-up mark, then back to the list.
    func followUp(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        _ = try api.setFollowUp(
            FollowUpBody(
                dataElement: form["de"] ?? "", period: form["pe"] ?? "", orgUnit: form["ou"] ?? "",
                categoryOptionCombo: form["co"], followup: form["followup"] == "true"), c)
        let back = form["back"] ?? "/outliers"
        return HTTP.redirect(back.hasPrefix("/outliers") ? back : "/outliers")
    }

    // MARK: Completeness

    /// A form's completeness and timeliness for a unit's subtree and a period or range: by the
    /// units below it, by period (table and chart), and the reports that never arrived.
    func completeness(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let today = state.today
        let forms = catalog.dataSets.filter { ds in
            catalog.isEntered(ds) && ds.organisationUnits.contains { user.canSee($0, in: catalog, on: today) }
        }
        let dsRef = HTTP.param(r, "ds") ?? forms.first?.uid ?? ""
        guard let form = catalog.dataSet(dsRef) else {
            throw APIError.badRequest("ds", dsRef, "no data set with this code or uid")
        }
        let (unit, pe, selection) = try unitAndPeriods(r, user, catalog)
        let result: Completeness
        do {
            result = try state.store.completeness(
                of: form, roots: [unit.uid], span: selection.span, catalog: catalog,
                maxCells: state.configuration.queryLimits.maxCells)
        } catch QorganError.invalidRequest(_, let problems) {
            throw APIError.badRequest("pe", pe, problems.map(\.reason).joined(separator: "; "))
        }
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f %%", $0) } ?? "–" }
        func counts(_ name: String, _ k: Completeness.Counts) -> Ctx {
            [
                "name": name, "expected": k.expected, "reported": k.reported, "complete": k.complete,
                "onTime": k.onTime, "rate": pct(k.reportingRate), "onTimeRate": pct(k.onTimeRate),
                "short": k.complete < k.expected,
            ]
        }
        // Rows by unit: the children of the chosen unit (their subtrees summed), or the unit itself.
        let children = catalog.children(of: unit.uid, on: selection.span.end)
        let groups: [OrgUnit] = children.isEmpty ? [unit] : children
        var unitRows: [Ctx] = []
        for g in groups {
            var k = Completeness.Counts()
            var any = false
            for cell in result.cells where catalog.isInSubtree(cell.unit, of: g.uid, on: cell.period.start) {
                any = true
                k.expected += 1
                if cell.reported { k.reported += 1 }
                if cell.complete { k.complete += 1 }
                if cell.onTime { k.onTime += 1 }
            }
            if any { unitRows.append(counts(g.name(in: lang), k)) }
        }
        let byPeriod = result.byPeriod
        let periodRows = result.periods.map {
            counts(state.messages.periodName($0, lang), byPeriod[$0] ?? Completeness.Counts())
        }
        let chart =
            result.periods.count > 1
            ? Chart.svg(
                .line, title: (t["completeness_chartTitle"] ?? "Reporting rate") + " — " + form.name(in: lang),
                labels: result.periods.map(\.iso),
                series: [
                    Chart.Series(
                        name: t["completeness_rate"] ?? "complete",
                        values: result.periods.map { byPeriod[$0]?.reportingRate }),
                    Chart.Series(
                        name: t["completeness_onTimeRate"] ?? "on time",
                        values: result.periods.map { byPeriod[$0]?.onTimeRate }),
                ], decimals: 1, width: 760, height: 260) : nil
        let missing = result.missing
        return render(
            "completeness", c, r, title: t["completeness_title"] ?? "Completeness", active: "validation",
            [
                "active_completenessPage": true,
                "forms": forms.map {
                    ["uid": $0.uid, "name": $0.name(in: lang), "selected": $0.uid == form.uid] as Ctx
                },
                "units": unitChoices(user, catalog, selected: unit.uid, lang: lang), "pe": pe,
                "formName": form.name(in: lang), "unitName": unit.name(in: lang), "timelyDays": form.timelyDays,
                "total": counts(unit.name(in: lang), result.total), "unitRows": unitRows, "periodRows": periodRows,
                "chart": chart as Any,
                "missing": missing.prefix(200).map { m -> Ctx in
                    [
                        "unit": catalog.unit(m.unit)?.name(in: lang) ?? m.unit,
                        "period": state.messages.periodName(m.period, lang),
                        "link": "/entry?ds=\(form.uid)&ou=\(m.unit)&pe=\(m.period.iso)",
                    ]
                },
                "missingCount": missing.count, "allReported": missing.isEmpty,
            ])
    }

    // MARK: Pivot

    func pivot(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let snapshot = state.engine.snapshot()
        let catalog = snapshot.catalog
        let lang = c.language
        let t = state.messages.table(lang)
        let range = defaultYears()
        let dx = HTTP.params(r, "dx")
        let from = try HTTP.year(r, "from") ?? range.lowerBound
        let to = try HTTP.year(r, "to") ?? range.upperBound
        let periodType = HTTP.param(r, "periodType") ?? "Yearly"
        let ou = HTTP.param(r, "ou") ?? user.units.first ?? ""
        let children = try HTTP.flag(r, "children")
        let showEmpty = try HTTP.flag(r, "empty")
        let rows = HTTP.param(r, "rows") ?? "ou"
        let columns = HTTP.param(r, "columns") ?? "pe"
        let chartKind = Chart.Kind(rawValue: HTTP.param(r, "chart") ?? "bar") ?? .bar
        guard let rowDim = AnalyticsDimension(rawValue: rows), let colDim = AnalyticsDimension(rawValue: columns),
            rowDim != colDim
        else {
            throw APIError.badRequest("rows", rows, "rows and columns are two different dimensions of dx, pe, ou")
        }
        guard from <= to, to - from < 50 else {
            throw APIError.badRequest("from", String(from), "the first year must not be after the last")
        }
        var ctx: Ctx = [
            "indicators": catalog.indicators.map {
                ["uid": $0.uid, "name": $0.name(in: lang), "selected": dx.contains($0.uid) || dx.contains($0.code)]
                    as Ctx
            },
            "elements": catalog.dataElements.filter { $0.valueType.isNumeric }.map {
                ["uid": $0.uid, "name": $0.name(in: lang), "selected": dx.contains($0.uid) || dx.contains($0.code)]
                    as Ctx
            },
            "units": unitChoices(user, catalog, selected: ou, lang: lang),
            "years": years().map { ["year": $0, "from": $0 == from, "to": $0 == to] as Ctx },
            "periodTypes": ["Yearly", "Quarterly", "Monthly"].map {
                ["name": $0, "label": t["periodType_" + $0] ?? $0, "selected": $0 == periodType] as Ctx
            },
            "dims": ["dx", "pe", "ou"].map {
                ["name": $0, "label": t["dim_" + $0] ?? $0, "rows": $0 == rows, "columns": $0 == columns] as Ctx
            },
            "charts": ["bar", "line", "stacked"].map {
                ["name": $0, "label": t["chart_" + $0] ?? $0, "selected": $0 == chartKind.rawValue] as Ctx
            },
            "children": children, "showEmpty": showEmpty,
        ]
        guard !dx.isEmpty else {
            return render("pivot", c, r, title: t["nav_pivot"] ?? "Pivot", active: "pivot", ctx)
        }
        guard let pt = PeriodType(name: periodType) else {
            throw APIError.badRequest("periodType", periodType, "not a period type")
        }
        var spec = QuerySpec(dx: dx, pe: ["\(from)..\(to)"], ou: [children ? "CHILDREN:\(ou)" : ou])
        spec.periodType = pt
        // The dimension on neither axis is a filter when it has a single item.
        let third = Set<AnalyticsDimension>([.dx, .pe, .ou]).subtracting([rowDim, colDim]).first ?? .ou
        let result = try Analytics.run(spec, user: user, snapshot: snapshot, today: state.today, language: lang)
        let rowDims = [third, rowDim].filter { $0 != third || result.axes.contains(third) }
        let table = result.pivot(rows: rowDims, columns: [colDim], showEmpty: showEmpty)
        let header = table.header.map { h in t["dim_" + h] ?? h }
        switch HTTP.param(r, "format") {
        case "csv":
            let csv =
                ([header] + table.rows).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
            // A byte-order mark first: Excel then reads the file as UTF-8, and Cyrillic names stay readable.
            return HTTP.data(
                Data(("\u{FEFF}" + csv).utf8), type: "text/csv; charset=utf-8", filename: "qorgan-pivot.csv")
        case "xlsx":
            let labelColumns = rowDims.count
            let cells = table.rows.map { row in
                row.enumerated().map { i, s -> XLSX.Cell in
                    i >= labelColumns
                        ? (Double(s).map { XLSX.Cell.number($0) } ?? (s.isEmpty ? .empty : .text(s))) : .text(s)
                }
            }
            return HTTP.data(
                XLSX.workbook(sheets: [XLSX.Sheet(name: t["nav_pivot"] ?? "Pivot", header: header, rows: cells)]),
                type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename: "qorgan-pivot.xlsx"
            )
        case nil, "html": break
        case let f?: throw APIError.badRequest("format", f, "html, csv or xlsx")
        }
        // The chart: the column dimension along the x axis, one series per row.
        let labelCount = rowDims.count
        let xLabels = Array(table.header.dropFirst(labelCount))
        let series = table.rows.map { row in
            Chart.Series(
                name: row.prefix(labelCount).joined(separator: " · "),
                values: row.dropFirst(labelCount).map { Double($0) })
        }
        let decimals = result.decimals.values.max() ?? 0
        let title = dx.compactMap { ref in
            catalog.indicator(ref)?.name(in: lang) ?? catalog.element(ref)?.name(in: lang)
        }.joined(separator: ", ")
        // Counts add up; percentages, rates and averages do not: no totals and no stacking for them.
        let additive = result.items(.dx).allSatisfy { catalog.measure(ofItem: $0).isAdditive }
        // Never a sum across different data items: one count of acts and another of people.
        let mixed = result.items(.dx).count > 1
        let rowTotals = additive && !(colDim == .dx && mixed) && !table.rows.isEmpty
        let columnTotals = additive && !(rowDims.contains(.dx) && mixed) && table.rows.count > 1
        func total(_ cells: [String]) -> String {
            let values = cells.compactMap { Double($0) }
            return values.isEmpty ? "" : Chart.format(values.reduce(0, +), decimals)
        }
        var notices: [String] = []
        if !additive { notices.append(t["pivot_noTotals"] ?? "") }
        var kind = chartKind
        if chartKind == .stacked && !additive {
            kind = .bar
            notices.append(t["pivot_notStacked"] ?? "")
        }
        // Rows and columns without data are left out unless asked for, and the page says how many.
        let full = rowDims.reduce(1) { $0 * result.items($1).count }
        let hiddenRows = showEmpty ? 0 : max(0, full - table.rows.count)
        let hiddenColumns = showEmpty ? 0 : max(0, result.items(colDim).count - xLabels.count)
        ctx["result"] = true
        ctx["header"] = Array(header.prefix(labelCount))
        ctx["columns"] = Array(header.dropFirst(labelCount))
        ctx["rowTotals"] = rowTotals
        ctx["rowsData"] = table.rows.map { row in
            let cells = Array(row.dropFirst(labelCount))
            return [
                "labels": Array(row.prefix(labelCount)), "cells": cells,
                "total": rowTotals ? total(cells) : "",
            ] as Ctx
        }
        if columnTotals {
            let width = table.header.count - labelCount
            let sums = (0..<width).map { i in total(table.rows.map { $0[labelCount + i] }) }
            ctx["totals"] =
                [
                    "padding": Array(repeating: "", count: max(0, labelCount - 1)), "cells": sums,
                    "total": rowTotals ? total(table.rows.flatMap { $0.dropFirst(labelCount) }) : "",
                ] as Ctx
        }
        ctx["notices"] = notices
        ctx["hidden"] =
            hiddenRows + hiddenColumns > 0
            ? fill(t["pivot_hidden"] ?? "", ["rows": String(hiddenRows), "columns": String(hiddenColumns)]) : nil
        ctx["emptyHref"] = "/pivot?" + (r.uri.query ?? "") + "&empty=1"
        ctx["empty"] = table.rows.isEmpty
        // The chart draws at most 24 lines or bar groups, and says so; the table has every row.
        ctx["chartCut"] =
            series.count > Self.chartSeries
            ? fill(t["pivot_chartCut"] ?? "", ["shown": String(Self.chartSeries), "total": String(series.count)])
            : nil
        ctx["chart"] =
            table.rows.isEmpty
            ? ""
            : Chart.svg(
                kind, title: title, labels: xLabels, series: Array(series.prefix(Self.chartSeries)), decimals: decimals,
                width: 900, height: 360)
        let query = r.uri.query ?? ""
        ctx["csvHref"] = "/pivot?" + query + "&format=csv"
        ctx["xlsxHref"] = "/pivot?" + query + "&format=xlsx"
        return render("pivot", c, r, title: t["nav_pivot"] ?? "Pivot", active: "pivot", ctx)
    }

    // MARK: Metadata and history

    /// The most lines (or bar groups) a pivot's chart draws.
    static let chartSeries = 24

    func metadata(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let today = state.today
        var units: [Ctx] = []
        func add(_ u: OrgUnit, _ depth: Int) {
            units.append([
                "code": u.code, "name": u.name(in: lang), "level": depth + 1,
                "opening": u.openingDate.description, "closing": u.closingDate?.description ?? "",
            ])
            for ch in catalog.children(of: u.uid, on: today) { add(ch, depth + 1) }
        }
        for uid in user.units { if let u = catalog.unit(uid) { add(u, 0) } }
        return render(
            "metadata", c, r, title: t["nav_metadata"] ?? "Metadata", active: "metadata",
            [
                "units": units,
                "elements": catalog.dataElements.map { e -> Ctx in
                    [
                        "code": e.code, "name": e.name(in: lang),
                        "valueType": t["valueType_" + e.valueType.rawValue] ?? e.valueType.rawValue,
                        "aggregation": e.aggregationType.rawValue,
                        "combos": catalog.optionCombos(of: e).filter { $0.code != "default" }.map {
                            catalog.name(of: $0, in: lang)
                        }.joined(
                            separator: ", "),
                    ]
                },
                "dataSets": catalog.dataSets.map { d -> Ctx in
                    [
                        "code": d.code, "name": d.name(in: lang),
                        "periodType": t["periodType_" + d.periodType.rawValue] ?? d.periodType.rawValue,
                        "elements": d.dataElements.compactMap { catalog.element($0)?.code }.joined(separator: ", "),
                        "expiry": d.expiryDays,
                        "units": d.organisationUnits.filter { user.canSee($0, in: catalog, on: today) }.count,
                    ]
                },
                "indicators": catalog.indicators.map { i -> Ctx in
                    [
                        "code": i.code, "name": i.name(in: lang), "numerator": i.numerator,
                        "denominator": i.denominator,
                        "factor": Chart.format(i.factor, 0),
                        "target": i.target.map { Chart.format($0, i.decimals) } ?? "",
                    ]
                },
            ])
    }

    func history(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let k = try api.key(r, c, catalog)
        let entries = try state.store.history(k)
        let coc = catalog.optionCombo(uid: k.optionCombo)
        return render(
            "history", c, r, title: t["nav_history"] ?? "History", active: "history",
            [
                "element": catalog.element(k.element)?.name(in: lang) ?? k.element,
                "combo": coc.map { $0.code == "default" ? "" : catalog.name(of: $0, in: lang) } ?? "",
                "unit": catalog.unit(k.unit)?.name(in: lang) ?? k.unit, "period": k.period.iso,
                "entries": entries.reversed().map { e -> Ctx in
                    [
                        "action": t["history_" + e.action.rawValue] ?? e.action.rawValue, "old": e.oldValue ?? "",
                        "new": e.newValue ?? "",
                        "by": e.changedBy, "at": state.time(e.changedAt), "comment": e.newComment ?? "",
                    ]
                },
                "empty": entries.isEmpty,
            ])
    }

    // MARK: Users (administrators)

    func securityEvents(_ admin: Principal, managed: Set<String>, _ catalog: Catalog) throws -> [SecurityEvent] {
        let national = admin.isNational(in: catalog, on: state.today)
        let events = try state.store.securityEvents(limit: national ? 30 : 500)
        return national ? events : Array(events.filter { managed.contains($0.subject) }.prefix(30))
    }

    func users(
        _ r: Request, _ c: AppContext, _ user: Principal, notice: String?, error: APIError?,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        guard user.role.canManageUsers else {
            throw APIError.forbidden(state.messages.text("users_adminsOnly", c.language))
        }
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let list = try api.users(c)
        let unitOptions = unitChoices(user, catalog, selected: nil, depth: 2, lang: lang)
        return render(
            "users", c, r, title: t["nav_users"] ?? "Users", active: "users",
            [
                "users": list.map { u -> Ctx in
                    [
                        "username": u.username, "role": t["role_" + u.role] ?? u.role, "disabled": u.disabled,
                        "language": u.language ?? "",
                        "units": u.units.compactMap { catalog.unit($0)?.code }.joined(separator: ", "),
                        // Their units can be changed here: the administrator's choices, and their
                        // current units wherever they lie (so that saving the row never drops one).
                        "unitOptions":
                            (unitOptions
                            + u.units.compactMap { catalog.unit($0) }.filter { unit in
                                !unitOptions.contains { $0["uid"] as? String == unit.uid }
                            }.map { ["uid": $0.uid, "name": $0.name(in: lang)] as Ctx }).map { o -> Ctx in
                                var o = o
                                o["selected"] = (o["uid"] as? String).map(u.units.contains) ?? false
                                return o
                            },
                        "roles": Role.allCases.map {
                            [
                                "value": $0.rawValue, "label": t["role_" + $0.rawValue] ?? $0.rawValue,
                                "selected": $0.rawValue == u.role,
                            ] as Ctx
                        },
                    ]
                },
                // A new user starts with the least right: a viewer.
                "roles": Role.allCases.map {
                    [
                        "value": $0.rawValue, "label": t["role_" + $0.rawValue] ?? $0.rawValue,
                        "selected": $0 == .viewer,
                    ] as Ctx
                },
                "unitOptions": unitOptions,
                "notice": notice as Any, "error": error.map { $0.message } as Any,
                // The security log of the users this administrator manages (all of it for a national one).
                "events": try securityEvents(user, managed: Set(list.map(\.username) + [user.username]), catalog).map {
                    e -> Ctx in
                    [
                        "at": state.time(e.at), "actor": e.actor,
                        "action": t["security_" + e.action] ?? e.action, "subject": e.subject,
                        "detail": securityDetail(e.detail ?? "", t, catalog, c.language),
                    ]
                },
            ], status: status)
    }

    /// A security event's detail ("role data-entry; units ALA") in the page's language, units by name.
    func securityDetail(_ detail: String, _ t: [String: String], _ catalog: Catalog, _ lang: String) -> String {
        detail.components(separatedBy: "; ").map { part -> String in
            if part.hasPrefix("role ") {
                let role = String(part.dropFirst(5))
                return "\(t["users_role"] ?? "Role"): \(t["role_" + role] ?? role)"
            }
            if part.hasPrefix("units ") {
                let names = part.dropFirst(6).split(separator: ",").map {
                    catalog.unit($0.trimmingCharacters(in: .whitespaces))?.name(in: lang) ?? String($0)
                }
                return "\(t["users_units"] ?? "Units"): \(names.joined(separator: ", "))"
            }
            if part.hasPrefix("language ") {
                let code = String(part.dropFirst(9))
                return "\(t["account_language"] ?? "Language"): \(Messages.languageNames[code] ?? code)"
            }
            return t["security_detail_" + part] ?? part
        }.joined(separator: "; ")
    }

    func createUser(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        let body = NewUserBody(
            username: form["username"]?.trimmingCharacters(in: .whitespaces) ?? "", password: form["password"] ?? "",
            role: form["role"] ?? "", units: form.all("units"),
            language: form["language"].flatMap { $0.isEmpty ? nil : $0 })
        do {
            let created = try api.createUser(body, c)
            return try users(
                r, c, user,
                notice: state.messages.text("users_created", c.language).replacingOccurrences(
                    of: "{name}", with: created.username), error: nil)
        } catch let e as APIError {
            return try users(r, c, user, notice: nil, error: e, status: e.status)
        } catch let e as QorganError {
            let e = APIError(e)
            return try users(r, c, user, notice: nil, error: e, status: e.status)
        }
    }

    func updateUser(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let name = try c.parameters.require("username")
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        let units = form.all("units")
        let body = UserChangeBody(
            role: form["role"], units: units.isEmpty ? nil : units,
            password: form["password"].flatMap { $0.isEmpty ? nil : $0 }, language: nil,
            disabled: form["disabled"] != nil)
        do {
            _ = try api.updateUser(name, body, c)
            return try users(
                r, c, user,
                notice: state.messages.text("users_updated", c.language).replacingOccurrences(of: "{name}", with: name),
                error: nil)
        } catch let e as APIError {
            return try users(r, c, user, notice: nil, error: e, status: e.status)
        } catch let e as QorganError {
            let e = APIError(e)
            return try users(r, c, user, notice: nil, error: e, status: e.status)
        }
    }

    // MARK: Account

    func account(_ r: Request, _ c: AppContext, _ user: Principal, newToken: NewTokenJSON?, error: String?) throws
        -> Response
    {
        let t = state.messages.table(c.language)
        return render(
            "account", c, r, title: t["nav_account"] ?? "Account", active: "account",
            [
                "username": user.username,
                "tokens": try state.store.tokens(username: user.username).map { k -> Ctx in
                    [
                        "id": k.id, "name": k.name, "created": state.time(k.created), "revoked": k.revoked,
                        "expires": k.expires.map { state.time($0) } as Any,
                        "expired": k.expires.map { $0 < Date() } ?? false,
                    ]
                },
                "newToken": newToken.map { ["name": $0.name, "token": $0.token] as Ctx } as Any,
                "error": error as Any,
                "languageChoices": Messages.languages.map {
                    ["code": $0, "name": Messages.languageNames[$0] ?? $0, "selected": $0 == (user.language ?? "")]
                        as Ctx
                },
            ])
    }

    func setLanguage(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        guard let lang = form["language"], Messages.languages.contains(lang) else {
            throw APIError.badRequest(
                "language", form["language"], "one of \(Messages.languages.joined(separator: ", "))")
        }
        try state.store.updateUser(username: user.username, language: .some(lang), by: user.username)
        var response = HTTP.redirect("/account")
        response.setCookie(
            Cookie(
                name: AuthMiddleware.languageCookie, value: lang, maxAge: 365 * 86400, path: "/",
                secure: secure(r), httpOnly: true, sameSite: .lax))
        return response
    }

    func createToken(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        do {
            let days = try form["expiresInDays"].flatMap { $0.isEmpty ? nil : $0 }.map { text -> Int in
                guard let d = Int(text) else {
                    throw APIError.badRequest("expiresInDays", text, "a number of days, or leave it empty")
                }
                return d
            }
            let token = try api.createToken(TokenBody(name: form["name"] ?? "", expiresInDays: days), c)
            return try account(r, c, user, newToken: token, error: nil)
        } catch let e as APIError {
            return try account(r, c, user, newToken: nil, error: e.message)
        }
    }

    func revokeToken(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        try api.revokeToken(try c.parameters.require("id"), c)
        return HTTP.redirect("/account")
    }
}
