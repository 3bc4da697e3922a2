import Foundation
import GRDB
import GRDBSQLite
import PostgresNIO
import QorganCore

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
