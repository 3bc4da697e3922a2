import Foundation
import HTTPTypes
import QorganCore
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

@testable import QorganServer

/// DHIS2's metadata writes (`POST /api/metadata`, `POST`/`PUT` on organisation units and data
/// elements) go through the one metadata write path: national administrators only, all or
/// nothing, every problem named, VALIDATE changing nothing, every change audited.
@Suite struct MetadataWriteTests {
    static var office: [String: Any] {
        [
            "code": "AKT_NEW_OFFICE", "name": "Aktobe new field office", "openingDate": "2025-01-01T00:00:00.000",
            "parent": ["id": "AKT"], "geometry": ["type": "Point", "coordinates": [57.2, 50.3]],
            "translations": [["property": "NAME", "locale": "ru", "value": "Новый отдел Актобе"]],
        ]
    }
    static var element: [String: Any] {
        [
            "code": "NEW_VISITS", "name": "Preventive home visits", "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM", "domainType": "AGGREGATE",
        ]
    }

    @Test func aNationalAdministratorCreatesAndUpdatesUnitsAndElements() async throws {
        let state = try await WebFixture.state()
        let before = try state.store.catalog()
        let audited = try state.store.metadataHistory().count
        try await withApp(state) { web in
            _ = try await web.signIn("admin")
            let payload: [String: Any] = ["organisationUnits": [Self.office], "dataElements": [Self.element]]
            let dry = try await web.send(.post, "/api/metadata?importMode=VALIDATE", json: payload)
            #expect(dry.status == .ok)
            #expect(((dry.object["response"] as? [String: Any])?["stats"] as? [String: Any])?["created"] as? Int == 2)
            #expect(try state.store.catalog() == before, "VALIDATE changes nothing")

            let done = try await web.send(.post, "/api/40/metadata.json", json: payload)
            #expect(done.status == .ok, "\(done.text ?? "")")
            let catalog = try state.store.catalog()
            let office = try #require(catalog.unit("AKT_NEW_OFFICE"))
            #expect(catalog.unit(office.parent(on: state.today) ?? "")?.code == "AKT")
            #expect(office.translations?["ru"] == "Новый отдел Актобе")
            #expect(office.geometry != nil)
            #expect(catalog.element("NEW_VISITS")?.aggregationType == .sum)
            // The engine follows at once: the unit is in DHIS2's list, at level 3.
            let listed = try await web.send(
                .get, "/api/organisationUnits.json?filter=code:eq:AKT_NEW_OFFICE&fields=id,level")
            #expect(((listed.object["organisationUnits"] as? [[String: Any]])?.first?["level"] as? Int) == 3)

            // A move is an update: the hierarchy keeps where the office was before today.
            var moved = Self.office
            moved["parent"] = ["id": "ALA"]
            let put = try await web.send(.put, "/api/organisationUnits/\(office.uid)", json: moved)
            #expect(put.status == .ok, "\(put.text ?? "")")
            #expect((put.object["response"] as? [String: Any])?["uid"] as? String == office.uid)
            let after = try #require(try state.store.catalog().unit(office.uid))
            #expect(after.parents.count == 2)
            #expect(after.parents.last?.from == state.today)
            #expect(try state.store.catalog().unit(after.parent(on: Day.firstOfMonth(2025, 6)) ?? "")?.code == "AKT")

            // One object created through its collection: 201 with its uid.
            let created = try await web.send(
                .post, "/api/dataElements",
                json: ["code": "NEW_REFERRALS", "name": "Referrals", "valueType": "INTEGER"])
            #expect(created.status == .created)
            let uid = try #require((created.object["response"] as? [String: Any])?["uid"] as? String)
            #expect(try state.store.catalog().element(uid)?.code == "NEW_REFERRALS")
        }
        #expect(try state.store.metadataHistory().count == audited + 4, "every change audited")
    }

    /// Each refusal names the object, the field and the value, and changes nothing.
    @Test(arguments: [
        ("/api/metadata", #"{"organisationUnits": [{"name": "No code", "openingDate": "2025-01-01"}]}"#, 409, "code"),
        ("/api/metadata", #"{"dataElements": [{"code": "E", "name": "E", "valueType": "MONEY"}]}"#, 409, "MONEY"),
        (
            "/api/metadata",
            #"{"organisationUnits": [{"code": "X", "name": "X", "openingDate": "2025-01-01", "parent": {"id": "NoSuchUnit1"}}]}"#,
            409, "NoSuchUnit1"
        ),
        (
            "/api/metadata",
            #"{"organisationUnits": [{"code": "X", "name": "X", "openingDate": "2025-13-01", "parent": {"id": "AKT"}}]}"#,
            409, "2025-13-01"
        ),
        (
            "/api/metadata",
            #"{"organisationUnits": [{"code": "X", "name": "X", "openingDate": "2025-01-01", "parent": {"id": "AKT"}, "geometry": {"type": "Point", "coordinates": [500, 43]}}]}"#,
            409, "geometry"
        ),
        ("/api/metadata", #"{"indicators": [{"code": "I"}]}"#, 409, "indicators"),
        (
            "/api/metadata?importStrategy=CREATE", #"{"organisationUnits": [{"code": "AKT", "name": "A"}]}"#, 409,
            "exists"
        ),
        (
            "/api/metadata?importStrategy=UPDATE",
            #"{"organisationUnits": [{"code": "NOPE", "name": "N", "openingDate": "2025-01-01"}]}"#, 409,
            "no such object"
        ),
        ("/api/metadata", "[1, 2]", 400, "JSON object"),
        ("/api/metadata?importStrategy=DELETE", "{}", 400, "closingDate"),
        ("/api/metadata?atomicMode=NONE", "{}", 400, "all or nothing"),
        ("/api/metadata?importMode=PREHEAT", "{}", 400, "VALIDATE"),
        ("/api/dataElements/AKT", #"{"code": "AKT", "name": "x", "valueType": "INTEGER"}"#, 409, "no such object"),
    ])
    func aRefusedPayloadChangesNothing(uri: String, payload: String, status: Int, names: String) async throws {
        let state = try await WebFixture.state()
        let before = try state.store.catalog()
        try await withApp(state) { web in
            _ = try await web.signIn("admin")
            let method: HTTPRequest.Method = uri.hasPrefix("/api/dataElements/") ? .put : .post
            let r = try await web.send(method, uri, headers: [.contentType: "application/json"], raw: payload)
            #expect(Int(r.status.code) == status, "\(r.text ?? "")")
            #expect(r.text?.contains(names) == true, "\(r.text ?? "")")
        }
        #expect(try state.store.catalog() == before)
    }

    @Test func onlyANationalAdministratorWritesMetadata() async throws {
        let state = try await WebFixture.state()
        let before = try state.store.catalog()
        try await withApp(state) { web in
            for user in ["aktobe", "analyst"] {
                var w = web
                _ = try await w.signIn(user)
                let r = try await w.send(.post, "/api/metadata", json: ["organisationUnits": [Self.office]])
                #expect(r.status == .forbidden, "\(user): \(r.text ?? "")")
                let put = try await w.send(.post, "/api/organisationUnits", json: Self.office)
                #expect(put.status == .forbidden)
            }
            let anonymous = try await web.send(.post, "/api/metadata", json: ["organisationUnits": [Self.office]])
            #expect(anonymous.status == .unauthorized)
        }
        #expect(try state.store.catalog() == before)
    }

    /// DHIS2's JSON Patch on one object: applied to the object as read, written as PUT writes it.
    @Test func aPatchChangesOnlyWhatItNames() async throws {
        let state = try await WebFixture.state()
        let before = try state.store.catalog()
        let khromtau = try #require(before.unit("AKT_KHROMTAU"))
        let ala = try #require(before.unit("ALA")?.uid)
        try await withApp(state) { web in
            _ = try await web.signIn("admin")
            let renamed = try await web.send(
                .patch, "/api/dataElements/PREV_EVENTS",
                headers: [.contentType: "application/json-patch+json"],
                raw: #"[{"op": "replace", "path": "/name", "value": "Preventive events (all channels)"}]"#)
            #expect(renamed.status == .ok, "\(renamed.text ?? "")")
            let element = try #require(try state.store.catalog().element("PREV_EVENTS"))
            var expected = try #require(before.element("PREV_EVENTS"))
            expected.name = "Preventive events (all channels)"
            #expect(element == expected, "only the name changed")
            let moved = try await web.send(
                .patch, "/api/organisationUnits/\(khromtau.uid)",
                headers: [.contentType: "application/json-patch+json"],
                raw: #"[{"op": "replace", "path": "/parent/id", "value": "\#(ala)"}]"#)
            #expect(moved.status == .ok, "\(moved.text ?? "")")
            let unit = try #require(try state.store.catalog().unit("AKT_KHROMTAU"))
            #expect(unit.parent(on: state.today) == ala)
            #expect(unit.name == khromtau.name && unit.translations == khromtau.translations)
            let after = try state.store.catalog()
            for (raw, status) in [
                (#"{"op": "replace"}"#, 400), (#"[{"op": "move", "path": "/name", "from": "/code"}]"#, 409),
                (#"[{"op": "replace", "path": "/"}]"#, 409), (#"[{"op": "remove", "path": "/name"}]"#, 409),
                (#"[{"op": "replace", "path": "/valueType", "value": "MONEY"}]"#, 409),
            ] {
                let r = try await web.send(
                    .patch, "/api/dataElements/PREV_EVENTS", headers: [.contentType: "application/json"], raw: raw)
                #expect(Int(r.status.code) == status, "\(raw): \(r.text ?? "")")
            }
            #expect(try state.store.catalog() == after, "refused patches change nothing")
        }
        // A region's administrator patches the units below theirs, and no other.
        try await withApp(state) { web in
            _ = try await web.signIn("aktobe-admin")
            let mine = try await web.send(
                .patch, "/api/organisationUnits/AKT_AKTOBE", headers: [.contentType: "application/json"],
                raw: #"[{"op": "replace", "path": "/name", "value": "Aktobe city office"}]"#)
            #expect(mine.status == .ok, "\(mine.text ?? "")")
            let other = try await web.send(
                .patch, "/api/organisationUnits/ALA_MEDEU", headers: [.contentType: "application/json"],
                raw: #"[{"op": "replace", "path": "/name", "value": "x"}]"#)
            #expect(other.status == .forbidden)
            let element = try await web.send(
                .patch, "/api/dataElements/PREV_EVENTS", headers: [.contentType: "application/json"],
                raw: #"[{"op": "replace", "path": "/name", "value": "x"}]"#)
            #expect(element.status == .forbidden)
        }
        #expect(try state.store.catalog().unit("AKT_AKTOBE")?.name == "Aktobe city office")
        #expect(try state.store.catalog().element("PREV_EVENTS")?.name == "Preventive events (all channels)")
    }
}
