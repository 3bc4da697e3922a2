import Foundation
import GRDB
import PostgresNIO
import QorganCore

/// Which SQL the store's database speaks.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// The values bound to a statement's `?` placeholders, in order.
struct SQLArguments: ExpressibleByArrayLiteral {
    var values: [DatabaseValue]

    init() { values = [] }

    init(arrayLiteral elements: (any DatabaseValueConvertible)?...) {
        values = elements.map { $0?.databaseValue ?? .null }
    }

    init(_ values: some Sequence<(any DatabaseValueConvertible)?>) {
        self.values = values.map { $0?.databaseValue ?? .null }
    }

    init(_ values: some Sequence<some DatabaseValueConvertible>) {
        self.values = values.map { $0.databaseValue }
    }

    static func += (lhs: inout SQLArguments, rhs: SQLArguments) { lhs.values += rhs.values }
    static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments {
        var all = lhs
        all += rhs
        return all
    }

    /// GRDB's arguments. (Through its initializer for optional existentials: the one for a
    /// sequence of `DatabaseValue` maps with a key path, which Swift builds anew at every call,
    /// 5 % of a save's CPU under load.)
    var grdb: StatementArguments {
        StatementArguments(values.lazy.map { Optional($0 as any DatabaseValueConvertible) })
    }
}

/// One connection to the store's database, inside a read or a write. Every statement of the
/// store goes through it, to SQLite (GRDB) or to PostgreSQL (postgres-nio); the SQL is written
/// once, in the part of SQL both speak, and `dialect` tells the few places that differ.
final class StoreConnection {
    enum Backend {
        case sqlite(Database)
        case postgres(PostgresSession)
    }
    let backend: Backend

    init(_ db: Database) { backend = .sqlite(db) }
    init(_ session: PostgresSession) { backend = .postgres(session) }

    var dialect: SQLDialect {
        switch backend {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// The SQLite connection, for what only SQLite has (its C API, backups); nil on PostgreSQL.
    var sqlite: Database? {
        if case .sqlite(let db) = backend { return db }
        return nil
    }

    func execute(sql: String, arguments: SQLArguments = []) throws {
        switch backend {
        case .sqlite(let db): try db.execute(sql: sql, arguments: arguments.grdb)
        case .postgres(let s): _ = try s.query(sql, arguments)
        }
    }

    func cachedStatement(sql: String) throws -> StoreStatement {
        switch backend {
        case .sqlite(let db): .sqlite(try db.cachedStatement(sql: sql))
        case .postgres: .postgres(self, sql)
        }
    }

    /// Rows changed by the last statement.
    var changesCount: Int {
        switch backend {
        case .sqlite(let db): db.changesCount
        case .postgres(let s): s.changes
        }
    }

    /// Runs `body` in a transaction of its own: committed or rolled back as it says, rolled back
    /// if it throws. A write transaction (`.immediate`) holds the database's one write lock.
    func inTransaction(
        _ kind: Database.TransactionKind? = nil, _ body: () throws -> Database.TransactionCompletion
    ) throws {
        switch backend {
        case .sqlite(let db): try db.inTransaction(kind) { try body() }
        case .postgres(let s): try s.inTransaction(write: kind == .immediate || kind == .exclusive, body)
        }
    }

    fileprivate func rows(_ sql: String, _ arguments: SQLArguments) throws -> [Row] {
        switch backend {
        case .sqlite(let db): return try Row.fetchAll(db, sql: sql, arguments: arguments.grdb)
        case .postgres(let s): return try s.query(sql, arguments).rows.map { try PostgresSession.row($0) }
        }
    }

    fileprivate func firstColumn(_ sql: String, _ arguments: SQLArguments, limit: Int?) throws -> [DatabaseValue] {
        guard case .postgres(let s) = backend else { return [] }
        let result = try s.query(sql, arguments)
        var out: [DatabaseValue] = []
        for row in result.rows.prefix(limit ?? Int.max) {
            guard let cell = row.first(where: { _ in true }) else { continue }
            out.append(try PostgresSession.value(cell))
        }
        return out
    }
}

/// A statement, prepared once per connection on SQLite.
enum StoreStatement {
    case sqlite(Statement)
    case postgres(StoreConnection, String)

    func execute(arguments: SQLArguments = []) throws {
        switch self {
        case .sqlite(let s): try s.execute(arguments: arguments.grdb)
        case .postgres(let db, let sql): try db.execute(sql: sql, arguments: arguments)
        }
    }
}

extension DatabaseValueConvertible {
    static func fetchOne(_ db: StoreConnection, sql: String, arguments: SQLArguments = []) throws -> Self? {
        switch db.backend {
        case .sqlite(let g): return try Self.fetchOne(g, sql: sql, arguments: arguments.grdb)
        case .postgres: return try db.firstColumn(sql, arguments, limit: 1).first.flatMap { try decoded($0, sql) }
        }
    }

    static func fetchAll(_ db: StoreConnection, sql: String, arguments: SQLArguments = []) throws -> [Self] {
        switch db.backend {
        case .sqlite(let g): return try Self.fetchAll(g, sql: sql, arguments: arguments.grdb)
        case .postgres:
            return try db.firstColumn(sql, arguments, limit: nil).compactMap { try decoded($0, sql) }
        }
    }

    static func fetchOne(_ statement: StoreStatement, arguments: SQLArguments = []) throws -> Self? {
        switch statement {
        case .sqlite(let s): return try Self.fetchOne(s, arguments: arguments.grdb)
        case .postgres(let db, let sql): return try fetchOne(db, sql: sql, arguments: arguments)
        }
    }

    static func fetchAll(_ statement: StoreStatement, arguments: SQLArguments = []) throws -> [Self] {
        switch statement {
        case .sqlite(let s): return try Self.fetchAll(s, arguments: arguments.grdb)
        case .postgres(let db, let sql): return try fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    /// A value read back from PostgreSQL, as GRDB reads SQLite's: NULL is nil, a value of
    /// another type is an error naming it.
    private static func decoded(_ value: DatabaseValue, _ sql: String) throws -> Self? {
        if value.isNull { return nil }
        guard let v = Self.fromDatabaseValue(value) else {
            throw Stored.damaged("a value of the wrong type (\(Self.self)) for \(sql.prefix(60))", "\(value)")
        }
        return v
    }
}

extension Row {
    static func fetchAll(_ db: StoreConnection, sql: String, arguments: SQLArguments = []) throws -> [Row] {
        try db.rows(sql, arguments)
    }

    static func fetchOne(_ db: StoreConnection, sql: String, arguments: SQLArguments = []) throws -> Row? {
        switch db.backend {
        case .sqlite(let g): return try Row.fetchOne(g, sql: sql, arguments: arguments.grdb)
        case .postgres: return try db.rows(sql, arguments).first
        }
    }

    static func fetchAll(_ statement: StoreStatement, arguments: SQLArguments = []) throws -> [Row] {
        switch statement {
        case .sqlite(let s): return try Row.fetchAll(s, arguments: arguments.grdb)
        case .postgres(let db, let sql): return try db.rows(sql, arguments)
        }
    }

    static func fetchOne(_ statement: StoreStatement, arguments: SQLArguments = []) throws -> Row? {
        switch statement {
        case .sqlite(let s): return try Row.fetchOne(s, arguments: arguments.grdb)
        case .postgres(let db, let sql): return try db.rows(sql, arguments).first
        }
    }
}
