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
        maintenancePages(router, p)
        let api = routes.api
        let h = routes.h
        // DHIS2's metadata writes (national administrators), on the one metadata write path.
        api.post("metadata") { r, c in try await h.metadataImport(r, c) }
        api.get("expressions/description") { r, c in try h.expressionDescription(r, c) }
        for collection in Handlers.writableCollections {
            api.post(RouterPath(collection)) { r, c in try await h.metadataObjectWrite(collection, id: nil, r, c) }
            api.put(RouterPath(collection + "/:id")) { r, c in
                try await h.metadataObjectWrite(collection, id: try c.parameters.require("id"), r, c)
            }
            api.patch(RouterPath(collection + "/:id")) { r, c in
                try await h.metadataObjectPatch(collection, id: try c.parameters.require("id"), r, c)
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

    /// Maintenance in the browser: units, elements, forms, indicators, a metadata import with a
    /// dry run, and each object's history with a way back.
    static func maintenancePages(_ router: Router<AppContext>, _ p: PageHandlers) {
        router.get("/metadata/units/:code") { r, c in
            let code = try c.parameters.require("code")
            return try p.page(r, c) { try p.unitForm(r, c, $0, code: code == "new" ? nil : code) }
        }
        router.post("/metadata/units/:code") { r, c in
            let code = try c.parameters.require("code")
            return try await p.pageAsync(r, c) { try await p.submitUnit(r, c, $0, code: code == "new" ? nil : code) }
        }
        for (folder, kind) in [("elements", PageHandlers.Kind.element), ("forms", .form), ("indicators", .indicator)] {
            router.get(RouterPath("/metadata/\(folder)/:code")) { r, c in
                let code = try c.parameters.require("code")
                return try p.page(r, c) { try p.objectForm(r, c, $0, kind: kind, code: code == "new" ? nil : code) }
            }
            router.post(RouterPath("/metadata/\(folder)/:code")) { r, c in
                let code = try c.parameters.require("code")
                return try await p.pageAsync(r, c) {
                    try await p.submitObject(r, c, $0, kind: kind, code: code == "new" ? nil : code)
                }
            }
        }
        router.get("/metadata/rules/:code") { r, c in
            let code = try c.parameters.require("code")
            return try p.page(r, c) { try p.ruleForm(r, c, $0, code: code == "new" ? nil : code) }
        }
        router.post("/metadata/rules/:code") { r, c in
            let code = try c.parameters.require("code")
            return try await p.pageAsync(r, c) { try await p.submitRule(r, c, $0, code: code == "new" ? nil : code) }
        }
        router.get("/metadata/publication") { r, c in try p.page(r, c) { try p.publicationForm(r, c, $0) } }
        router.post("/metadata/publication") { r, c in
            try await p.pageAsync(r, c) { try await p.submitPublication(r, c, $0) }
        }
        router.post("/metadata/publication/history/:n/restore") { r, c in
            let n = try c.parameters.require("n")
            return try await p.pageAsync(r, c) { try await p.restorePublication(r, c, $0, index: n) }
        }
        router.get("/metadata/import") { r, c in try p.page(r, c) { try p.importForm(r, c, $0) } }
        router.post("/metadata/import") { r, c in try await p.pageAsync(r, c) { try await p.submitImport(r, c, $0) } }
        router.post("/metadata/history/:id/restore") { r, c in
            let id = try c.parameters.require("id")
            return try await p.pageAsync(r, c) { try await p.restoreVersion(r, c, $0, id: id) }
        }
    }
}
