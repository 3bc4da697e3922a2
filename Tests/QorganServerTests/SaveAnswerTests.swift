import Foundation
import QorganServer
import QorganWebTestSupport
import Testing

/// A save through the API answers with the value as stored, built from the write itself (not
/// read back): each answer equals what a read of the same key gives afterwards — a new value,
/// a changed one that keeps its creation and comment, one saved again unchanged, a deletion.
@Suite struct SaveAnswerTests {
    static let fields = [
        "dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value", "storedBy",
        "created", "lastUpdated", "comment", "followUp", "deleted",
    ]

    static func same(_ a: [String: Any], _ b: [String: Any]) -> Bool {
        fields.allSatisfy { "\(a[$0] ?? "none")" == "\(b[$0] ?? "none")" }
    }

    @Test func theAnswerOfASaveIsTheValueAsStored() async throws {
        try await withApp(try await WebFixture.state(reopened: [("SECURITY", "201710", "ALA")])) { web in
            try await web.signIn("almaty")
            let key = "de=CONVICTIONS&pe=201710&ou=ALA"
            func save(_ body: [String: Any]) async throws -> [String: Any] {
                let saved = try await web.send(
                    .post, "/api/dataValues",
                    json: ["dataElement": "CONVICTIONS", "period": "201710", "orgUnit": "ALA"].merging(body) { $1 })
                #expect(saved.status == .created, "\(saved.text)")
                return saved.object
            }
            func read() async throws -> [String: Any] { try await web.send(.get, "/api/dataValues?\(key)").object }

            let created = try await save(["value": "7", "comment": "checked"])
            #expect(created["value"] as? String == "7" && created["comment"] as? String == "checked")
            #expect(created["created"] as? String == created["lastUpdated"] as? String)
            #expect(Self.same(created, try await read()), "\(created)")

            try await Task.sleep(for: .milliseconds(5))
            let changed = try await save(["value": "9"])
            #expect(changed["value"] as? String == "9" && changed["comment"] as? String == "checked")
            #expect(changed["created"] as? String == created["created"] as? String)
            #expect(changed["lastUpdated"] as? String != created["lastUpdated"] as? String)
            #expect(Self.same(changed, try await read()), "\(changed)")

            let again = try await save(["value": "9"])
            #expect(Self.same(again, changed), "\(again)")

            let deleted = try await web.send(.delete, "/api/dataValues?\(key)").object
            #expect(deleted["deleted"] as? Bool == true && deleted["value"] as? String == "9")
            #expect(deleted["created"] as? String == created["created"] as? String)

            // Saved again after its deletion: restored, with a comment of its own.
            let restored = try await save(["value": "3"])
            #expect(restored["deleted"] as? Bool == false && restored["comment"] == nil)
            #expect(Self.same(restored, try await read()), "\(restored)")
        }
    }
}
