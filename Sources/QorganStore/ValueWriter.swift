import Foundation
import GRDB
import GRDBSQLite
import QorganCore

/// The insert of new values: the one statement an import runs per row. On SQLite it is bound
/// through SQLite's C API, where building GRDB's arguments cost more than SQLite's own work.
final class NewValueInsert {
    private var statement: OpaquePointer?
    /// The statement's owner, in GRDB's cache of the connection.
    private var cached: Statement?
    private let connection: OpaquePointer?
    /// On PostgreSQL, the connection the statement runs on.
    private let postgres: StoreConnection?
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    private static let postgresSQL = """
        INSERT INTO data_value(element_id, period_id, unit_id, coc_id, aoc_id, value, numeric, stored_by, created_by,
            created, last_updated, comment, follow_up, deleted)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
        ON CONFLICT DO NOTHING
        """

    init(_ db: StoreConnection) throws {
        guard let g = db.sqlite else {
            postgres = db
            connection = nil
            cached = nil
            return
        }
        postgres = nil
        guard let connection = g.sqliteConnection else {
            throw QorganError.conflict("the database connection is closed")
        }
        self.connection = connection
        let sql = """
            INSERT INTO data_value(element_id, period_id, unit_id, coc_id, aoc_id, value, numeric, stored_by, created_by,
                created, last_updated, comment, follow_up, deleted)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, 0)
            ON CONFLICT DO NOTHING
            """
        // Prepared once per connection (GRDB's statement cache keeps it), bound here through C.
        cached = try g.cachedStatement(sql: sql)
        statement = cached?.sqliteStatement
    }

    /// Inserts unless the key exists; true when a row was inserted.
    func run(
        _ ids: (Int64, Int64, Int64, Int64, Int64), value: String, number: Double?, storedBy: String, createdBy: String,
        stamp: Int64, comment: String?, followUp: Bool
    ) throws -> Bool {
        guard let connection else {
            guard let postgres else { return false }
            try postgres.execute(
                sql: Self.postgresSQL,
                arguments: [
                    ids.0, ids.1, ids.2, ids.3, ids.4, value, number, storedBy, createdBy, stamp, stamp, comment,
                    followUp ? 1 : 0,
                ])
            return postgres.changesCount == 1
        }
        let s = statement
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, ids.0)
        sqlite3_bind_int64(s, 2, ids.1)
        sqlite3_bind_int64(s, 3, ids.2)
        sqlite3_bind_int64(s, 4, ids.3)
        sqlite3_bind_int64(s, 5, ids.4)
        sqlite3_bind_text(s, 6, value, -1, Self.transient)
        if let number { sqlite3_bind_double(s, 7, number) } else { sqlite3_bind_null(s, 7) }
        sqlite3_bind_text(s, 8, storedBy, -1, Self.transient)
        sqlite3_bind_text(s, 9, createdBy, -1, Self.transient)
        sqlite3_bind_int64(s, 10, stamp)
        if let comment { sqlite3_bind_text(s, 11, comment, -1, Self.transient) } else { sqlite3_bind_null(s, 11) }
        sqlite3_bind_int64(s, 12, followUp ? 1 : 0)
        let rc = sqlite3_step(s)
        guard rc == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(connection)))
        }
        return sqlite3_changes(connection) == 1
    }
}

/// Applies checked values inside an open transaction, auditing each change.
struct ValueWriter {
    enum Outcome { case created, updated, unchanged, deleted }

    /// What changed, for the change log.
    private(set) var logged: [LoggedValue] = []
    /// Each value as it stands after `apply` (nil: none is stored), when `keepsStored`: a
    /// single save answers with it instead of reading it back.
    private(set) var stored: [DataValue?] = []
    var keepsStored = false

    let db: StoreConnection
    let catalog: Catalog
    /// The time of the whole batch, as stored (milliseconds since 1970).
    let stamp: Int64
    private var elementIds = IdCache()
    private var unitIds = IdCache()
    private var comboIds = IdCache()
    private var attributeComboIds = IdCache()
    private var periodIds: [Period: Int64] = [:]

    private let insert: NewValueInsert

    /// `ids`: the ids of the catalog's objects, when known (`Store.currentMetadata`).
    init(db: StoreConnection, catalog: Catalog, now: Date, ids: MetadataIds? = nil) throws {
        self.db = db
        self.catalog = catalog
        self.stamp = Timestamp.millis(now)
        insert = try NewValueInsert(db)
        if let ids {
            elementIds.ids = ids.elements
            unitIds.ids = ids.units
            comboIds.ids = ids.combos
            attributeComboIds.ids = ids.combos
        }
    }

    /// Store ids by uid, and the last one asked for: the rows of a batch mostly repeat the
    /// element, unit and combination of the row before, and the uids come from the catalog, so
    /// comparing with the last one is a comparison of the same string.
    struct IdCache {
        var ids: [String: Int64] = [:]
        var lastUid = ""
        var lastId: Int64 = 0
    }

    /// Static: a method of `self` taking one of its own dictionaries `inout` made Swift copy the
    /// whole writer at every call (four times a value; 40 % of an import's time in the writer).
    private static func id(_ db: StoreConnection, _ table: String, _ uid: String, _ cache: inout IdCache)
        throws -> Int64
    {
        if uid == cache.lastUid, !uid.isEmpty { return cache.lastId }
        let i: Int64
        if let known = cache.ids[uid] {
            i = known
        } else {
            guard
                let found = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT id FROM \(table) WHERE uid = ?"), arguments: [uid])
            else {
                throw QorganError.notFound(kind: table, key: uid)
            }
            cache.ids[uid] = found
            i = found
        }
        (cache.lastUid, cache.lastId) = (uid, i)
        return i
    }

    private var lastPeriod: (period: Period, id: Int64)?

    mutating func periodId(_ p: Period) throws -> Int64 {
        if let last = lastPeriod, last.period == p { return last.id }
        if let i = periodIds[p] {
            lastPeriod = (p, i)
            return i
        }
        let iso = p.iso
        if let i = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM period WHERE iso = ?"), arguments: [iso])
        {
            periodIds[p] = i
            return i
        }
        let i = try Stored.id(
            db, sql: "INSERT INTO period(iso, period_type, start_date, end_date) VALUES (?, ?, ?, ?) RETURNING id",
            arguments: [iso, p.type.rawValue, p.start.description, p.end.description])
        periodIds[p] = i
        return i
    }

    /// The keys (store ids) of the values `insertAll` inserted; nil when it did not run.
    private var inserted: Set<[Int64]>? = nil

    private mutating func ids(_ r: ResolvedValue) throws -> (Int64, Int64, Int64, Int64, Int64) {
        let db = self.db
        return (
            try Self.id(db, "data_element", r.key.element, &elementIds), try periodId(r.key.period),
            try Self.id(db, "org_unit", r.key.unit, &unitIds),
            try Self.id(db, "category_option_combo", r.key.optionCombo, &comboIds),
            try Self.id(db, "category_option_combo", r.key.attributeOptionCombo, &attributeComboIds)
        )
    }

    /// On PostgreSQL, inserts every new value of a batch in a few multi-row statements (one
    /// round trip per 2 000 values instead of one per value); `apply` then finds a value it
    /// inserted already done, and goes on with the others as usual. The keys of a batch are
    /// distinct (duplicates are refused before), so the order of the inserts changes nothing.
    /// On SQLite it does nothing: SQLite's insert is a call, not a round trip.
    mutating func insertAll(_ values: [ResolvedValue], user: String) throws {
        guard db.dialect == .postgres else { return }
        var done = Set<[Int64]>()
        let columns = 13
        let perStatement = 2_000
        var start = 0
        while start < values.count {
            let slice = values[start..<min(start + perStatement, values.count)]
            start += perStatement
            var arguments = SQLArguments()
            var rows = 0
            for r in slice {
                guard let value = r.value else { continue }
                let k = try ids(r)
                arguments += [
                    k.0, k.1, k.2, k.3, k.4, value, DataValue.number(value), r.storedBy ?? user, user, stamp, stamp,
                    r.comment, r.followUp ? 1 : 0,
                ]
                rows += 1
            }
            guard rows > 0 else { continue }
            let one = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ", 0)"
            let keys = try Row.fetchAll(
                db,
                sql: """
                    INSERT INTO data_value(element_id, period_id, unit_id, coc_id, aoc_id, value, numeric, stored_by,
                        created_by, created, last_updated, comment, follow_up, deleted)
                    VALUES \(Array(repeating: one, count: rows).joined(separator: ", "))
                    ON CONFLICT DO NOTHING
                    RETURNING element_id, period_id, unit_id, coc_id, aoc_id
                    """, arguments: arguments)
            for k in keys {
                done.insert([k["element_id"], k["period_id"], k["unit_id"], k["coc_id"], k["aoc_id"]])
            }
        }
        inserted = done
    }

    mutating func apply(_ r: ResolvedValue, user: String) throws -> Outcome {
        let (e, p, u, c, a) = try ids(r)
        let stamp = self.stamp
        let storedBy = r.storedBy ?? user
        // Most values of a batch are new: try the insert first, and read the old row only if there is one.
        let number = r.value.flatMap { DataValue.number($0) }
        func log(deleted: Bool = false) {
            logged.append(
                LoggedValue(
                    element: e, period: p, unit: u, optionCombo: c, attributeOptionCombo: a, number: number ?? .nan,
                    deleted: deleted))
        }
        func keep(_ v: DataValue?) { if keepsStored { stored.append(v) } }
        func created(_ value: String) -> Outcome {
            log()
            let at = Timestamp.date(millis: stamp)
            keep(
                DataValue(
                    key: r.key, value: value, storedBy: storedBy, created: at, lastUpdated: at, comment: r.comment,
                    followUp: r.followUp))
            return .created
        }
        if let inserted {
            if inserted.contains([e, p, u, c, a]), let newValue = r.value { return created(newValue) }
        } else if let newValue = r.value {
            if try insert.run(
                (e, p, u, c, a), value: newValue, number: number, storedBy: storedBy,
                createdBy: user, stamp: stamp, comment: r.comment, followUp: r.followUp)
            {
                // The creation is recorded in the row itself (created, created_by): see the schema.
                return created(newValue)
            }
        }
        let keyArgs: SQLArguments = [e, p, u, c, a]
        let existing = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT value, comment, follow_up, deleted, stored_by, created, last_updated FROM data_value
                    WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
                    """), arguments: keyArgs)
        let oldValue: String? = existing?["value"]
        let oldComment: String? = existing?["comment"]
        let oldFollowUp: Bool = existing?["follow_up"] ?? false
        let wasDeleted: Bool = existing?["deleted"] ?? false
        /// The row as it stands after this save: read, then changed as written below.
        func after(
            value: String?, storedBy: String?, lastUpdated: Int64?, comment: String?, followUp: Bool, deleted: Bool
        )
            -> DataValue?
        {
            guard let existing, let value, let storedBy: String = storedBy ?? existing["stored_by"] else { return nil }
            return DataValue(
                key: r.key, value: value, storedBy: storedBy, created: Timestamp.date(millis: existing["created"]),
                lastUpdated: Timestamp.date(millis: lastUpdated ?? existing["last_updated"]), comment: comment,
                followUp: followUp, deleted: deleted)
        }
        let unchanged = {
            after(
                value: oldValue, storedBy: nil, lastUpdated: nil, comment: oldComment, followUp: oldFollowUp,
                deleted: wasDeleted)
        }

        func audit(_ action: AuditEntry.Action, old: String?, new: String?, newComment: String?) throws {
            let seq =
                try Int64.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT COALESCE(MAX(seq), 0) + 1 FROM data_value_audit
                            WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
                            """), arguments: keyArgs) ?? 1
            try db.cachedStatement(
                sql: """
                    INSERT INTO data_value_audit(element_id, period_id, unit_id, coc_id, aoc_id, seq, action,
                        old_value, new_value, old_comment, new_comment, changed_by, changed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: keyArgs + [seq, action.rawValue, old, new, oldComment, newComment, user, stamp])
        }

        guard let newValue = r.value else {
            // Soft deletion: the row stays, flagged, and the audit says who and when.
            guard existing != nil, !wasDeleted else {
                keep(unchanged())
                return .unchanged
            }
            try db.cachedStatement(
                sql: """
                    UPDATE data_value SET deleted = 1, last_updated = ?, stored_by = ?
                    WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
                    """
            ).execute(arguments: [stamp, user] + keyArgs)
            try audit(.delete, old: oldValue, new: nil, newComment: oldComment)
            log(deleted: true)
            keep(
                after(
                    value: oldValue, storedBy: user, lastUpdated: stamp, comment: oldComment, followUp: oldFollowUp,
                    deleted: true))
            return .deleted
        }
        // Saying nothing of the comment or the follow-up mark keeps the stored ones (a deleted
        // value restored starts afresh).
        let comment = r.keepsComment && !wasDeleted ? oldComment : r.comment
        let followUp = r.keepsFollowUp && !wasDeleted ? oldFollowUp : r.followUp
        if !wasDeleted && oldValue == newValue && oldComment == comment && oldFollowUp == followUp {
            keep(unchanged())
            return .unchanged
        }
        try db.cachedStatement(
            sql: """
                UPDATE data_value SET value = ?, numeric = ?, stored_by = ?, last_updated = ?, comment = ?, follow_up = ?, deleted = 0
                WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
                """
        ).execute(arguments: [newValue, number, storedBy, stamp, comment, followUp] + keyArgs)
        if wasDeleted || oldValue != newValue { log() }
        keep(
            after(
                value: newValue, storedBy: storedBy, lastUpdated: stamp, comment: comment, followUp: followUp,
                deleted: false))
        try audit(
            wasDeleted ? .restore : .update, old: wasDeleted ? nil : oldValue, new: newValue, newComment: comment)
        return wasDeleted ? .created : .updated
    }
}
