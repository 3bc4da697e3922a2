import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// A user's own account: language and API tokens.
extension PageHandlers {
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
            let token = try api.createToken(
                TokenBody(name: form["name"] ?? "", expiresInDays: days, password: form["password"]), c)
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
