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
