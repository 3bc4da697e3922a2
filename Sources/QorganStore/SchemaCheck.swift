import GRDB
import QorganCore

extension Schema {
    /// The migrations a database has had, in the order this binary knows them (unknown ones last).
    static func applied(_ db: StoreConnection) throws -> [String] {
        let found = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        let known = migrator.migrations
        return known.filter(found.contains) + found.subtracting(known).sorted()
    }

    /// Refuses a database whose schema a newer Qorgan wrote (and, where this binary cannot upgrade
    /// it, an older one), naming the migrations at issue; nothing is changed.
    static func check(applied: Set<String>, in name: String, upgradable: Bool) throws {
        let known = migrator.migrations
        let unknown = applied.subtracting(known).sorted()
        if !unknown.isEmpty {
            throw QorganError.invalidArgument(
                "the database \(name) was written by a newer Qorgan: its schema has \(unknown.map { "'\($0)'" }.joined(separator: ", ")), "
                    + "which this binary (schema up to '\(known.last ?? "")') does not know; nothing was changed. "
                    + "Run the newer qorgan, or restore a backup made by this version")
        }
        if !upgradable, let missing = known.first(where: { !applied.contains($0) }) {
            throw QorganError.invalidArgument(
                "the database \(name) has an older schema (it lacks '\(missing)'), which this binary cannot upgrade; "
                    + "nothing was changed")
        }
    }
}
