import Foundation
import GRDB
import GRDBSQLite
import PostgresNIO
import QorganCore

extension Store {
    // MARK: Settings

    public func setting(_ key: String) throws -> String? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key])
        }
    }

    /// The writer's `PRAGMA synchronous` (2: FULL, every commit synced), or nil on PostgreSQL.
    public func writerSynchronous() throws -> Int? {
        try writer.writeWithoutTransaction { db in
            db.sqlite == nil ? nil : try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
    }

    /// How many commits this store's grouped saves took, and how many saves they held.
    public var groupedCommits: (commits: Int, saves: Int) { commits.counts }

    public func setSetting(_ key: String, _ value: String) throws {
        try write(.settings) { db in
            try db.execute(
                sql:
                    "INSERT INTO setting(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        }
    }

    // MARK: Metadata

    /// All metadata.
    public func catalog() throws -> Catalog {
        try writer.read { db in try currentCatalog(db) }
    }

    /// Applies a metadata document: all or nothing. Returns what changed (or would, in a dry run).
    /// `principal`, when someone signed in asks (a page, Qorgan's API, DHIS2's routes), is held to
    /// `Principal.metadataRefusal` on the resolved change, inside the transaction; the command line
    /// (the operator of the machine) passes none.
    @discardableResult
    public func importMetadata(
        _ document: Catalog, source: String = "the metadata document",
        dryRun: Bool = false, user: String, principal: Principal? = nil, today: Day = .today,
        newUid: @Sendable () -> String = { Uid.generate() }
    ) throws -> [MetadataChange] {
        try applyMetadata(
            document, source: source, dryRun: dryRun, user: user, principal: principal, today: today, newUid: newUid
        ).changes
    }

    /// A dry run that also answers the catalog before and after the document, as the one
    /// transaction saw them: what a preview shows, field by field.
    public func previewMetadata(
        _ document: Catalog, source: String = "the metadata document", user: String, principal: Principal?,
        today: Day
    ) throws -> (changes: [MetadataChange], before: Catalog, after: Catalog) {
        try applyMetadata(document, source: source, dryRun: true, user: user, principal: principal, today: today)
    }

    private func applyMetadata(
        _ document: Catalog, source: String, dryRun: Bool, user: String, principal: Principal?, today: Day,
        newUid: @Sendable () -> String = { Uid.generate() }
    ) throws -> (changes: [MetadataChange], before: Catalog, after: Catalog) {
        try transaction { db, log in
            let current = try currentCatalog(db)
            let (merged, changes) = try current.merging(document, source: source, newUid: newUid)
            if let principal,
                let refusal = principal.metadataRefusal(changes: changes, before: current, after: merged, today: today)
            {
                throw refusal
            }
            try Self.checkAgainstData(old: current, new: merged, source: source, db: db)
            if dryRun { return ((changes, current, merged), false) }
            try MetadataTables.write(merged, changes: changes, user: user, db: db)
            log.kinds.insert(.metadata)
            return ((changes, current, merged), true)
        }
    }

    /// Metadata changes that would strand stored values are refused.
    private static func checkAgainstData(old: Catalog, new: Catalog, source: String, db: StoreConnection) throws {
        var problems: [Problem] = []
        for el in new.dataElements {
            guard let before = old.element(el.uid) else { continue }
            let count =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM data_value v JOIN data_element e ON e.id = v.element_id WHERE e.uid = ? AND v.deleted = 0
                        """, arguments: [el.uid]) ?? 0
            guard count > 0 else { continue }
            if before.categoryCombo != el.categoryCombo {
                problems.append(
                    Problem(
                        object: "dataElement \(el.code)", field: "categoryCombo",
                        reason: "\(count) values are stored with the current disaggregation; it cannot change"))
            }
            if before.valueType != el.valueType {
                let values = try String.fetchAll(
                    db,
                    sql: """
                        SELECT v.value FROM data_value v JOIN data_element e ON e.id = v.element_id WHERE e.uid = ? AND v.deleted = 0
                        """, arguments: [el.uid])
                if let bad = values.first(where: {
                    if case .invalid = el.valueType.normalize($0) { return true } else { return false }
                }) {
                    problems.append(
                        Problem(
                            object: "dataElement \(el.code)", field: "valueType", value: el.valueType.rawValue,
                            reason: "stored value '\(bad)' would not be a valid \(el.valueType.rawValue)"))
                }
            }
        }
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
    }
}
