import ArgumentParser
import Foundation
import Logging
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganServer
import QorganStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Run the web application and the JSON API.",
        discussion: """
            Serves the pages (dashboard, data entry, pivot, metadata, history, users) and the API under /api,
            with /health and Prometheus metrics at /metrics. Sign-in needs a user: 'qorgan users add', or --demo.
              qorgan serve --demo                 # the demo programme (created if missing) and its demo users
              qorgan serve --port 9000 --host 0.0.0.0
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port).") var port = 8080
    @Flag(help: "Create the demo programme if the database does not exist, and the demo users if missing.") var demo =
        false
    @Flag(help: "Mark cookies Secure (when Qorgan is reached over HTTPS, e.g. behind a TLS proxy).") var secureCookies =
        false
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Option(
        name: .customLong("trusted-proxy"),
        help:
            "The address of a proxy in front of Qorgan (repeatable): only its X-Forwarded-For and Forwarded headers are believed."
    )
    var trustedProxies: [String] = []
    @Option(
        help:
            "A secret that lets a scraper read /metrics with 'Authorization: Bearer SECRET' (else QORGAN_METRICS_TOKEN; administrators always may)."
    )
    var metricsToken: String?
    @Option(help: "Where to POST events (a form completed, an approval step) as JSON, for an agency's own messaging.")
    var webhook: String?
    @Option(help: "The users' time zone, for times on the pages (default: $QORGAN_TIME_ZONE, else Asia/Almaty).")
    var timeZone: String?

    func run() async throws {
        do {
            try await serve()
        } catch let e as QorganError {
            FileHandle.standardError.write(Data(("error: " + e.description + "\n").utf8))
            throw ExitCode(1)
        } catch {
            // The listening socket: a port another program holds, one this user may not take, or
            // an address that is not this machine's.
            let said = "\(error)"
            let plainly: [(signs: [String], message: String)] = [
                (
                    ["Address already in use", "errno: 98"],
                    "port \(port) on \(host) is in use by another program: stop it, or choose another port with --port (--port 0 takes any free one)"
                ),
                (
                    ["Permission denied", "errno: 13"],
                    "this user may not listen on port \(port) of \(host) (ports below 1024 need root): choose another with --port"
                ),
                (
                    ["Cannot assign requested address", "errno: 99"],
                    "\(host) is not an address of this machine: choose another with --host"
                ),
            ]
            if let known = plainly.first(where: { $0.signs.contains { said.contains($0) } }) {
                FileHandle.standardError.write(Data("error: \(known.message)\n".utf8))
                throw ExitCode(1)
            }
            guard let plain = QorganError.plain(error, waited: 10) else { throw error }
            FileHandle.standardError.write(Data(("error: " + plain.description + "\n").utf8))
            throw ExitCode(1)
        }
    }

    func serve() async throws {
        if demo && !store.exists {
            let s = try store.create()
            try DemoProgramme.install(into: s)
            FileHandle.standardOutput.write(
                Data("Created \(store.shown) with the demo programme (\(try s.valueCount()) values).\n".utf8))
        }
        if let path = store.path, !store.exists {
            throw QorganError.invalidArgument(
                "no database at '\(path)': run 'qorgan serve --demo' (demo programme), or 'qorgan init' (empty) first, or pass --database"
            )
        }
        let db = try store.open(concurrentReads: true)
        // A new PostgreSQL database gets the demo programme the first time a server opens it.
        if try demo && store.path == nil && db.isEmpty() {
            try DemoProgramme.install(into: db)
            FileHandle.standardOutput.write(
                Data("Put the demo programme into \(store.shown) (\(try db.valueCount()) values).\n".utf8))
        }
        // The demo's public password never reaches a real programme's database.
        var created: [String] = []
        if demo {
            guard try db.setting("demo.notice") != nil else {
                throw QorganError.conflict(
                    "\(store.shown) holds a programme that is not the demo's: --demo would add sign-ins with the demo's public password to it; nothing was changed. Run 'qorgan serve' without --demo, or give --database a new file for the demo"
                )
            }
            created = try DemoAccounts.ensure(in: db)
        }
        let snapshotPath = store.snapshot
        let (engine, opening) = try AnalyticsEngine.open(store: db, snapshot: snapshotPath)

        var config = ServerConfiguration()
        if let webhook {
            guard let url = URL(string: webhook), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw QorganError.invalidArgument("--webhook takes an http or https address, not '\(webhook)'")
            }
            config.webhook = url
        }
        let zone = timeZone ?? ProcessInfo.processInfo.environment["QORGAN_TIME_ZONE"].flatMap { $0.isEmpty ? nil : $0 }
        if let zone {
            guard let tz = TimeZone(identifier: zone) else {
                throw QorganError.invalidArgument(
                    "--time-zone takes a name of the time zone database (Asia/Almaty, Asia/Aqtobe, UTC), not '\(zone)'")
            }
            config.timeZone = tz
        }
        config.host = host
        config.port = port
        config.secureCookies = secureCookies
        config.trustedProxies = Set(trustedProxies)
        config.metricsToken =
            metricsToken
            ?? ProcessInfo.processInfo.environment["QORGAN_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let token = config.metricsToken, token.count < 16 {
            throw QorganError.invalidArgument("--metrics-token must be at least 16 characters long (it is a secret)")
        }
        var logger = Logger(label: "qorgan")
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw QorganError.invalidArgument(
                "--log-level is one of trace, debug, info, notice, warning, error, critical; not '\(logLevel)'")
        }
        logger.logLevel = level
        config.snapshotPath = snapshotPath
        if let s = opening.snapshotSequence {
            logger.info(
                "engine: \(opening.values) values from the snapshot at change \(s) and the log after it, in \(Int(opening.seconds * 1000)) ms"
            )
        } else {
            logger.info(
                "engine: \(opening.values) values from the database in \(Int(opening.seconds * 1000)) ms; snapshot not used: \(opening.snapshotIgnored ?? "none")"
            )
        }
        let state = try await ServerState(store: db, engine: engine, configuration: config, logger: logger)
        if let s = opening.snapshotSequence { state.snapshotLoaded(at: s) }
        let users = try db.userCount()
        let demo = self.demo
        let madeNow = created
        let app = buildApplication(state) { actual in
            var lines = [
                "Qorgan is serving http://\(host):\(actual) (\(engine.snapshot().valueCount) values, \(users) users)"
            ]
            if !madeNow.isEmpty {
                lines.append(
                    "Demo sign-ins, password '\(DemoAccounts.password)': "
                        + DemoAccounts.accounts.filter { madeNow.contains($0.username) }.map {
                            "\($0.username) (\($0.role.rawValue), \($0.units.joined(separator: ",")))"
                        }.joined(separator: ", "))
            } else if demo {
                lines.append(
                    "The demo sign-ins were made earlier: "
                        + DemoAccounts.accounts.map(\.username).joined(separator: ", ")
                        + " (each with the password it has now; 'qorgan-demo' unless it was changed)")
            } else if users == 0 {
                lines.append("No users yet: qorgan users add NAME --role administrator --unit ROOT_UNIT_CODE")
            }
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        // SIGTERM and SIGINT also tell requests under way to stop (the service group stops taking
        // new ones): an import in flight rolls back at its next step instead of running to its end.
        let stopSignals = [SIGTERM, SIGINT].map { signal -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { state.beginStopping() }
            source.resume()
            return source
        }
        defer { for source in stopSignals { source.cancel() } }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await state.maintain() }
            // The first snapshot of a database, or a newer one than the one read, is saved at once.
            group.addTask { await state.saveSnapshot() }
            try await app.runService()
            group.cancelAll()
        }
        // After a graceful shutdown: the next start reads this snapshot.
        await state.saveSnapshot()
    }
}
