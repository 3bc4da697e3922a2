import Foundation
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// The JSON API under /api. Every route checks the caller's role and units: nothing
/// outside their subtrees can be read or written, whichever way they ask.
enum API {
    static func register(on api: RouterGroup<AppContext>, state: ServerState) {
        let h = Handlers(state: state)
        api.get("openapi.json") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources")
            else {
                throw APIError.notFound("the OpenAPI document is missing from this build")
            }
            return HTTP.data(try Data(contentsOf: url), type: "application/json; charset=utf-8")
        }
        // Everything else needs a signed-in caller, checked before any body is read: an
        // anonymous request gets 401, whatever it sends.
        let api = api.group().add(middleware: RequireUser())
        api.get("me") { r, c in try h.meJSON(r, c) }
        api.get("system/info") { r, _ in HTTP.data(try h.systemInfo(r).data, type: "application/json; charset=utf-8") }
        // DHIS2's metadata collections: lists with pager, fields, filter and order; objects by uid or code.
        for collection in MetadataObjects.collections {
            api.get(RouterPath(collection)) { r, c in try h.list(collection, r, c) }
            api.get(RouterPath(collection + "/:id")) { r, c in
                try h.single(collection, try c.parameters.require("id"), r, c)
            }
        }

        api.get("dataValues") { r, c in try HTTP.json(try h.getValue(r, c)) }
        // DHIS2's two forms: a JSON body, or the parameters de, pe, ou, co, cc, cp, value, comment
        // (in the query or a form body). 201, with the value as stored.
        api.post("dataValues") { r, c in
            let body: ValueBody
            if HTTP.param(r, "de") != nil {
                body = try ValueBody(parameters: { HTTP.param(r, $0) })
            } else if r.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
                var r = r
                let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 20)))
                body = try ValueBody(parameters: { form[$0].flatMap { $0.isEmpty ? nil : $0 } })
            } else {
                body = try await HTTP.decode(ValueBody.self, from: r, what: "the data value")
            }
            return try HTTP.json(try h.saveValue(body, r, c), status: .created)
        }
        api.delete("dataValues") { r, c in try HTTP.json(try h.deleteValue(r, c)) }
        api.get("dataValueSets") { r, c in try h.exportValueSet(r, c) }
        api.post("dataValueSets") { r, c in
            var r = r
            let body = try await r.collectBody(upTo: 64 << 20)
            return try h.importValueSet(Data(buffer: body), r, c)
        }
        api.post("completions") { r, c in
            let body = try await HTTP.decode(CompletionBody.self, from: r, what: "the completion")
            return try HTTP.json(try h.complete(body, c))
        }
        api.get("validation") { r, c in try h.validation(r, c) }
        api.get("validation/dataSet/:ds") { r, c in try h.formValidation(r, c) }
        api.get("completeness") { r, c in try h.completeness(r, c) }
        api.get("notifications") { _, c in try h.notificationsJSON(c) }
        api.get("outlierDetection") { r, c in try h.outlierDetection(r, c) }
        api.get("outlierDetection/check") { r, c in try h.outlierCheck(r, c) }
        // A form as a spreadsheet, and back (FormSheets.swift).
        api.get("dataEntry/form.xlsx") { r, c in try h.formWorkbook(r, c) }
        api.post("dataEntry/form.xlsx") { r, c in
            var r = r
            let body: ByteBuffer
            do {
                body = try await r.collectBody(upTo: FormSheet.maxBytes)
            } catch is NIOTooManyBytesError {
                throw APIError(
                    .contentTooLarge, code: "too_large",
                    "a form's spreadsheet is at most \(FormSheet.maxBytes >> 20) MB; this one is larger")
            }
            return try HTTP.json(try h.importFormWorkbook(Data(buffer: body), c))
        }
        api.put("dataValues/followup") { r, c in
            let body = try await HTTP.decode(FollowUpBody.self, from: r, what: "the follow-up")
            return try HTTP.json(try h.setFollowUp(body, c))
        }
        api.post("minMaxValues") { r, c in
            let body = try await HTTP.decode(MinMaxBody.self, from: r, what: "the bounds")
            return try h.setMinMax(body, c)
        }
        api.post("minMaxValues/generate") { r, c in
            let body = try await HTTP.decode(GenerateBoundsBody.self, from: r, what: "the generation")
            return try h.generateMinMax(body, c)
        }
        api.get("dataApprovals") { r, c in try h.getApproval(r, c) }
        api.post("dataApprovals") { r, c in
            let body = try await HTTP.decode(ApprovalBody.self, from: r, what: "the approval")
            return try h.postApproval(body, c)
        }
        api.get("audits/dataValue") { r, c in try HTTP.json(try h.history(r, c)) }
        api.get("analytics") { r, c in try await h.analytics(r, c) }

        registerIncidents(on: api, h)
        registerRegistries(on: api, h)
        registerReport(on: api, h)
        api.get("users") { _, c in try HTTP.json(try h.users(c)) }
        api.post("users") { r, c in
            let body = try await HTTP.decode(NewUserBody.self, from: r, what: "the user")
            return try HTTP.json(try h.createUser(body, c), status: .created)
        }
        api.patch("users/:username") { r, c in
            let body = try await HTTP.decode(UserChangeBody.self, from: r, what: "the change")
            return try HTTP.json(try h.updateUser(try c.parameters.require("username"), body, c))
        }
        api.get("tokens") { _, c in try HTTP.json(try h.tokens(c)) }
        api.post("tokens") { r, c in
            let body = try await HTTP.decode(TokenBody.self, from: r, what: "the token")
            return try HTTP.json(try h.createToken(body, c), status: .created)
        }
        api.delete("tokens/:id") { _, c in
            try h.revokeToken(try c.parameters.require("id"), c)
            return Response(status: .noContent)
        }
    }
}

struct Handlers: Sendable {
    let state: ServerState
    var store: Store { state.store }

    func catalog() throws -> Catalog { try store.catalog() }

    func requireAdmin(_ c: AppContext) throws -> Principal {
        let user = try c.requireUser()
        guard user.role.canManageUsers else { throw APIError.forbidden("only administrators manage users") }
        return user
    }

    /// An administrator of the whole country (bound to a root unit): national configuration
    /// (the results framework, the site configuration, checklists, metadata) is theirs alone.
    func requireNationalAdmin(_ c: AppContext, _ what: String) throws -> Principal {
        let user = try c.requireUser()
        guard user.role.canManageUsers else {
            throw APIError.forbidden("\(what) is national configuration: only administrators change it")
        }
        let catalog = try catalog()
        guard user.isNational(in: catalog, on: state.today) else {
            throw APIError.forbidden(
                "\(what) is national configuration: only an administrator of the whole country may change it")
        }
        return user
    }
}
