import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QorganAnalytics
import QorganCore
import QorganServer
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// The web application in process: sign-in, sessions, CSRF, throttling, tokens, roles,
/// scope, the API's answers and errors, and the pages in three languages.
@Suite struct WebTests {
    // MARK: Sign-in and sessions

    @Test func anonymousRequestsAreRefusedOrSentToSignIn() async throws {
        try await withApp(try await WebFixture.state()) { web in
            let api = try await web.send(.get, "/api/me")
            #expect(api.status == .unauthorized)
            #expect(api.object["code"] as? String == "unauthorized")
            #expect(api.headers[.wwwAuthenticate] != nil)
            let page = try await web.send(.get, "/pivot?dx=IND_READINESS")
            #expect(page.status == .seeOther)
            #expect(page.headers[.location]?.hasPrefix("/login?next=%2Fpivot") == true)
            let health = try await web.send(.get, "/health")
            #expect(health.status == .ok)
            #expect(health.object["values"] as? Int == 30605)
        }
    }

    @Test func signInSetsAHardenedSessionCookieAndSignOutEndsIt() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            let wrong = try await web.signIn("almaty", password: "not the password")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text?.contains("wrong") == true)
            #expect(web.cookies["qorgan_session"] == nil)

            let ok = try await web.signIn("almaty")
            #expect(ok.status == .seeOther)
            let cookie = ok.headers[values: .setCookie].first { $0.hasPrefix("qorgan_session=") } ?? ""
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains("Secure"))
            let me = try await web.send(.get, "/api/me")
            #expect(me.object["username"] as? String == "almaty")
            #expect(me.object["role"] as? String == "data-entry")

            let out = try await web.send(.post, "/logout", form: [("_csrf", web.csrf ?? "")])
            #expect(out.status == .seeOther)
            web.cookies["qorgan_session"] = nil
            #expect(try await web.send(.get, "/api/me").status == .unauthorized)
        }
        let events = try state.store.securityEvents().map(\.action)
        #expect(events.contains("SIGN_IN"))
        #expect(events.contains("SIGN_IN_FAILED"))
        #expect(events.contains("SIGN_OUT"))
    }

    @Test func anEndedSessionCookieNoLongerWorks() async throws {
        try await withApp(try await WebFixture.state()) { web in
            try await web.signIn("analyst")
            let stolen = web.cookies["qorgan_session"]!
            _ = try await web.send(.post, "/logout", form: [("_csrf", web.csrf ?? "")])
            web.cookies["qorgan_session"] = stolen
            #expect(try await web.send(.get, "/api/me").status == .unauthorized)
        }
    }

    @Test(arguments: TestBackend.allCases) func aSessionHoldsOnEveryServerOfTheDatabase(on backend: TestBackend)
        async throws
    {
        // Two servers on one database behind a proxy: a request may reach either.
        let (serverA, serverB) = try await WebFixture.twoServers(on: backend)
        let (cookies, csrf) = try await withApp(serverA) { web in
            let r = try await web.signIn("almaty")
            #expect(r.status == .seeOther)
            return (web.cookies, web.csrf)
        }
        try await withApp(serverB) { web in
            web.cookies = cookies
            web.csrf = csrf
            let me = try await web.send(.get, "/api/me")
            #expect(me.object["username"] as? String == "almaty")
            // The session's CSRF secret holds there too: a change is accepted, then signing out on B ends it.
            let saved = try await web.send(.post, "/api/dataValues?de=DRAWN_IN_MARGINALISED&pe=2017Q4&ou=ALA&value=2")
            #expect((200..<300).contains(saved.status.code), "\(saved.text ?? "")")
            let out = try await web.send(.post, "/logout", form: [("_csrf", csrf ?? "")])
            #expect(out.status == .seeOther)
        }
        try await withApp(serverA) { web in
            web.cookies = cookies
            let me = try await web.send(.get, "/api/me")
            #expect(me.status == .unauthorized)
        }
    }

    @Test func cookiesAreSecureWhenServedOverTLS() async throws {
        try await withApp(try await WebFixture.state { $0.secureCookies = true }) { web in
            let r = try await web.signIn("admin")
            #expect(r.headers[values: .setCookie].first { $0.hasPrefix("qorgan_session=") }?.contains("Secure") == true)
        }
    }

    @Test func cookiesAreSecureBehindATLSProxy() async throws {
        try await withApp(try await WebFixture.state()) { web in
            let page = try await web.send(.get, "/login", headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(
                page.headers[values: .setCookie].first { $0.hasPrefix("qorgan_login=") }?.contains("Secure") == true)
        }
    }

    @Test func anAdministratorManagesUsersThroughTheUsersPage() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("admin")
            let ala = try state.store.catalog().unit("ALA")!.uid
            let created = try await web.send(
                .post, "/users",
                form: [
                    ("_csrf", web.csrf!), ("username", "field-officer"), ("password", "a long password"),
                    ("role", "data-entry"), ("units", ala),
                ])
            #expect(created.status == .ok)
            #expect(created.text?.contains("User field-officer was created.") == true)
            let bad = try await web.send(
                .post, "/users",
                form: [
                    ("_csrf", web.csrf!), ("username", "x y"), ("password", "a long password"),
                    ("role", "viewer"), ("units", ala),
                ])
            #expect(bad.status == .badRequest)
            #expect(bad.text?.contains("username") == true)
            let changed = try await web.send(
                .post, "/users/field-officer", form: [("_csrf", web.csrf!), ("role", "viewer"), ("password", "")])
            #expect(changed.status == .ok)
            var officer = web
            officer.cookies = [:]
            try await officer.signIn("field-officer", password: "a long password")
            #expect(try await officer.send(.get, "/api/me").object["role"] as? String == "viewer")
        }
        #expect(try state.store.user(named: "field-officer")?.principal.role == .viewer)
    }

    @Test func signInWithoutTheFormsTokenIsRefused() async throws {
        try await withApp(try await WebFixture.state()) { web in
            // A cross-site form cannot read the sign-in page's token.
            let r = try await web.send(.post, "/login", form: [("username", "admin"), ("password", "qorgan-demo")])
            #expect(r.status == .forbidden)
            #expect(web.cookies["qorgan_session"] == nil)
        }
    }

    @Test func repeatedFailuresThrottleSignIn() async throws {
        let state = try await WebFixture.state { $0.throttleLimit = 3 }
        try await withApp(state) { web in
            for _ in 0..<3 { #expect(try await web.signIn("aktobe", password: "guess-guess").status == .unauthorized) }
            // Even the right password is refused while throttled.
            let r = try await web.signIn("aktobe")
            #expect(r.status == .tooManyRequests)
            #expect(Int(r.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(web.cookies["qorgan_session"] == nil)
        }
        #expect(
            try state.store.securityEvents().contains { $0.action == "SIGN_IN_THROTTLED" && $0.subject == "aktobe" })
        // Throttling is per name and address: the same name from another address (the real person,
        // elsewhere) is not locked out, nor another name from this one.
        #expect(try state.throttle.retryAfter(username: "admin", address: "elsewhere") == nil)
        #expect(try state.throttle.retryAfter(username: "aktobe", address: "elsewhere") == nil)
        #expect(try state.throttle.retryAfter(username: "aktobe", address: "local") != nil)
    }

    @Test(arguments: TestBackend.allCases) func failuresCountAcrossServersOnOneDatabase(on backend: TestBackend)
        async throws
    {
        // Two servers on one database, as behind a proxy: three failures on A and two on B are five.
        let (serverA, serverB) = try await WebFixture.twoServers(on: backend)
        try await withApp(serverA) { web in
            for _ in 0..<3 {
                let r = try await web.signIn("almaty", password: "guess-guess")
                #expect(r.status == .unauthorized)
            }
        }
        try await withApp(serverB) { web in
            for _ in 0..<2 {
                let r = try await web.signIn("almaty", password: "guess-guess")
                #expect(r.status == .unauthorized)
            }
            let right = try await web.signIn("almaty")
            #expect(right.status == .tooManyRequests)
        }
        try await withApp(serverA) { web in
            // Locked out on B is locked out on A, for the page and for HTTP Basic alike.
            #expect(try await web.signIn("almaty").status == .tooManyRequests)
            web.cookies = [:]
            let basic = Data("almaty:\(DemoAccounts.password)".utf8).base64EncodedString()
            let r = try await web.send(.get, "/api/me", headers: [.authorization: "Basic \(basic)"])
            #expect(r.status == .unauthorized && r.object["code"] as? String == "throttled")
        }
        // Another user, or the same one from another address, is not affected, on either server.
        #expect(try serverA.throttle.retryAfter(username: "aktobe", address: "elsewhere") == nil)
        #expect(try serverB.throttle.retryAfter(username: "almaty", address: "elsewhere") == nil)
        #expect(try serverB.throttle.retryAfter(username: "almaty", address: "local") != nil)
    }

    @Test func aChangeWithoutThePagesCSRFTokenIsRefused() async throws {
        let state = try await WebFixture.state(reopened: [("SECURITY", "201712", "ALA")])
        let before = try state.store.auditCount()
        try await withApp(state) { web in
            try await web.signIn("almaty")
            let value: [String: Any] = [
                "dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "ALA", "value": "4",
            ]
            let forged = try await web.send(.post, "/api/dataValues", json: value, withCSRF: false)
            #expect(forged.status == .forbidden)
            #expect(forged.object["code"] as? String == "csrf")
            let wrong = try await web.send(
                .post, "/api/dataValues", json: value, headers: [HTTPField.Name("X-CSRF-Token")!: "guess"])
            #expect(wrong.status == .forbidden)
            let formForged = try await web.send(.post, "/account/tokens", form: [("name", "x")])
            #expect(formForged.status == .forbidden)
            #expect(try state.store.auditCount() == before)
            let real = try await web.send(.post, "/api/dataValues", json: value)
            #expect(real.status == .created)
        }
        #expect(try state.store.auditCount() == before + 1)
    }

    // MARK: API tokens

    @Test func apiTokensAreShownOnceStoredHashedAndRevocable() async throws {
        let state = try await WebFixture.state()
        let secret = try await withApp(state) { web -> String in
            try await web.signIn("analyst")
            let created = try await web.send(.post, "/api/tokens", json: ["name": "nightly export"])
            #expect(created.status == .created)
            let secret = created.object["token"] as? String ?? ""
            #expect(secret.hasPrefix("qgn_") && secret.count > 40)
            let listed = try await web.send(.get, "/api/tokens")
            #expect(listed.text?.contains(secret) == false)

            var script = web
            script.cookies = [:]
            script.bearer = secret
            let me = try await script.send(.get, "/api/me")
            #expect(me.object["username"] as? String == "analyst")
            // A bearer request needs no CSRF token: no browser sends it on its own.
            let q = try await script.send(.get, "/api/analytics?dx=IND_READINESS&pe=2017&ou=KZ")
            #expect(q.status == .ok)

            let id = created.object["id"] as? Int ?? -1
            #expect(try await web.send(.delete, "/api/tokens/\(id)").status == .noContent)
            let after = try await script.send(.get, "/api/me")
            #expect(after.status == .unauthorized)
            #expect(after.object["code"] as? String == "invalid_token")
            return secret
        }
        // Only the hash is in the database.
        let path = state.store.path!
        let dump =
            try String(contentsOfFile: path, encoding: .isoLatin1)
            + ((try? String(contentsOfFile: path + "-wal", encoding: .isoLatin1)) ?? "")
        #expect(!dump.contains(secret))
        #expect(dump.contains(Secrets.sha256(secret)))
    }

    // MARK: Roles and scope

    @Test func rolesDecideWhoMayWrite() async throws {
        for (user, status) in [
            ("viewer", HTTPResponse.Status.forbidden), ("analyst", .forbidden), ("almaty", .created),
            ("admin", .created),
        ] {
            try await withApp(try await WebFixture.state(reopened: [("SECURITY", "201712", "ALA")])) { web in
                try await web.signIn(user)
                let r = try await web.send(
                    .post, "/api/dataValues",
                    json: ["dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "ALA", "value": 5])
                #expect(r.status == status, "\(user)")
                let users = try await web.send(.get, "/api/users")
                #expect(users.status == (user == "admin" ? .ok : .forbidden), "\(user)")
            }
        }
    }

    @Test func aRegionalUserNeitherReadsNorWritesAnotherRegion() async throws {
        let state = try await WebFixture.state()
        let before = try state.store.auditCount()
        try await withApp(state) { web in
            try await web.signIn("almaty")
            let units = try await web.send(.get, "/api/organisationUnits?paging=false&fields=code")
            let codes = Set(
                (units.object["organisationUnits"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String })
            #expect(codes.contains("ALA") && codes.contains("ALA_MEDEU"))
            #expect(!codes.contains("AKT") && !codes.contains("KZ"))
            #expect(try await web.send(.get, "/api/organisationUnits/AKT").status == .forbidden)
            let read = try await web.send(.get, "/api/dataValues?de=CONVICTIONS&pe=201606&ou=AKT")
            #expect(read.status == .forbidden)
            #expect(read.object["code"] as? String == "out_of_scope")
            #expect(
                try await web.send(.get, "/api/audits/dataValue?de=CONVICTIONS&pe=201606&ou=AKT").status == .forbidden)
            #expect(
                try await web.send(.get, "/api/dataValueSets?dataSet=SECURITY&period=201606&orgUnit=AKT").status
                    == .forbidden)
            let write = try await web.send(
                .post, "/api/dataValues",
                json: ["dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "AKT", "value": "1"])
            #expect(write.status == .forbidden)
            #expect(try await web.send(.delete, "/api/dataValues?de=CONVICTIONS&pe=201606&ou=AKT").status == .forbidden)
            // A batch that reaches outside is refused whole: its Almaty row is not saved either.
            let batch = try await web.send(
                .post, "/api/dataValueSets",
                json: [
                    "dataValues": [
                        ["dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "ALA", "value": "1"],
                        ["dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "AKT", "value": "1"],
                    ]
                ])
            #expect(batch.status == .forbidden)
            #expect((batch.object["problems"] as? [[String: Any]])?.first?["value"] as? String == "AKT")
            #expect(try await web.send(.get, "/api/analytics?dx=IND_CONVICTIONS&pe=2016&ou=KZ").status == .forbidden)
            #expect(
                try await web.send(.get, "/api/analytics?dx=IND_CONVICTIONS&pe=2016&ou=CHILDREN:KZ").status
                    == .forbidden)
            let level = try await web.send(.get, "/api/analytics?dx=IND_READINESS&pe=2017&ou=LEVEL-2")
            #expect(level.status == .ok)
            #expect((level.object["rows"] as? [[String: Any]])?.count == 1)
            // Pages too.
            #expect(try await web.send(.get, "/entry?ds=SECURITY&ou=AKT&pe=201606").status == .forbidden)
            #expect(try await web.send(.get, "/dashboard?ou=AKT").status == .forbidden)
            #expect(try await web.send(.get, "/history?de=CONVICTIONS&pe=201606&ou=AKT").status == .forbidden)
        }
        #expect(try state.store.auditCount() == before)
    }

    @Test func anAdministratorGrantsOnlyWithinTheirOwnUnits() async throws {
        let state = try await WebFixture.state()
        try state.store.createUser(
            username: "ala-admin", passwordHash: Secrets.hashPassword("regional-secret"), role: .administrator,
            units: ["ALA"], by: "test")
        try await withApp(state) { web in
            try await web.signIn("ala-admin", password: "regional-secret")
            let outside = try await web.send(
                .post, "/api/users",
                json: ["username": "x", "password": "long enough", "role": "viewer", "units": ["AKT"]])
            #expect(outside.status == .forbidden)
            let inside = try await web.send(
                .post, "/api/users",
                json: ["username": "medeu", "password": "long enough", "role": "data-entry", "units": ["ALA_MEDEU"]])
            #expect(inside.status == .created)
            let listed = try await web.send(.get, "/api/users")
            #expect(
                Set(listed.array.compactMap { $0["username"] as? String }) == [
                    "almaty", "almaty-head", "ala-admin", "medeu",
                ])
            #expect(try await web.send(.patch, "/api/users/aktobe", json: ["role": "viewer"]).status == .forbidden)
            let dup = try await web.send(
                .post, "/api/users",
                json: ["username": "MEDEU", "password": "long enough", "role": "viewer", "units": ["ALA"]])
            #expect(dup.status == .conflict)
            let short = try await web.send(
                .post, "/api/users", json: ["username": "y", "password": "short", "role": "viewer", "units": ["ALA"]])
            #expect(short.status == .badRequest)
            #expect((short.object["problems"] as? [[String: Any]])?.first?["field"] as? String == "password")
            let role = try await web.send(
                .post, "/api/users",
                json: ["username": "z", "password": "long enough", "role": "boss", "units": ["ALA"]])
            #expect(
                role.object["message"] as? String == "role: one of administrator, analyst, data-entry, viewer, approver"
            )
            // A disabled user cannot sign in, and their sessions end.
            #expect(try await web.send(.patch, "/api/users/medeu", json: ["disabled": true]).status == .ok)
            var other = web
            other.cookies = [:]
            #expect(try await other.signIn("medeu", password: "long enough").status == .unauthorized)
        }
        #expect(try state.store.securityEvents().contains { $0.action == "USER_UPDATE" && $0.detail == "disabled" })
    }

    // MARK: Values through the API

    @Test func aSavedValueIsInTheNextAnalyticsAnswer() async throws {
        try await withApp(try await WebFixture.state(reopened: [("SECURITY", "201710", "ALA")])) { web in
            try await web.signIn("almaty")
            func total() async throws -> Double {
                let r = try await web.send(.get, "/api/analytics?dx=CONVICTIONS&pe=2017&ou=ALA")
                return (r.object["rows"] as? [[String: Any]])?.first?["value"] as? Double ?? 0
            }
            let before = try await total()
            let saved = try await web.send(
                .post, "/api/dataValues",
                json: [
                    "dataElement": "CONVICTIONS", "period": "201710", "orgUnit": "ALA", "value": "7",
                    "comment": "checked",
                ])
            #expect(saved.status == .created)
            #expect(saved.object["storedBy"] as? String == "almaty")
            let existing = try await web.send(.get, "/api/dataValues?de=CONVICTIONS&pe=201710&ou=ALA")
            #expect(existing.object["value"] as? String == "7")
            #expect(try await total() == before + 7)
            let deleted = try await web.send(.delete, "/api/dataValues?de=CONVICTIONS&pe=201710&ou=ALA")
            #expect(deleted.object["deleted"] as? Bool == true)
            #expect(try await total() == before)
            #expect(try await web.send(.get, "/api/dataValues?de=CONVICTIONS&pe=201710&ou=ALA").status == .notFound)
            let history = try await web.send(.get, "/api/audits/dataValue?de=CONVICTIONS&pe=201710&ou=ALA")
            #expect(history.array.map { $0["action"] as? String } == ["CREATE", "DELETE"])
            #expect(history.array.last?["changedBy"] as? String == "almaty")
        }
    }

    /// Repeated queries are answered from a cache that lives only as long as the engine's state
    /// and is keyed by the asker's units: no one gets another's answer or an old one.
    @Test func cachedAnswersFollowWritesAndScope() async throws {
        try await withApp(try await WebFixture.state(reopened: [("SECURITY", "201711", "ALA")])) { web in
            let q = "/api/analytics?dx=CONVICTIONS&pe=2017&ou=LEVEL-2"
            try await web.signIn("admin")
            let national = try await web.send(.get, q)
            #expect((national.object["rows"] as? [[String: Any]])?.count ?? 0 > 1)
            #expect(try await web.send(.get, q).text == national.text)
            var regional = web
            regional.cookies = [:]
            try await regional.signIn("almaty")
            let mine = try await regional.send(.get, q)
            #expect(mine.text != national.text)
            let meta = mine.object["metaData"] as? [String: [String: Any]] ?? [:]
            #expect(
                (mine.object["rows"] as? [[String: Any]] ?? []).allSatisfy {
                    meta[$0["ou"] as? String ?? ""]?["code"] as? String == "ALA"
                })
            _ = try await regional.send(
                .post, "/api/dataValues",
                json: ["dataElement": "CONVICTIONS", "period": "201711", "orgUnit": "ALA", "value": "40"])
            let after = try await web.send(.get, q)
            #expect(WebTests.value(of: "ALA", in: after) == WebTests.value(of: "ALA", in: national) + 40)
            #expect(WebTests.value(of: "AKT", in: after) == WebTests.value(of: "AKT", in: national))
        }
    }

    /// The value of a unit (by code) in an analytics answer; 0 when it has no row.
    static func value(of code: String, in r: TestResponse) -> Double {
        let meta = r.object["metaData"] as? [String: [String: Any]] ?? [:]
        let row = (r.object["rows"] as? [[String: Any]] ?? []).first {
            meta[$0["ou"] as? String ?? ""]?["code"] as? String == code
        }
        return row?["value"] as? Double ?? 0
    }

    @Test func badInputIsA400NamingTheFieldAndChangesNothing() async throws {
        let state = try await WebFixture.state(reopened: [("SECURITY", "201712", "ALA")])
        let before = try state.store.auditCount()
        try await withApp(state) { web in
            try await web.signIn("almaty")
            func problem(_ body: Any) async throws -> (HTTPResponse.Status, String?, String?) {
                let r = try await web.send(.post, "/api/dataValues", json: body)
                let p = (r.object["problems"] as? [[String: Any]])?.first
                return (r.status, p?["field"] as? String, r.object["code"] as? String)
            }
            let base: [String: Any] = ["dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "ALA"]
            #expect(try await problem(base.merging(["value": "many"]) { $1 }) == (.badRequest, "value", "rejected"))
            #expect(try await problem(base.merging(["value": "2.5"]) { $1 }) == (.badRequest, "value", "rejected"))
            #expect(
                try await problem(base.merging(["value": "1", "period": "2017-13"]) { $1 }) == (
                    .badRequest, "period", "rejected"
                ))
            #expect(
                try await problem(base.merging(["value": "1", "period": "2017Q4"]) { $1 }) == (
                    .badRequest, "period", "rejected"
                ))
            #expect(
                try await problem(base.merging(["value": "1", "dataElement": "NO_SUCH"]) { $1 }) == (
                    .conflict, "dataelement", "rejected"
                ))
            #expect(
                try await problem(["dataElement": "CONVICTIONS", "orgUnit": "ALA", "value": "1"]) == (
                    .badRequest, "period", "bad_request"
                ))
            #expect(
                try await problem(base.merging(["value": ["nested"]]) { $1 }) == (.badRequest, "value", "bad_request"))
            let malformed = try await web.send(.post, "/api/dataValues", headers: [.contentType: "application/json"])
            #expect(malformed.status == .badRequest)
            let set = try await web.send(
                .post, "/api/dataValueSets",
                json: [
                    "dataValues": [
                        ["dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "ALA", "value": "1"],
                        ["dataElement": "CONVICTIONS", "period": "201711", "orgUnit": "ALA", "value": "-1"],
                    ]
                ])
            // DHIS2's answer to a refused set: 409 and its import summary, naming the value.
            #expect(set.status == .conflict)
            #expect(set.object["status"] as? String == "ERROR")
            #expect(set.text?.contains("dataValues[1]") == true)
            let dry = try await web.send(
                .post, "/api/dataValueSets?dryRun=true",
                json: [
                    "dataValues": [
                        ["dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "ALA", "value": "1"]
                    ]
                ])
            #expect(dry.object["status"] as? String == "SUCCESS")
            #expect((dry.object["importOptions"] as? [String: Any])?["dryRun"] as? Bool == true)
            // A code that names nothing is a 409 unknown_reference, as DHIS2 answers it.
            let unknown = try await web.send(.get, "/api/analytics?dx=NOPE&pe=2017&ou=ALA")
            #expect(unknown.status == .conflict)
            #expect(unknown.object["code"] as? String == "unknown_reference")
            #expect(
                try await web.send(.get, "/api/analytics?dx=IND_READINESS&pe=2017&ou=ALA&format=pdf").status
                    == .badRequest)
            #expect(
                try await web.send(.get, "/api/dataValues?de=CONVICTIONS&pe=201712").object["message"] as? String
                    == "ou: this query parameter is required")
        }
        #expect(try state.store.auditCount() == before)
    }

    @Test func aFormLocksAfterItsExpiryDaysExceptForAdministrators() async throws {
        let state = try await WebFixture.state(reopened: [("SECURITY", "201712", "ALA")]) {
            $0.today = Day(year: 2018, month: 1, day: 20)
        }
        var catalog = try state.store.catalog()
        let i = catalog.dataSets.firstIndex { $0.code == "SECURITY" }!
        catalog.dataSets[i].expiryDays = 15
        try state.store.importMetadata(catalog, user: "test")
        try await withApp(state) { web in
            try await web.signIn("almaty")
            let value = { (pe: String) -> [String: Any] in
                ["dataElement": "CONVICTIONS", "period": pe, "orgUnit": "ALA", "value": "1"]
            }
            // December 2017 ended 20 days ago: closed. January 2018 is open.
            let late = try await web.send(.post, "/api/dataValues", json: value("201712"))
            #expect(late.status == .conflict)
            #expect(late.object["code"] as? String == "form_locked")
            #expect(try await web.send(.post, "/api/dataValues", json: value("201801")).status == .created)
            let form = try await web.send(.get, "/api/dataValueSets?dataSet=SECURITY&period=201712&orgUnit=ALA")
            #expect(form.object["locked"] as? Bool == true)
            let page = try await web.send(.get, "/entry?ds=SECURITY&ou=ALA&pe=201712")
            #expect(page.text?.contains("its expiry days have passed") == true)
            #expect(page.text?.contains("disabled") == true)
            var admin = web
            admin.cookies = [:]
            try await admin.signIn("admin")
            #expect(try await admin.send(.post, "/api/dataValues", json: value("201712")).status == .created)
        }
    }

    @Test func completingAFormIsRecordedAndAudited() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("almaty")
            let done = try await web.send(
                .post, "/api/completions", json: ["dataSet": "SECURITY", "period": "201712", "orgUnit": "ALA"])
            #expect(done.status == .ok)
            #expect(done.object["completedBy"] as? String == "almaty")
            let form = try await web.send(.get, "/api/dataValueSets?dataSet=SECURITY&period=201712&orgUnit=ALA")
            #expect(form.object["completed"] as? Bool == true)
            #expect((form.object["dataValues"] as? [[String: Any]])?.isEmpty == false)
            let undone = try await web.send(
                .post, "/api/completions",
                json: ["dataSet": "SECURITY", "period": "201712", "orgUnit": "ALA", "completed": false])
            #expect(undone.object["completed"] as? Bool == false)
            let wrongType = try await web.send(
                .post, "/api/completions", json: ["dataSet": "SECURITY", "period": "2017", "orgUnit": "ALA"])
            #expect(wrongType.status == .badRequest)
            var viewer = web
            viewer.cookies = [:]
            try await viewer.signIn("viewer")
            #expect(
                try await viewer.send(
                    .post, "/api/completions", json: ["dataSet": "SECURITY", "period": "201712", "orgUnit": "ALA"]
                ).status == .forbidden)
        }
        #expect(
            try state.store.completion(
                dataSet: try state.store.catalog().dataSet("SECURITY")!.uid, period: "201712",
                unit: try state.store.catalog().unit("ALA")!.uid) == nil)
    }

    // MARK: Incidents

    @Test func incidentsThroughTheAPIFollowRolesAndScopeAndReachTheIndicatorsAtOnce() async throws {
        let state = try await WebFixture.state()
        let aktobeAttack = try state.store.incidents().first { $0.incident.date.description == "2016-06-05" }!.incident
            .uid
        try await withApp(state) { web in
            try await web.signIn("almaty")
            func prevented() async throws -> Double {
                WebTests.value(
                    of: "ALA", in: try await web.send(.get, "/api/analytics?dx=IND_ACTS_PREVENTED&pe=2017&ou=ALA"))
            }
            let before = try await prevented()
            let plot: [String: Any] = [
                "date": "2017-11", "unit": "ALA_MEDEU", "outcome": "foiled", "attackType": 3, "targetType": 3,
                "weaponType": 6,
                "summary": "A planned bombing, stopped.",
            ]
            let created = try await web.send(.post, "/api/incidents", json: plot)
            #expect(created.status == .created)
            #expect(created.object["killed"] is NSNull)
            #expect(created.object["createdBy"] as? String == "almaty")
            let uid = created.object["uid"] as? String ?? ""
            #expect(try await prevented() == before + 1)

            #expect(
                try await web.send(.post, "/api/incidents", json: plot.merging(["unit": "AKT"]) { $1 }).status
                    == .forbidden)
            // Another region's incident is not found: its existence and unit are not told.
            #expect(try await web.send(.get, "/api/incidents/\(aktobeAttack)").status == .notFound)
            #expect(
                try await web.send(.put, "/api/incidents/\(uid)", json: plot.merging(["unit": "AKT"]) { $1 }).status
                    == .forbidden)
            let listed = try await web.send(.get, "/api/incidents")
            #expect(
                !listed.array.isEmpty
                    && listed.array.allSatisfy { ($0["unitCode"] as? String)?.hasPrefix("ALA") == true })
            #expect(try await web.send(.get, "/api/incidents?ou=AKT").status == .forbidden)

            let badDate = try await web.send(.post, "/api/incidents", json: plot.merging(["date": "2017-02-30"]) { $1 })
            #expect(badDate.status == .badRequest)
            #expect((badDate.object["problems"] as? [[String: Any]])?.first?["field"] as? String == "date")
            let badCodes = try await web.send(
                .post, "/api/incidents", json: plot.merging(["attackType": 99, "killed": -1]) { $1 })
            #expect(badCodes.status == .badRequest)
            #expect(
                Set((badCodes.object["problems"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }) == [
                    "attackType", "killed",
                ])

            let moved = try await web.send(
                .put, "/api/incidents/\(uid)",
                json: plot.merging(["unit": "ALA_AUEZOV", "outcome": "completed"]) { $1 })
            #expect(moved.object["unitCode"] as? String == "ALA_AUEZOV")
            #expect(try await prevented() == before)
            #expect(try await web.send(.delete, "/api/incidents/\(uid)").status == .noContent)
            let detail = try await web.send(.get, "/api/incidents/\(uid)")
            #expect(
                (detail.object["history"] as? [[String: Any]])?.map { $0["action"] as? String } == [
                    "CREATE", "UPDATE", "DELETE",
                ])

            var viewer = web
            viewer.cookies = [:]
            try await viewer.signIn("viewer")
            #expect(try await viewer.send(.post, "/api/incidents", json: plot).status == .forbidden)
            #expect(try await viewer.send(.get, "/api/incidents/\(aktobeAttack)").status == .ok)
        }
    }

    @Test func theIncidentFormRecordsAndNamesWhatIsWrong() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("admin")
            let kz = try state.store.catalog().unit("KAR")!.uid
            let bad = try await web.send(
                .post, "/incidents",
                form: [
                    ("_csrf", web.csrf!), ("date", "2017-13"), ("unit", kz), ("outcome", "foiled"),
                    ("attackType", "3"), ("targetType", "3"), ("weaponType", "6"), ("killed", "two"),
                ])
            #expect(bad.status == .badRequest)
            // Each problem in words, beside its field and in the summary.
            #expect(bad.text?.contains("(“2017-13” is not a date)") == true)
            #expect(bad.text?.contains("Enter the number killed as a whole number") == true)
            let ok = try await web.send(
                .post, "/incidents",
                form: [
                    ("_csrf", web.csrf!), ("date", "2017-11-03"), ("unit", kz), ("outcome", "foiled"),
                    ("attackType", "3"), ("targetType", "3"), ("weaponType", "6"), ("killed", ""),
                    ("property", "no"), ("claimed", "unknown"), ("summary", "Stopped in time."),
                    ("sources", "Regional office report\nPress"),
                ])
            #expect(ok.status == .seeOther)
            let page = try await web.send(.get, ok.headers[.location] ?? "/")
            #expect(
                page.text?.contains("Stopped in time.") == true && page.text?.contains("Regional office report") == true
            )
        }
        #expect(try state.store.incidents().count == 15)
    }

    // MARK: Readiness and sites

    @Test func assessmentsAndInspectionsFollowRolesAndScope() async throws {
        let state = try await WebFixture.state()
        let catalog = try state.store.catalog()
        let medeu = catalog.unit("ALA_MEDEU")!.uid
        let akt = catalog.unit("AKT")!.uid
        let checklist = try #require(try state.store.instrument(code: "OFFICE_READINESS", version: 1))
        let aktSite = try #require(try state.store.sites(units: [akt]).first { $0.site.category == "MASS" }).site.uid
        let alaSite = try #require(
            try state.store.sites(units: [catalog.unit("ALA")!.uid]).first { $0.site.category == "MASS" }
        ).site.uid
        try await withApp(state) { web in
            try await web.signIn("almaty")
            func form(_ unit: String) -> [(String, String)] {
                [
                    ("_csrf", web.csrf!), ("instrument", checklist.label), ("unit", unit), ("date", "2018-03-01"),
                    ("assessorRole", "regional inspector"),
                ]
                    + checklist.items.map { item in
                        (
                            "answer_" + item.code,
                            item.scale.answers.first { item.scale.score($0) == item.scale.maximum }!
                        )
                    }
            }
            let ok = try await web.send(.post, "/readiness/assess", form: form(medeu))
            #expect(ok.status == .seeOther)
            let readiness = try await web.send(.get, "/api/analytics?dx=READINESS_PCT&pe=2018&ou=ALA_MEDEU")
            #expect((readiness.object["rows"] as? [[String: Any]])?.first?["value"] as? Double == 100)
            #expect(try await web.send(.post, "/readiness/assess", form: form(akt)).status == .forbidden)
            let partial = try await web.send(.post, "/readiness/assess", form: Array(form(medeu).dropLast(3)))
            #expect(partial.status == .badRequest && partial.text?.contains("on its scale, or NA") == true)
            // Checklists are for administrators to change.
            #expect(
                try await web.send(.post, "/api/readiness/instruments/OFFICE_READINESS/derive").status == .forbidden)

            let measures = SiteConfiguration.standard.category("MASS")!.measures
            let inspection =
                [
                    ("_csrf", web.csrf!), ("date", "2018-02-01"), ("kind", "unannounced"),
                    ("prescription_1", "Fix the alarm"), ("due_1", "2018-05-01"),
                ]
                + measures.map { ("finding_" + $0, $0 == "ALARM" ? "missing" : "in-place") }
            #expect(try await web.send(.post, "/sites/\(alaSite)/inspections", form: inspection).status == .seeOther)
            #expect(try await web.send(.post, "/sites/\(aktSite)/inspections", form: inspection).status == .notFound)
            #expect(try await web.send(.get, "/api/sites/\(aktSite)").status == .notFound)
            let flags = try await web.send(.get, "/api/sites/flags?on=2018-06-01")
            #expect(
                (flags.object["overdue"] as? [[String: Any]])?.contains {
                    ($0["prescription"] as? [String: Any])?["text"] as? String == "Fix the alarm"
                } == true)
            var viewer = web
            viewer.cookies = [:]
            try await viewer.signIn("viewer")
            #expect(
                try await viewer.send(
                    .post, "/api/sites",
                    json: [
                        "name": "X", "category": "MASS", "unit": "ALA", "peakOccupancy": 10,
                        "responsibleRole": "r", "registered": "2018-01-01",
                    ]
                ).status == .forbidden)
        }
        #expect(try state.store.inspections(site: alaSite).last?.inspection.findings["ALARM"] == .missing)
    }

    // MARK: Pages and languages

    @Test func everyPageRendersInEveryLanguage() async throws {
        try await withApp(try await WebFixture.state()) { web in
            try await web.signIn("admin")
            let expect = [
                "en": ("Dashboard", "Almaty city"), "ru": ("Сводка", "город Алматы"),
                "kk": ("Жиынтық", "Алматы қаласы"),
            ]
            for lang in Messages.languages {
                let pages = [
                    "/dashboard?ou=ALA", "/entry?ds=SECURITY&ou=ALA&pe=201712",
                    "/pivot?dx=IND_CONVICTIONS&ou=KZ&children=1&from=2015&to=2017",
                    "/metadata", "/history?de=CONVICTIONS&pe=201606&ou=AKT", "/users", "/account",
                    "/incidents?from=2013&to=2017", "/incidents/new", "/incidents/\(Uid.stable("demo:incident:1"))",
                    "/incidents/\(Uid.stable("demo:incident:1"))?edit=1",
                    "/readiness", "/readiness/assess", "/sites?ou=KZ&on=2017-12-31",
                    "/sites/\(Uid.stable("demo:site:1"))",
                ]
                for page in pages {
                    let r = try await web.send(
                        .get, page + "&lang=\(lang)".replacingOccurrences(of: "&", with: page.contains("?") ? "&" : "?")
                    )
                    #expect(r.status == .ok, "\(page) in \(lang)")
                    let html = r.text ?? ""
                    #expect(html.contains("<html lang=\"\(lang)\""), "\(page) in \(lang)")
                    #expect(html.contains(expect[lang]!.0), "\(page) in \(lang): the menu")
                    #expect(!html.contains("{{"), "\(page) in \(lang): a template tag was left")
                }
                // Metadata names show in the chosen language.
                let dash = try await web.send(.get, "/dashboard?ou=ALA&lang=\(lang)")
                #expect(dash.text?.contains(expect[lang]!.1) == true, "\(lang)")
            }
        }
    }

    @Test func acceptLanguageDecidesTheDefaultAndAChoiceOverridesIt() async throws {
        try await withApp(try await WebFixture.state()) { web in
            let ru = try await web.send(.get, "/login", headers: [.acceptLanguage: "ru-RU,ru;q=0.9,en;q=0.5"])
            #expect(ru.text?.contains("Вход в Qorgan") == true)
            let kk = try await web.send(.get, "/login", headers: [.acceptLanguage: "de, kk;q=0.8, ru;q=0.3"])
            #expect(kk.text?.contains("Qorgan жүйесіне кіру") == true)
            let chosen = try await web.send(.get, "/language?set=en&back=/login")
            #expect(chosen.status == .seeOther)
            let en = try await web.send(.get, "/login", headers: [.acceptLanguage: "ru"])
            #expect(en.text?.contains("Sign in to Qorgan") == true)
            // No open redirect through the language switch.
            let away = try await web.send(.get, "/language?set=ru&back=//evil.example")
            #expect(away.headers[.location] == "/dashboard")
        }
        #expect(Messages.negotiate(choice: nil, acceptLanguage: "fr, de") == "en")
        #expect(Messages.negotiate(choice: "xx", acceptLanguage: "kk") == "kk")
    }

    @Test func theMessageCataloguesAreCompleteAndEveryTemplateKeyExists() throws {
        let messages = try Messages.load()
        let english = Set(messages.catalogues["en"]!.keys)
        for lang in Messages.languages {
            let keys = Set(messages.catalogues[lang]!.keys)
            #expect(
                keys == english,
                "\(lang): missing \(english.subtracting(keys).sorted()), extra \(keys.subtracting(english).sorted())")
            #expect(messages.catalogues[lang]!.values.allSatisfy { !$0.isEmpty }, "\(lang)")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let templates = root.appendingPathComponent("Sources/QorganServer/Resources/templates")
        var used = Set<String>()
        for file in try FileManager.default.contentsOfDirectory(atPath: templates.path) {
            let text = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            let regex = try NSRegularExpression(pattern: "\\{\\{t\\.([A-Za-z_\\-]+)\\}\\}")
            for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                used.insert(String(text[Range(m.range(at: 1), in: text)!]))
            }
        }
        #expect(used.count > 80)
        #expect(
            used.subtracting(english).isEmpty, "used but not in the catalogue: \(used.subtracting(english).sorted())")
    }

    @Test func pagesCarrySecurityHeadersAndNoExternalResources() async throws {
        try await withApp(try await WebFixture.state()) { web in
            try await web.signIn("admin")
            let r = try await web.send(.get, "/dashboard")
            #expect(r.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            #expect(r.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            let html = r.text ?? ""
            #expect(
                !html.contains("http://") && !html.contains("https://")
                    || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
            #expect(!html.contains("<script>") && !html.contains("style=\""))
            #expect(try await web.send(.get, "/static/app.js").status == .ok)
            #expect(try await web.send(.get, "/static/../Package.swift").status != .ok)
        }
    }

    @Test func thePivotDownloadsCSVAndARealWorkbook() async throws {
        try await withApp(try await WebFixture.state()) { web in
            try await web.signIn("analyst")
            let q = "/pivot?dx=IND_READINESS&dx=IND_CONVICTIONS&ou=KZ&children=1&from=2015&to=2017&rows=ou&columns=pe"
            let page = try await web.send(.get, q)
            #expect(page.text?.contains("<svg") == true)
            #expect(page.text?.contains("Aktobe region") == true)
            let csv = try await web.send(.get, q + "&format=csv")
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            // A byte-order mark first, so that Excel reads UTF-8 (and Cyrillic) right.
            #expect(Array(Data(buffer: csv.body).prefix(3)) == [0xEF, 0xBB, 0xBF])
            let lines = (csv.text ?? "").dropFirst().split(separator: "\n")
            #expect(lines.first == "Data,Unit,2015,2016,2017")
            // Readiness and convictions for the 16 regions (a region without any value would be left out).
            #expect(lines.filter { $0.hasPrefix("Readiness") }.count == 16)
            #expect(lines.count == 1 + 2 * 16)
            let xlsx = try await web.send(.get, q + "&format=xlsx")
            let data = Data(buffer: xlsx.body)
            #expect(data.prefix(2) == Data("PK".utf8))
            let sheet = try XLSXReading.cells(data)
            #expect(sheet[0] == ["Data", "Unit", "2015", "2016", "2017"])
            #expect(sheet.count == 33)
            // Readiness in 2015 and 2017 (two rounds) for 16 regions, and the convictions of each region's years with any.
            #expect(XLSXReading.numericCells(data) == 69)
        }
    }

    @Test func metricsCountRequestsForAdministratorsAndTheScraperOnly() async throws {
        let secret = "a-scraper-secret-of-some-length"
        try await withApp(try await WebFixture.state { $0.metricsToken = secret }) { web in
            _ = try await web.send(.get, "/health")
            _ = try await web.send(.get, "/api/me")
            #expect(try await web.send(.get, "/metrics").status == .unauthorized)
            #expect(
                try await web.send(.get, "/metrics", headers: [.authorization: "Bearer wrong-secret"]).status
                    == .unauthorized)
            let m = try await web.send(.get, "/metrics", headers: [.authorization: "Bearer \(secret)"])
            #expect(m.status == .ok)
            let text = m.text ?? ""
            #expect(text.contains("qorgan_http_requests_total{method=\"GET\",status=\"401\"} 3"))
            #expect(text.contains("qorgan_http_request_duration_seconds_bucket"))
            try await web.signIn("viewer")
            #expect(try await web.send(.get, "/metrics").status == .forbidden)
            var admin = WebClient(web.client)
            try await admin.signIn("admin")
            #expect(try await admin.send(.get, "/metrics").status == .ok)
        }
    }
}
