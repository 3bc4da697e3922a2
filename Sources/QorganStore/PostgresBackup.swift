import Foundation
import QorganCore

/// Backups of a PostgreSQL database with PostgreSQL's own tools: pg_dump's custom format, taken
/// in a snapshot this process exported (so the counts it reports are the backup's), and
/// pg_restore in one transaction.
enum PostgresTools {
    /// The program `name` (pg_dump, pg_restore): on the PATH (Debian's wrapper picks the
    /// cluster's version), else the newest PostgreSQL's.
    static func program(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        var candidates = path.split(separator: ":").map { "\($0)/\(name)" }
        let lib = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []).sorted {
            (Int($0) ?? 0) > (Int($1) ?? 0)
        }
        candidates += versions.map { "\(lib)/\($0)/bin/\(name)" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw QorganError.invalidArgument(
                "\(name) was not found: install PostgreSQL's client programs (apt-get install postgresql-client)")
        }
        return URL(fileURLWithPath: found)
    }

    /// Runs a PostgreSQL program against `location`, its password in the environment (never on
    /// a command line others can read); its error output on failure.
    static func run(_ name: String, _ arguments: [String], on location: PostgresLocation) throws {
        let process = Process()
        process.executableURL = try program(name)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["PGHOST"] = location.host
        env["PGPORT"] = String(location.port)
        env["PGUSER"] = location.user
        env["PGDATABASE"] = location.database
        env["PGSSLMODE"] = location.sslMode
        if let password = location.password { env["PGPASSWORD"] = password } else { env["PGPASSWORD"] = nil }
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let said = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: said, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw QorganError.invalidArgument(
                "\(name) failed: \(text.isEmpty ? "exit \(process.terminationStatus)" : text)")
        }
    }
}

extension Store {
    /// pg_dump of the whole database into `path` (custom format), in a snapshot of this
    /// transaction's: the copy is the database as of one commit while servers go on writing, and
    /// the counts returned are the copy's. Written beside `path` and renamed when complete.
    func backupPostgres(_ backend: PostgresBackend, to path: String) throws -> StoreSummary {
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let summary = try backend.withSession { s in
                var summary: StoreSummary?
                try s.inTransaction(write: false) {
                    let db = StoreConnection(s)
                    guard let snapshot = try String.fetchOne(db, sql: "SELECT pg_export_snapshot()") else {
                        throw QorganError.conflict("PostgreSQL exported no snapshot")
                    }
                    summary = try Self.summary(db)
                    try PostgresTools.run(
                        "pg_dump", ["--format=custom", "--snapshot=\(snapshot)", "--no-owner", "--file=\(partial)"],
                        on: backend.location)
                    return .commit
                }
                guard let summary else { throw QorganError.conflict("the backup did not run") }
                return summary
            }
            try FileManager.default.moveItem(atPath: partial, toPath: path)
            return summary
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Restores a pg_dump backup into a PostgreSQL database in one transaction: an empty database,
    /// or, with `replace`, one whose Qorgan tables are dropped first (in the same transaction).
    /// After a replace, the change log goes on past every number the replaced database gave, as
    /// for SQLite. Returns what the restored database holds.
    public static func restore(fromDump backup: String, to location: PostgresLocation, replace: Bool) throws
        -> StoreSummary
    {
        guard FileManager.default.fileExists(atPath: backup) else {
            throw QorganError.invalidArgument("no backup at '\(backup)'")
        }
        // pg_restore reads the file's table of contents first: a file that is not a dump is refused here.
        do {
            try PostgresTools.run("pg_restore", ["--list", backup], on: location)
        } catch {
            throw QorganError.invalidArgument(
                "'\(backup)' is not a backup that pg_restore reads (made by 'qorgan backup' on PostgreSQL); nothing was changed"
            )
        }
        let backend = PostgresBackend(location, connections: 1)
        let tables = try backend.read { db in try PostgresSchema.present(db) }
        var before: Int64 = 0
        if !tables.isEmpty {
            guard replace else {
                throw QorganError.conflict(
                    "\(location.redacted) already holds tables; pass --replace to replace its whole content "
                        + "(stop the servers first), or restore into an empty database (createdb)")
            }
            let current = try Store(postgres: location, connections: 1)
            before = try current.lastChange()
        }
        var arguments = ["--single-transaction", "--no-owner", "--exit-on-error", "--dbname=\(location.database)"]
        if !tables.isEmpty { arguments += ["--clean", "--if-exists"] }
        try PostgresTools.run("pg_restore", arguments + [backup], on: location)
        let restored = try Store(postgres: location, connections: 1)
        if before > 0 {
            try restored.writer.write { db in
                let next = max(before, try ChangeLog.last(db)) + 1
                try db.execute(
                    sql: """
                        INSERT INTO setting(key, value) VALUES ('change_log_floor', ?)
                        ON CONFLICT(key) DO UPDATE SET value = excluded.value
                        """, arguments: [String(next)])
                try db.execute(
                    sql: "SELECT setval(pg_get_serial_sequence('change_log', 'seq'), ?, false)", arguments: [next + 1])
            }
        }
        return try restored.summary()
    }
}
