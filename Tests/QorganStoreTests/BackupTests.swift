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
        let (store, _) = try WebFixture.store()
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

    @Test func aRestoredDatabaseGivesTheIdenticalReportAndAFollowerReloads() throws {
        let cli = CLITests()
        let db = Fixtures.temporaryPath()
        try cli.qorgan("demo", database: db)
        let report = try cli.qorgan("report", "--format", "json", database: db).out
        let backup = Fixtures.temporaryPath("kept.sqlite")
        let made = try cli.qorgan("backup", backup, database: db)
        #expect(made.status == 0 && made.out.contains("30605 values"), "\(made.err)")

        // A process that follows the database: its engine must not take the restore for news.
        let follower = try Store(path: db)
        let (engine, _) = try AnalyticsEngine.open(store: follower)
        try cli.qorgan(
            "values", "set", "--element", Self.element, "--unit", "ZKO", "--period", "201711", "--value", "9",
            "--force", database: db)
        #expect(try cli.qorgan("report", "--format", "json", database: db).out != report)
        let before = try follower.lastChange()

        let refused = try cli.qorgan("restore", backup, database: db)
        #expect(refused.status == 1 && refused.err.contains("--replace"), "\(refused.err)")
        let restored = try cli.qorgan("restore", backup, "--replace", database: db)
        #expect(restored.status == 0, "\(restored.err)")
        #expect(try cli.qorgan("report", "--format", "json", database: db).out == report)
        try follower.catchUp()
        #expect(try follower.lastChange() > before)
        #expect(engine.sequence == (try follower.lastChange()))
        try FollowTests.expectEqual(engine, to: follower, "after the restore", periods: ["2016", "2017", "201711"])

        // The restore drill: into a new file, the same report.
        let drill = Fixtures.temporaryPath("drill.sqlite")
        #expect(try cli.qorgan("restore", backup, database: drill).status == 0)
        #expect(try cli.qorgan("report", "--format", "json", database: drill).out == report)
        let itself = try cli.qorgan("restore", drill, "--replace", database: drill)
        #expect(itself.status == 1 && itself.err.contains("the database itself"), "\(itself.err)")
    }

    @Test func whatCannotBeOpenedIsRefusedWithItsReasonAndLeftAsItWas() throws {
        let cli = CLITests()
        let dir = Fixtures.temporaryPath("files")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)

        // A database a newer Qorgan has written.
        let (store, _) = try WebFixture.store()
        let newer = try #require(store.path)
        let queue = try DatabaseQueue(path: newer)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99: from the future')")
        }
        try queue.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: newer))
        #expect(throws: QorganError.self) { try Store(path: newer) }
        let run = try cli.qorgan("report", database: newer)
        #expect(
            run.status == 1 && run.err.contains("newer Qorgan") && run.err.contains("v99: from the future"),
            "\(run.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: newer)) == bytes)

        // Another program's SQLite file, and a file that is no database.
        let foreign = dir + "/foreign.sqlite"
        let other = try DatabaseQueue(path: foreign)
        try other.write { db in try db.execute(sql: "CREATE TABLE invoices (id INTEGER)") }
        try other.close()
        let foreignRun = try cli.qorgan("report", database: foreign)
        #expect(
            foreignRun.status == 1 && foreignRun.err.contains("another program's SQLite database"), "\(foreignRun.err)")
        let garbage = dir + "/garbage.sqlite"
        try Data("not a database at all, but long enough to have a header of sorts....".utf8)
            .write(to: URL(fileURLWithPath: garbage))
        let restore = try cli.qorgan("restore", garbage, database: dir + "/new.sqlite")
        #expect(restore.status == 1 && restore.err.contains("garbage.sqlite"), "\(restore.err)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/new.sqlite"))

        // Locations that cannot be opened: refused with the reason, the password never shown.
        for (location, reason) in [
            ("postgres://qorgan:s3cret@127.0.0.1:1/qorgan", "cannot connect to the PostgreSQL database"),
            ("postgres://qorgan:s3cret@127.0.0.1:5432", "names no database"),
            ("postgresql://qorgan:s3cret@/qorgan", "names no host"),
            ("postgres://qorgan:s3cret@127.0.0.1:5432/qorgan?sslmode=sometimes", "sslmode must be"),
            ("mysql://db/x", "unknown kind"), ("sqlite:", "names no file"),
        ] {
            let r = try cli.qorgan("report", database: location)
            #expect(r.status != 0 && r.err.contains(reason) && !r.err.contains("s3cret"), "\(location): \(r.err)")
        }
        #expect(try cli.qorgan("report", "--format", "md", database: "sqlite:" + newer).status == 1)
    }

    @Test func anUpgradeThatFailsPutsTheDatabaseBackAsItWas() throws {
        // A database as version v10 left it, except that a table v12 creates is there already, so
        // that v11 runs and v12 fails.
        let (store, _) = try WebFixture.store()
        let path = try #require(store.path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v11:%' OR identifier LIKE 'v12:%'")
            for table in ["incident", "site", "assessment"] {
                try db.execute(sql: "ALTER TABLE \(table) DROP COLUMN translations")
            }
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
            #expect(!applied.contains { $0.hasPrefix("v11:") || $0.hasPrefix("v12:") })
            #expect(try !db.columns(in: "incident").contains { $0.name == "translations" })
        }
        try check.close()
        #expect(!FileManager.default.fileExists(atPath: path + ".before-upgrade"))
    }
}
