import Foundation
import QorganCore
import QorganStore

/// The databases the store's tests run on: one suite, parameterised over both.
public enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// A new, empty database of this kind: a file in a temporary folder, or a database of its own
    /// on the throwaway PostgreSQL cluster that scripts/test starts.
    public func location() throws -> DatabaseLocation {
        switch self {
        case .sqlite: try DatabaseLocation(Fixtures.temporaryPath())
        case .postgres: try DatabaseLocation(TestPostgres.newDatabase().url)
        }
    }

    /// What a process is given to open `location`: the path, or the URL with its password.
    public static func url(_ location: DatabaseLocation) throws -> String {
        switch location.kind {
        case .sqlite(let path): path
        case .postgres(let pg): pg.url
        }
    }

    /// A store on a new database of this kind.
    public func store() throws -> Store {
        try Store(location: location())
    }

    /// A store on a new database of this kind, with the small catalog.
    public func smallStore() throws -> Store {
        let s = try store()
        try s.importMetadata(Fixtures.smallCatalogDocument(), user: "test")
        return s
    }
}

/// The throwaway PostgreSQL cluster: `QORGAN_TEST_POSTGRES` names it (scripts/test starts it
/// with scripts/postgres and removes it afterwards). Its absence fails the PostgreSQL tests,
/// with the reason: they are never skipped.
public enum TestPostgres {
    public static func server() throws -> PostgresLocation {
        guard let url = ProcessInfo.processInfo.environment["QORGAN_TEST_POSTGRES"], !url.isEmpty else {
            throw QorganError.invalidArgument(
                "QORGAN_TEST_POSTGRES is not set: run the tests with scripts/test, which starts a throwaway "
                    + "PostgreSQL cluster (scripts/postgres start DIR prints the URL to set)")
        }
        return try PostgresLocation(url: url)
    }

    /// A new, empty database on the cluster.
    public static func newDatabase() throws -> PostgresLocation {
        let name = "qorgan_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
        return try server().creatingDatabase(name)
    }
}
