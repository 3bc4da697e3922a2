import Foundation
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganStore

/// A demo database made once per test run (with whatever `prepare` adds), copied for each test.
public struct DemoTemplate: Sendable {
    public let path: String

    public init(_ prepare: (Store) throws -> Void = { _ in }) {
        path = Fixtures.temporaryPath()
        do {
            let store = try Store(path: path)
            try DemoProgramme.install(into: store)
            try prepare(store)
        } catch {
            fatalError("the demo database the tests copy could not be made at \(path): \(error)")
        }
    }

    /// A fresh copy of the demo database, with its engine.
    public func store(on backend: TestBackend = .sqlite) throws -> (Store, AnalyticsEngine) {
        let store = try Store(location: try demo(on: backend))
        let (engine, _) = try AnalyticsEngine.open(store: store)
        return (store, engine)
    }

    /// A fresh copy of the demo database on `backend`: a file, or a new PostgreSQL database that
    /// the demo is migrated into.
    public func demo(on backend: TestBackend) throws -> DatabaseLocation {
        let copy = Fixtures.temporaryPath()
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        switch backend {
        case .sqlite: return try DatabaseLocation(copy)
        case .postgres:
            let location = try TestBackend.postgres.location()
            _ = try Store.migrate(from: try Store(path: copy), to: location)
            return location
        }
    }
}

/// The demo programme without accounts, for the tests below the server.
public enum DemoFixture {
    public static let template = DemoTemplate()

    /// A fresh copy of the demo database, with its engine.
    public static func store(on backend: TestBackend = .sqlite) throws -> (Store, AnalyticsEngine) {
        try template.store(on: backend)
    }

    /// A fresh copy of the demo database on `backend`.
    public static func demo(on backend: TestBackend) throws -> DatabaseLocation { try template.demo(on: backend) }
}

/// The real binary serving the demo on a free loopback port, for tests that need a socket.
public struct ServedDemo {
    public let process: Process
    /// `http://127.0.0.1:PORT`
    public let address: String
    /// What the server printed until it listened.
    public let printed: String

    /// Starts `qorgan serve --demo` on `database` and waits (up to two minutes) until it listens.
    public static func start(database: String) throws -> ServedDemo {
        let server = Process()
        server.executableURL = CLIRunner.binary
        server.arguments = ["serve", "--demo", "--database", database, "--port", "0", "--log-level", "warning"]
        let out = Pipe()
        server.standardOutput = out
        server.standardError = FileHandle.standardError
        try server.run()
        var printed = ""
        let deadline = Date().addingTimeInterval(120)
        while !printed.contains("Qorgan is serving"), Date() < deadline, server.isRunning {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty {
                Thread.sleep(forTimeInterval: 0.05)
            } else {
                printed += String(decoding: chunk, as: UTF8.self)
            }
        }
        guard let line = printed.split(separator: "\n").first(where: { $0.contains("Qorgan is serving") }),
            let url = line.split(separator: " ").first(where: { $0.hasPrefix("http://") })
        else {
            if server.isRunning { server.terminate() }
            throw QorganError.invalidArgument("the server did not start: \(printed)")
        }
        return ServedDemo(process: server, address: String(url), printed: printed)
    }

    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

extension Store {
    /// Marks forms (code, period, unit code) incomplete, as their office would to correct them.
    public func reopen(_ forms: [(String, String, String)]) throws {
        let catalog = try catalog()
        for (form, period, unit) in forms {
            guard let f = catalog.dataSet(form), let u = catalog.unit(unit) else {
                throw QorganError.invalidArgument("no form \(form) or unit \(unit) in the demo")
            }
            try setCompletion(dataSet: f.uid, period: period, unit: u.uid, complete: false, by: "test")
        }
    }
}
