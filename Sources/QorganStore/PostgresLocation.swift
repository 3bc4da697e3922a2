import Foundation
import GRDB
import Logging
import PostgresNIO
import QorganCore

/// Where a PostgreSQL database is: `postgres://user:password@host:port/database`, with
/// `?sslmode=disable|prefer|require` (as libpq reads it; `prefer` when not given).
public struct PostgresLocation: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: String

    /// The URL, password included: for a process started with it (never for showing).
    public var url: String {
        var c = URLComponents()
        c.scheme = "postgres"
        c.user = user
        c.password = password
        c.host = host
        c.port = port
        c.path = "/" + database
        c.queryItems = [URLQueryItem(name: "sslmode", value: sslMode)]
        return c.string ?? redacted
    }

    /// The URL with its password shown as `***`.
    public var redacted: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }

    public init(url text: String) throws {
        func bad(_ why: String) -> QorganError {
            .invalidArgument(
                "the database URL '\(DatabaseLocation.redacted(text))' is malformed: \(why). "
                    + "Write postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else { throw bad("it is not a postgres:// URL") }
        guard let host = url.host, !host.isEmpty else { throw bad("it names no host") }
        guard let user = url.user, !user.isEmpty else { throw bad("it names no user") }
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !path.isEmpty, !path.contains("/") else { throw bad("it names no database (…/DATABASE at its end)") }
        if let p = url.port, !(1...65535).contains(p) { throw bad("port \(p) is out of range") }
        var mode = "prefer"
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let v = item.value, ["disable", "prefer", "require"].contains(v) else {
                    throw bad("sslmode must be disable, prefer or require, not '\(item.value ?? "")'")
                }
                mode = v
            default: throw bad("'\(item.name)' is not a setting Qorgan reads (only sslmode)")
            }
        }
        self.host = host
        self.port = url.port ?? 5432
        // URLComponents has taken the percent-encoding off already (a password may hold '@' as %40).
        self.user = user
        self.password = url.password
        self.database = path
        self.sslMode = mode
    }

    func configuration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "require": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var c = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        c.options.connectTimeout = .seconds(10)
        return c
    }

    /// What went wrong, in the server's words when it said something (a wrong password, an
    /// unknown database), else the network's (connection refused, no such host).
    static func describe(_ error: any Error) -> String {
        if let e = error as? QorganError { return e.description }
        guard let p = error as? PSQLError else { return "\(error)" }
        if let message = p.serverInfo?[.message] {
            let state = p.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        if let underlying = p.underlying { return "\(underlying)" }
        return "\(p.code)"
    }

    /// The SQLSTATE of a server error, if the error is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}

extension PostgresLocation {
    /// Creates an empty database named `name` on this location's server (the user needs the
    /// CREATEDB right), and returns where it is: for tests and restore drills.
    public func creatingDatabase(_ name: String) throws -> PostgresLocation {
        guard name.wholeMatch(of: /[a-z_][a-z0-9_]{0,62}/) != nil else {
            throw QorganError.invalidArgument(
                "'\(name)' is not a database name Qorgan creates (lower-case letters, digits, _)")
        }
        let backend = PostgresBackend(self, connections: 1)
        try backend.withSession { s in _ = try s.query("CREATE DATABASE \(name)", []) }
        var made = self
        made.database = name
        return made
    }
}
