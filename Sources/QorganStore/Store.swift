import Foundation
import GRDB
import GRDBSQLite
import PostgresNIO
import QorganCore

/// What a batch of values did (or, in a dry run, would do).
public struct ImportSummary: Hashable, Sendable, Codable {
    public var imported = 0
    public var updated = 0
    public var unchanged = 0
    public var deleted = 0
    /// Rows of derived elements (counted from the registers) that a file carried and the import
    /// left out, as asked (`skipDerived`).
    public var derived = 0
    public var dryRun = false
    public init() {}
    public var total: Int { imported + updated + unchanged + deleted }
}

extension QorganError {
    /// A constraint the database enforces, in plain words: never the database's own text, which
    /// names tables and columns.
    static let constraintConflict =
        "the change conflicts with a record already stored (the same identifier twice); nothing was changed"

    /// What a database error says to a person: another writer held the database too long
    /// (SQLite's BUSY and LOCKED), in plain words; nil for any other error.
    public static func plain(_ error: any Error, waited: TimeInterval) -> QorganError? {
        if let state = PostgresLocation.sqlState(error) {
            // Integrity constraint violations (class 23): what SQLite calls a constraint.
            if state.hasPrefix("23") {
                return .conflict(Self.constraintConflict)
            }
            // Serialization failures and deadlocks (class 40), lock timeouts (55P03): try again.
            if state.hasPrefix("40") || state == "55P03" {
                return .busy(
                    "the database is busy (\(PostgresLocation.describe(error))); nothing was changed. Try again")
            }
            return .conflict("the PostgreSQL database refused the work (SQLSTATE \(state)); nothing was changed")
        }
        if error is PSQLError {
            return .busy(
                "the PostgreSQL database did not answer (\(PostgresLocation.describe(error))); try again when it is back"
            )
        }
        guard let e = error as? DatabaseError else { return nil }
        if e.resultCode == .SQLITE_CONSTRAINT {
            return .conflict(Self.constraintConflict)
        }
        guard e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED else { return nil }
        return .busy(
            "the database is busy: another process (an import, a server, a backup) kept writing to it for more than "
                + "\(Int(waited)) seconds; nothing was changed. Try again when it has finished")
    }
}

/// Qorgan's store, on SQLite (GRDB) or PostgreSQL (postgres-nio): the same code and SQL above
/// either, chosen by the database's location. Every write is one transaction named after its
/// intent; a batch either commits whole or leaves the database as it was.
public final class Store: Sendable {
    let writer: Backend
    /// The SQLite file; nil for PostgreSQL and for a private in-memory database.
    public let path: String?
    /// Which database holds the store.
    public var dialect: SQLDialect { writer.dialect }
    /// How long a write waits for another process's write, in seconds.
    public let busyTimeout: TimeInterval
    let followers: ChangeFollowers
    /// Saves waiting for the writer, committed together.
    let commits = CommitGroup()
    private let catalogCache = CatalogCache()
    /// API tokens' users and sessions, following the change log once one is asked for.
    let tokens = CredentialCache<(user: UserRecord, expires: Date?)> { $0.expires }
    let sessions = CredentialCache<(user: UserRecord, csrf: String, expires: Date)> { $0.expires }

    /// The catalog, read again only when the metadata changed since (a version number that
    /// every metadata write draws anew, in this process or another): a single value's write does
    /// not re-read thousands of units.
    func currentCatalog(_ db: StoreConnection) throws -> Catalog {
        try catalog(db, version: try metadataVersion(db))
    }

    private func metadataVersion(_ db: StoreConnection) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'metadata_version'"))
            ?? 0
    }

    private func catalog(_ db: StoreConnection, version: Int64) throws -> Catalog {
        if let cached = catalogCache.get(version) { return cached }
        let catalog = try MetadataTables.read(db)
        catalogCache.set(version, catalog)
        return catalog
    }

    /// The catalog with the store ids of its elements, units and combinations, kept like the
    /// catalog until the metadata changes: a save looks none of them up in the database.
    func currentMetadata(_ db: StoreConnection) throws -> (catalog: Catalog, ids: MetadataIds) {
        let version = try metadataVersion(db)
        let catalog = try catalog(db, version: version)
        if let ids = catalogCache.ids(version) { return (catalog, ids) }
        func ids(_ table: String) throws -> [String: Int64] {
            var out: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT uid, id FROM \(table)") { out[row["uid"]] = row["id"] }
            return out
        }
        let ids = MetadataIds(
            elements: try ids("data_element"), units: try ids("org_unit"), combos: try ids("category_option_combo"))
        catalogCache.setIds(version, ids)
        return (catalog, ids)
    }

    /// Opens the database at `location`: an SQLite file (see `init(path:)`) or a PostgreSQL
    /// database (see `init(postgres:)`).
    public convenience init(
        location: DatabaseLocation, concurrentReads: Bool = false, busyTimeout: TimeInterval? = nil
    ) throws {
        switch location.kind {
        case .sqlite(let path): try self.init(path: path, concurrentReads: concurrentReads, busyTimeout: busyTimeout)
        case .postgres(let pg): try self.init(postgres: pg)
        }
    }

    /// Opens (creating if needed) a database file in WAL mode, and migrates it if needed.
    ///
    /// By default one serialized connection (a GRDB queue), which is all a command needs and
    /// never writes to a file it only reads. `concurrentReads` opens a pool of readers beside
    /// the writer, for a server; note that GRDB makes a pool's WAL file non-empty on opening
    /// (a create-and-drop, GRDB issue 102), so a pool touches the file even when nothing changes.
    ///
    /// A write that finds another process writing waits for it up to `busyTimeout` seconds (a
    /// minute for a command, which may wait for an import; ten seconds for a server, whose
    /// requests should not hang), then fails with `QorganError.busy`.
    public init(path: String, concurrentReads: Bool = false, busyTimeout: TimeInterval? = nil) throws {
        if FileManager.default.fileExists(atPath: path) {
            // Qorgan writes the database and its journal beside it: say so before SQLite's own words do.
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if !FileManager.default.isWritableFile(atPath: path) || !FileManager.default.isWritableFile(atPath: folder)
            {
                throw QorganError.invalidArgument(
                    "cannot open the database '\(path)' for writing: \(FileManager.default.isWritableFile(atPath: path) ? "its folder '\(folder)'" : "the file") is read-only for this user, and Qorgan writes the database and its journal beside it; nothing was changed (give this user write access, or copy the file: qorgan backup)"
                )
            }
        }
        try Self.checkBeforeOpening(path)
        var config = Configuration()
        let timeout = busyTimeout ?? (concurrentReads ? 10 : 60)
        self.busyTimeout = timeout
        config.busyMode = .timeout(timeout)
        let trace = ProcessInfo.processInfo.environment["QORGAN_TRACE_SQL"] != nil
        config.prepareDatabase { db in
            if trace { db.trace { FileHandle.standardError.write(Data("SQL: \($0)\n".utf8)) } }
            if !concurrentReads, try String.fetchOne(db, sql: "PRAGMA journal_mode") != "wal" {
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            // A 64 MiB page cache, so that a large import does not spill pages to disk and read them back.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        let sqlite: any DatabaseWriter
        do {
            sqlite =
                concurrentReads
                ? try DatabasePool(path: path, configuration: config)
                : try DatabaseQueue(path: path, configuration: config)
            // An acknowledged write is on disk: the writer syncs the log at every commit. (A pool
            // sets `synchronous = NORMAL` with WAL, which survives a crash of the process but may
            // lose the last commits at a power cut.)
            try sqlite.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw QorganError.invalidArgument("cannot open the database '\(path)': \(error)")
        }
        writer = Backend(kind: .sqlite(sqlite))
        self.path = path
        followers = ChangeFollowers(path: path)
        try migrateIfNeeded(sqlite)
    }

    /// A private in-memory database, for tests.
    public init() throws {
        busyTimeout = 0
        let sqlite = try DatabaseQueue()
        writer = Backend(kind: .sqlite(sqlite))
        path = nil
        followers = ChangeFollowers(path: nil)
        try migrateIfNeeded(sqlite)
    }

    /// Opens a PostgreSQL database, creating Qorgan's tables in it if it has none (in one
    /// transaction: a database is never left half made). A database that holds another program's
    /// tables, or a schema newer than this binary's, is refused unchanged.
    public init(postgres location: PostgresLocation, connections: Int = 8) throws {
        busyTimeout = 10
        let pg = PostgresBackend(location, connections: connections)
        writer = Backend(kind: .postgres(pg))
        path = nil
        followers = ChangeFollowers(postgres: pg)
        do {
            try PostgresSchema.prepare(pg)
            try ensureDefaults()
        } catch let e as QorganError {
            throw e
        } catch {
            // A user without the right to create tables (PostgreSQL 15 gives none in `public` to
            // others than the database's owner), a full disk: the server's words, and what to do.
            throw QorganError.invalidArgument(
                "cannot prepare the PostgreSQL database \(location.redacted): \(PostgresLocation.describe(error)); "
                    + "nothing was changed. Give Qorgan a database its user owns (createdb -O USER NAME)")
        }
    }

    /// What the file at `path` holds, read without writing to it: nothing yet (a new database),
    /// a Qorgan database this binary knows, or an error that names the problem — a file that is not
    /// a database, another program's database, or one a newer Qorgan has written.
    static func checkBeforeOpening(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        var config = Configuration()
        config.readonly = true
        let found: (applied: Set<String>, tables: [String])
        do {
            let probe = try DatabaseQueue(path: path, configuration: config)
            found = try probe.read { db in
                (
                    try Schema.migrator.appliedIdentifiers(db),
                    try String.fetchAll(
                        db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                )
            }
            try probe.close()
        } catch let e as DatabaseError {
            throw QorganError.invalidArgument(
                "cannot open the database '\(path)': \(e.message ?? e.description) (is it an SQLite file?)")
        }
        if found.applied.isEmpty && !found.tables.isEmpty {
            throw QorganError.invalidArgument(
                "'\(path)' is another program's SQLite database (tables \(found.tables.prefix(3).joined(separator: ", "))"
                    + "\(found.tables.count > 3 ? ", …" : "")), not Qorgan's; nothing was changed")
        }
        try Schema.check(applied: found.applied, in: "'\(path)'", upgradable: true)
    }

    /// Migrates only a database that needs it: merely opening one never writes to it. An upgrade
    /// is all or nothing: the database as it was is copied beside it (`.before-upgrade`) and put
    /// back if any step fails, so no database is ever left half-migrated.
    private func migrateIfNeeded(_ writer: any DatabaseWriter) throws {
        let migrator = Schema.migrator
        if try writer.read({ db in try migrator.hasCompletedMigrations(db) }) { return }
        let applied = try writer.read { db in try migrator.appliedMigrations(db) }
        guard let path, let from = applied.last else {
            try migrator.migrate(writer)
            try ensureDefaults()
            return
        }
        let copyPath = path + ".before-upgrade"
        func removeCopy() { Self.removeFiles(of: copyPath) }
        removeCopy()
        let copy = try DatabaseQueue(path: copyPath)
        try writer.backup(to: copy)
        do {
            try migrator.migrate(writer)
        } catch {
            try copy.backup(to: writer)
            try copy.close()
            removeCopy()
            throw QorganError.invalidArgument(
                "upgrading the database '\(path)' from '\(from)' failed: \(error); it was put back as it was")
        }
        try copy.close()
        removeCopy()
        try ensureDefaults()
    }

    private func ensureDefaults() throws {
        let hasDefault = try writer.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM category_combo WHERE uid = ?)",
                arguments: [CategoryCombo.defaultUid]) ?? false
        }
        if !hasDefault {
            try write(.metadata) { db in try MetadataTables.write(Catalog(), changes: [], user: "system", db: db) }
        }
    }
}

/// The last catalog read, with its metadata version, and the ids of its objects.
final class CatalogCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entry: (version: Int64, catalog: Catalog)?
    private var idEntry: (version: Int64, ids: MetadataIds)?
    func get(_ version: Int64) -> Catalog? { lock.withLock { entry?.version == version ? entry?.catalog : nil } }
    func set(_ version: Int64, _ catalog: Catalog) { lock.withLock { entry = (version, catalog) } }
    func ids(_ version: Int64) -> MetadataIds? { lock.withLock { idEntry?.version == version ? idEntry?.ids : nil } }
    func setIds(_ version: Int64, _ ids: MetadataIds) { lock.withLock { idEntry = (version, ids) } }
}

/// Store ids by uid of the objects values point to, as of one metadata version.
struct MetadataIds: Sendable {
    var elements: [String: Int64]
    var units: [String: Int64]
    var combos: [String: Int64]
}
