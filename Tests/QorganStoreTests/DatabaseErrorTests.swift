import Foundation
import GRDB
import QorganCore
import QorganStore
import Testing

/// What the database says stays in the database (issue 27): a constraint it enforces reads as a
/// plain conflict, never its own text naming tables and columns.
@Suite struct DatabaseErrorTests {
    @Test func aConstraintReadsAsAPlainConflict() throws {
        let raw = DatabaseError(
            resultCode: .SQLITE_CONSTRAINT_UNIQUE, message: "UNIQUE constraint failed: incident.gtd_event_id")
        let e = try #require(QorganError.plain(raw, waited: 1))
        #expect(!e.description.contains("UNIQUE") && !e.description.contains("gtd_event_id"), "\(e)")
        #expect(e.description.contains("conflicts with a record already stored"))
    }
}

/// An acknowledged write is on disk (issue 29): the writer syncs SQLite's log at every commit, in
/// a server's pool as in a command's single connection (a pool would otherwise sync only at
/// checkpoints, and a power cut could take the last saves).
@Suite struct DurabilityTests {
    @Test(arguments: [false, true])
    func everyCommitIsSynced(concurrentReads: Bool) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qorgan-sync-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("q.sqlite").path
        _ = try Store(path: path)
        let store = try Store(path: path, concurrentReads: concurrentReads)
        #expect(try store.writerSynchronous() == 2)
    }
}
