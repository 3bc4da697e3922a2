import Foundation
import GRDB
import Logging
import PostgresNIO
import QorganCore

/// One PostgreSQL connection lent to one read or write: statements run one at a time and are
/// waited for (the store's interface is synchronous, like GRDB's; the waiting thread is never
/// one of NIO's event loops).
final class PostgresSession {
    let connection: PostgresConnection
    let logger: Logger
    /// Rows changed by the last statement.
    private(set) var changes = 0
    /// Set when the connection failed: it goes back closed, not to the pool.
    private(set) var broken = false

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Any advisory lock number of Qorgan's: held by every write transaction, so that writes
    /// from every server commit one after another, as on SQLite (and the change log's numbers
    /// are given in commit order).
    static let writeLock: Int64 = 0x516F_7267_616E  // "Qorgan"

    /// `QORGAN_TRACE_SQL` set: every statement goes to standard error, as on SQLite.
    static let trace = ProcessInfo.processInfo.environment["QORGAN_TRACE_SQL"] != nil

    func query(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        if Self.trace { FileHandle.standardError.write(Data("SQL: \(sql) \(arguments.values)\n".utf8)) }
        var binds = PostgresBindings(capacity: arguments.values.count)
        for v in arguments.values { Self.bind(v, into: &binds) }
        let query = PostgresQuery(unsafeSQL: Self.numbered(sql), binds: binds)
        do {
            let result = try connection.query(query, logger: logger).wait()
            changes = result.metadata.rows ?? 0
            return result
        } catch {
            if connection.isClosed { broken = true }
            throw error
        }
    }

    /// Runs `sql` and hands each row to `body` without keeping them: a cursor fetched in pages,
    /// inside the current transaction.
    func scan(_ sql: String, page: Int = 50_000, _ body: (PostgresRow) throws -> Void) throws {
        _ = try query("DECLARE qorgan_scan NO SCROLL CURSOR FOR " + sql, [])
        while true {
            let rows = try query("FETCH \(page) FROM qorgan_scan", []).rows
            for row in rows { try body(row) }
            if rows.count < page { break }
        }
        _ = try query("CLOSE qorgan_scan", [])
    }

    /// A transaction around `body`: a write one takes the write lock first and reads what was
    /// committed before it; a read one sees one snapshot throughout.
    ///
    /// `BEGIN`, and a read's `COMMIT`, are sent without waiting for their answers: a connection
    /// runs its statements in order, so the next statement's answer comes after theirs, and a
    /// read costs one round trip, not three. A write waits for its `COMMIT`: it is acknowledged
    /// only once durable.
    func inTransaction(write: Bool, _ body: () throws -> Database.TransactionCompletion) throws {
        send(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            if write { _ = try query("SELECT pg_advisory_xact_lock(\(Self.writeLock))", []) }
            let completion = try body()
            if write || completion != .commit {
                _ = try query(completion == .commit ? "COMMIT" : "ROLLBACK", [])
            } else {
                send("COMMIT")
            }
        } catch {
            if !broken { _ = try? query("ROLLBACK", []) }
            throw error
        }
    }

    /// Sends a statement without waiting for its answer (see `inTransaction`).
    private func send(_ sql: String) {
        if Self.trace { FileHandle.standardError.write(Data("SQL: \(sql) (not awaited)\n".utf8)) }
        _ = connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// `?` placeholders as PostgreSQL numbers them (`$1`, `$2`, …), outside quoted text.
    static func numbered(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quoted = false
        for ch in sql {
            if ch == "'" { quoted.toggle() }
            if ch == "?" && !quoted {
                n += 1
                out += "$\(n)"
            } else {
                out.append(ch)
            }
        }
        return out
    }

    /// A value as text with no declared type: PostgreSQL reads it as the type its place in the
    /// statement has (as SQLite's column affinity does).
    struct Untyped: PostgresDynamicTypeEncodable {
        let text: String
        var psqlType: PostgresDataType { .null }
        var psqlFormat: PostgresFormat { .text }
        func encode<JSONEncoder: PostgresJSONEncoder>(
            into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
        ) {
            byteBuffer.writeString(text)
        }
    }

    static func bind(_ value: DatabaseValue, into binds: inout PostgresBindings) {
        switch value.storage {
        case .null: binds.appendNull()
        case .int64(let i): binds.append(Untyped(text: String(i)))
        case .double(let d):
            if d.isNaN {
                binds.append(Untyped(text: "NaN"))
            } else if d.isInfinite {
                binds.append(Untyped(text: d > 0 ? "Infinity" : "-Infinity"))
            } else {
                binds.append(Untyped(text: "\(d)"))
            }
        case .string(let s): binds.append(Untyped(text: s))
        case .blob(let data): binds.append(Untyped(text: "\\x" + data.map { String(format: "%02x", $0) }.joined()))
        }
    }

    /// A cell as GRDB would have read it from SQLite: integers, doubles, text, blobs or NULL.
    static func value(_ cell: PostgresCell) throws -> DatabaseValue {
        guard var bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return try cell.decode(Int64.self).databaseValue
        case .float4, .float8: return try cell.decode(Double.self).databaseValue
        case .numeric:
            let d = try cell.decode(Decimal.self)
            var rounded = Decimal()
            var copy = d
            NSDecimalRound(&rounded, &copy, 0, .plain)
            if rounded == d, let i = Int64(exactly: NSDecimalNumber(decimal: d).doubleValue) {
                return i.databaseValue
            }
            return NSDecimalNumber(decimal: d).doubleValue.databaseValue
        case .bool: return (try cell.decode(Bool.self) ? 1 : 0 as Int64).databaseValue
        case .bytea: return Data(bytes.readBytes(length: bytes.readableBytes) ?? []).databaseValue
        default: return try cell.decode(String.self).databaseValue
        }
    }

    static func row(_ row: PostgresRow) throws -> Row {
        var columns: [String: (any DatabaseValueConvertible)?] = [:]
        for cell in row { columns[cell.columnName] = try value(cell) }
        return Row(columns)
    }
}

/// A PostgreSQL database as the store's backend: a small pool of connections, each lent to one
/// read or write at a time.
final class PostgresBackend: @unchecked Sendable {
    let location: PostgresLocation
    let logger: Logger
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private let slots: DispatchSemaphore
    private var nextId = 0

    init(_ location: PostgresLocation, connections: Int = 8) {
        self.location = location
        slots = DispatchSemaphore(value: connections)
        var logger = Logger(label: "qorgan.postgres")
        logger.logLevel = .critical
        self.logger = logger
    }

    deinit {
        for c in idle { Self.close(c) }
    }

    /// Closes a connection, waiting for it unless this is one of NIO's event loops (where waiting
    /// is not allowed: the last reference may go there).
    static func close(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        if MultiThreadedEventLoopGroup.currentEventLoop == nil {
            try? closing.wait()
        } else {
            // Kept until closed: a connection let go while still open is a fault in PostgresNIO.
            closing.whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    func connect() throws -> PostgresConnection {
        let id = lock.withLock {
            nextId += 1
            return nextId
        }
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: try location.configuration(),
                id: id, logger: logger
            ).wait()
        } catch {
            throw QorganError.invalidArgument(
                "cannot connect to the PostgreSQL database \(location.redacted): \(PostgresLocation.describe(error))")
        }
    }

    /// Lends a connection to `body` (at most `connections` at once; others wait).
    func withSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        let connection: PostgresConnection
        if let c = lock.withLock({ idle.popLast() }), !c.isClosed {
            connection = c
        } else {
            connection = try connect()
        }
        let session = PostgresSession(connection, logger: logger)
        defer {
            if session.broken || connection.isClosed {
                Self.close(connection)
            } else {
                lock.withLock { idle.append(connection) }
            }
        }
        return try body(session)
    }

    /// A read in one snapshot.
    func read<T>(_ body: (StoreConnection) throws -> T) throws -> T { try transaction(write: false, body) }

    /// A write in one transaction, under the write lock.
    func write<T>(_ body: (StoreConnection) throws -> T) throws -> T { try transaction(write: true, body) }

    private func transaction<T>(write: Bool, _ body: (StoreConnection) throws -> T) throws -> T {
        try withSession { s in
            // A Result, so that a body returning nil (an optional T) is told from one that did not run.
            var result: Result<T, any Error>?
            try s.inTransaction(write: write) {
                result = .success(try body(StoreConnection(s)))
                return .commit
            }
            guard let result else { throw QorganError.conflict("the transaction did not run") }
            return try result.get()
        }
    }

    func writeWithoutTransaction<T>(_ body: (StoreConnection) throws -> T) throws -> T {
        try withSession { s in try body(StoreConnection(s)) }
    }
}
