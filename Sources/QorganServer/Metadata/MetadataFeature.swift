import Foundation
import Hummingbird
import NIOCore
import QorganCore

/// Metadata: the page, DHIS2's metadata collections through the API, and DHIS2's metadata writes.
enum MetadataFeature: ServerFeature {
    static func register(_ routes: Routes) {
        let router = routes.pages
        let p = routes.p
        router.get("/metadata") { r, c in try p.page(r, c) { try p.metadata(r, c, $0) } }
        let api = routes.api
        let h = routes.h
        // DHIS2's metadata writes (national administrators), on the one metadata write path.
        api.post("metadata") { r, c in try await h.metadataImport(r, c) }
        for collection in Handlers.writableCollections {
            api.post(RouterPath(collection)) { r, c in try await h.metadataObjectWrite(collection, id: nil, r, c) }
            api.put(RouterPath(collection + "/:id")) { r, c in
                try await h.metadataObjectWrite(collection, id: try c.parameters.require("id"), r, c)
            }
        }
        // DHIS2's metadata collections: lists with pager, fields, filter and order; objects by uid or code.
        for collection in MetadataObjects.collections {
            api.get(RouterPath(collection)) { r, c in try h.list(collection, r, c) }
            api.get(RouterPath(collection + "/:id")) { r, c in
                try h.single(collection, try c.parameters.require("id"), r, c)
            }
        }
    }
}
