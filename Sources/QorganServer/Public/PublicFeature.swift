import Foundation
import Hummingbird
import NIOCore
import QorganCore

/// The public portal: `/public` and the open-data API under `/api/public/…`, for anyone, without
/// signing in; what they publish is set by a national administrator (`/api/publication`).
/// Every count is protected by the cell-key method (`CellKeyMethod`, docs/DISCLOSURE.md).
enum PublicFeature: ServerFeature {
    static func register(_ routes: Routes) {
        let router = routes.pages
        let p = routes.p
        let h = routes.h
        // Anonymous: registered at the root, outside `/api`'s sign-in requirement.
        router.get("/public") { r, c in try await p.portal(r, c) }
        router.get("/public/report") { r, c in try await p.portalReport(r, c) }
        router.get("/api/public/analytics") { r, c in try await h.publicAnalytics(r, c) }
        router.get("/api/public/metadata") { r, c in try await h.publicMetadata(r, c) }
        let api = routes.api
        api.get("publication") { _, c in
            _ = try c.requireUser()
            return try HTTP.json(try h.store.publication())
        }
        api.put("publication") { r, c in
            let user = try h.requireNationalAdmin(c, "the publication")
            let body = try await HTTP.decode(Publication.self, from: r, what: "the publication settings")
            let version = try h.store.setPublication(body, user: user.username)
            return try HTTP.json(PublicationSaved(version: version, publication: body))
        }
    }
}

struct PublicationSaved: Encodable {
    var version: Int
    var publication: Publication
}
