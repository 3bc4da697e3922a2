import Foundation
import GRDB
import QorganCore

extension StoreConnection {
    /// Hands every row of `sql` to `body` without holding them all: SQLite's cursor, or a
    /// PostgreSQL cursor fetched in pages (inside the current transaction).
    func forEachRow(_ sql: String, _ body: (Row) throws -> Void) throws {
        switch backend {
        case .sqlite(let g):
            let cursor = try Row.fetchCursor(g, sql: sql)
            while let row = try cursor.next() { try body(row.copy()) }
        case .postgres(let s):
            try s.scan(sql) { row in try body(try PostgresSession.row(row)) }
        }
    }
}

extension Store {
    /// Copies a whole database, history, accounts and change log included, into a new one:
    /// SQLite to PostgreSQL or back (or SQLite to SQLite). The copy is all or nothing: a new SQLite
    /// file is written beside its name and renamed when complete; a PostgreSQL database is filled
    /// in one transaction, and must hold no tables before. Returns the copy, opened.
    public static func migrate(from source: Store, to target: DatabaseLocation) throws -> Store {
        switch target.kind {
        case .sqlite(let path):
            let fm = FileManager.default
            if fm.fileExists(atPath: path) {
                throw QorganError.conflict(
                    "'\(path)' already exists; migrate writes a new database and never overwrites one")
            }
            let partial = path + ".partial"
            removeFiles(of: partial)
            do {
                let queue = try DatabaseQueue(path: partial)
                try Schema.migrator.migrate(queue)
                try queue.write { g in
                    let db = StoreConnection(g)
                    let tables = try PostgresSchema.tableNames(db)
                    // The rows a new database starts with make way for the source's own.
                    for t in tables.reversed() { try db.execute(sql: "DELETE FROM \(t)") }
                    let last = try source.writer.read { src -> Int64 in
                        try copyAll(from: src, to: db, tables: tables)
                        return try ChangeLog.last(src)
                    }
                    try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'change_log'")
                    try db.execute(
                        sql: "INSERT INTO sqlite_sequence(name, seq) VALUES ('change_log', ?)", arguments: [last])
                }
                try queue.close()
                try fm.moveItem(atPath: partial, toPath: path)
            } catch {
                removeFiles(of: partial)
                throw error
            }
        case .postgres(let pg):
            let backend = PostgresBackend(pg, connections: 1)
            try backend.withSession { s in
                try s.inTransaction(write: true) {
                    let db = StoreConnection(s)
                    let present = try PostgresSchema.present(db)
                    guard present.isEmpty else {
                        throw QorganError.conflict(
                            "the PostgreSQL database \(pg.redacted) already holds tables "
                                + "(\(present.prefix(3).joined(separator: ", "))\(present.count > 3 ? ", …" : "")); "
                                + "migrate fills an empty database (createdb NAME) and never mixes two; nothing was changed"
                        )
                    }
                    let tables = try PostgresSchema.create(in: db, withFirstRows: false)
                    try source.writer.read { src in try copyAll(from: src, to: db, tables: tables) }
                    return .commit
                }
            }
        }
        return try Store(location: target)
    }

    /// Every row of every table, ids included, in pages of multi-row inserts.
    static func copyAll(from source: StoreConnection, to target: StoreConnection, tables: [String]) throws {
        for table in tables {
            var batch: [Row] = []
            var columns: [String] = []
            func flush() throws {
                guard !batch.isEmpty else { return }
                let one = "(" + columns.map { _ in "?" }.joined(separator: ", ") + ")"
                var arguments = SQLArguments()
                arguments.values.reserveCapacity(batch.count * columns.count)
                for row in batch { for c in columns { arguments.values.append(row[c] as DatabaseValue) } }
                try target.execute(
                    sql: "INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES "
                        + Array(repeating: one, count: batch.count).joined(separator: ", "),
                    arguments: arguments)
                batch.removeAll(keepingCapacity: true)
            }
            try source.forEachRow("SELECT * FROM \(table)") { row in
                if columns.isEmpty { columns = Array(row.columnNames) }
                batch.append(row)
                // At most 30 000 values a statement (PostgreSQL takes 65 535, SQLite 32 766).
                if batch.count * columns.count >= 30_000 { try flush() }
            }
            try flush()
        }
        if target.dialect == .postgres { try PostgresSchema.moveIdentities(target) }
    }
}

/// Every current value of a database, summed up exactly: how many, and a digest of their keys (the
/// store's ids) and numbers that does not depend on the order they are read in. Two databases
/// with the same digest hold the same values, bit for bit.
public struct ValuesDigest: Sendable, Equatable, CustomStringConvertible {
    public var count = 0
    public var digest: UInt64 = 0

    public var description: String { "\(count) values, digest \(String(digest, radix: 16))" }

    mutating func add(_ row: StoredValueRow) {
        // FNV-1a over the row's fields, added (wrapping) so that the order of rows does not matter.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for field in [
            UInt64(bitPattern: row.element), UInt64(bitPattern: row.period), UInt64(bitPattern: row.unit),
            UInt64(bitPattern: row.optionCombo), UInt64(bitPattern: row.attributeOptionCombo),
            row.number?.bitPattern ?? 0x7ff8_dead_beef_0001,
        ] {
            for shift in stride(from: 0, to: 64, by: 8) {
                h ^= (field >> UInt64(shift)) & 0xff
                h = h &* 0x100_0000_01b3
            }
        }
        digest = digest &+ h
        count += 1
    }
}

extension Store {
    /// The digest of every current value (see `ValuesDigest`), read in one snapshot.
    public func valuesDigest() throws -> ValuesDigest {
        var d = ValuesDigest()
        try scanValues { d.add($0) }
        return d
    }
}
