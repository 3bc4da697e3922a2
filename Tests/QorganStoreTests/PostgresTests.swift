import Foundation
import Logging
import PostgresNIO
import QorganAnalytics
import QorganCore
import QorganStore
import QorganTestSupport
import Synchronization
import Testing

/// What only PostgreSQL has: a server other processes reach, databases moved in and out of it,
/// notifications, and its own ways of being wrong. The store's other tests run on it too
/// (parameterised over `TestBackend`).
@Suite struct PostgresTests {

    @Test func aURLIsReadAsLibpqReadsIt() throws {
        let l = try PostgresLocation(url: "postgresql://q%40x:p%40ss%3Aw%2F@db.example:6543/prog?sslmode=require")
        #expect(l.user == "q@x" && l.password == "p@ss:w/" && l.host == "db.example" && l.port == 6543)
        #expect(l.database == "prog" && l.sslMode == "require")
        #expect(try PostgresLocation(url: l.url) == l)
        #expect(!l.redacted.contains("p@ss") && l.redacted.contains(":***@"))
        let plain = try PostgresLocation(url: "postgres://qorgan@localhost/qorgan")
        #expect(plain.port == 5432 && plain.sslMode == "prefer" && plain.password == nil)
        for (url, reason) in [
            ("postgres://db.example/prog", "names no user"), ("postgres://u@db.example", "names no database"),
            ("postgres://u@db.example/a/b", "names no database"),
            ("postgres://u@db.example/prog?application_name=x", "not a setting Qorgan reads"),
        ] {
            #expect {
                _ = try PostgresLocation(url: url)
            } throws: { e in (e as? QorganError)?.description.contains(reason) == true }
        }
    }

    /// Another process's commit reaches an engine through NOTIFY, with no request asking for it.
    @Test func aNotificationWakesAnotherProcesssEngine() throws {
        let location = try TestBackend.postgres.location()
        let writer = try Store(location: location)
        try writer.importMetadata(Fixtures.smallCatalogDocument(), user: "t")
        let reader = try Store(location: location, concurrentReads: true)
        let (engine, _) = try AnalyticsEngine.open(store: reader)
        try writer.saveValues([DataValueInput(element: "AVG", period: "201601", unit: "A1", value: "42")], user: "t")
        let deadline = Date().addingTimeInterval(10)
        while engine.snapshot().valueCount == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(engine.snapshot().valueCount == 1)
        try Follow.expectEqual(engine, to: reader, "after the notification")
    }

    /// Writers in several processes at once (threads with stores of their own) and many threads
    /// writing through one store that an engine follows, more of them than its connections: every
    /// write is kept, nothing waits forever, the change log numbers commits one after another with
    /// no gap, and the engine that follows the log equals the store.
    @Test func concurrentWritersAreSerialisedAndTheLogHasNoGap() throws {
        let location = try TestBackend.postgres.location()
        let first = try Store(location: location)
        try first.importMetadata(Fixtures.smallCatalogDocument(), user: "t")
        let start = try first.lastChange()
        let (engine, _) = try AnalyticsEngine.open(store: first)
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        let units = ["A1", "A2", "B1"]
        for w in 0..<18 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    // Three with stores of their own, fifteen through the followed store (8 connections).
                    let store = w < 3 ? try Store(location: location) : first
                    for i in 0..<10 {
                        let period = "20\(10 + w / 3)\(i < 9 ? "0" : "")\(i + 1)"
                        try store.saveValues(
                            [
                                DataValueInput(
                                    element: "SUM", period: period, unit: units[w % 3], optionCombo: "M",
                                    value: String(w * 100 + i))
                            ], user: "writer\(w)")
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(group.wait(timeout: .now() + 120) == .success, "the writers did not finish: a deadlock?")
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        #expect(try first.lastChange() == start + 180)
        try first.catchUp()
        try Follow.expectEqual(engine, to: first, "after eighteen writers")
        #expect(try first.valueCount() == 180)
    }
}
