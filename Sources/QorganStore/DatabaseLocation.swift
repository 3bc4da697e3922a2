import Foundation
import QorganCore

/// Where a database is, as people give it (`--database`, `$QORGAN_DATABASE`): a file's path or
/// `sqlite:PATH` (`sqlite:///abs/path` too) is an SQLite file; `postgres://USER:PASSWORD@HOST:PORT/DB`
/// is a PostgreSQL database. Any other `scheme://` is refused with its reason, and a password is
/// never repeated.
public struct DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case sqlite(String)
        case postgres(PostgresLocation)
    }
    public let kind: Kind

    /// The SQLite file; nil for PostgreSQL.
    public var path: String? {
        if case .sqlite(let p) = kind { return p }
        return nil
    }

    /// The location as it may be shown: a path, or the URL with its password as `***`.
    public var description: String {
        switch kind {
        case .sqlite(let p): p
        case .postgres(let pg): pg.redacted
        }
    }

    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 4096, !trimmed.contains("\0") else {
            throw QorganError.invalidArgument("the database location is empty or not a path")
        }
        if trimmed.hasPrefix("sqlite:") {
            var rest = String(trimmed.dropFirst("sqlite:".count))
            if rest.hasPrefix("//") { rest = String(rest.dropFirst(2)) }
            guard !rest.isEmpty else {
                throw QorganError.invalidArgument("'\(trimmed)' names no file: write sqlite:PATH")
            }
            kind = .sqlite(rest)
            return
        }
        if let range = trimmed.range(of: "://") {
            let scheme = trimmed[..<range.lowerBound].lowercased()
            let shown = Self.redacted(trimmed)
            if ["postgres", "postgresql"].contains(scheme) {
                kind = .postgres(try PostgresLocation(url: trimmed))
                return
            }
            throw QorganError.invalidArgument(
                "'\(shown)': unknown kind of database '\(scheme)'; give the path of an SQLite file, sqlite:PATH "
                    + "or postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        kind = .sqlite(trimmed)
    }

    /// The location with any password replaced by `***` (`postgres://user:***@host/db`).
    public static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@")
        else { return text }
        let userinfo = text[scheme.upperBound..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}
