import Foundation
import QorganAnalytics
import QorganCore
import QorganStore
import QorganTestSupport
import Synchronization
import Testing

/// One truth across processes: whatever process commits a change, every engine that follows
/// the store's change log answers with it next, and an engine started from a snapshot and the
/// log equals the store.
@Suite struct FollowTests {

    // MARK: The snapshot

    /// A snapshot that is damaged, cut short, of another database or older than the log is
    /// ignored with its reason, and the engine loads from the store instead.
    @Test func anUnusableSnapshotIsIgnoredWithItsReason() throws {
        let path = Fixtures.temporaryPath()
        let store = try Store(path: path)
        try store.importMetadata(Fixtures.smallCatalogDocument(), user: "t")
        func write(_ value: String, _ period: String = "201601") throws {
            try store.saveValues(
                [DataValueInput(element: "SUM", period: period, unit: "A1", optionCombo: "M", value: value)],
                user: "t")
        }
        try write("5")
        let snapshot = path + ".engine"
        let (engine, first) = try AnalyticsEngine.open(store: store, snapshot: snapshot)
        #expect(first.snapshotIgnored == "there is none")
        try engine.save(to: snapshot, store: store)
        try write("7", "201602")

        let (good, opening) = try AnalyticsEngine.open(store: try Store(path: path), snapshot: snapshot)
        #expect(opening.snapshotSequence != nil && opening.snapshotIgnored == nil)
        try Follow.expectEqual(good, to: store, "snapshot and log")

        func opened(after damage: (inout Data) -> Void) throws -> EngineOpening {
            var bytes = try Data(contentsOf: URL(fileURLWithPath: snapshot))
            let saved = bytes
            damage(&bytes)
            try bytes.write(to: URL(fileURLWithPath: snapshot))
            defer { try? saved.write(to: URL(fileURLWithPath: snapshot)) }
            let s = try Store(path: path)
            let (e, o) = try AnalyticsEngine.open(store: s, snapshot: snapshot)
            try Follow.expectEqual(e, to: s, "after a damaged snapshot")
            return o
        }
        #expect(try opened { $0[$0.count - 3] ^= 0xFF }.snapshotIgnored == "it is damaged (its checksum differs)")
        #expect(try opened { $0 = $0.prefix(200) }.snapshotIgnored?.hasPrefix("it is 200 bytes long") == true)
        #expect(try opened { $0[0] = 0 }.snapshotIgnored == "it is not an engine snapshot")
        #expect(
            try opened { $0[12] ^= 1 }.snapshotIgnored == "it was saved for another version of the database schema")

        // Another database's snapshot.
        let other = Fixtures.temporaryPath()
        let otherStore = try Store(path: other)
        try otherStore.importMetadata(Fixtures.smallCatalogDocument(), user: "t")
        try FileManager.default.copyItem(atPath: snapshot, toPath: other + ".engine")
        let (_, foreign) = try AnalyticsEngine.open(store: otherStore, snapshot: other + ".engine")
        #expect(foreign.snapshotIgnored == "it was saved for another database")

        // The log pruned past the snapshot.
        try write("9", "201603")
        #expect(try store.pruneChangeLog(olderThan: -60, upTo: try store.lastChange()) > 0)
        let s = try Store(path: path)
        let (e, pruned) = try AnalyticsEngine.open(store: s, snapshot: snapshot)
        #expect(pruned.snapshotIgnored?.hasPrefix("the change log no longer reaches back") == true)
        try Follow.expectEqual(e, to: s, "after pruning")
    }

    /// A snapshot saved before units were added is read under the newer metadata (its units
    /// numbered differently), its rows mapped through uids, and the log replayed after it.
    @Test func aSnapshotUnderNewerMetadataIsMappedThroughUids() throws {
        let path = Fixtures.temporaryPath()
        let store = try Store(path: path)
        try store.importMetadata(Fixtures.smallCatalogDocument(), user: "t")
        try store.saveValues(
            [
                DataValueInput(element: "SUM", period: "201601", unit: "B1", optionCombo: "F", value: "3"),
                DataValueInput(element: "AVG", period: "201602", unit: "A2", value: "8"),
            ], user: "t")
        let (engine, _) = try AnalyticsEngine.open(store: store)
        try engine.save(to: path + ".engine", store: store)
        var doc = Catalog()
        doc.categoryCombos = []
        doc.organisationUnits = ["A0", "B0"].map { code in
            OrgUnit(
                uid: "", code: code, name: code, openingDate: Day.firstOfMonth(2010, 1),
                parents: [ParentLink(parent: String(code.prefix(1)), from: Day.firstOfMonth(2010, 1))])
        }
        try store.importMetadata(doc, user: "t")
        let reopened = try Store(path: path)
        let (mapped, opening) = try AnalyticsEngine.open(store: reopened, snapshot: path + ".engine")
        #expect(opening.snapshotSequence != nil, "\(opening.snapshotIgnored ?? "")")
        #expect(mapped.snapshot().catalog.organisationUnits.count == engine.snapshot().catalog.organisationUnits.count)
        #expect(mapped.snapshot().valueCount == 2)
        try Follow.expectEqual(mapped, to: reopened, "snapshot under newer metadata")
    }

    /// An API token's user (and a session's) is kept in memory by every process that was asked
    /// for it, and follows the log: revoked (signed out), its user disabled, given another role
    /// or a new password in one process, the token answers so in the other at its next catch-up
    /// (a server catches up before every request), and at once in the process that made the
    /// change. An expired token or session is refused from memory too.
    @Test(arguments: TestBackend.allCases) func credentialsFollowEveryCommitThatChangesThem(on backend: TestBackend)
        throws
    {
        let location = try backend.location()
        let a = try Store(location: location)
        try a.importMetadata(Fixtures.smallCatalogDocument(), user: "t")
        let b = try Store(location: location)
        try a.createUser(username: "field", passwordHash: "x", role: .dataEntry, units: ["A1"], by: "t")
        let first = try a.createToken(tokenHash: "hash-1", username: "field", name: "one", by: "t")
        _ = try a.createToken(tokenHash: "hash-2", username: "field", name: "two", by: "t")
        let now = Date()
        let expiring = try a.createToken(
            tokenHash: "hash-3", username: "field", name: "three", expires: now.addingTimeInterval(60), by: "t")
        #expect(expiring.expires != nil)
        for store in [a, b] {
            try store.catchUp()
            #expect(try store.tokenUser(tokenHash: "hash-1")?.user.principal.role == .dataEntry)
            #expect(try store.tokenUser(tokenHash: "hash-1")?.user.principal.username == "field", "from memory")
            #expect(try store.tokenUser(tokenHash: "hash-3", now: now)?.user.principal.username == "field")
            #expect(try store.tokenUser(tokenHash: "hash-3", now: now.addingTimeInterval(61)) == nil, "expired")
            #expect(try store.tokenUser(tokenHash: "unknown") == nil)
        }

        try a.revokeToken(id: first.id, by: "t")
        #expect(try a.tokenUser(tokenHash: "hash-1") == nil, "at once where it was revoked")
        try b.catchUp()
        #expect(try b.tokenUser(tokenHash: "hash-1") == nil, "in the other process after its catch-up")
        #expect(try b.tokenUser(tokenHash: "hash-2")?.user.principal.role == .dataEntry)

        try b.updateUser(username: "field", role: .viewer, by: "t")
        #expect(try b.tokenUser(tokenHash: "hash-2")?.user.principal.role == .viewer)
        try a.catchUp()
        #expect(try a.tokenUser(tokenHash: "hash-2")?.user.principal.role == .viewer)

        // Sessions likewise: signing out, a new password.
        let id = try #require(try a.user(named: "field")).principal.id
        try a.createSession(tokenHash: "session-1", userId: id, csrf: "c1", expires: now.addingTimeInterval(3600))
        try a.createSession(tokenHash: "session-2", userId: id, csrf: "c2", expires: now.addingTimeInterval(3600))
        for store in [a, b] {
            try store.catchUp()
            #expect(try store.session(tokenHash: "session-1")?.csrf == "c1")
            #expect(try store.session(tokenHash: "session-2")?.user.principal.role == .viewer)
            #expect(try store.session(tokenHash: "session-2", now: now.addingTimeInterval(3601)) == nil, "expired")
        }
        try a.endSession(tokenHash: "session-1", username: "field")
        #expect(try a.session(tokenHash: "session-1") == nil)
        try b.catchUp()
        #expect(try b.session(tokenHash: "session-1") == nil, "signed out in the other process")
        #expect(try b.session(tokenHash: "session-2")?.csrf == "c2")
        try a.updateUser(username: "field", passwordHash: "y", by: "t")
        try b.catchUp()
        #expect(try b.session(tokenHash: "session-2") == nil, "a new password ends every session")

        try a.updateUser(username: "field", disabled: true, by: "t")
        try b.catchUp()
        #expect(try b.tokenUser(tokenHash: "hash-2") == nil, "a disabled user's token")
        #expect(try a.tokenUser(tokenHash: "hash-2") == nil)
    }

    /// A save finds the store ids of the element, unit and combinations it names in memory,
    /// kept per metadata version: a unit that another process adds takes values at once, and
    /// one never added is refused by name.
    @Test func savesFindNewUnitsAddedByAnotherStore() throws {
        let path = Fixtures.temporaryPath()
        let a = try Store(path: path)
        try a.importMetadata(Fixtures.smallCatalogDocument(), user: "t")
        let b = try Store(path: path)
        func save(_ store: Store, _ unit: String, _ value: String) throws {
            try store.saveValues(
                [DataValueInput(element: "SUM", period: "201601", unit: unit, optionCombo: "M", value: value)],
                user: "t")
        }
        try save(b, "A1", "1")
        #expect(throws: QorganError.self) { try save(b, "A3", "2") }
        var document = Fixtures.smallCatalogDocument()
        document.organisationUnits.append(
            OrgUnit(
                uid: "", code: "A3", name: "Unit A3", openingDate: Day.firstOfMonth(2010, 1),
                parents: [ParentLink(parent: "A", from: Day.firstOfMonth(2010, 1))]))
        for i in document.dataSets.indices where document.dataSets[i].code == "MONTHLY" {
            document.dataSets[i].organisationUnits.append("A3")
        }
        try a.importMetadata(document, user: "t")
        try save(b, "A3", "3")
        try save(a, "A3", "4")
        let (engine, _) = try AnalyticsEngine.open(store: try Store(path: path))
        try Follow.expectEqual(engine, to: a, "after saves to the new unit")
        #expect(engine.snapshot().valueCount == 2)
    }

    /// A follower the pruned log no longer reaches loads every value again, and is right.
    @Test(arguments: TestBackend.allCases) func aFollowerBehindThePrunedLogStartsOver(on backend: TestBackend) throws {
        let location = try backend.location()
        let a = try Store(location: location)
        try a.importMetadata(Fixtures.smallCatalogDocument(), user: "t")
        let b = try Store(location: location)
        let (engine, _) = try AnalyticsEngine.open(store: b)
        for m in 1...5 {
            try a.saveValues(
                [DataValueInput(element: "AVG", period: "20160\(m)", unit: "B1", value: "\(m)")],
                user: "t")
        }
        let last = try a.lastChange()
        #expect(try a.pruneChangeLog(olderThan: -60, upTo: last) > 0)
        #expect(try a.lastChange() == last, "the last number outlives the entries")
        #expect(try !a.logReaches(last - 1) && a.logReaches(last))
        try b.catchUp()
        #expect(engine.sequence == last)
        try Follow.expectEqual(engine, to: b, "after starting over")
        // Numbers go on after the floor.
        try a.saveValues([DataValueInput(element: "AVG", period: "201607", unit: "B1", value: "7")], user: "t")
        #expect(try a.lastChange() == last + 1)
        try b.catchUp()
        try Follow.expectEqual(engine, to: b, "after the next commit")
    }

    /// The log has an entry for every commit, in the commit's own transaction; a dry run or a
    /// refused batch leaves none.
    @Test(arguments: TestBackend.allCases) func theLogHasEveryCommitAndNothingRolledBack(on backend: TestBackend) throws
    {
        let store = try backend.smallStore()
        let start = try store.lastChange()
        let good = DataValueInput(element: "AVG", period: "201601", unit: "A1", value: "4")
        try store.saveValues([good], user: "t", dryRun: true)
        #expect(try store.lastChange() == start)
        #expect(throws: (any Error).self) {
            try store.saveValues(
                [good, DataValueInput(element: "AVG", period: "201601", unit: "NOPE", value: "4")], user: "t")
        }
        #expect(try store.lastChange() == start)
        try store.saveValues([good], user: "t")
        #expect(try store.lastChange() == start + 1)
    }
}
