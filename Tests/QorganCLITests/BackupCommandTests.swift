import Foundation
import GRDB
import QorganAnalytics
import QorganCore
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Synchronization
import Testing

/// Keeping data through the command line: a restore gives the identical report, and a database
/// of a newer Qorgan, another program's file or a location this build cannot open is refused with its
/// reason, nothing changed.
@Suite struct BackupCommandTests {
    static let element = "DEPARTURES_STOPPED"

    @Test func aRestoredDatabaseGivesTheIdenticalReportAndAFollowerReloads() throws {
        let cli = CLIRunner()
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
        try Follow.expectEqual(engine, to: follower, "after the restore", periods: ["2016", "2017", "201711"])

        // The restore drill: into a new file, the same report.
        let drill = Fixtures.temporaryPath("drill.sqlite")
        #expect(try cli.qorgan("restore", backup, database: drill).status == 0)
        #expect(try cli.qorgan("report", "--format", "json", database: drill).out == report)
        let itself = try cli.qorgan("restore", drill, "--replace", database: drill)
        #expect(itself.status == 1 && itself.err.contains("the database itself"), "\(itself.err)")
    }

    @Test func whatCannotBeOpenedIsRefusedWithItsReasonAndLeftAsItWas() throws {
        let cli = CLIRunner()
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
}
