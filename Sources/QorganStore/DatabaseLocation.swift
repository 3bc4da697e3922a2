import Foundation
import QorganCore

/// Where a database is, as people give it (`--database`, `$QORGAN_DATABASE`): a file's path or
/// `sqlite:PATH` (`sqlite:///abs/path` too) is an SQLite file. Any other `scheme://` is refused
/// with its reason, and a password in it is never repeated.
public struct DatabaseLocation: Sendable, Equatable {
    public let path: String

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
            path = rest
            return
        }
        if let range = trimmed.range(of: "://") {
            let scheme = trimmed[..<range.lowerBound].lowercased()
            let shown = Self.redacted(trimmed)
            if ["postgres", "postgresql"].contains(scheme) {
                throw QorganError.invalidArgument(
                    "'\(shown)': this version of Qorgan keeps its data in SQLite only; "
                        + "give the path of an SQLite file (see docs/DEPLOYMENT.md)")
            }
            throw QorganError.invalidArgument(
                "'\(shown)': unknown kind of database '\(scheme)'; give the path of an SQLite file or sqlite:PATH")
        }
        path = trimmed
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
