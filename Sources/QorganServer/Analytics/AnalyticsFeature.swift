import Foundation
import Hummingbird
import NIOCore
import QorganCore

/// Analytics: the dashboard, the pivot table, the map, and `/api/analytics`; what analysts keep
/// (favourites, dashboards of them, interpretations) as pages and DHIS2's read routes.
enum AnalyticsFeature: ServerFeature {
    static func register(_ routes: Routes) {
        let router = routes.pages
        let p = routes.p
        router.get("/dashboard") { r, c in try p.page(r, c) { try p.dashboard(r, c, $0) } }
        router.get("/pivot") { r, c in try p.page(r, c) { try p.pivot(r, c, $0) } }
        router.get("/map") { r, c in try p.page(r, c) { try p.map(r, c, $0) } }
        router.post("/favourites") { r, c in try await p.pageAsync(r, c) { try await p.saveFavourite(r, c, $0) } }
        router.get("/favourites/:uid") { r, c in
            let uid = try c.parameters.require("uid")
            return try p.page(r, c) { try p.favouritePage(r, c, $0, uid: uid) }
        }
        router.post("/favourites/:uid/interpretations") { r, c in
            let uid = try c.parameters.require("uid")
            return try await p.pageAsync(r, c) { try await p.addInterpretation(r, c, $0, uid: uid) }
        }
        router.post("/favourites/:uid/dashboard") { r, c in
            let uid = try c.parameters.require("uid")
            return try await p.pageAsync(r, c) { try await p.addToDashboard(r, c, $0, uid: uid) }
        }
        router.post("/favourites/:uid/delete") { r, c in
            let uid = try c.parameters.require("uid")
            return try await p.pageAsync(r, c) { try await p.deleteFavourite(r, c, $0, uid: uid) }
        }
        router.get("/dashboards") { r, c in try p.page(r, c) { try p.dashboardsPage(r, c, $0) } }
        router.post("/dashboards") { r, c in try await p.pageAsync(r, c) { try await p.createDashboard(r, c, $0) } }
        router.get("/dashboards/:uid") { r, c in
            let uid = try c.parameters.require("uid")
            return try p.page(r, c) { try p.dashboardView(r, c, $0, uid: uid) }
        }
        router.post("/dashboards/:uid/:action") { r, c in
            let uid = try c.parameters.require("uid")
            let action = try c.parameters.require("action")
            return try await p.pageAsync(r, c) { try await p.changeDashboard(r, c, $0, uid: uid, action: action) }
        }
        let api = routes.api
        let h = routes.h
        api.get("analytics") { r, c in try await h.analytics(r, c) }
        api.get("visualizations") { r, c in try h.visualizations(r, c) }
        api.get("visualizations/:id") { r, c in try h.visualization(try c.parameters.require("id"), c) }
        api.get("dashboards") { r, c in try h.dashboards(r, c) }
        api.get("dashboards/:id") { r, c in try h.dashboard(try c.parameters.require("id"), c) }
        api.get("interpretations") { r, c in try h.interpretations(r, c) }
    }
}
