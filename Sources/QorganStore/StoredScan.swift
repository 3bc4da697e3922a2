import Foundation
import GRDB
import GRDBSQLite
import PostgresNIO
import QorganCore

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
