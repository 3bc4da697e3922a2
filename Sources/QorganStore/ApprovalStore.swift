import Foundation
import GRDB
import QorganCore

/// Data approval: the sign-off of a form's data for a unit and period, up the hierarchy.
/// Every step is audited; a withdrawn approval is kept, marked deleted.
extension Store {
    static func approvalRecord(_ row: Row) -> ApprovalRecord {
        ApprovalRecord(
            dataSet: row["data_set_uid"], period: row["period"], unit: row["unit_uid"], level: row["level"],
            by: row["approved_by"], at: Timestamp.date(millis: row["approved_at"]))
    }

    /// The approval in force of a form's data for a unit and period.
    public func approval(dataSet: String, period: String, unit: String) throws -> ApprovalRecord? {
        try writer.read { db in try approval(db, dataSet: dataSet, period: period, unit: unit) }
    }

    func approval(_ db: StoreConnection, dataSet: String, period: String, unit: String) throws -> ApprovalRecord? {
        guard
            var record = try Row.fetchOne(
                db,
                sql: "SELECT * FROM approval WHERE data_set_uid = ? AND period = ? AND unit_uid = ? AND deleted = 0",
                arguments: [dataSet, period, unit]
            ).map(Self.approvalRecord)
        else { return nil }
        // The approval in force began with its latest APPROVE; the steps above it were acceptances.
        record.firstLevel = try Int.fetchOne(
            db,
            sql: "SELECT level FROM approval_audit WHERE data_set_uid = ? AND period = ? AND unit_uid = ? "
                + "AND action = 'APPROVE' ORDER BY id DESC LIMIT 1", arguments: [dataSet, period, unit])
        return record
    }

    /// Every approval in force, optionally of one form.
    public func approvals(dataSet: String? = nil) throws -> [ApprovalRecord] {
        try writer.read { db in try approvals(db, dataSet: dataSet) }
    }

    func approvals(_ db: StoreConnection, dataSet: String?) throws -> [ApprovalRecord] {
        var sql = "SELECT * FROM approval WHERE deleted = 0"
        var args: [DatabaseValueConvertible] = []
        if let dataSet {
            sql += " AND data_set_uid = ?"
            args.append(dataSet)
        }
        return try Row.fetchAll(db, sql: sql, arguments: SQLArguments(args)).map(Self.approvalRecord)
    }

    /// The steps of a form's approval for a unit and period, oldest first.
    public func approvalHistory(dataSet: String, period: String, unit: String) throws -> [ApprovalEvent] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT action, level, reason, changed_by, changed_at FROM approval_audit
                    WHERE data_set_uid = ? AND period = ? AND unit_uid = ? ORDER BY id
                    """, arguments: [dataSet, period, unit]
            ).compactMap { row in
                guard let action = ApprovalAction(rawValue: row["action"]) else { return nil }
                return ApprovalEvent(
                    action: action, level: row["level"], reason: row["reason"], by: row["changed_by"],
                    at: Timestamp.date(millis: row["changed_at"]))
            }
        }
    }

    /// Takes one approval step, decided inside the write transaction on the state it reads there:
    /// `decide` gets the approval in force and returns the level after the step (nil: withdrawn)
    /// or throws. Returns the approval in force after the step.
    @discardableResult
    public func approve(
        _ action: ApprovalAction, dataSet: String, period: String, unit: String, reason: String?, by actor: String,
        at: Date = Date(), decide: (ApprovalRecord?) throws -> Int?
    ) throws -> ApprovalRecord? {
        try write(.approvals) { db in
            let current = try approval(db, dataSet: dataSet, period: period, unit: unit)
            let level = try decide(current)
            let millis = Timestamp.millis(at)
            if let level {
                try db.execute(
                    sql: """
                        INSERT INTO approval(data_set_uid, period, unit_uid, level, approved_by, approved_at, deleted) VALUES (?, ?, ?, ?, ?, ?, 0)
                        ON CONFLICT(data_set_uid, period, unit_uid) DO UPDATE SET level = excluded.level, approved_by = excluded.approved_by,
                            approved_at = excluded.approved_at, deleted = 0
                        """, arguments: [dataSet, period, unit, level, actor, millis])
            } else {
                try db.execute(
                    sql: "UPDATE approval SET deleted = 1 WHERE data_set_uid = ? AND period = ? AND unit_uid = ?",
                    arguments: [dataSet, period, unit])
            }
            try db.execute(
                sql: """
                    INSERT INTO approval_audit(data_set_uid, period, unit_uid, action, level, reason, changed_by, changed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [dataSet, period, unit, action.rawValue, level, reason, actor, millis])
            return try approval(db, dataSet: dataSet, period: period, unit: unit)
        }
    }

    /// Writes many approvals with their steps at once (the demo's history, an import): each
    /// record's steps are an APPROVE at `from` and an ACCEPT at each level up to its level.
    public func saveApprovals(_ records: [(record: ApprovalRecord, from: Int)]) throws {
        try write(.approvals) { db in
            for (r, from) in records {
                let millis = Timestamp.millis(r.at)
                try db.execute(
                    sql: """
                        INSERT INTO approval(data_set_uid, period, unit_uid, level, approved_by, approved_at, deleted) VALUES (?, ?, ?, ?, ?, ?, 0)
                        ON CONFLICT(data_set_uid, period, unit_uid) DO UPDATE SET level = excluded.level, approved_by = excluded.approved_by,
                            approved_at = excluded.approved_at, deleted = 0
                        """, arguments: [r.dataSet, r.period, r.unit, r.level, r.by, millis])
                for level in stride(from: from, through: r.level, by: -1) {
                    try db.execute(
                        sql: """
                            INSERT INTO approval_audit(data_set_uid, period, unit_uid, action, level, changed_by, changed_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            r.dataSet, r.period, r.unit, level == from ? "APPROVE" : "ACCEPT", level, r.by, millis,
                        ])
                }
            }
        }
    }
}
