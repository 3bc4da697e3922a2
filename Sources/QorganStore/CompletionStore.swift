import Foundation
import GRDB
import QorganCore

extension Store {
    // MARK: Form completion

    public func completion(dataSet: String, period: String, unit: String) throws -> Completion? {
        try writer.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT completed_by, completed_at, comment FROM completion WHERE data_set_uid = ? AND period = ? AND unit_uid = ? AND deleted = 0
                    """, arguments: [dataSet, period, unit]
            ).map {
                Completion(
                    completedBy: $0["completed_by"], completedAt: Timestamp.date(millis: $0["completed_at"]),
                    comment: $0["comment"])
            }
        }
    }

    /// Marks a form complete (or, with `complete: false`, no longer complete). Approved data are
    /// locked: the completion of an approved form does not change, whoever asks, on any surface.
    public func setCompletion(
        dataSet: String, period: String, unit: String, complete: Bool, comment: String? = nil, by actor: String
    ) throws {
        try write(.completions) { db in
            if let approved = try approval(db, dataSet: dataSet, period: period, unit: unit) {
                let code = try currentCatalog(db).dataSet(dataSet)?.code ?? dataSet
                throw AccessDenied(
                    kind: .locked,
                    problems: [
                        Problem(
                            field: "period", value: period,
                            reason:
                                "\(code) for \(period) is approved (level \(approved.level), by \(approved.by)): an administrator must withdraw the approval first",
                            code: "approved")
                    ])
            }
            let now = Timestamp.millis(Date())
            if complete {
                try db.execute(
                    sql: """
                        INSERT INTO completion(data_set_uid, period, unit_uid, completed_by, completed_at, comment, deleted) VALUES (?, ?, ?, ?, ?, ?, 0)
                        ON CONFLICT(data_set_uid, period, unit_uid) DO UPDATE SET completed_by = excluded.completed_by, completed_at = excluded.completed_at,
                            comment = excluded.comment, deleted = 0
                        """, arguments: [dataSet, period, unit, actor, now, comment])
            } else {
                try db.execute(
                    sql: "UPDATE completion SET deleted = 1 WHERE data_set_uid = ? AND period = ? AND unit_uid = ?",
                    arguments: [dataSet, period, unit])
            }
            try db.execute(
                sql: """
                    INSERT INTO completion_audit(data_set_uid, period, unit_uid, action, changed_by, changed_at, comment) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [dataSet, period, unit, complete ? "COMPLETE" : "INCOMPLETE", actor, now, comment])
        }
    }
}

extension Store {
    /// Every form registered complete (not withdrawn), optionally of one form.
    public func completions(dataSet: String? = nil) throws -> [CompletionRecord] {
        try writer.read { db in try completions(db, dataSet: dataSet) }
    }

    func completions(_ db: StoreConnection, dataSet: String?) throws -> [CompletionRecord] {
        var sql = "SELECT data_set_uid, period, unit_uid, completed_by, completed_at FROM completion WHERE deleted = 0"
        var args: [DatabaseValueConvertible] = []
        if let dataSet {
            sql += " AND data_set_uid = ?"
            args.append(dataSet)
        }
        return try Row.fetchAll(db, sql: sql, arguments: SQLArguments(args)).map {
            let millis: Int64 = $0["completed_at"]
            return CompletionRecord(
                dataSet: $0["data_set_uid"], period: $0["period"], unit: $0["unit_uid"],
                completedOn: Day(ordinal: Int((Double(millis) / 86_400_000).rounded(.down))),
                completedBy: $0["completed_by"])
        }
    }

    /// "unit|period" for every unit and period with a stored value of one of `elements`
    /// in a period within `span`: what a form received.
    public func reportedCells(elements: [String], within span: DaySpan) throws -> Set<String> {
        guard !elements.isEmpty else { return [] }
        return try writer.read { db in
            let sql = """
                SELECT DISTINCT u.uid AS unit, p.iso AS period
                FROM data_value v
                JOIN data_element e ON e.id = v.element_id
                JOIN period p ON p.id = v.period_id
                JOIN org_unit u ON u.id = v.unit_id
                WHERE v.deleted = 0 AND e.uid IN (\(elements.map { _ in "?" }.joined(separator: ",")))
                  AND p.start_date >= ? AND p.end_date <= ?
                """
            let args: [DatabaseValueConvertible] = elements + [span.start.description, span.end.description]
            var out = Set<String>()
            for row in try Row.fetchAll(db, sql: sql, arguments: SQLArguments(args)) {
                out.insert("\(row["unit"] as String)|\(row["period"] as String)")
            }
            return out
        }
    }

    /// Registers many forms complete at the times given (an import, the demo), with their audit
    /// rows, in one transaction.
    public func saveCompletions(_ records: [(record: CompletionRecord, at: Date)], by actor: String) throws {
        try write(.completions) { db in
            for (r, at) in records {
                let millis = Timestamp.millis(at)
                try db.execute(
                    sql: """
                        INSERT INTO completion(data_set_uid, period, unit_uid, completed_by, completed_at, deleted) VALUES (?, ?, ?, ?, ?, 0)
                        ON CONFLICT(data_set_uid, period, unit_uid) DO UPDATE SET completed_by = excluded.completed_by, completed_at = excluded.completed_at, deleted = 0
                        """, arguments: [r.dataSet, r.period, r.unit, r.completedBy, millis])
                try db.execute(
                    sql: """
                        INSERT INTO completion_audit(data_set_uid, period, unit_uid, action, changed_by, changed_at) VALUES (?, ?, ?, 'COMPLETE', ?, ?)
                        """, arguments: [r.dataSet, r.period, r.unit, actor, millis])
            }
        }
    }
}

extension Store {
    /// The completeness and timeliness of `form` for the subtrees of `roots` and the periods
    /// within `span`, from the data and completions as they are now. Refuses more than
    /// `maxCells` expected reports (units × periods) before reading anything.
    public func completeness(
        of form: DataSet, roots: [String], span: DaySpan, catalog: Catalog, maxCells: Int = 500_000
    ) throws -> Completeness {
        let periods = span.dayCount / max(1, form.periodType.approximateDays)
        guard periods * max(1, form.organisationUnits.count) <= maxCells else {
            throw QorganError.invalidRequest(
                what: "the completeness",
                problems: [
                    Problem(
                        field: "pe",
                        reason:
                            "about \(periods) periods × \(form.organisationUnits.count) units; at most \(maxCells) reports: ask for fewer periods"
                    )
                ])
        }
        return Completeness.compute(
            form: form, catalog: catalog, roots: roots, span: span,
            reported: try reportedCells(elements: form.dataElements, within: span),
            completions: try completions(dataSet: form.uid))
    }
}
