import Foundation
import GRDB
import QorganCore

/// What the public portal publishes (`Publication`), and the secret its cell keys are drawn with.
extension Store {
    /// The publication; `Publication.none` until an administrator sets one.
    public func publication() throws -> Publication {
        guard let text = try setting("publication") else { return .none }
        do {
            return try JSONDecoder().decode(Publication.self, from: Data(text.utf8))
        } catch {
            throw QorganError.invalidArgument("the stored publication settings cannot be read: \(error)")
        }
    }

    /// The publication with the keys of its cells' values, read in one transaction.
    public func publicationWithKeys() throws -> (Publication, LeafKeys?) {
        try writer.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT key, value FROM setting WHERE key IN ('publication', 'publication.secret')")
            var values: [String: String] = [:]
            for r in rows { values[r["key"]] = r["value"] }
            let publication = try values["publication"].map {
                try JSONDecoder().decode(Publication.self, from: Data($0.utf8))
            }
            return (publication ?? .none, values["publication.secret"].flatMap(LeafKeys.init(hex:)))
        }
    }

    /// Replaces the publication, checked against the metadata, audited. The secret of the cell
    /// keys is drawn the first time and kept: the same cell keeps its published value.
    @discardableResult
    public func setPublication(_ publication: Publication, source: String = "the publication settings", user: String)
        throws -> Int
    {
        let problems = publication.problems(in: try catalog())
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
        return try write(.settings) { db in
            let text = String(decoding: try Self.encoder.encode(publication), as: UTF8.self)
            try db.execute(
                sql:
                    "INSERT INTO setting(key, value) VALUES ('publication', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [text])
            try db.execute(
                sql: "INSERT INTO setting(key, value) VALUES ('publication.secret', ?) ON CONFLICT(key) DO NOTHING",
                arguments: [LeafKeys.newSecret()])
            try Self.recordAudit(
                db, kind: "publication", uid: "publication", action: "UPDATE", snapshot: publication, user: user,
                at: Timestamp.millis(Date()))
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM record_audit WHERE kind = 'publication'") ?? 1
        }
    }
}
