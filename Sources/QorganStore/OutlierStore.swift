import Foundation
import GRDB
import QorganCore

/// Min–max bounds and follow-up flags: what outlier detection keeps.
extension Store {
    /// Bounds by `MinMaxBounds.key`, optionally of some elements only.
    public func minMaxBounds(elements: [String]? = nil) throws -> [String: MinMaxBounds] {
        try writer.read { db in
            var sql = "SELECT * FROM min_max_value"
            var args: [DatabaseValueConvertible] = []
            if let elements {
                sql += " WHERE element_uid IN (\(elements.map { _ in "?" }.joined(separator: ",")))"
                args += elements
            }
            var out: [String: MinMaxBounds] = [:]
            for r in try Row.fetchAll(db, sql: sql, arguments: SQLArguments(args)) {
                let b = MinMaxBounds(
                    element: r["element_uid"], optionCombo: r["coc_uid"], unit: r["unit_uid"], min: r["min"],
                    max: r["max"], generated: r["generated"])
                out[b.key] = b
            }
            return out
        }
    }

    /// Sets bounds (replacing those of the same element, combination and unit), all or nothing.
    public func saveBounds(_ bounds: [MinMaxBounds], by actor: String) throws {
        for b in bounds where !(b.min <= b.max) || !b.min.isFinite || !b.max.isFinite {
            throw QorganError.invalidArgument("min \(b.min) and max \(b.max): min must be a number no larger than max")
        }
        try write(.settings) { db in
            let now = Timestamp.millis(Date())
            for b in bounds {
                try db.execute(
                    sql: """
                        INSERT INTO min_max_value(element_uid, coc_uid, unit_uid, min, max, generated, updated_by, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(element_uid, coc_uid, unit_uid) DO UPDATE SET min = excluded.min, max = excluded.max, generated = excluded.generated,
                            updated_by = excluded.updated_by, updated_at = excluded.updated_at
                        """, arguments: [b.element, b.optionCombo, b.unit, b.min, b.max, b.generated, actor, now])
            }
        }
    }

    /// Marks a stored value for follow-up (or clears the mark), audited; the value is unchanged,
    /// so this is allowed on approved data too. Throws `notFound` for a value never stored.
    public func setFollowUp(_ key: DataValueKey, _ flag: Bool, by actor: String) throws {
        try write(.values) { db in
            guard let ids = try KeyIds(db: db, key: key),
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT value, comment, follow_up FROM data_value
                        WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ? AND deleted = 0
                        """, arguments: ids.arguments)
            else { throw QorganError.notFound(kind: "data value", key: "\(key.element)/\(key.period.iso)/\(key.unit)") }
            let was: Bool = row["follow_up"]
            guard was != flag else { return }
            try db.execute(
                sql: """
                    UPDATE data_value SET follow_up = ?
                    WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
                    """, arguments: [flag] + ids.arguments)
            let seq =
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT COALESCE(MAX(seq), 0) + 1 FROM data_value_audit
                        WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
                        """, arguments: ids.arguments) ?? 1
            let value: String = row["value"]
            let comment: String? = row["comment"]
            try db.execute(
                sql: """
                    INSERT INTO data_value_audit(element_id, period_id, unit_id, coc_id, aoc_id, seq, action,
                        old_value, new_value, old_comment, new_comment, changed_by, changed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: ids.arguments
                    + [
                        seq, flag ? "FOLLOW_UP" : "FOLLOW_UP_CLEARED", value, value, comment, comment, actor,
                        Timestamp.millis(Date()),
                    ])
        }
    }

    /// Bounds from each series' history (`SeriesStatistics.generatedBounds`) for a form's numeric
    /// elements in a unit's subtree; series with too short a history get none.
    public func generatedBounds(_ catalog: Catalog, form: DataSet, root: String) throws -> [MinMaxBounds] {
        let elements = form.dataElements.compactMap { catalog.element($0) }.filter { $0.valueType.isNumeric }
        var series: [String: (key: DataValueKey, numbers: [Double])] = [:]
        for v in try values(elements: elements.map(\.uid))
        where v.key.period.type == form.periodType && catalog.isInSubtree(v.key.unit, of: root, on: v.key.period.start)
        {
            guard let n = v.number else { continue }
            series["\(v.key.element)|\(v.key.optionCombo)|\(v.key.unit)", default: (v.key, [])].numbers.append(n)
        }
        return series.values.compactMap { s in
            guard let stats = SeriesStatistics(series: s.numbers) else { return nil }
            let nonNegative =
                catalog.element(s.key.element).map {
                    $0.valueType == .integerZeroOrPositive || $0.valueType == .percentage
                } ?? false
            let b = stats.generatedBounds(nonNegative: nonNegative)
            return MinMaxBounds(
                element: s.key.element, optionCombo: s.key.optionCombo, unit: s.key.unit, min: b.min, max: b.max,
                generated: true)
        }.sorted { $0.key < $1.key }
    }
}
