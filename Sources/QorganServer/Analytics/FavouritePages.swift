import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import QorganAnalytics
import QorganCore
import QorganStore

/// What analysts keep: favourites (a pivot and its chart, by name), dashboards of them, and
/// interpretations. A favourite is seen by its owner, or by everyone when shared; its figures are
/// always computed with the viewer's rights, for the viewer's own unit when it is relative.
extension PageHandlers {
    /// A favourite the user may open (their own or a shared one), else 404.
    func visibleFavourite(_ uid: String, _ user: Principal) throws -> SavedPivot {
        guard let (f, deleted) = try state.store.favourite(uid), !deleted, f.owner == user.username || f.shared else {
            throw APIError.notFound("no favourite \(uid) among yours and the shared ones")
        }
        return f
    }

    func visibleDashboard(_ uid: String, _ user: Principal) throws -> SavedDashboard {
        guard let (d, deleted) = try state.store.dashboard(uid), !deleted, d.owner == user.username || d.shared else {
            throw APIError.notFound("no dashboard \(uid) among yours and the shared ones")
        }
        return d
    }

    /// Whether `user` may change what `owner` keeps: the owner, or an administrator of the country.
    func mayChange(_ owner: String, _ user: Principal) throws -> Bool {
        if owner == user.username { return true }
        let catalog = try state.store.catalog()
        return user.role.canManageUsers && user.isNational(in: catalog, on: state.today)
    }

    /// `POST /favourites`: the pivot as it is shown, kept by name.
    func saveFavourite(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        let catalog = try state.store.catalog()
        let query = form["query"] ?? ""
        let choice = try PivotChoice(
            URI("/pivot?" + query).queryParameters, defaultUnit: user.units.first ?? "", years: defaultYears())
        // Access is decided on the resolved unit, never on the text.
        guard let unit = catalog.unit(choice.ou), user.canSee(unit.uid, in: catalog, on: state.today) else {
            throw APIError.outOfScope(choice.ou)
        }
        let favourite = SavedPivot(
            name: (form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines), owner: user.username,
            shared: form["shared"] == "1", dx: choice.dx, from: choice.from, to: choice.to,
            periodType: choice.periodType, unit: form["relative"] == "1" ? nil : unit.uid, children: choice.children,
            rows: choice.rows, columns: choice.columns, chart: choice.chart)
        let uid = try state.store.saveFavourite(favourite, user: user.username)
        return HTTP.redirect("/favourites/\(uid)?saved=1")
    }

    /// A favourite: its pivot and chart for the viewer, its interpretations with their replies.
    func favouritePage(_ r: Request, _ c: AppContext, _ user: Principal, uid: String) throws -> Response {
        let f = try visibleFavourite(uid, user)
        let lang = c.language
        let t = state.messages.table(lang)
        var ctx = try favouriteContext(f, user: user, lang: lang, t: t, tableId: "favourite-table")
        let all = try state.store.interpretations(of: f.uid)
        ctx["interpretations"] = all.filter { $0.parent == nil }.map { i -> Ctx in
            [
                "uid": i.uid, "author": i.author, "text": i.text, "at": Self.time(i.created),
                "replies": all.filter { $0.parent == i.uid }.map { reply -> Ctx in
                    ["author": reply.author, "text": reply.text, "at": Self.time(reply.created)]
                },
            ]
        }
        ctx["favouriteUid"] = f.uid
        ctx["canChange"] = try mayChange(f.owner, user)
        ctx["saved"] = HTTP.param(r, "saved") != nil
        ctx["dashboards"] = try state.store.dashboards(visibleTo: user.username).filter {
            $0.owner == user.username && !$0.items.contains(f.uid)
        }.map { ["uid": $0.uid, "name": $0.name] as Ctx }
        ctx["hasDashboards"] = (ctx["dashboards"] as? [Ctx])?.isEmpty == false
        return render("favourite", c, r, title: f.name, active: "dashboard", ctx)
    }

    /// A favourite's figures as the pivot page draws them, for this viewer.
    func favouriteContext(_ f: SavedPivot, user: Principal, lang: String, t: [String: String], tableId: String)
        throws -> Ctx
    {
        let snapshot = state.engine.snapshot()
        let choice = PivotChoice(f, viewer: user)
        var ctx: Ctx = [
            "uid": f.uid, "name": f.name, "owner": f.owner, "shared": f.shared, "relative": f.unit == nil,
            "pivotHref": "/pivot?" + choice.query, "tableId": tableId,
        ]
        let catalog = snapshot.catalog
        guard let unit = catalog.unit(choice.ou), user.canSee(unit.uid, in: catalog, on: state.today) else {
            // A shared favourite of a unit the viewer may not see shows nothing of it.
            ctx["outOfScope"] = true
            return ctx
        }
        ctx["unitName"] = unit.name(in: lang)
        do {
            ctx.merge(try pivotOutput(choice, user: user, snapshot: snapshot, lang: lang, t: t).ctx) { $1 }
            ctx["result"] = true
        } catch let e as APIError {
            // The metadata changed under it (an indicator removed): the favourite says so.
            ctx["broken"] = e.message
        }
        return ctx
    }

    static func time(_ millis: Int64) -> String {
        shortTime(Timestamp.string(Date(timeIntervalSince1970: Double(millis) / 1000)))
    }

    func addInterpretation(_ r: Request, _ c: AppContext, _ user: Principal, uid: String) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        let f = try visibleFavourite(uid, user)
        let parent = form["parent"].flatMap { $0.isEmpty ? nil : $0 }
        try state.store.addInterpretation(
            Interpretation(favourite: f.uid, parent: parent, author: user.username, text: form["text"] ?? ""))
        return HTTP.redirect("/favourites/\(f.uid)#interpretations")
    }

    /// Puts a favourite on one of the user's dashboards.
    func addToDashboard(_ r: Request, _ c: AppContext, _ user: Principal, uid: String) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 14)))
        let f = try visibleFavourite(uid, user)
        var d = try visibleDashboard(form["dashboard"] ?? "", user)
        guard try mayChange(d.owner, user) else {
            throw APIError.forbidden("only its owner (\(d.owner)) or a national administrator changes it")
        }
        if !d.items.contains(f.uid) { d.items.append(f.uid) }
        try state.store.saveDashboard(d, user: user.username)
        return HTTP.redirect("/dashboards/\(d.uid)")
    }

    func deleteFavourite(_ r: Request, _ c: AppContext, _ user: Principal, uid: String) async throws -> Response {
        var r = r
        _ = try await r.collectBody(upTo: 1 << 14)
        let f = try visibleFavourite(uid, user)
        guard try mayChange(f.owner, user) else {
            throw APIError.forbidden("only its owner (\(f.owner)) or a national administrator deletes it")
        }
        try state.store.deleteKept(f.uid, user: user.username)
        return HTTP.redirect("/dashboards")
    }
}
