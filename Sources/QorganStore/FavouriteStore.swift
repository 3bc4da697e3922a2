import Foundation
import GRDB
import QorganCore

/// Favourites (saved pivots and charts), dashboards of them, and interpretations: what analysts
/// keep. Each is stored whole as JSON, its changes audited in `record_audit`, deletion soft.
extension Store {
    /// The favourites `user` may open: their own and the shared ones, by name.
    public func favourites(visibleTo user: String) throws -> [SavedPivot] {
        try kept("visualization", visibleTo: user).sorted { $0.name < $1.name }
    }

    public func favourite(_ uid: String) throws -> (SavedPivot, deleted: Bool)? {
        try keptOne("visualization", uid)
    }

    public func dashboards(visibleTo user: String) throws -> [SavedDashboard] {
        try kept("dashboard", visibleTo: user).sorted { $0.name < $1.name }
    }

    public func dashboard(_ uid: String) throws -> (SavedDashboard, deleted: Bool)? {
        try keptOne("dashboard", uid)
    }

    /// Creates (an empty uid) or replaces a favourite, checked against the metadata; its uid.
    @discardableResult
    public func saveFavourite(_ favourite: SavedPivot, user: String) throws -> String {
        var f = favourite
        let problems = f.problems(in: try catalog())
        if !problems.isEmpty { throw QorganError.rejected(source: "the favourite", problems: problems) }
        if f.uid.isEmpty { f.uid = Uid.generate() }
        try keep("visualization", uid: f.uid, owner: f.owner, shared: f.shared, body: f, user: user)
        return f.uid
    }

    @discardableResult
    public func saveDashboard(_ dashboard: SavedDashboard, user: String) throws -> String {
        var d = dashboard
        let name = d.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 {
            throw QorganError.rejected(
                source: "the dashboard",
                problems: [Problem(field: "name", value: d.name, reason: "a name of 1 to 200 characters", code: "name")]
            )
        }
        if d.items.count > 40 {
            throw QorganError.rejected(
                source: "the dashboard", problems: [Problem(field: "items", reason: "at most 40 items", code: "items")])
        }
        if d.uid.isEmpty { d.uid = Uid.generate() }
        try keep("dashboard", uid: d.uid, owner: d.owner, shared: d.shared, body: d, user: user)
        return d.uid
    }

    /// Deletes a favourite or dashboard (softly: its history keeps it).
    public func deleteKept(_ uid: String, user: String) throws {
        try write(.settings) { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT kind, body FROM favourite WHERE uid = ? AND deleted = 0", arguments: [uid])
            else { throw QorganError.notFound(kind: "favourite or dashboard", key: uid) }
            try db.execute(
                sql: "UPDATE favourite SET deleted = 1, updated_at = ? WHERE uid = ?",
                arguments: [Timestamp.millis(Date()), uid])
            try db.execute(
                sql:
                    "INSERT INTO record_audit(kind, uid, action, snapshot, changed_by, changed_at) VALUES (?, ?, 'DELETE', ?, ?, ?)",
                arguments: [row["kind"] as String, uid, row["body"] as String, user, Timestamp.millis(Date())])
        }
    }

    public func interpretations(of favourite: String) throws -> [Interpretation] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT uid, favourite, parent, author, text, created_at FROM interpretation
                    WHERE favourite = ? AND deleted = 0 ORDER BY created_at, uid
                    """, arguments: [favourite]
            ).map {
                Interpretation(
                    uid: $0["uid"], favourite: $0["favourite"], parent: $0["parent"], author: $0["author"],
                    text: $0["text"], created: $0["created_at"])
            }
        }
    }

    /// Adds an interpretation (or a reply to one) of a favourite; its uid.
    @discardableResult
    public func addInterpretation(_ i: Interpretation) throws -> String {
        let text = i.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 4000 else {
            throw QorganError.rejected(
                source: "the interpretation",
                problems: [Problem(field: "text", reason: "a text of 1 to 4000 characters", code: "text")])
        }
        let uid = Uid.generate()
        let now = Timestamp.millis(Date())
        try write(.settings) { db in
            if let parent = i.parent {
                let found =
                    try Int.fetchOne(
                        db,
                        sql:
                            "SELECT COUNT(*) FROM interpretation WHERE uid = ? AND favourite = ? AND parent IS NULL AND deleted = 0",
                        arguments: [parent, i.favourite]) ?? 0
                guard found == 1 else { throw QorganError.notFound(kind: "interpretation", key: parent) }
            }
            try db.execute(
                sql:
                    "INSERT INTO interpretation(uid, favourite, parent, author, text, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [uid, i.favourite, i.parent, i.author, text, now])
            var kept = i
            kept.uid = uid
            kept.text = text
            kept.created = now
            try Self.recordAudit(
                db, kind: "interpretation", uid: uid, action: "CREATE", snapshot: kept, user: i.author, at: now)
        }
        return uid
    }

    // MARK: The table

    private func kept<T: Decodable>(_ kind: String, visibleTo user: String) throws -> [T] {
        try writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT body FROM favourite WHERE kind = ? AND deleted = 0 AND (owner = ? OR shared = 1)",
                arguments: [kind, user])
        }.map { try JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }

    private func keptOne<T: Decodable>(_ kind: String, _ uid: String) throws -> (T, deleted: Bool)? {
        guard
            let row = try writer.read({ db in
                try Row.fetchOne(
                    db, sql: "SELECT body, deleted FROM favourite WHERE kind = ? AND uid = ?", arguments: [kind, uid])
            })
        else { return nil }
        let body: String = row["body"]
        let deleted: Int = row["deleted"]
        return (try JSONDecoder().decode(T.self, from: Data(body.utf8)), deleted != 0)
    }

    private func keep(_ kind: String, uid: String, owner: String, shared: Bool, body: some Encodable, user: String)
        throws
    {
        let json = String(decoding: try Self.encoder.encode(body), as: UTF8.self)
        let now = Timestamp.millis(Date())
        try write(.settings) { db in
            let existing =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM favourite WHERE uid = ?", arguments: [uid]) ?? 0
            try db.execute(
                sql: """
                    INSERT INTO favourite(uid, kind, owner, shared, body, updated_at, deleted) VALUES (?, ?, ?, ?, ?, ?, 0)
                    ON CONFLICT(uid) DO UPDATE SET owner = excluded.owner, shared = excluded.shared, body = excluded.body,
                        updated_at = excluded.updated_at, deleted = 0
                    """, arguments: [uid, kind, owner, shared ? 1 : 0, json, now])
            try db.execute(
                sql:
                    "INSERT INTO record_audit(kind, uid, action, snapshot, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [kind, uid, existing == 0 ? "CREATE" : "UPDATE", json, user, now])
        }
    }
}
