import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import Prometheus
import QorganAnalytics
import QorganCore
import QorganStore
import Synchronization

/// Who is asking: a session cookie (pages, and scripts of pages, which must also send the
/// session's CSRF token with every change) or an API token (`Authorization: Bearer`).
/// Also settles the language.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let state: ServerState
    static let sessionCookie = "qorgan_session"
    static let languageCookie = "qorgan_lang"

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        context.clientAddress = Self.clientAddress(
            request, peer: context.remoteAddress, trusted: state.configuration.trustedProxies)
        if request.uri.path == "/metrics", let secret = state.configuration.metricsToken,
            let auth = request.headers[.authorization],
            auth.lowercased().hasPrefix("bearer "), Secrets.constantTimeEquals(String(auth.dropFirst(7)), secret)
        {
            context.metricsReader = true
            return try await next(request, context)
        }
        if let auth = request.headers[.authorization] {
            // DHIS2's clients send a personal access token as `ApiToken …`, or a user and password
            // (HTTP Basic); Qorgan's own scripts send `Bearer …`.
            let parts = auth.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            let scheme = parts.first.map { $0.lowercased() } ?? ""
            let credentials = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
            switch scheme {
            case "bearer", "apitoken":
                guard let (user, expires) = try state.store.tokenUser(tokenHash: Secrets.sha256(credentials)) else {
                    throw APIError(
                        .unauthorized, code: "invalid_token", "this API token is unknown, expired or revoked")
                }
                context.principal = user.principal
                context.authentication = .token(expires: expires)
            case "basic":
                // A browser may keep Basic credentials for a site and send them with any request to
                // it, as it sends cookies: a change it makes for another site is refused.
                if ![.get, .head, .options].contains(request.method),
                    let site = request.headers[.secFetchSite], !["same-origin", "none"].contains(site.lowercased())
                {
                    throw APIError(
                        .forbidden, code: "csrf",
                        "a change with HTTP Basic credentials came from another site (\(site))")
                }
                context.principal = try basicUser(credentials, context).principal
                context.authentication = .password
            default:
                throw APIError(
                    .unauthorized, code: "unauthorized",
                    "the Authorization header takes 'Bearer TOKEN', 'ApiToken TOKEN' or HTTP Basic credentials")
            }
        } else if let cookie = request.cookies[Self.sessionCookie]?.value {
            let hash = Secrets.sha256(cookie)
            if let s = try state.store.session(tokenHash: hash) {
                context.principal = s.user.principal
                context.csrf = s.csrf
                context.authentication = .session(tokenHash: hash, expires: s.expires)
            }
        }
        let choice =
            request.uri.queryParameters.get("lang") ?? request.cookies[Self.languageCookie]?.value
            ?? context.principal?.language
        context.language = Messages.negotiate(choice: choice, acceptLanguage: request.headers[.acceptLanguage])

        // Changes made with a session cookie must prove they come from Qorgan's own pages.
        if case .session = context.authentication, ![.get, .head, .options].contains(request.method) {
            let sent = request.headers[.xCSRFToken]
            var request = request
            var formToken: String? = nil
            if sent == nil, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                let body = try await request.collectBody(upTo: 1 << 20)
                formToken = FormData(body: String(buffer: body))["_csrf"]
            }
            guard let given = sent ?? formToken, let expected = context.csrf,
                Secrets.constantTimeEquals(given, expected)
            else {
                throw APIError(
                    .forbidden, code: "csrf",
                    "this change did not come with the page's CSRF token; reload the page and try again")
            }
            return try await next(request, context)
        }
        return try await next(request, context)
    }
}

extension AuthMiddleware {
    /// The user of HTTP Basic credentials, throttled exactly as the sign-in page is: after five
    /// failures for a name or from an address, refused until the window has passed. The API says
    /// so with 401 (code `throttled`, `Retry-After`), as DHIS2 answers a locked account: the
    /// credentials were not accepted, and a client that retries with others learns nothing new.
    func basicUser(_ credentials: String, _ context: AppContext) throws -> UserRecord {
        guard credentials.utf8.count <= 4_096, let data = Data(base64Encoded: credentials),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else {
            throw APIError(
                .unauthorized, code: "unauthorized", "HTTP Basic credentials are base64 of 'username:password'")
        }
        let username = String(text[..<colon].prefix(PageHandlers.maxUsernameLength + 1))
        let password = String(text[text.index(after: colon)...].prefix(1_024))
        if let wait = try state.throttle.retryAfter(username: username, address: context.clientAddress) {
            try state.throttle.refused(username: username, address: context.clientAddress, how: "HTTP Basic")
            var error = APIError(
                .unauthorized, code: "throttled",
                "too many failed sign-ins for this name from this address; try again in \((wait + 59) / 60) minutes")
            error.retryAfter = wait
            throw error
        }
        let account = username.count <= PageHandlers.maxUsernameLength ? try state.store.user(named: username) : nil
        if let account, !account.disabled,
            state.basicCredentials.known(username: username, password: password, hash: account.passwordHash)
        {
            return account
        }
        // As on the sign-in page: the password is hashed whether or not the name exists.
        let matches = Secrets.verifyPassword(password, hash: account?.passwordHash ?? Secrets.unknownUserHash)
        guard let user = account, !user.disabled, matches else {
            try state.throttle.failed(username: username, address: context.clientAddress)
            try state.store.recordSecurityEvent(
                actor: context.clientAddress, action: "SIGN_IN_FAILED", subject: username, detail: "HTTP Basic")
            throw APIError(.unauthorized, code: "unauthorized", "the user name or password is wrong")
        }
        try state.throttle.succeeded(username: username, address: context.clientAddress)
        state.basicCredentials.remember(username: username, password: password, hash: user.passwordHash)
        return user
    }

    /// The client's address. Behind trusted proxies, the nearest address in `X-Forwarded-For` (or
    /// `Forwarded: for=`) that is not itself a trusted proxy; a header from anyone else is ignored,
    /// so that nobody can pick the address their failures count against.
    static func clientAddress(_ request: Request, peer: String, trusted: Set<String>) -> String {
        guard trusted.contains(peer) else { return peer }
        var hops: [String] = []
        for value in request.headers[values: .xForwardedFor] {
            hops += value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        if hops.isEmpty {
            for value in request.headers[values: .forwarded] {
                for element in value.split(separator: ",") {
                    for pair in element.split(separator: ";") {
                        let kv = pair.split(separator: "=", maxSplits: 1).map {
                            $0.trimmingCharacters(in: .whitespaces)
                        }
                        guard kv.count == 2, kv[0].lowercased() == "for" else { continue }
                        var v = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                        if v.hasPrefix("["), let end = v.firstIndex(of: "]") {
                            v = String(v[v.index(after: v.startIndex)..<end])
                        } else if v.filter({ $0 == ":" }).count == 1, let colon = v.firstIndex(of: ":") {
                            v = String(v[..<colon])
                        }
                        hops.append(v)
                    }
                }
            }
        }
        // From the nearest hop back: the first one that is not our own proxy is the client.
        for hop in hops.reversed() where !hop.isEmpty && !trusted.contains(hop) {
            return String(hop.prefix(64))
        }
        return peer
    }
}

/// A URL-encoded form body or query: name → values.
struct FormData {
    var fields: [(String, String)] = []

    init(body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            fields.append((decode(kv[0]), kv.count > 1 ? decode(kv[1]) : ""))
        }
    }

    subscript(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }
}
