import Foundation
import Hummingbird
import QorganCore
import QorganStore

/// Dashboards of favourites: the user's own and the shared ones, beside the programme's.
extension PageHandlers {
    func dashboardsPage(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let t = state.messages.table(c.language)
        let dashboards = try state.store.dashboards(visibleTo: user.username)
        let favourites = try state.store.favourites(visibleTo: user.username)
        func row(_ uid: String, _ name: String, _ owner: String, _ shared: Bool, _ path: String) -> Ctx {
            ["href": "/\(path)/\(uid)", "name": name, "owner": owner, "mine": owner == user.username, "shared": shared]
        }
        return render(
            "dashboards", c, r, title: t["fav_dashboards"] ?? "Dashboards", active: "dashboard",
            [
                "dashboards": dashboards.map { row($0.uid, $0.name, $0.owner, $0.shared, "dashboards") },
                "favourites": favourites.map { row($0.uid, $0.name, $0.owner, $0.shared, "favourites") },
                "hasDashboards": !dashboards.isEmpty, "hasFavourites": !favourites.isEmpty,
            ])
    }

    func createDashboard(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 14)))
        let uid = try state.store.saveDashboard(
            SavedDashboard(
                name: (form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines), owner: user.username,
                shared: form["shared"] == "1"), user: user.username)
        return HTTP.redirect("/dashboards/\(uid)")
    }

    /// One dashboard: each favourite's table and chart for the viewer (their own unit where the
    /// favourite is relative), and, for its owner, adding, removing and deleting.
    func dashboardView(_ r: Request, _ c: AppContext, _ user: Principal, uid: String) throws -> Response {
        let d = try visibleDashboard(uid, user)
        let lang = c.language
        let t = state.messages.table(lang)
        var items: [Ctx] = []
        for (n, fav) in d.items.enumerated() {
            // An item whose favourite was deleted, or is no longer shared, is left out for others.
            guard let f = try? visibleFavourite(fav, user) else { continue }
            var item = try favouriteContext(f, user: user, lang: lang, t: t, tableId: "item-\(n + 1)")
            item["interpretations"] = try state.store.interpretations(of: f.uid).filter { $0.parent == nil }.count
            items.append(item)
        }
        let canChange = try mayChange(d.owner, user)
        let offered = try state.store.favourites(visibleTo: user.username).filter { !d.items.contains($0.uid) }
        return render(
            "dashboard-view", c, r, title: d.name, active: "dashboard",
            [
                "dashboardUid": d.uid, "name": d.name, "owner": d.owner, "shared": d.shared, "items": items,
                "empty": items.isEmpty, "canChange": canChange,
                "offered": offered.map { ["uid": $0.uid, "name": $0.name] as Ctx }, "hasOffered": !offered.isEmpty,
            ])
    }

    /// Adds a favourite to a dashboard, removes one, or deletes the dashboard (its owner's).
    func changeDashboard(_ r: Request, _ c: AppContext, _ user: Principal, uid: String, action: String) async throws
        -> Response
    {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 14)))
        var d = try visibleDashboard(uid, user)
        guard try mayChange(d.owner, user) else {
            throw APIError.forbidden("only its owner (\(d.owner)) or a national administrator changes it")
        }
        switch action {
        case "add":
            let fav = try visibleFavourite(form["favourite"] ?? "", user)
            if !d.items.contains(fav.uid) { d.items.append(fav.uid) }
        case "remove":
            d.items.removeAll { $0 == form["favourite"] }
        case "delete":
            try state.store.deleteKept(d.uid, user: user.username)
            return HTTP.redirect("/dashboards")
        default:
            throw APIError.notFound("no such change of a dashboard")
        }
        try state.store.saveDashboard(d, user: user.username)
        return HTTP.redirect("/dashboards/\(d.uid)")
    }
}
