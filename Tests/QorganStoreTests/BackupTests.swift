import Foundation
import GRDB
import QorganAnalytics
import QorganCore
import QorganStore
import QorganTestSupport
import Synchronization
import Testing

/// Keeping data: a backup taken while another connection writes is the database as of one
/// commit; a restore gives the identical report and a process following the database reloads;
/// a database of a newer Qorgan, another program's file, a failed upgrade or a location this
/// build cannot open is refused with its reason, and nothing is changed.
@Suite struct BackupTests {
    static let element = "DEPARTURES_STOPPED"

    /// The two values one commit of the writer below sets together: December 2017 (a month not
    /// approved in the demo) of two regions.
    static func pair(_ store: Store) throws -> (String?, String?) {
        let catalog = try store.catalog()
        let e = try #require(catalog.element(element)).uid
        let period = try #require(Period.parse("201712"))
        func value(_ unit: String) throws -> String? {
            let u = try #require(catalog.unit(unit)).uid
            return try store.value(DataValueKey(element: e, period: period, unit: u))?.value
        }
        return (try value("ZKO"), try value("MAN"))
    }

    @Test func aBackupTakenWhileAnotherConnectionWritesIsTheDatabaseAsOfOneCommit() throws {
        let (store, _) = try DemoFixture.store()
        try store.reopen([("SECURITY", "201712", "ZKO"), ("SECURITY", "201712", "MAN")])
        let path = try #require(store.path)
        let writer = try Store(path: path)
        let commits = 150
        let failures = Mutex<[String]>([])
        let done = DispatchSemaphore(value: 0)
        // Each commit sets both regions' value to the same number.
        DispatchQueue.global().async {
            defer { done.signal() }
            for i in 0..<commits {
                do {
                    try writer.saveValues(
                        ["ZKO", "MAN"].map {
                            DataValueInput(element: Self.element, period: "201712", unit: $0, value: String(1000 + i))
                        }, user: "writer")
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        var backups: [(file: String, pair: (String?, String?))] = []
        for n in 0..<4 {
            let file = Fixtures.temporaryPath("backup-\(n).sqlite")
            try store.backup(to: file)
            backups.append((file, try Self.pair(Store(path: file))))
        }
        done.wait()
        #expect(failures.withLock { $0 } == [])
        let last = Fixtures.temporaryPath("backup-last.sqlite")
        let summary = try store.backup(to: last)
        #expect(summary == (try store.summary()))
        let final = String(1000 + commits - 1)
        #expect(try Self.pair(Store(path: last)) == (final, final))
        for (file, pair) in backups {
            #expect(pair.0 == pair.1, "\(file): \(pair.0 ?? "-") and \(pair.1 ?? "-") were written in one commit")
        }
        // A backup never overwrites a file.
        #expect(throws: QorganError.self) { try store.backup(to: last) }
        #expect(!FileManager.default.fileExists(atPath: last + ".partial"))
    }

    @Test func anUpgradeThatFailsPutsTheDatabaseBackAsItWas() throws {
        // A database as version v10 left it, except that a table v12 creates is there already, so
        // that v11 runs and v12 fails (v13 and v14 are never reached).
        let (store, _) = try DemoFixture.store()
        let path = try #require(store.path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: """
                    DELETE FROM grdb_migrations
                    WHERE identifier LIKE 'v11:%' OR identifier LIKE 'v12:%' OR identifier LIKE 'v13:%'
                        OR identifier LIKE 'v14:%'
                    """)
            try db.execute(sql: "DROP TABLE favourite; DROP TABLE interpretation")
            for table in ["incident", "site", "assessment"] {
                try db.execute(sql: "ALTER TABLE \(table) DROP COLUMN translations")
            }
            try db.execute(sql: "ALTER TABLE org_unit DROP COLUMN geometry")
        }
        try queue.close()
        do {
            _ = try Store(path: path)
            Issue.record("the upgrade should have failed")
        } catch let e as QorganError {
            #expect(e.description.contains("put back as it was") && e.description.contains("v10:"), "\(e)")
        }
        let check = try DatabaseQueue(path: path)
        try check.read { db in
            let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            #expect(!applied.contains { $0.hasPrefix("v11:") || $0.hasPrefix("v12:") || $0.hasPrefix("v13:") })
            #expect(!applied.contains { $0.hasPrefix("v14:") })
            #expect(try !db.tableExists("favourite"))
            #expect(try !db.columns(in: "incident").contains { $0.name == "translations" })
            #expect(try !db.columns(in: "org_unit").contains { $0.name == "geometry" })
        }
        try check.close()
        #expect(!FileManager.default.fileExists(atPath: path + ".before-upgrade"))
    }
}
