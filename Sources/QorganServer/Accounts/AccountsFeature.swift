import Foundation
import Hummingbird
import NIOCore
import QorganCore

/// Accounts: signing in and out, the language, users (for administrators), a user's own
/// account and API tokens, and `/api/me`.
enum AccountsFeature: ServerFeature {
    static func register(_ routes: Routes) {
        let router = routes.pages
        let p = routes.p
        router.get("/login") { r, c in p.loginPage(r, c, error: nil) }
        router.post("/login") { r, c in try await p.login(r, c) }
        router.post("/logout") { r, c in try p.logout(r, c) }
        router.get("/language") { r, c in p.chooseLanguage(r, c) }
        router.get("/users") { r, c in try p.page(r, c) { try p.users(r, c, $0, notice: nil, error: nil) } }
        router.post("/users") { r, c in try await p.pageAsync(r, c) { try await p.createUser(r, c, $0) } }
        router.post("/users/:username") { r, c in try await p.pageAsync(r, c) { try await p.updateUser(r, c, $0) } }
        router.get("/account") { r, c in try p.page(r, c) { try p.account(r, c, $0, newToken: nil, error: nil) } }
        router.post("/account/language") { r, c in try await p.pageAsync(r, c) { try await p.setLanguage(r, c, $0) } }
        router.post("/account/tokens") { r, c in try await p.pageAsync(r, c) { try await p.createToken(r, c, $0) } }
        router.post("/account/tokens/:id/revoke") { r, c in try await p.pageAsync(r, c) { try p.revokeToken(r, c, $0) }
        }
        let api = routes.api
        let h = routes.h
        api.get("me") { r, c in try h.meJSON(r, c) }
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
