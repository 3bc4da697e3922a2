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

/// Builds the router: middleware, the API, the pages, health and metrics.
public func buildRouter(_ state: ServerState) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    router.add(middleware: OffPoolMiddleware(state: state))
    router.add(middleware: MetricsMiddleware(state: state))
    router.add(middleware: LogRequestsMiddleware<AppContext>(.debug))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: AuthMiddleware(state: state))
    router.add(middleware: EmptyParameterMiddleware())

    let routes = Routes(
        pages: router, api: router.group("api").group().add(middleware: RequireUser()),
        p: PageHandlers(state: state), h: Handlers(state: state))
    let features: [any ServerFeature.Type] = [
        FrameFeature.self, AccountsFeature.self, EntryFeature.self, QualityFeature.self, ApprovalFeature.self,
        AnalyticsFeature.self, RegistriesFeature.self, ReportFeature.self, MetadataFeature.self, DHIS2Feature.self,
        PublicFeature.self,
    ]
    for feature in features { feature.register(routes) }
    // Last, so that they wrap only the answer for paths no route takes: a page in the user's
    // language (or a JSON error under /api) when no method takes the path, else 405.
    router.add(middleware: NotFoundMiddleware(pages: PageHandlers(state: state)))
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes.map { ($0.method, $0.path.description) }))
    return router
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
