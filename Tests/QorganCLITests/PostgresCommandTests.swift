import Foundation
import Logging
import PostgresNIO
import QorganAnalytics
import QorganCore
import QorganServer
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Synchronization
import Testing

/// PostgreSQL through the command line: databases moved in and out of it, backups and restores,
/// and what cannot be opened refused with its reason.
@Suite struct PostgresCommandTests {
    /// Runs SQL on `location` as another program would, outside Qorgan.
    static func raw(_ location: PostgresLocation, _ statements: String...) throws {
        var config = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        config.options.connectTimeout = .seconds(10)
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: config, id: 1,
            logger: Logger(label: "test")
        ).wait()
        defer { try? connection.close().wait() }
        for sql in statements {
            _ = try connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test")).wait()
        }
    }

    static func pg(_ location: DatabaseLocation) throws -> PostgresLocation {
        guard case .postgres(let pg) = location.kind else { throw QorganError.invalidArgument("not PostgreSQL") }
        return pg
    }
    @Test func whatCannotBeOpenedIsRefusedWithItsReasonAndLeftAsItWas() throws {
        let server = try TestPostgres.server()
        let cli = CLIRunner()

        // A wrong password: the server's reason, the password never repeated.
        var wrong = server
        wrong.password = "not-the-password"
        let denied = try cli.qorgan("report", database: wrong.url)
        #expect(
            denied.status == 1 && denied.err.contains("password authentication failed")
                && !denied.err.contains("not-the-password"), "\(denied.err)")
        // A database that does not exist, and a server that does not answer.
        var missing = server
        missing.database = "no_such_database"
        let none = try cli.qorgan("report", database: missing.url)
        #expect(none.status == 1 && none.err.contains("does not exist"), "\(none.err)")

        // A user who may not create tables in the database (PostgreSQL 15 grants no one but the
        // owner the right in `public`; scripts/postgres makes qorgan_reader): the reason.
        var reader = try TestPostgres.newDatabase()
        reader.user = "qorgan_reader"
        reader.password = "reader"
        let refused = try cli.qorgan("report", database: reader.url)
        #expect(
            refused.status == 1 && refused.err.contains("permission denied")
                && refused.err.contains("createdb -O"), "\(refused.err)")

        // Another program's tables: refused, and left as they were.
        let foreign = try TestPostgres.newDatabase()
        try Self.raw(foreign, "CREATE TABLE invoices (id integer)")
        let other = try cli.qorgan("report", database: foreign.url)
        #expect(other.status == 1 && other.err.contains("another program's tables"), "\(other.err)")
        #expect(throws: QorganError.self) { try Store(postgres: foreign) }

        // A schema a newer Qorgan wrote: refused by name, nothing changed.
        let newer = try TestPostgres.newDatabase()
        let store = try Store(postgres: newer)
        try store.setSetting("kept", "yes")
        #expect(try store.setting("never set") == nil)  // a read that finds nothing is nil, not an error
        try Self.raw(newer, "INSERT INTO grdb_migrations(identifier) VALUES ('v99: from the future')")
        let future = try cli.qorgan("report", database: newer.url)
        #expect(
            future.status == 1 && future.err.contains("newer Qorgan") && future.err.contains("v99: from the future"),
            "\(future.err)")
        #expect(try store.setting("kept") == "yes")

        // migrate never mixes two databases: into one that has tables, nothing is written.
        let source = Fixtures.temporaryPath()
        _ = try Store(path: source)
        let into = try CLIRunner.run(CLIRunner.binary, ["migrate", "--from", source, "--to", foreign.url])
        #expect(into.status == 1 && into.err.contains("already holds tables"), "\(into.err)")
        let same = try CLIRunner.run(CLIRunner.binary, ["migrate", "--from", source, "--to", "sqlite:" + source])
        #expect(same.status != 0 && same.err.contains("the same database"), "\(same.err)")
    }

    /// The demo moved into PostgreSQL and back out into a new file: every count and the whole
    /// report are the same in all three, and the copy in PostgreSQL serves the same figures.
    @Test func migrateThereAndBackKeepsEverythingAndTheReport() throws {
        let cli = CLIRunner()
        let original = try TestBackend.url(try WebFixture.demo(on: .sqlite))
        let pg = try TestPostgres.newDatabase()
        let back = Fixtures.temporaryPath("back.sqlite")
        let there = try CLIRunner.run(CLIRunner.binary, ["migrate", "--from", original, "--to", pg.url])
        #expect(there.status == 0 && there.out.contains("Verified"), "\(there.out)\(there.err)")
        #expect(
            !there.out.contains(":\(pg.password ?? "-")@") && there.out.contains(":***@"),
            "the password is shown: \(there.out)")
        let home = try CLIRunner.run(CLIRunner.binary, ["migrate", "--from", pg.url, "--to", back])
        #expect(home.status == 0 && home.out.contains("Verified"), "\(home.out)\(home.err)")
        var reports: [String] = []
        for database in [original, pg.url, back] {
            let r = try cli.qorgan("report", "--format", "json", database: database)
            #expect(r.status == 0, "\(r.err)")
            reports.append(r.out)
        }
        #expect(reports[0].count > 10_000)
        #expect(reports[1] == reports[0] && reports[2] == reports[0])
        let a = try Store(path: original).summary()
        #expect(try Store(postgres: pg).summary() == a)
        #expect(try Store(path: back).summary() == a)
        #expect(a.values == 30605 && a.users == DemoAccounts.accounts.count && a.sites > 0 && a.changeLog > 0)
        // A database with no programme report: its values are compared one by one instead.
        let small = Fixtures.temporaryPath("small.sqlite")
        let smallStore = try Store(path: small)
        try smallStore.importMetadata(Fixtures.smallCatalogDocument(), user: "t")
        try smallStore.saveValues(
            [DataValueInput(element: "AVG", period: "201601", unit: "A1", value: "2.5")], user: "t")
        let bare = try CLIRunner.run(
            CLIRunner.binary, ["migrate", "--from", small, "--to", try TestPostgres.newDatabase().url])
        #expect(
            bare.status == 0 && bare.out.contains("1 values, digest")
                && bare.out.contains("defines no programme report"),
            "\(bare.out)\(bare.err)")

        // The history of one value came across whole.
        let key = try #require(try Store(path: original).values().first?.key)
        #expect(try Store(postgres: pg).history(key) == (try Store(path: original).history(key)))
    }

    /// pg_dump taken while another process writes holds one moment; restored into an empty
    /// database and over the database itself it gives the same report; bad input changes nothing.
    @Test func aBackupRestoresToTheSameReport() throws {
        let cli = CLIRunner()
        let location = try WebFixture.demo(on: .postgres)
        let url = try TestBackend.url(location)
        let dir = URL(fileURLWithPath: Fixtures.temporaryPath()).deletingLastPathComponent().path
        @Sendable func period(_ i: Int) -> String { "\(2000 + i / 12)\(i % 12 < 9 ? "0" : "")\(i % 12 + 1)" }

        // Commits go on while the backup runs: the copy holds the first k of them, no more, no less.
        let writer = try Store(location: location)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            defer { done.signal() }
            for i in 0..<20 {
                _ = try? writer.saveValues(
                    [DataValueInput(element: "CONVICTIONS", period: period(i), unit: "ZKO", value: "\(i)")],
                    user: "writer")
            }
        }
        let moving = try cli.qorgan("backup", dir + "/moving.dump", database: url)
        done.wait()
        #expect(moving.status == 0 && moving.out.contains("Backed up"), "\(moving.err)")
        let drill = try TestPostgres.newDatabase()
        #expect(try cli.qorgan("restore", dir + "/moving.dump", database: drill.url).status == 0)
        let copy = try Store(postgres: drill)
        let k = try copy.valueCount() - 30605
        #expect((0...20).contains(k))
        let copied = try copy.values().filter {
            $0.key.period.iso.hasPrefix("200") || $0.key.period.iso.hasPrefix("2010")
        }
        #expect(Set(copied.map(\.key.period.iso)) == Set((0..<k).map(period)), "k = \(k)")

        // Quiet: the restored database gives the identical report.
        let report = try cli.qorgan("report", "--format", "json", database: url).out
        #expect(report.count > 10_000)
        let quiet = try cli.qorgan("backup", dir + "/quiet.dump", database: url)
        #expect(quiet.status == 0, "\(quiet.err)")
        #expect(try cli.qorgan("backup", dir + "/quiet.dump", database: url).status == 1)  // never overwritten
        let empty = try TestPostgres.newDatabase()
        #expect(try cli.qorgan("restore", dir + "/quiet.dump", database: empty.url).status == 0)
        #expect(try cli.qorgan("report", "--format", "json", database: empty.url).out == report)

        // Over the database itself: only with --replace; then it is the backup's moment again, and
        // its change log goes on past every number it had given.
        let last = try writer.lastChange()
        try writer.saveValues(
            [DataValueInput(element: "CONVICTIONS", period: "201901", unit: "ZKO", value: "7")], user: "w")
        #expect(try cli.qorgan("restore", dir + "/quiet.dump", database: url).status == 1)
        let replaced = try cli.qorgan("restore", dir + "/quiet.dump", "--replace", database: url)
        #expect(replaced.status == 0, "\(replaced.err)")
        #expect(try cli.qorgan("report", "--format", "json", database: url).out == report)
        #expect(try Store(location: location).lastChange() > last + 1)

        // A file that is no dump changes nothing.
        try Data("not a dump".utf8).write(to: URL(fileURLWithPath: dir + "/garbage.dump"))
        let garbage = try cli.qorgan("restore", dir + "/garbage.dump", "--replace", database: url)
        #expect(garbage.status == 1 && garbage.err.contains("not a backup"), "\(garbage.err)")
        #expect(try cli.qorgan("report", "--format", "json", database: url).out == report)
    }
}
