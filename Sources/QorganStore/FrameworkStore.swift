import Foundation
import GRDB
import QorganCore

/// The results framework: one document, every version of it kept.
extension Store {
    public func resultsFramework() throws -> ResultsFramework? {
        try setting("results_framework").flatMap {
            try? JSONDecoder().decode(ResultsFramework.self, from: Data($0.utf8))
        }
    }

    /// Replaces the framework (checked against the metadata); returns its new version number.
    @discardableResult
    public func setResultsFramework(
        _ framework: ResultsFramework, source: String = "the results framework", user: String
    ) throws -> Int {
        let problems = framework.problems(in: try catalog())
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
        return try write(.framework) { db in
            let text = String(decoding: try Self.encoder.encode(framework), as: UTF8.self)
            try db.execute(
                sql:
                    "INSERT INTO setting(key, value) VALUES ('results_framework', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [text])
            try Self.recordAudit(
                db, kind: "framework", uid: "results_framework", action: "UPDATE", snapshot: framework, user: user,
                at: Timestamp.millis(Date()))
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM record_audit WHERE kind = 'framework'") ?? 1
        }
    }
}
