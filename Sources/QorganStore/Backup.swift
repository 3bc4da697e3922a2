import Foundation
import GRDB
import QorganCore

/// What a database holds, counted: enough to see that a backup, a restore or a copy has it all.
public struct StoreSummary: Sendable, Equatable, CustomStringConvertible {
    public var schema: String
    public var values: Int
    public var valueAudit: Int
    public var incidents: Int
    public var sites: Int
    public var inspections: Int
    public var assessments: Int
    public var users: Int
    public var changeLog: Int64

    public var description: String {
        "\(values) values (\(valueAudit) audit entries), \(incidents) incidents, \(sites) sites, "
            + "\(inspections) inspections, \(assessments) assessments, \(users) users; "
            + "change log at \(changeLog); schema '\(schema)'"
    }
}

extension Store {
    /// Removes a database file and the files SQLite keeps beside it, where there are any.
    static func removeFiles(of path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// The database's counts, read in one transaction.
    public func summary() throws -> StoreSummary {
        try writer.read { db in try Self.summary(db) }
    }

    static func summary(_ db: StoreConnection) throws -> StoreSummary {
        func count(_ table: String) throws -> Int {
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
        }
        return StoreSummary(
            schema: try Schema.applied(db).last ?? "", values: try count("data_value"),
            valueAudit: try count("data_value_audit"), incidents: try count("incident"), sites: try count("site"),
            inspections: try count("inspection"), assessments: try count("assessment"),
            users: try count("user_account"), changeLog: try ChangeLog.last(db))
    }

    /// A consistent copy of the whole database, history included, at `path`, taken with SQLite's
    /// online backup (PostgreSQL: pg_dump, see `backupPostgres`) while servers and commands go on
    /// writing (the copy is the database as of one commit). It is written beside `path` first and renamed when complete and checked, so
    /// a failed backup leaves no half file. Returns what the copy holds.
    @discardableResult
    public func backup(to path: String) throws -> StoreSummary {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            throw QorganError.conflict("'\(path)' already exists; a backup never overwrites a file")
        }
        let sqlite: any DatabaseWriter
        switch writer.kind {
        case .sqlite(let w): sqlite = w
        case .postgres(let pg): return try backupPostgres(pg, to: path)
        }
        let partial = path + ".partial"
        Self.removeFiles(of: partial)
        do {
            let copy = try DatabaseQueue(path: partial)
            try sqlite.backup(to: copy)
            let summary = try copy.read { g in
                let db = StoreConnection(g)
                guard try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok" else {
                    throw QorganError.invalidArgument("the copy failed SQLite's integrity check")
                }
                return try Self.summary(db)
            }
            try copy.close()
            try fm.moveItem(atPath: partial, toPath: path)
            return summary
        } catch {
            Self.removeFiles(of: partial)
            if let e = error as? QorganError { throw e }
            throw QorganError.invalidArgument("the backup to '\(path)' failed: \(error); nothing was written")
        }
    }

    /// Restores the backup at `backup` into the database at `path`: a new file, or, with
    /// `replace`, an existing Qorgan database whose whole content is replaced. The backup is
    /// checked first (a Qorgan database this binary can read, SQLite's integrity check), and
    /// nothing is changed when it fails. After a replace, the change log continues past every
    /// number the replaced database gave, from a floor above them, so a process still following
    /// it reloads every value instead of applying the restored log as news. A backup of an older
    /// schema is upgraded after it is restored. Returns what the restored database holds.
    @discardableResult
    public static func restore(from backup: String, to path: String, replace: Bool) throws -> StoreSummary {
        let fm = FileManager.default
        guard fm.fileExists(atPath: backup) else {
            throw QorganError.invalidArgument("no backup at '\(backup)'")
        }
        let same = [backup, path].map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().standardizedFileURL.path }
        if same[0] == same[1] {
            throw QorganError.invalidArgument(
                "'\(backup)' is the database itself; restore a backup made by 'qorgan backup'")
        }
        try checkBeforeOpening(backup)
        var config = Configuration()
        config.readonly = true
        let source = try DatabaseQueue(path: backup, configuration: config)
        let ok = try source.read { db -> Bool in
            guard try !Schema.migrator.appliedIdentifiers(db).isEmpty else {
                throw QorganError.invalidArgument("'\(backup)' is not a Qorgan database (it is empty)")
            }
            return try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok"
        }
        guard ok else {
            throw QorganError.invalidArgument("'\(backup)' fails SQLite's integrity check; nothing was changed")
        }
        let exists = fm.fileExists(atPath: path)
        if exists && !replace {
            throw QorganError.conflict(
                "'\(path)' already exists; pass --replace to replace its whole content (stop the servers first)")
        }
        var before: Int64 = 0
        if exists {
            // Opening checks that the file is a Qorgan database this binary knows.
            let target = try Store(path: path)
            guard let sqlite = target.writer.sqlite else { throw QorganError.conflict("not an SQLite database") }
            before = try target.writer.read { db in try ChangeLog.last(db) }
            try source.backup(to: sqlite)
            try target.writer.write { db in
                let next = max(before, try ChangeLog.last(db)) + 1
                try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'change_log'")
                try db.execute(
                    sql: "INSERT INTO sqlite_sequence(name, seq) VALUES ('change_log', ?)", arguments: [next])
                try db.execute(
                    sql: """
                        INSERT INTO setting(key, value) VALUES ('change_log_floor', ?)
                        ON CONFLICT(key) DO UPDATE SET value = excluded.value
                        """, arguments: [String(next)])
            }
        } else {
            let target = try DatabaseQueue(path: path)
            try source.backup(to: target)
            try target.close()
        }
        try source.close()
        // The engine's snapshot beside the database described the data that was replaced.
        try? fm.removeItem(atPath: path + ".engine")
        return try Store(path: path).summary()
    }
}
