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
    /// What a database error says to a person: another writer held the database too long
    /// (SQLite's BUSY and LOCKED), in plain words; nil for any other error.
    public static func plain(_ error: any Error, waited: TimeInterval) -> QorganError? {
        if let state = PostgresLocation.sqlState(error) {
            // Integrity constraint violations (class 23): what SQLite calls a constraint.
            if state.hasPrefix("23") {
                return .conflict(
                    "the change conflicts with what is stored (\(PostgresLocation.describe(error))); nothing was changed"
                )
            }
            // Serialization failures and deadlocks (class 40), lock timeouts (55P03): try again.
            if state.hasPrefix("40") || state == "55P03" {
                return .busy(
                    "the database is busy (\(PostgresLocation.describe(error))); nothing was changed. Try again")
            }
            return .conflict("the PostgreSQL database refused the work: \(PostgresLocation.describe(error))")
        }
        if error is PSQLError {
            return .busy(
                "the PostgreSQL database did not answer (\(PostgresLocation.describe(error))); try again when it is back"
            )
        }
        guard let e = error as? DatabaseError else { return nil }
        if e.resultCode == .SQLITE_CONSTRAINT {
            return .conflict(
                "the change conflicts with what is stored (\(e.message ?? "a constraint")); nothing was changed")
        }
        guard e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED else { return nil }
        return .busy(
            "the database is busy: another process (an import, a server, a backup) kept writing to it for more than "
                + "\(Int(waited)) seconds; nothing was changed. Try again when it has finished")
    }
}

/// Reading back what the store holds: a value that does not read (a damaged database, or one
/// written by another program) is an error naming it, never a crash.
enum Stored {
    static func day(_ text: String, _ what: String) throws -> Day {
        guard let d = Day(iso: text, years: 1...9999) else { throw damaged(what, text) }
        return d
    }

    /// Runs an `INSERT … RETURNING id` and returns the new row's id.
    static func id(_ db: StoreConnection, sql: String, arguments: SQLArguments) throws -> Int64 {
        guard let id = try Int64.fetchOne(db, sql: sql, arguments: arguments) else {
            throw QorganError.conflict("an insert returned no id")
        }
        return id
    }

    static func row(_ row: Row?, _ what: String) throws -> Row {
        guard let row else { throw QorganError.conflict("\(what) was not found right after it was written") }
        return row
    }

    static func damaged(_ what: String, _ value: String) -> QorganError {
        .invalidArgument(
            "the database holds \(what) '\(value)' that Qorgan cannot read: is the file damaged, or written by another program?"
        )
    }
}

/// Where the store's reads and writes run: an SQLite file (GRDB) or a PostgreSQL database.
struct Backend: Sendable {
    enum Kind: Sendable {
        case sqlite(any DatabaseWriter)
        case postgres(PostgresBackend)
    }
    let kind: Kind

    /// The SQLite database, for what only SQLite has (its online backup, its file); nil on PostgreSQL.
    var sqlite: (any DatabaseWriter)? {
        if case .sqlite(let w) = kind { return w }
        return nil
    }

    var dialect: SQLDialect {
        switch kind {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// A read that sees one snapshot of the database.
    func read<T>(_ body: (StoreConnection) throws -> T) throws -> T {
        switch kind {
        case .sqlite(let w): try w.read { db in try body(StoreConnection(db)) }
        case .postgres(let p): try p.read(body)
        }
    }

    /// A write in one transaction, after every write committed before it.
    func write<T>(_ body: (StoreConnection) throws -> T) throws -> T {
        switch kind {
        case .sqlite(let w): try w.write { db in try body(StoreConnection(db)) }
        case .postgres(let p): try p.write(body)
        }
    }

    /// A connection that may write, for `body` to open its own transaction on.
    func writeWithoutTransaction<T>(_ body: (StoreConnection) throws -> T) throws -> T {
        switch kind {
        case .sqlite(let w): try w.writeWithoutTransaction { db in try body(StoreConnection(db)) }
        case .postgres(let p): try p.writeWithoutTransaction(body)
        }
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
    private let catalogCache = CatalogCache()

    /// The catalog, read again only when the metadata changed since (a version number that
    /// every metadata write raises, in this process or another): a single value's write does
    /// not re-read thousands of units.
    func currentCatalog(_ db: StoreConnection) throws -> Catalog {
        let version =
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'metadata_version'"))
            ?? 0
        if let cached = catalogCache.get(version) { return cached }
        let catalog = try MetadataTables.read(db)
        catalogCache.set(version, catalog)
        return catalog
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

    // MARK: Settings

    public func setting(_ key: String) throws -> String? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key])
        }
    }

    public func setSetting(_ key: String, _ value: String) throws {
        try write(.settings) { db in
            try db.execute(
                sql:
                    "INSERT INTO setting(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        }
    }

    // MARK: Metadata

    /// All metadata.
    public func catalog() throws -> Catalog {
        try writer.read { db in try currentCatalog(db) }
    }

    /// Applies a metadata document: all or nothing. Returns what changed (or would, in a dry run).
    @discardableResult
    public func importMetadata(
        _ document: Catalog, source: String = "the metadata document",
        dryRun: Bool = false, user: String,
        newUid: @Sendable () -> String = { Uid.generate() }
    ) throws -> [MetadataChange] {
        try transaction { db, log in
            let current = try currentCatalog(db)
            let (merged, changes) = try current.merging(document, source: source, newUid: newUid)
            try Self.checkAgainstData(old: current, new: merged, source: source, db: db)
            if dryRun { return (changes, false) }
            try MetadataTables.write(merged, changes: changes, user: user, db: db)
            log.kinds.insert(.metadata)
            return (changes, true)
        }
    }

    /// Metadata changes that would strand stored values are refused.
    private static func checkAgainstData(old: Catalog, new: Catalog, source: String, db: StoreConnection) throws {
        var problems: [Problem] = []
        for el in new.dataElements {
            guard let before = old.element(el.uid) else { continue }
            let count =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM data_value v JOIN data_element e ON e.id = v.element_id WHERE e.uid = ? AND v.deleted = 0
                        """, arguments: [el.uid]) ?? 0
            guard count > 0 else { continue }
            if before.categoryCombo != el.categoryCombo {
                problems.append(
                    Problem(
                        object: "dataElement \(el.code)", field: "categoryCombo",
                        reason: "\(count) values are stored with the current disaggregation; it cannot change"))
            }
            if before.valueType != el.valueType {
                let values = try String.fetchAll(
                    db,
                    sql: """
                        SELECT v.value FROM data_value v JOIN data_element e ON e.id = v.element_id WHERE e.uid = ? AND v.deleted = 0
                        """, arguments: [el.uid])
                if let bad = values.first(where: {
                    if case .invalid = el.valueType.normalize($0) { return true } else { return false }
                }) {
                    problems.append(
                        Problem(
                            object: "dataElement \(el.code)", field: "valueType", value: el.valueType.rawValue,
                            reason: "stored value '\(bad)' would not be a valid \(el.valueType.rawValue)"))
                }
            }
        }
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
    }

    // MARK: Data values

    /// Saves a batch of values: all or nothing. One bad row rejects the batch with every
    /// problem listed by line and field; `dryRun` reports the counts and changes nothing.
    /// `authorize` decides scope on each resolved value (its unit, element and period as stored):
    /// one refused row refuses the batch with `AccessDenied`, listing every refused row. `rules`
    /// are the form rules (approval, completion, expiry), decided here for every surface alike: a
    /// row that would change a locked form refuses the batch (a row that changes nothing passes).
    @discardableResult
    public func saveValues(
        _ inputs: [DataValueInput], source: String = "the batch", user: String,
        dryRun: Bool = false, now: Date = Date(), authorize: ValueAuthorizer? = nil,
        rules: FormRules = .commandLine(), skipDerived: Bool = false
    ) throws -> ImportSummary {
        try transaction { db, log in
            var summary = ImportSummary()
            summary.dryRun = dryRun
            let catalog = try currentCatalog(db)
            // A file exported with its derived values (counted from the registers) imports back:
            // those rows are left out and counted, never written.
            var inputs = inputs
            if skipDerived {
                let before = inputs.count
                inputs.removeAll { catalog.element($0.element)?.derivedFrom != nil }
                summary.derived = before - inputs.count
            }
            var problems: [Problem] = []
            var resolved: [ResolvedValue] = []
            resolved.reserveCapacity(inputs.count)
            var firstSeen: [DataValueKey: String] = [:]
            firstSeen.reserveCapacity(inputs.count)
            var denied: [Problem] = []
            var locks = FormLocks(db: db, catalog: catalog, rules: rules)
            try locks.prepare()
            var lockedBy: [Int: FormLocks.Lock] = [:]
            for (n, (input, result)) in zip(inputs, ValueResolver.resolveAll(inputs, catalog: catalog)).enumerated() {
                switch result {
                case .valid(let r):
                    if let authorize, let refusal = authorize(r, catalog) {
                        denied.append(
                            Problem(
                                line: input.line, object: input.location, field: "orgunit", value: input.unit,
                                reason: refusal.reason, code: "outOfScope"))
                        continue
                    }
                    if let lock = try locks.lock(r.key) {
                        var p = lock.problem
                        (p.line, p.object, p.value) = (input.line, input.location, input.period)
                        lockedBy[resolved.count] = FormLocks.Lock(kind: lock.kind, form: lock.form, problem: p)
                    }
                    if let earlier = firstSeen[r.key] {
                        problems.append(
                            Problem(
                                line: input.line, object: input.location, field: "value", value: input.value,
                                reason:
                                    "the same value (element, period, unit, combination) is already given at \(earlier)",
                                code: "duplicate"))
                    } else {
                        firstSeen[r.key] = input.line.map { "line \($0)" } ?? input.location ?? "entry \(n + 1)"
                        resolved.append(r)
                    }
                case .invalid(let ps): problems += ps
                }
            }
            // Who may write comes first: a refused row is not described further.
            if !denied.isEmpty { throw AccessDenied(kind: .outOfScope, problems: denied) }
            if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
            var writer = try ValueWriter(db: db, catalog: catalog, now: now)
            try writer.insertAll(resolved, user: user)
            var changedLocked: [FormLocks.Lock] = []
            var forced: [String: (form: DataSet, key: DataValueKey, count: Int)] = [:]
            for (i, r) in resolved.enumerated() {
                let outcome = try writer.apply(r, user: user)
                if outcome != .unchanged, let locked = lockedBy[i] {
                    if locked.kind == .completed && rules.force {
                        let k = "\(locked.form.uid)|\(r.key.period.iso)|\(r.key.unit)"
                        forced[k, default: (locked.form, r.key, 0)].count += 1
                    } else {
                        changedLocked.append(locked)
                    }
                }
                switch outcome {
                case .created: summary.imported += 1
                case .updated: summary.updated += 1
                case .unchanged: summary.unchanged += 1
                case .deleted: summary.deleted += 1
                }
            }
            // Thrown inside the transaction: everything written above is rolled back.
            if !changedLocked.isEmpty {
                let kind: AccessDenied.Kind = changedLocked.contains { $0.kind == .locked } ? .locked : .completed
                throw AccessDenied(kind: kind, problems: changedLocked.map(\.problem))
            }
            // An administrator's override is named and kept: one line per form, period and unit.
            if !dryRun {
                for (_, f) in forced.sorted(by: { $0.key < $1.key }) {
                    let unit = catalog.unit(f.key.unit)?.code ?? f.key.unit
                    try Self.audit(
                        db, actor: user, action: "FORCE_COMPLETED_FORM",
                        subject: "\(f.form.code) \(f.key.period.iso) \(unit)",
                        detail: "\(f.count) value\(f.count == 1 ? "" : "s") changed in a form marked complete")
                }
            }
            log.values = writer.logged
            return (summary, !dryRun)
        }
    }

    /// One value, deleted or not; nil if it was never stored.
    public func value(_ key: DataValueKey) throws -> DataValue? {
        try writer.read { db in
            let ids = try KeyIds(db: db, key: key)
            guard let ids else { return nil }
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT value, stored_by, created, last_updated, comment, follow_up, deleted FROM data_value
                        WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
                        """), arguments: ids.arguments)
            return row.map {
                DataValue(
                    key: key, value: $0["value"], storedBy: $0["stored_by"],
                    created: Timestamp.date(millis: $0["created"]),
                    lastUpdated: Timestamp.date(millis: $0["last_updated"]),
                    comment: $0["comment"], followUp: $0["follow_up"], deleted: $0["deleted"])
            }
        }
    }

    /// Every change to one value, oldest first, its creation included.
    public func history(_ key: DataValueKey) throws -> [AuditEntry] {
        try writer.read { db in
            guard let ids = try KeyIds(db: db, key: key),
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT value, comment, created_by, created FROM data_value
                        WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
                        """, arguments: ids.arguments)
            else { return [] }
            let changes = try Row.fetchAll(
                db,
                sql: """
                    SELECT action, old_value, new_value, old_comment, new_comment, changed_by, changed_at FROM data_value_audit
                    WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ? ORDER BY seq
                    """, arguments: ids.arguments
            ).map {
                AuditEntry(
                    key: key, action: AuditEntry.Action(rawValue: $0["action"]) ?? .update,
                    oldValue: $0["old_value"], newValue: $0["new_value"], oldComment: $0["old_comment"],
                    newComment: $0["new_comment"], changedBy: $0["changed_by"],
                    changedAt: Timestamp.date(millis: $0["changed_at"]))
            }
            // The first value is what the first change found, or the value as it still is.
            let first = changes.first
            let created = AuditEntry(
                key: key, action: .create, oldValue: nil,
                newValue: first.map { $0.oldValue } ?? row["value"],
                oldComment: nil, newComment: first.map { $0.oldComment } ?? row["comment"],
                changedBy: row["created_by"], changedAt: Timestamp.date(millis: row["created"]))
            // The sign-offs of the forms that hold it, in time order among its changes.
            let catalog = try currentCatalog(db)
            var approvals: [AuditEntry] = []
            for form in ApprovalRules.forms(locking: key.element, unit: key.unit, period: key.period, in: catalog) {
                approvals += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT action, level, reason, changed_by, changed_at FROM approval_audit
                        WHERE data_set_uid = ? AND period = ? AND unit_uid = ? ORDER BY id
                        """, arguments: [form.uid, key.period.iso, key.unit]
                ).compactMap { r in
                    guard let action = AuditEntry.Action(rawValue: r["action"]) else { return nil }
                    let level: Int? = r["level"]
                    return AuditEntry(
                        key: key, action: action, oldValue: nil, newValue: level.map { "\(form.code): level \($0)" },
                        oldComment: nil, newComment: r["reason"], changedBy: r["changed_by"],
                        changedAt: Timestamp.date(millis: r["changed_at"]))
                }
            }
            let all = [created] + changes
            if approvals.isEmpty { return all }
            // Stable: a value's changes keep their order; a sign-off goes after what came before it.
            return (all.map { ($0, 0) } + approvals.map { ($0, 1) }).enumerated().sorted {
                ($0.element.0.changedAt, $0.element.1, $0.offset) < ($1.element.0.changedAt, $1.element.1, $1.offset)
            }.map(\.element.0)
        }
    }

    /// Stored values, optionally of some elements, units (uids) and periods only (those of
    /// `periods`, or those whose days lie within `span`); deleted ones only when asked.
    public func values(
        elements: [String]? = nil, units: Set<String>? = nil, periods: [Period]? = nil, within span: DaySpan? = nil,
        includeDeleted: Bool = false
    ) throws -> [DataValue] {
        try writer.read { db in
            var sql = """
                SELECT e.uid AS element, p.iso AS period, u.uid AS unit, c.uid AS coc, a.uid AS aoc,
                       v.value, v.stored_by, v.created, v.last_updated, v.comment, v.follow_up, v.deleted
                FROM data_value v
                JOIN data_element e ON e.id = v.element_id
                JOIN period p ON p.id = v.period_id
                JOIN org_unit u ON u.id = v.unit_id
                JOIN category_option_combo c ON c.id = v.coc_id
                JOIN category_option_combo a ON a.id = v.aoc_id
                WHERE 1 = 1
                """
            var args: [DatabaseValueConvertible] = []
            if !includeDeleted { sql += " AND v.deleted = 0" }
            if let elements {
                sql += " AND e.uid IN (\(elements.map { _ in "?" }.joined(separator: ",")))"
                args += elements
            }
            if let periods {
                sql += " AND p.iso IN (\(periods.map { _ in "?" }.joined(separator: ",")))"
                args += periods.map(\.iso)
            }
            if let span {
                sql += " AND p.start_date >= ? AND p.end_date <= ?"
                args += [span.start.description, span.end.description]
            }
            sql += " ORDER BY e.code, p.start_date, p.end_date, u.code, c.code"
            var periods: [String: Period] = [:]
            return try Row.fetchAll(db, sql: sql, arguments: SQLArguments(args)).compactMap { row in
                if let units, !units.contains(row["unit"] as String) { return nil }
                let iso: String = row["period"]
                let period: Period
                if let known = periods[iso] {
                    period = known
                } else {
                    // Stored periods were parsed once; one that no longer parses is named, not a crash.
                    guard let p = Period.parse(iso) else { throw Stored.damaged("a period", iso) }
                    periods[iso] = p
                    period = p
                }
                return DataValue(
                    key: DataValueKey(
                        element: row["element"], period: period, unit: row["unit"],
                        optionCombo: row["coc"], attributeOptionCombo: row["aoc"]),
                    value: row["value"], storedBy: row["stored_by"],
                    created: Timestamp.date(millis: row["created"]),
                    lastUpdated: Timestamp.date(millis: row["last_updated"]),
                    comment: row["comment"], followUp: row["follow_up"], deleted: row["deleted"])
            }
        }
    }

    /// The reference aggregation over the current data of this store.
    public func referenceAggregator() throws -> ReferenceAggregator {
        ReferenceAggregator(catalog: try catalog(), values: try values(), completions: try completions())
    }

    /// Whether the database holds nothing but what a new one has: no units, no values, no users.
    public func isEmpty() throws -> Bool {
        try writer.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT (SELECT COUNT(*) FROM org_unit) + (SELECT COUNT(*) FROM data_value)
                        + (SELECT COUNT(*) FROM user_account)
                    """) == 0
        }
    }

    public func valueCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM data_value WHERE deleted = 0") ?? 0 }
    }

    /// How many changes the history holds: every creation and every later change.
    public func auditCount() throws -> Int {
        try writer.read { db in
            try Int.fetchOne(
                db, sql: "SELECT (SELECT COUNT(*) FROM data_value) + (SELECT COUNT(*) FROM data_value_audit)") ?? 0
        }
    }

    /// Metadata audit entries: (kind, code, action, changedBy), oldest first.
    public func metadataHistory() throws -> [(kind: String, code: String, action: String, changedBy: String)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, code, action, changed_by FROM metadata_audit ORDER BY id").map {
                (kind: $0["kind"], code: $0["code"], action: $0["action"], changedBy: $0["changed_by"])
            }
        }
    }
}

/// The integer ids of a value's key, if every part exists.
struct KeyIds {
    let element: Int64, period: Int64, unit: Int64, coc: Int64, aoc: Int64
    var arguments: SQLArguments { [element, period, unit, coc, aoc] }

    init?(db: StoreConnection, key: DataValueKey) throws {
        func id(_ table: String, _ column: String, _ value: String) throws -> Int64? {
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM \(table) WHERE \(column) = ?"), arguments: [value])
        }
        guard let e = try id("data_element", "uid", key.element), let p = try id("period", "iso", key.period.iso),
            let u = try id("org_unit", "uid", key.unit),
            let c = try id("category_option_combo", "uid", key.optionCombo),
            let a = try id("category_option_combo", "uid", key.attributeOptionCombo)
        else { return nil }
        element = e
        period = p
        unit = u
        coc = c
        aoc = a
    }
}

/// Times as stored (milliseconds) and as shown (ISO 8601, UTC, to the millisecond).
public enum Timestamp {
    /// Milliseconds since 1970-01-01 UTC, as values and their history store time.
    public static func millis(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    public static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    public static func string(_ d: Date) -> String {
        d.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// For people: `2017-12-04 09:30 UTC`.
    public static func display(_ d: Date) -> String { display(d, in: TimeZone(secondsFromGMT: 0) ?? .current) }

    /// For people where they live: `2017-12-04 14:30 (UTC+5)` in Asia/Almaty; `UTC` for UTC itself.
    public static func display(_ d: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: d)
        let local = d.timeIntervalSince1970 + Double(offset)
        let day = Day(ordinal: Int((local / 86_400).rounded(.down)))
        let minutes = Int((local - 86_400 * (local / 86_400).rounded(.down)) / 60)
        let time = "\(day) " + String(format: "%02d:%02d", minutes / 60, minutes % 60)
        guard offset != 0 else { return time + " UTC" }
        let hours = abs(offset) / 3600
        let rest = (abs(offset) % 3600) / 60
        return time + " (UTC\(offset < 0 ? "−" : "+")\(hours)\(rest == 0 ? "" : String(format: ":%02d", rest)))"
    }
}

/// The last catalog read, with its metadata version.
final class CatalogCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entry: (version: Int64, catalog: Catalog)?
    func get(_ version: Int64) -> Catalog? { lock.withLock { entry?.version == version ? entry?.catalog : nil } }
    func set(_ version: Int64, _ catalog: Catalog) { lock.withLock { entry = (version, catalog) } }
}

extension Store {
    /// The integer ids behind stored values.
    public func storedIds() throws -> StoredIds { try writer.read { db in try storedIds(db) } }

    func storedIds(_ db: StoreConnection) throws -> StoredIds {
        var ids = StoredIds()
        for r in try Row.fetchAll(db, sql: "SELECT id, uid FROM data_element") { ids.elements[r["id"]] = r["uid"] }
        for r in try Row.fetchAll(db, sql: "SELECT id, uid FROM org_unit") { ids.units[r["id"]] = r["uid"] }
        for r in try Row.fetchAll(db, sql: "SELECT id, uid FROM category_option_combo") {
            ids.optionCombos[r["id"]] = r["uid"]
        }
        for r in try Row.fetchAll(db, sql: "SELECT id, iso FROM period") {
            ids.periods[r["id"]] = Period.parse(r["iso"])
        }
        return ids
    }

    /// Every stored, not deleted value, in key order, without building a `DataValue` each:
    /// what the analytics engine loads at start-up (read through SQLite's C API: ten million
    /// rows in a few seconds).
    public func scanValues(_ body: (StoredValueRow) throws -> Void) throws {
        try writer.read { db in try scanValues(db, body) }
    }

    func scanValues(_ db: StoreConnection, _ body: (StoredValueRow) throws -> Void) throws {
        let sql = "SELECT element_id, period_id, unit_id, coc_id, aoc_id, numeric FROM data_value WHERE deleted = 0"
        guard let g = db.sqlite else {
            // PostgreSQL: through a cursor in pages, in the primary key's order as SQLite reads them.
            guard case .postgres(let session) = db.backend else { return }
            try session.scan(sql + " ORDER BY element_id, period_id, unit_id, coc_id, aoc_id") { row in
                // BIGINT and DOUBLE PRECISION read straight from the wire (binary, big-endian).
                var cells = row.makeIterator()
                func int() throws -> Int64 {
                    guard let c = cells.next() else { throw Stored.damaged("a value row", "too few columns") }
                    if c.dataType == .int8, var b = c.bytes, b.readableBytes == 8, let i = b.readInteger(as: Int64.self)
                    {
                        return i
                    }
                    return try c.decode(Int64.self)
                }
                let element = try int()
                let period = try int()
                let unit = try int()
                let coc = try int()
                let aoc = try int()
                var number: Double? = nil
                if let c = cells.next(), var b = c.bytes {
                    if c.dataType == .float8, b.readableBytes == 8, let bits = b.readInteger(as: UInt64.self) {
                        number = Double(bitPattern: bits)
                    } else {
                        number = try c.decode(Double.self)
                    }
                }
                try body(
                    StoredValueRow(
                        element: element, period: period, unit: unit, optionCombo: coc,
                        attributeOptionCombo: aoc, number: number))
            }
            return
        }
        guard let connection = g.sqliteConnection else {
            throw QorganError.conflict("the database connection is closed")
        }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: sqlite3_errcode(connection)),
                message: String(cString: sqlite3_errmsg(connection)))
        }
        defer { sqlite3_finalize(statement) }
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(connection)))
            }
            var number: Double? = nil
            if sqlite3_column_type(statement, 5) != SQLITE_NULL { number = sqlite3_column_double(statement, 5) }
            let element: Int64 = sqlite3_column_int64(statement, 0)
            let period: Int64 = sqlite3_column_int64(statement, 1)
            let unit: Int64 = sqlite3_column_int64(statement, 2)
            let coc: Int64 = sqlite3_column_int64(statement, 3)
            let aoc: Int64 = sqlite3_column_int64(statement, 4)
            try body(
                StoredValueRow(
                    element: element, period: period, unit: unit, optionCombo: coc,
                    attributeOptionCombo: aoc, number: number))
        }
    }
}
