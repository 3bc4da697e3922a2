import Foundation
import GRDB
import QorganCore

/// One value changed, as the change log keeps it: the store's integer keys, and the number
/// analytics reads (NaN for a value without one), or deleted.
struct LoggedValue: Equatable {
    var element: Int64, period: Int64, unit: Int64, optionCombo: Int64, attributeOptionCombo: Int64
    var number: Double
    var deleted: Bool
}

/// What one write transaction changed, gathered while it runs.
struct ChangeSet {
    var kinds: Set<ChangeKind> = []
    var values: [LoggedValue] = []
    var isEmpty: Bool { kinds.isEmpty && values.isEmpty }
}

/// The change log (table `change_log`): one entry per commit (several for a commit of more than
/// `chunk` values), numbered in commit order inside the commit's own transaction. SQLite has
/// one writer at a time, so sequence order is commit order, and no reader ever sees a gap.
enum ChangeLog {
    /// Values per entry: a 10-million-value import writes entries of 4.9 MB, never one of 490 MB.
    static let chunk = 100_000
    /// Bytes per value: five 64-bit keys, the number, a deleted flag.
    static let recordSize = 49

    static func mask(_ kinds: Set<ChangeKind>) -> Int64 {
        var m: Int64 = 0
        for (i, k) in ChangeKind.allCases.enumerated() where kinds.contains(k) { m |= 1 << i }
        return m
    }

    static func kinds(_ mask: Int64) -> Set<ChangeKind> {
        Set(ChangeKind.allCases.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
    }

    static func encode(_ values: ArraySlice<LoggedValue>) -> Data {
        // Written in place: appending eight bytes at a time to `Data` cost more than the
        // rest of the log's work on a large import.
        var out = Data(count: values.count * recordSize)
        out.withUnsafeMutableBytes { raw in
            var at = 0
            func put(_ v: UInt64) {
                raw.storeBytes(of: v.littleEndian, toByteOffset: at, as: UInt64.self)
                at += 8
            }
            for v in values {
                put(UInt64(bitPattern: v.element))
                put(UInt64(bitPattern: v.period))
                put(UInt64(bitPattern: v.unit))
                put(UInt64(bitPattern: v.optionCombo))
                put(UInt64(bitPattern: v.attributeOptionCombo))
                put(v.number.bitPattern)
                raw.storeBytes(of: v.deleted ? 1 : 0, toByteOffset: at, as: UInt8.self)
                at += 1
            }
        }
        return out
    }

    static func decode(_ data: Data, sequence: Int64) throws -> [LoggedValue] {
        guard data.count % recordSize == 0 else {
            throw Stored.damaged("change log entry \(sequence) of", "\(data.count) bytes")
        }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / recordSize)).map { i in
                let base = i * recordSize
                func get(_ k: Int) -> UInt64 {
                    UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * k, as: UInt64.self))
                }
                return LoggedValue(
                    element: Int64(bitPattern: get(0)), period: Int64(bitPattern: get(1)),
                    unit: Int64(bitPattern: get(2)), optionCombo: Int64(bitPattern: get(3)),
                    attributeOptionCombo: Int64(bitPattern: get(4)), number: Double(bitPattern: get(5)),
                    deleted: raw.load(fromByteOffset: base + 48, as: UInt8.self) != 0)
            }
        }
    }

    /// Writes the entries of one commit, inside its transaction.
    static func append(_ changes: ChangeSet, db: StoreConnection, at: Date = Date()) throws {
        let stamp = Timestamp.millis(at)
        var kinds = changes.kinds
        if !changes.values.isEmpty { kinds.insert(.values) }
        let mask = Self.mask(kinds)
        let statement = try db.cachedStatement(
            sql: "INSERT INTO change_log(at, kind_mask, value_count, changes) VALUES (?, ?, ?, ?)")
        var start = 0
        repeat {
            let end = min(start + chunk, changes.values.count)
            let slice = changes.values[start..<end]
            try statement.execute(arguments: [stamp, mask, slice.count, slice.isEmpty ? nil : encode(slice)])
            start = end
        } while start < changes.values.count
    }

    /// The last sequence number ever given (0 before the first commit), pruned entries included.
    static func last(_ db: StoreConnection) throws -> Int64 {
        switch db.dialect {
        case .sqlite:
            return try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")) ?? 0
        case .postgres:
            // The newest entry, or the floor when pruning left none: numbers are given under the
            // write lock, in commit order, and entries are pruned only up to the floor.
            return try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT GREATEST(COALESCE((SELECT MAX(seq) FROM change_log), 0),
                            (SELECT CAST(value AS BIGINT) FROM setting WHERE key = 'change_log_floor'))
                        """)) ?? 0
        }
    }

    /// Entries up to and including this number may have been pruned.
    static func floor(_ db: StoreConnection) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(
                sql: "SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'change_log_floor'")) ?? 0
    }

    /// Drops entries older than `before` (milliseconds since 1970) and at most up to `upTo`:
    /// a reader further behind than what is left loads every value again, so pruning never
    /// makes a reader wrong, only slower to catch up.
    static func prune(_ db: StoreConnection, before: Int64, upTo: Int64) throws -> Int {
        guard
            let cut = try Int64.fetchOne(
                db, sql: "SELECT MAX(seq) FROM change_log WHERE at < ? AND seq <= ?", arguments: [before, upTo])
        else { return 0 }
        try db.execute(sql: "DELETE FROM change_log WHERE seq <= ?", arguments: [cut])
        let dropped = db.changesCount
        try db.execute(
            sql: """
                INSERT INTO setting(key, value) VALUES ('change_log_floor', ?)
                ON CONFLICT(key) DO UPDATE SET value = CASE
                    WHEN CAST(setting.value AS INTEGER) > CAST(excluded.value AS INTEGER) THEN setting.value
                    ELSE excluded.value END
                """, arguments: [String(cut)])
        return dropped
    }
}

extension Store {
    /// Has `observer` follow every commit after `sequence` (the one it was loaded at), from this
    /// process or any other: commits here reach it before the write returns, others' at the
    /// next `catchUp()`. Held weakly.
    public func observe(_ observer: any StoreObserver, from sequence: Int64) {
        followers.add(observer, from: sequence)
        if case .postgres(let pg) = writer.kind {
            followers.listen(pg) { [weak self] in try? self?.catchUp() }
        }
    }

    /// Brings the observers up to date with commits made by other connections: one pragma when
    /// nothing changed. Call before answering from what they hold.
    public func catchUp() throws { try followers.catchUp(store: self) }

    /// The sequence number of the last commit.
    public func lastChange() throws -> Int64 { try writer.read { db in try ChangeLog.last(db) } }

    /// Drops log entries older than `age` seconds and at most up to `upTo` (the sequence of a
    /// saved engine snapshot): how many were dropped.
    @discardableResult
    public func pruneChangeLog(olderThan age: TimeInterval, upTo: Int64) throws -> Int {
        try writer.write { db in
            try ChangeLog.prune(db, before: Timestamp.millis(Date().addingTimeInterval(-age)), upTo: upTo)
        }
    }

    /// Whether the log still holds every change after `sequence`.
    public func logReaches(_ sequence: Int64) throws -> Bool {
        try writer.read { db in try ChangeLog.floor(db) <= sequence }
    }

    /// One write transaction that the change log records. `body` changes the database, says in
    /// `changes` what kinds of thing it changed (values written with a `ValueWriter` are added
    /// by `apply`), and returns whether to commit (false: a dry run, rolled back). The log's
    /// entry is written in the same transaction; this process's observers have the change
    /// before the write returns.
    func transaction<T>(_ body: (StoreConnection, inout ChangeSet) throws -> (result: T, commit: Bool)) throws -> T {
        var loggedOnPostgres = false
        let result = try writer.writeWithoutTransaction { db in
            var outcome: (result: T, commit: Bool)? = nil
            var logged = false
            try db.inTransaction(.immediate) {
                var changes = ChangeSet()
                let o = try body(db, &changes)
                outcome = o
                guard o.commit else { return .rollback }
                if !changes.isEmpty {
                    try ChangeLog.append(changes, db: db)
                    // Sent when the transaction commits, to every other server's listener.
                    if db.dialect == .postgres { try db.execute(sql: "NOTIFY \(PostgresNotifier.channel)") }
                    logged = true
                }
                return .commit
            }
            guard let outcome else { throw QorganError.conflict("the write did not run") }
            // SQLite: still inside the serialized writer, observers see this process's commits in
            // order. The commit stands whatever happens here; an observer that missed it catches up
            // later.
            if logged && db.dialect == .sqlite { try? followers.deliver(db, store: self) }
            loggedOnPostgres = logged && db.dialect == .postgres
            return outcome.result
        }
        // PostgreSQL: the observers catch up once the connection is back in the pool. A catch-up
        // holds the followers' lock while it waits for a connection, so a write must never wait
        // for that lock while it holds one (with every connection lent to such writes, neither
        // could go on).
        if loggedOnPostgres { try? followers.catchUp(store: self) }
        return result
    }

    /// Everything an engine loads, read in one snapshot of the database: the metadata, the
    /// ids of stored keys, the sequence they reflect, and a scan of every current value.
    public func readForEngine<T>(
        _ body: (
            _ catalog: Catalog, _ ids: StoredIds, _ sequence: Int64,
            _ scan: ((StoredValueRow) throws -> Void) throws -> Void
        ) throws -> T
    ) throws -> T {
        try writer.read { db in
            try body(currentCatalog(db), storedIds(db), ChangeLog.last(db), { b in try scanValues(db, b) })
        }
    }

    /// Names this database and its schema: a saved engine snapshot belongs to one of each.
    public func identity() throws -> (database: String, schema: Int) {
        let id = try setting("database_id") ?? ""
        return (id, Schema.migrator.migrations.count)
    }

    /// A write of one kind of thing, logged (see `transaction`).
    func write<T>(_ kind: ChangeKind, _ body: (StoreConnection) throws -> T) throws -> T {
        try transaction { db, log in
            log.kinds.insert(kind)
            return (try body(db), true)
        }
    }
}
