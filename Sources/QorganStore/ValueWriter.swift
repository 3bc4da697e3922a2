import Foundation
import GRDB
import QorganCore

/// Applies checked values inside an open transaction, auditing each change.
struct ValueWriter {
    enum Outcome { case created, updated, unchanged, deleted }

    /// What was committed, for the observers of the store.
    private(set) var changes: [ValueChange] = []

    let db: Database
    let catalog: Catalog
    private var ids: [String: Int64] = [:]
    private var periodIds: [String: Int64] = [:]

    init(db: Database, catalog: Catalog) {
        self.db = db
        self.catalog = catalog
    }

    private mutating func id(_ table: String, _ uid: String) throws -> Int64 {
        let k = table + ":" + uid
        if let i = ids[k] { return i }
        guard let i = try Int64.fetchOne(db, sql: "SELECT id FROM \(table) WHERE uid = ?", arguments: [uid]) else {
            throw QorganError.notFound(kind: table, key: uid)
        }
        ids[k] = i
        return i
    }

    mutating func periodId(_ p: Period) throws -> Int64 {
        if let i = periodIds[p.iso] { return i }
        if let i = try Int64.fetchOne(db, sql: "SELECT id FROM period WHERE iso = ?", arguments: [p.iso]) {
            periodIds[p.iso] = i
            return i
        }
        try db.execute(sql: "INSERT INTO period(iso, period_type, start_date, end_date) VALUES (?, ?, ?, ?)",
                       arguments: [p.iso, p.type.rawValue, p.start.description, p.end.description])
        let i = db.lastInsertedRowID
        periodIds[p.iso] = i
        return i
    }

    mutating func apply(_ r: ResolvedValue, user: String, now: Date) throws -> Outcome {
        let keyArgs: StatementArguments = [try id("data_element", r.key.element), try periodId(r.key.period),
                                           try id("org_unit", r.key.unit), try id("category_option_combo", r.key.optionCombo),
                                           try id("category_option_combo", r.key.attributeOptionCombo)]
        let stamp = Timestamp.string(now)
        let existing = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT value, comment, follow_up, deleted FROM data_value
            WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
            """), arguments: keyArgs)
        let oldValue: String? = existing?["value"]
        let oldComment: String? = existing?["comment"]
        let oldFollowUp: Bool = existing?["follow_up"] ?? false
        let wasDeleted: Bool = existing?["deleted"] ?? false

        func audit(_ action: AuditEntry.Action, old: String?, new: String?, newComment: String?) throws {
            try db.cachedStatement(sql: """
                INSERT INTO data_value_audit(element_id, period_id, unit_id, coc_id, aoc_id, action,
                    old_value, new_value, old_comment, new_comment, changed_by, changed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: keyArgs + [action.rawValue, old, new, oldComment, newComment, user, stamp])
        }

        guard let newValue = r.value else {
            // Soft deletion: the row stays, flagged, and the audit says who and when.
            guard existing != nil, !wasDeleted else { return .unchanged }
            try db.cachedStatement(sql: """
                UPDATE data_value SET deleted = 1, last_updated = ?, stored_by = ?
                WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
                """).execute(arguments: [stamp, user] + keyArgs)
            try audit(.delete, old: oldValue, new: nil, newComment: oldComment)
            changes.append(ValueChange(key: r.key, value: nil))
            return .deleted
        }
        let storedBy = r.storedBy ?? user
        if existing == nil {
            try db.cachedStatement(sql: """
                INSERT INTO data_value(element_id, period_id, unit_id, coc_id, aoc_id, value, numeric, stored_by, created,
                    last_updated, comment, follow_up, deleted)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                """).execute(arguments: keyArgs + [newValue, DataValue.number(newValue), storedBy, stamp, stamp, r.comment, r.followUp])
            try audit(.create, old: nil, new: newValue, newComment: r.comment)
            changes.append(ValueChange(key: r.key, value: newValue))
            return .created
        }
        if !wasDeleted && oldValue == newValue && oldComment == r.comment && oldFollowUp == r.followUp {
            return .unchanged
        }
        try db.cachedStatement(sql: """
            UPDATE data_value SET value = ?, numeric = ?, stored_by = ?, last_updated = ?, comment = ?, follow_up = ?, deleted = 0
            WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
            """).execute(arguments: [newValue, DataValue.number(newValue), storedBy, stamp, r.comment, r.followUp] + keyArgs)
        if wasDeleted || oldValue != newValue { changes.append(ValueChange(key: r.key, value: newValue)) }
        try audit(wasDeleted ? .restore : .update, old: wasDeleted ? nil : oldValue, new: newValue, newComment: r.comment)
        return wasDeleted ? .created : .updated
    }
}
