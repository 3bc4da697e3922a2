import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// Signing in and out, and the language of a visitor who has not signed in.
extension PageHandlers {
    static let loginCookie = "qorgan_login"
    /// No account's name is longer (users are created with at most this many characters).
    static let maxUsernameLength = 64

    func loginPage(
        _ r: Request, _ c: AppContext, error: String?, status: HTTPResponse.Status = .ok, username: String = ""
    ) -> Response {
        // Double-submit token against cross-site sign-in: a cookie and the same value in the form.
        let token = r.cookies[Self.loginCookie]?.value ?? Secrets.randomToken()
        var response = render(
            "login", c, r, title: state.messages.text("login_title", c.language),
            [
                "loginToken": token, "error": error as Any, "next": HTTP.localPath(HTTP.param(r, "next")),
                "username": username,
            ], status: status)
        response.setCookie(
            Cookie(
                name: Self.loginCookie, value: token, path: "/", secure: secure(r),
                httpOnly: true, sameSite: .strict))
        return response
    }

    func login(_ r: Request, _ c: AppContext) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        let t = state.messages
        // A name longer than any account's is refused as it is, never stored whole.
        let username = String(
            (form["username"]?.trimmingCharacters(in: .whitespaces) ?? "").prefix(Self.maxUsernameLength + 1))
        guard let sent = form["_csrf"], let cookie = r.cookies[Self.loginCookie]?.value,
            Secrets.constantTimeEquals(sent, cookie)
        else {
            return loginPage(r, c, error: t.text("login_expired", c.language), status: .forbidden, username: username)
        }
        if let wait = try state.throttle.retryAfter(username: username, address: c.clientAddress) {
            try state.throttle.refused(username: username, address: c.clientAddress, how: nil)
            var response = loginPage(
                r, c,
                error: t.text("login_throttled", c.language).replacingOccurrences(
                    of: "{minutes}", with: String((wait + 59) / 60)),
                status: .tooManyRequests, username: username)
            response.headers[.retryAfter] = String(wait)
            return response
        }
        // The password is hashed whether or not the name exists, so that the time of the answer
        // does not tell which names do.
        let account = username.count <= Self.maxUsernameLength ? try state.store.user(named: username) : nil
        let password = String((form["password"] ?? "").prefix(1_024))
        let matches = Secrets.verifyPassword(password, hash: account?.passwordHash ?? Secrets.unknownUserHash)
        guard let user = account, !user.disabled, matches else {
            try state.throttle.failed(username: username, address: c.clientAddress)
            try state.store.recordSecurityEvent(actor: c.clientAddress, action: "SIGN_IN_FAILED", subject: username)
            return loginPage(
                r, c, error: t.text("login_failed", c.language), status: .unauthorized,
                username: String(username.prefix(Self.maxUsernameLength)))
        }
        try state.throttle.succeeded(username: username, address: c.clientAddress)
        let secret = Secrets.randomToken()
        try state.store.createSession(
            tokenHash: Secrets.sha256(secret), userId: user.principal.id, csrf: Secrets.randomToken(),
            expires: Date().addingTimeInterval(state.configuration.sessionLifetime))
        // Only paths of this site: no open redirect.
        var response = HTTP.redirect(HTTP.localPath(form["next"]))
        response.setCookie(
            Cookie(
                name: AuthMiddleware.sessionCookie, value: secret, maxAge: Int(state.configuration.sessionLifetime),
                path: "/", secure: secure(r), httpOnly: true, sameSite: .lax))
        return response
    }

    func logout(_ r: Request, _ c: AppContext) throws -> Response {
        if case .session(let hash, _) = c.authentication, let u = c.principal {
            try state.store.endSession(tokenHash: hash, username: u.username)
        }
        var response = HTTP.redirect("/login")
        response.setCookie(
            Cookie(
                name: AuthMiddleware.sessionCookie, value: "", maxAge: 0, path: "/",
                secure: secure(r), httpOnly: true, sameSite: .lax))
        return response
    }

    func chooseLanguage(_ r: Request, _ c: AppContext) -> Response {
        let lang =
            HTTP.param(r, "set").flatMap { Messages.languages.contains($0) ? $0 : nil } ?? Messages.defaultLanguage
        var response = HTTP.redirect(HTTP.localPath(HTTP.param(r, "back")))
        response.setCookie(
            Cookie(
                name: AuthMiddleware.languageCookie, value: lang, maxAge: 365 * 86400, path: "/",
                secure: secure(r), httpOnly: true, sameSite: .lax))
        return response
    }
}
