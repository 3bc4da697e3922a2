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

public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Marks cookies Secure: set when Qorgan is served over TLS (directly or behind a proxy).
    public var secureCookies = false
    public var sessionLifetime: TimeInterval = 12 * 3600
    /// Failed sign-ins (per name and per address) before sign-in is refused for `throttleWindow`.
    public var throttleLimit = 5
    public var throttleWindow: TimeInterval = 15 * 60
    /// The day the server counts from (relative periods, form expiry); today when nil.
    public var today: Day? = nil
    /// Where the users live: times on the pages are shown in it (stored in UTC). `--time-zone`,
    /// else $QORGAN_TIME_ZONE, else Asia/Almaty.
    public var timeZone: TimeZone =
        TimeZone(identifier: "Asia/Almaty") ?? TimeZone(secondsFromGMT: 5 * 3600) ?? .current
    /// Addresses of the proxies in front of the server (`--trusted-proxy`): only from them are
    /// `X-Forwarded-For` and `Forwarded` believed; anyone else's are ignored.
    public var trustedProxies: Set<String> = []
    /// A secret that lets a scraper read /metrics (`Authorization: Bearer …`); administrators may too.
    public var metricsToken: String? = nil
    /// How much one analytics query may ask for.
    public var queryLimits = QueryLimits()
    /// Where the engine's snapshot is saved (beside the database); none when nil.
    public var snapshotPath: String? = nil
    /// Threads that run request handlers and their database work.
    public var handlerThreads = 32
    /// Where events (forms completed, approval steps) are POSTed as JSON; none when nil.
    public var webhook: URL? = nil
    public init() {}
}

/// Everything the routes share: the store, the engine, the catalogues, the templates.
public final class ServerState: Sendable {
    public let store: Store
    public let engine: AnalyticsEngine
    public let configuration: ServerConfiguration
    public let messages: Messages
    public let templates: MustacheLibrary
    public let throttle: LoginThrottle
    /// HTTP Basic credentials verified lately, so that a script's every request does not pay for bcrypt.
    let basicCredentials = VerifiedCredentials()
    public let metrics: PrometheusCollectorRegistry
    let requestDuration: DurationHistogram
    let valuesSaved: Counter
    let webhookFailures: Counter
    let answers = AnswerCache()
    let dashboards = AnswerCache(capacity: 128)
    let logger: Logger
    /// Where request handlers run: threads of their own, off Swift's cooperative pool.
    let executor: BlockingExecutor

    public init(
        store: Store, engine: AnalyticsEngine, configuration: ServerConfiguration = ServerConfiguration(),
        logger: Logger = Logger(label: "qorgan")
    ) async throws {
        self.store = store
        self.engine = engine
        self.configuration = configuration
        self.messages = try Messages.load()
        guard let dir = Bundle.module.url(forResource: "templates", withExtension: nil, subdirectory: "Resources")
        else {
            throw ServerSetupError("the templates folder Resources/templates is missing")
        }
        self.templates = try await MustacheLibrary(directory: dir.path)
        self.throttle = LoginThrottle(
            store: store, limit: configuration.throttleLimit, window: configuration.throttleWindow)
        self.metrics = PrometheusCollectorRegistry()
        self.requestDuration = metrics.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "qorgan", metricName: "http_request_duration", unitName: "seconds",
                helpText: "Time to answer an HTTP request"),
            buckets: [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(1000),
            ])
        self.valuesSaved = metrics.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "qorgan", metricName: "values_saved", unitName: "total",
                helpText: "Data values saved through the server"))
        self.webhookFailures = metrics.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "qorgan", metricName: "webhook_failures", unitName: "total",
                helpText: "Events the webhook did not accept"))
        self.logger = logger
        self.executor = BlockingExecutor(threads: configuration.handlerThreads)
    }

    private let yearsCache = Mutex<(generation: UInt64, years: ClosedRange<Int>?)?>(nil)

    /// The first and last year of the data, for the pages' year choices; read again when the
    /// engine has changed (it follows every commit, from any process).
    func dataYears() -> ClosedRange<Int>? {
        let generation = engine.versionedSnapshot().generation
        if let cached = yearsCache.withLock({ $0 }), cached.generation == generation { return cached.years }
        let years = (try? store.dataYears()) ?? nil
        yearsCache.withLock { $0 = (generation, years) }
        return years
    }

    /// Brings the engine (and with it every answer cache, keyed by its generations) up to date
    /// with commits of other processes: one pragma when there were none.
    func follow() {
        do {
            try store.catchUp()
        } catch {
            logger.error("cannot follow the store's change log: \(error)")
        }
    }

    /// Follows the store while no request comes, and saves the engine snapshot now and then: run
    /// until cancelled.
    public func maintain(snapshotEvery interval: Duration = .seconds(600)) async {
        let clock = ContinuousClock()
        var lastSave = clock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            await withTaskExecutorPreference(executor) {
                follow()
                if clock.now - lastSave >= interval {
                    saveSnapshotHere()
                    lastSave = clock.now
                }
            }
        }
    }

    private let savedSequence = Mutex<Int64?>(nil)

    /// Saves the engine's snapshot beside the database if it changed since the last one saved,
    /// and prunes the change log to what a day of followers and that snapshot still need (with no
    /// snapshot, to what a day of followers needs).
    public func saveSnapshot() async { await withTaskExecutorPreference(executor) { saveSnapshotHere() } }

    private func saveSnapshotHere() {
        guard let path = configuration.snapshotPath else {
            // No snapshot (a server on PostgreSQL): the log still keeps only a day, for followers
            // that fall behind; one further behind reloads.
            if let pruned = try? store.pruneChangeLog(olderThan: 24 * 3600, upTo: engine.sequence), pruned > 0 {
                logger.info("pruned \(pruned) log entries")
            }
            return
        }
        let sequence = engine.sequence
        if savedSequence.withLock({ $0 }) == sequence { return }
        do {
            let clock = ContinuousClock()
            let start = clock.now
            let saved = try engine.save(to: path, store: store)
            savedSequence.withLock { $0 = saved }
            let pruned = try store.pruneChangeLog(olderThan: 24 * 3600, upTo: saved)
            logger.info(
                "saved the engine snapshot at change \(saved) in \(clock.now - start); pruned \(pruned) log entries")
        } catch {
            logger.error("cannot save the engine snapshot to \(path): \(error)")
        }
    }

    /// Notes that the snapshot at `path` reflects `sequence` (the one the engine was opened from).
    public func snapshotLoaded(at sequence: Int64) { savedSequence.withLock { $0 = sequence } }

    public var today: Day {
        configuration.today ?? Day.today
    }

    /// A time as the deployment's users read it (their time zone, named).
    public func time(_ d: Date) -> String { Timestamp.display(d, in: configuration.timeZone) }

    private let counters = Mutex<[String: Counter]>([:])

    /// The request counter of a method and status, made once.
    func counter(method: String, status: Int) -> Counter {
        let key = "\(method) \(status)"
        if let c = counters.withLock({ $0[key] }) { return c }
        let c = metrics.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "qorgan", metricName: "http_requests", unitName: "total",
                helpText: "HTTP requests answered, by method and status"),
            labels: [("method", method), ("status", String(status))])
        counters.withLock { $0[key] = c }
        return c
    }
}

/// Builds the router: middleware, the API, the pages, health and metrics.
public func buildRouter(_ state: ServerState) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    router.add(middleware: OffPoolMiddleware(state: state))
    router.add(middleware: MetricsMiddleware(state: state))
    router.add(middleware: LogRequestsMiddleware<AppContext>(.debug))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: AuthMiddleware(state: state))

    // Cheap enough to poll: one indexed read of the database, the engine's count from memory.
    router.get("/health") { _, _ -> Response in
        let databaseUp = (try? state.store.setting("metadata_version")) != nil
        let body =
            "{\"status\":\"\(databaseUp ? "ok" : "database unavailable")\",\"values\":\(state.engine.snapshot().valueCount)}"
        return Response(
            status: databaseUp ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
    // Metrics tell who uses the system how much: for administrators and the configured scraper only.
    router.get("/metrics") { _, c -> Response in
        if !c.metricsReader {
            let user = try c.requireUser()
            guard user.role == .administrator else {
                throw APIError.forbidden("only administrators and the metrics scraper read /metrics")
            }
        }
        var buffer: [UInt8] = []
        state.metrics.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
    API.register(on: router.group("api"), state: state)
    Pages.register(on: router, state: state)
    // Last, so that they wrap only the answer for paths no route takes: a page in the user's
    // language (or a JSON error under /api) when no method takes the path, else 405.
    router.add(middleware: NotFoundMiddleware(pages: PageHandlers(state: state)))
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes.map { ($0.method, $0.path.description) }))
    return router
}

/// A path that no route takes: an error page in the user's language, with a way back (not the
/// browser's own empty 404), or under /api a JSON error that points to the OpenAPI document.
struct NotFoundMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let pages: PageHandlers

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = String(request.uri.path.prefix(200))
            if path == "/api" || path.hasPrefix("/api/") {
                throw APIError.notFound(
                    "no resource at \(path) takes \(request.method.rawValue); the API's routes are in /api/openapi.json"
                )
            }
            let message = pages.state.messages.text("notfound_message", context.language)
                .replacingOccurrences(of: "{path}", with: path)
            return pages.errorPage(request, context, APIError(.notFound, code: "not_found", message))
        }
    }
}

/// A path that exists with other methods answers 405 with `Allow`, not 404.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = AppContext
    /// Each route's method and its path's segments (`:name` and `*` match any one segment).
    let routes: [(method: HTTPRequest.Method, segments: [Substring])]

    init(routes: [(HTTPRequest.Method, String)]) {
        self.routes = routes.map { ($0.0, $0.1.split(separator: "/")) }
    }

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path.split(separator: "/")
            let allowed = Set(
                routes.filter { r in
                    r.segments.count == path.count
                        && zip(r.segments, path).allSatisfy { $0 == $1 || $0.hasPrefix(":") || $0 == "*" }
                }.map(\.method.rawValue)
            ).sorted()
            guard !allowed.isEmpty else { throw error }
            throw APIError(
                .methodNotAllowed, code: "method_not_allowed",
                "\(request.method.rawValue) is not an operation of \(request.uri.path); it takes \(allowed.joined(separator: ", "))",
                allow: allowed.joined(separator: ", "))
        }
    }
}

/// The application on `state`'s store, listening where its configuration says.
/// `onRunning` is told the port it listens on (the one asked for, or the free one found for port 0).
public func buildApplication(_ state: ServerState, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
    -> some ApplicationProtocol
{
    let port = state.configuration.port
    return Application(
        router: QorganResponderBuilder(buildRouter(state)),
        configuration: .init(address: .hostname(state.configuration.host, port: port), serverName: "Qorgan"),
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: state.logger)
}

/// Counts requests and times them, for /metrics.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let state: ServerState
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            state.requestDuration.record(ContinuousClock.now - start)
            state.counter(method: request.method.rawValue, status: Int(response.status.code)).increment()
            return response
        } catch {
            state.requestDuration.record(ContinuousClock.now - start)
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            state.counter(method: request.method.rawValue, status: Int(status)).increment()
            throw error
        }
    }
}

/// Headers every answer carries: no framing by other sites, no MIME sniffing, and a
/// content policy that allows only Qorgan's own scripts and styles (no CDN: deployments are offline).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppContext
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        response.headers[.referrerPolicy] = "same-origin"
        return response
    }
}

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
                guard let user = try state.store.tokenUser(tokenHash: Secrets.sha256(credentials)) else {
                    throw APIError(
                        .unauthorized, code: "invalid_token", "this API token is unknown, expired or revoked")
                }
                context.principal = user.principal
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
            default:
                throw APIError(
                    .unauthorized, code: "unauthorized",
                    "the Authorization header takes 'Bearer TOKEN', 'ApiToken TOKEN' or HTTP Basic credentials")
            }
            context.authentication = .token
        } else if let cookie = request.cookies[Self.sessionCookie]?.value {
            let hash = Secrets.sha256(cookie)
            if let s = try state.store.session(tokenHash: hash) {
                context.principal = s.user.principal
                context.csrf = s.csrf
                context.authentication = .session(tokenHash: hash)
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
    /// failures for a name or from an address, 429 until the window has passed.
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
            try state.store.recordSecurityEvent(
                actor: context.clientAddress, action: "SIGN_IN_THROTTLED", subject: username, detail: "HTTP Basic")
            var error = APIError(
                .tooManyRequests, code: "throttled",
                "too many failed sign-ins for this name or from this address; try again in \((wait + 59) / 60) minutes")
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

/// Refuses anonymous requests with 401 before a route reads anything.
struct RequireUser: RouterMiddleware {
    typealias Context = AppContext
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        _ = try context.requireUser()
        return try await next(request, context)
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
