import Foundation
import GRDB
import QorganCore

extension Store {
    /// The current (not deleted) values of one unit and period, optionally of some elements:
    /// what a form shows.
    public func values(unit: String, period: Period, elements: [String]? = nil) throws -> [DataValue] {
        try writer.read { db in
            var sql = """
                SELECT e.uid AS element, c.uid AS coc, a.uid AS aoc,
                       v.value, v.stored_by, v.created, v.last_updated, v.comment, v.follow_up
                FROM data_value v
                JOIN data_element e ON e.id = v.element_id
                JOIN category_option_combo c ON c.id = v.coc_id
                JOIN category_option_combo a ON a.id = v.aoc_id
                WHERE v.deleted = 0
                  AND v.unit_id = (SELECT id FROM org_unit WHERE uid = ?)
                  AND v.period_id = (SELECT id FROM period WHERE iso = ?)
                """
            var args: [DatabaseValueConvertible] = [unit, period.iso]
            if let elements {
                sql += " AND e.uid IN (\(elements.map { _ in "?" }.joined(separator: ",")))"
                args += elements
            }
            return try Row.fetchAll(db, sql: sql, arguments: SQLArguments(args)).map { row in
                DataValue(
                    key: DataValueKey(
                        element: row["element"], period: period, unit: unit,
                        optionCombo: row["coc"], attributeOptionCombo: row["aoc"]),
                    value: row["value"], storedBy: row["stored_by"],
                    created: Timestamp.date(millis: row["created"]),
                    lastUpdated: Timestamp.date(millis: row["last_updated"]),
                    comment: row["comment"], followUp: row["follow_up"], deleted: false)
            }
        }
    }

    /// The first and last year that any current value falls in, if there are values.
    public func dataYears() throws -> ClosedRange<Int>? {
        try writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT MIN(p.start_date) AS first, MAX(p.end_date) AS last FROM period p
                        WHERE EXISTS (SELECT 1 FROM data_value v WHERE v.period_id = p.id AND v.deleted = 0)
                        """), let first: String = row["first"], let last: String = row["last"],
                let a = Int(first.prefix(4)), let b = Int(last.prefix(4))
            else { return nil }
            return a...b
        }
    }
}
