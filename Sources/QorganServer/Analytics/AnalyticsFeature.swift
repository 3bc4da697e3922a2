import Foundation
import Hummingbird
import NIOCore
import QorganCore

/// Analytics: the dashboard, the pivot table, the map, and `/api/analytics`.
enum AnalyticsFeature: ServerFeature {
    static func register(_ routes: Routes) {
        let router = routes.pages
        let p = routes.p
        router.get("/dashboard") { r, c in try p.page(r, c) { try p.dashboard(r, c, $0) } }
        router.get("/pivot") { r, c in try p.page(r, c) { try p.pivot(r, c, $0) } }
        router.get("/map") { r, c in try p.page(r, c) { try p.map(r, c, $0) } }
        let api = routes.api
        let h = routes.h
        api.get("analytics") { r, c in try await h.analytics(r, c) }
    }
}
