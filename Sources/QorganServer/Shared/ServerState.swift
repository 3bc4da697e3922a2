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
    /// The public portal's counts and cell keys (`portalData()`).
    let portalCache = Mutex<PortalData?>(nil)
    /// The cell keys of every count for the portal's report, with the engine's generation they
    /// were read at: one scan for every language and format of one state.
    let portalReportKeys = Mutex<(generation: UInt64, keys: PublicCellKeys)?>(nil)
    let logger: Logger
    /// Set when the server is asked to stop (SIGTERM, SIGINT): long requests stop and roll back.
    private let stopping = Atomic<Bool>(false)
    public func beginStopping() { stopping.store(true, ordering: .relaxed) }
    public var isStopping: Bool { stopping.load(ordering: .relaxed) }
    /// What long work asks to know whether to stop (`Interruption.check`).
    var stopSignal: Interruption.Signal { Interruption.Signal { [self] in self.isStopping } }
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
