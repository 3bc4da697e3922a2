import Foundation
import HTTPTypes
import HummingbirdTesting
import QorganCore
import QorganServer
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// The OpenAPI document is what the server does (issue 27): a malformed value is a 400; a
/// well-formed reference to nothing, parameters that together make no request, records that
/// contradict themselves or a closed unit are 409s, as DHIS2 answers them; the document's
/// patterns say which is which. Each case failed before (400 for all of them, or a 200).
@Suite struct ErrorClassTests {
    static func token(_ state: ServerState, _ user: String) throws -> String {
        try Secrets.issueToken(in: state.store, username: user, name: "test", by: "test").secret
    }

    /// (status, code, first problem's field) of a response.
    static func outcome(_ r: TestResponse) -> (HTTPResponse.Status, String?, String?) {
        (r.status, r.object["code"] as? String, (r.object["problems"] as? [[String: Any]])?.first?["field"] as? String)
    }

    @Test func aReferenceToNothingIsA409OnEveryKindOfRoute() async throws {
        let state = try await WebFixture.state()
        let token = try Self.token(state, "admin")
        let before = try state.store.valueCount()
        try await withApp(state) { web in
            web.bearer = token
            for (uri, field) in [
                ("/api/dataValues?de=NOPE&pe=201606&ou=ALA", "de"),
                ("/api/dataValues?de=CONVICTIONS&pe=201606&ou=NOPE", "ou"),
                ("/api/analytics?dx=NOPE&pe=2016&ou=KZ", "dx"), ("/api/analytics?dx=CONVICTIONS&pe=2016&ou=NOPE", "ou"),
                ("/api/completeness?dataSet=NOPE&pe=2017", "dataSet"), ("/api/dataElements?filter=nope:eq:1", "filter"),
                ("/api/dataValueSets?dataSet=NOPE&period=2016&orgUnit=KZ", "dataSet"),
                ("/api/outlierDetection/check?de=NOPE&pe=201606&ou=ALA&value=1", "de"),
                ("/api/sites?ou=NOPE", "ou"), ("/api/report?ou=NOPE", "ou"),
            ] {
                let r = try await web.send(.get, uri)
                #expect(Self.outcome(r) == (.conflict, "unknown_reference", field), "\(uri): \(r.text ?? "")")
            }
            // A batch that only names unknown things is refused whole with a 409; one with a
            // malformed value too stays a 400.
            let unknown = try await web.send(
                .post, "/api/dataValues",
                json: ["dataElement": "NOPE", "period": "201606", "orgUnit": "ALA", "value": "1"])
            #expect(Self.outcome(unknown) == (.conflict, "rejected", "dataelement"))
            let mixed = try await web.send(
                .post, "/api/dataValues",
                json: ["dataElement": "NOPE", "period": "2016-13", "orgUnit": "ALA", "value": "1"])
            #expect(mixed.status == .badRequest)
            // Malformed values stay 400s.
            for uri in [
                "/api/dataValues?de=CONVICTIONS&pe=0&ou=ALA", "/api/analytics?dx=.&pe=2016&ou=KZ",
                "/api/dataElements?filter=0", "/api/incidents?from=0",
            ] {
                #expect(try await web.send(.get, uri).status == .badRequest, "\(uri)")
            }
        }
        #expect(try state.store.valueCount() == before)
    }

    @Test func parametersThatTogetherMakeNoRequestAreAnIllegalQuery() async throws {
        let state = try await WebFixture.state()
        let token = try Self.token(state, "admin")
        try await withApp(state) { web in
            web.bearer = token
            for (uri, field) in [
                ("/api/dataValueSets?orgUnit=KZ&period=2016", "dataSet"),
                ("/api/dataValueSets?dataSet=SECURITY&orgUnit=KZ", "period"),
                ("/api/dataValueSets?dataSet=SECURITY&orgUnit=KZ&startDate=2016-01-01", "endDate"),
                ("/api/dataValueSets?dataSet=SECURITY&orgUnit=KZ&startDate=2016-02-01&endDate=2016-01-01", "startDate"),
                ("/api/outlierDetection?threshold=3", "pe"),
                ("/api/analytics?dimension=dx:CONVICTIONS&filter=ou", "filter"),
                ("/api/analytics?dimension=dx:CONVICTIONS", "pe"),
            ] {
                let r = try await web.send(.get, uri)
                #expect(Self.outcome(r) == (.conflict, "illegal_query", field), "\(uri): \(r.text ?? "")")
            }
            // A day that is no day is malformed: a 400.
            let bad = try await web.send(
                .get, "/api/dataValueSets?dataSet=SECURITY&orgUnit=KZ&startDate=2016-02-30&endDate=2016-03-01")
            #expect(Self.outcome(bad) == (.badRequest, "bad_request", "startDate"))
            // DHIS2's parameter form of a value: with de, the rest is required together.
            let partial = try await web.send(.post, "/api/dataValues?de=CONVICTIONS&ou=ALA&value=1")
            #expect(Self.outcome(partial) == (.conflict, "illegal_query", "pe"))
        }
    }

    @Test func recordsThatContradictThemselvesOrAClosedUnitAre409s() async throws {
        let state = try await WebFixture.state()
        let token = try Self.token(state, "admin")
        try await withApp(state) { web in
            web.bearer = token
            // KZ opened in 2000: an incident of 1931 conflicts with the unit's state.
            let old = try await web.send(
                .post, "/api/incidents",
                json: [
                    "date": "1931-10", "unit": "KZ", "outcome": "foiled", "attackType": 2, "targetType": 4,
                    "weaponType": 5,
                ])
            #expect(Self.outcome(old) == (.conflict, "rejected", "unit"), "\(old.text ?? "")")
            let site: [String: Any] = [
                "name": "A hall", "category": "EDUCATION", "unit": "ALA", "peakOccupancy": 10,
                "responsibleRole": "Director", "registered": "2016-05-01", "closed": "2016-04-01",
            ]
            let closedBefore = try await web.send(.post, "/api/sites", json: site)
            #expect(Self.outcome(closedBefore) == (.conflict, "rejected", "closed"), "\(closedBefore.text ?? "")")
        }
    }

    @Test func aRefusedSiteConfigurationChangesNothingAndTheRegistryGoesOn() async throws {
        let state = try await WebFixture.state()
        let token = try Self.token(state, "admin")
        let before = try state.store.siteConfiguration()
        try await withApp(state) { web in
            web.bearer = token
            // Two tiers with one code used to be stored, and then refused as the registry's
            // metadata: every later site was refused. Now the configuration is refused whole.
            let config: [String: Any] = [
                "measures": [["code": "ACCESS", "name": "Access"]],
                "categories": [["code": "HALL", "name": "Hall", "measures": ["ACCESS"]]],
                "tiers": [["code": "T", "name": "Small", "from": 0], ["code": "T", "name": "Large", "from": 100]],
                "inspectionIntervalMonths": 12,
            ]
            let r = try await web.send(.put, "/api/sites/config", json: config)
            #expect(Self.outcome(r) == (.conflict, "rejected", "tiers"), "\(r.text ?? "")")
            let tooLong = try await web.send(
                .put, "/api/sites/config",
                json: config.merging(
                    ["tiers": [["code": "T", "name": "All", "from": 0]], "inspectionIntervalMonths": 1201]) { $1 })
            #expect(tooLong.status == .badRequest)
            let site: [String: Any] = [
                "name": "A hall", "category": "EDUCATION", "unit": "ALA", "peakOccupancy": 10,
                "responsibleRole": "Director", "registered": "2016-05-01",
            ]
            #expect(try await web.send(.post, "/api/sites", json: site).status == .created)
        }
        #expect(try state.store.siteConfiguration() == before)
    }

    @Test func bodiesAreReadAsTheDocumentSays() async throws {
        let state = try await WebFixture.state()
        let token = try Self.token(state, "admin")
        try await withApp(state) { web in
            web.bearer = token
            // A missing field is named as a path a person reads.
            let instrument: [String: Any] = [
                "code": "NEW", "version": 1, "name": "New",
                "sections": [
                    ["code": "S", "name": "S", "items": [["text": "An item", "weight": 1, "scale": "yes-no"]]]
                ],
            ]
            let missing = try await web.send(.post, "/api/readiness/instruments", json: instrument)
            #expect(Self.outcome(missing) == (.badRequest, "bad_request", "sections[0].items[0].code"))
            // Two items with one code: a duplicate, 409.
            var twice = instrument
            let item: [String: Any] = ["code": "I", "text": "An item", "weight": 1, "scale": "yes-no"]
            twice["sections"] = [["code": "S", "name": "S", "items": [item, item]]]
            #expect(try await web.send(.post, "/api/readiness/instruments", json: twice).status == .conflict)
            // Optional fields may be null; a set's period is checked even without rows; its dataSet is a string.
            let nulls = try await web.send(
                .put, "/api/framework",
                json: ["programme": "P", "goals": [] as [Any], "translations": NSNull()])
            #expect(nulls.status == .ok, "\(nulls.text ?? "")")
            let sets: [[String: Any]] = [
                ["period": "aaaa", "dataValues": [] as [Any]],
                ["dataSet": [:] as [String: Any], "dataValues": [] as [Any]],
            ]
            for set in sets {
                let r = try await web.send(.post, "/api/dataValueSets?dryRun=true", json: set)
                #expect(r.status == .badRequest, "\(set)")
            }
            // A password longer than any is refused, whoever asks; a name of blanks too.
            let long = try await web.send(
                .post, "/api/tokens", json: ["name": "x", "password": String(repeating: "p", count: 1_025)])
            #expect(Self.outcome(long) == (.badRequest, "bad_request", "password"))
            #expect(try await web.send(.post, "/api/tokens", json: ["name": "\u{0C}\n"]).status == .badRequest)
            // A number beyond 64 bits is refused before anything else.
            let huge = try await web.send(
                .post, "/api/readiness/instruments", headers: [.contentType: "application/json"],
                raw: #"{"code": "N", "version": 18582936802062151680}"#)
            #expect(huge.status == .badRequest)
        }
    }

    @Test func aChecklistAtItsLastVersionCannotBeDerived() async throws {
        let state = try await WebFixture.state()
        let token = try Self.token(state, "admin")
        try await withApp(state) { web in
            web.bearer = token
            let last: [String: Any] = [
                "code": "LAST", "version": Instrument.maxVersion, "name": "Last",
                "sections": [
                    [
                        "code": "S", "name": "S",
                        "items": [["code": "I", "text": "An item", "weight": 1, "scale": "yes-no"]],
                    ]
                ],
            ]
            #expect(try await web.send(.post, "/api/readiness/instruments", json: last).status == .created)
            let r = try await web.send(.post, "/api/readiness/instruments/LAST/derive")
            #expect(r.status == .conflict && r.object["code"] as? String == "conflict", "\(r.text ?? "")")
            var beyond = last
            beyond["version"] = Instrument.maxVersion + 1
            #expect(try await web.send(.post, "/api/readiness/instruments", json: beyond).status == .badRequest)
        }
    }
}
