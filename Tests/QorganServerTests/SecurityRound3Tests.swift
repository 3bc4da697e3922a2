import Foundation
import HTTPTypes
import QorganCore
import QorganServer
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// The smaller holes of the third attack (issue 27), one test each; every one failed before its fix.
@Suite struct SecurityRound3Tests {
    static func token(_ state: ServerState, _ user: String) throws -> String {
        try Secrets.issueToken(in: state.store, username: user, name: "test", by: "test").secret
    }

    /// Token and session hashes are stored: the hex written by hand is SHA-256's, as before
    /// (FIPS 180-2's vectors), so existing tokens still sign in.
    @Test func secretsHashAsSHA256InLowercaseHex() {
        #expect(Secrets.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Secrets.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func aFlagTakesTrueOrFalseAndNothingElse() async throws {
        let state = try await WebFixture.state(reopened: [("SECURITY", "201711", "ALA")])
        let token = try Self.token(state, "almaty")
        let before = try state.store.valueCount()
        try await withApp(state) { web in
            web.bearer = token
            let value: [String: Any] = [
                "dataValues": [["dataElement": "CONVICTIONS", "period": "201711", "orgUnit": "ALA", "value": "7"]]
            ]
            for flag in ["dryRun=", "dryRun=yes", "dryRun=on", "dryRun=%20"] {
                let r = try await web.send(.post, "/api/dataValueSets?\(flag)", json: value)
                #expect(r.status == .badRequest, "\(flag): \(r.status)")
                #expect((r.text ?? "").contains("dryRun"), "\(flag): \(r.text ?? "")")
            }
            #expect(try state.store.valueCount() == before)
            let dry = try await web.send(.post, "/api/dataValueSets?dryRun=true", json: value)
            #expect(dry.status == .ok)
            #expect(try state.store.valueCount() == before)
        }
    }

    @Test func throttledAttemptsAreOneLogRowWithACount() async throws {
        let state = try await WebFixture.state { $0.throttleLimit = 2 }
        try await withApp(state) { web in
            for _ in 0..<2 { _ = try await web.signIn("nobody-at-all", password: "guess-guess") }
            for _ in 0..<40 {
                #expect(try await web.signIn("nobody-at-all", password: "guess-guess").status == .tooManyRequests)
            }
        }
        let rows = try state.store.securityEvents(limit: 1_000).filter { $0.action == "SIGN_IN_THROTTLED" }
        #expect(rows.count == 1)
        #expect(rows.first?.detail?.hasPrefix("40 attempts") == true, "\(rows.first?.detail ?? "")")
    }

    @Test func guessingTheAdministratorsPasswordElsewhereDoesNotLockThemOut() async throws {
        let state = try await WebFixture.state()
        for _ in 0..<10 { try state.throttle.failed(username: "admin", address: "203.0.113.9") }
        #expect(try state.throttle.retryAfter(username: "admin", address: "203.0.113.9") != nil)
        // The administrator, from their own address, signs in.
        try await withApp(state) { web in
            let r = try await web.signIn("admin")
            #expect(r.status == .seeOther)
        }
        // An address that fails for many names waits too.
        for n in 0..<state.throttle.addressLimit {
            try state.throttle.failed(username: "name\(n)", address: "198.51.100.7")
        }
        #expect(try state.throttle.retryAfter(username: "admin", address: "198.51.100.7") != nil)
    }

    @Test func aTokenNeverOutlivesTheTokenOrSessionThatMadeIt() async throws {
        let state = try await WebFixture.state()
        let oneDay = try Secrets.issueToken(in: state.store, username: "analyst", name: "t", expiresInDays: 1, by: "t")
        try await withApp(state) { web in
            web.bearer = oneDay.secret
            let made = try await web.send(.post, "/api/tokens", json: ["name": "forever"])
            #expect(made.status == .created, "\(made.text ?? "")")
            let longer = try await web.send(.post, "/api/tokens", json: ["name": "a year", "expiresInDays": 365])
            #expect(longer.status == .created)
            for r in [made, longer] {
                let id = try #require(r.object["id"] as? Int)
                let record = try #require(try state.store.tokens().first { $0.id == Int64(id) })
                let limit = try #require(oneDay.record.expires)
                #expect(record.expires.map { $0 <= limit.addingTimeInterval(1) } == true, "\(record)")
            }
        }
        // Made in a session: it ends with the session, unless the password is given again.
        try await withApp(state) { web in
            try await web.signIn("analyst")
            let plain = try await web.send(.post, "/api/tokens", json: ["name": "session"])
            #expect(plain.status == .created)
            let wrong = try await web.send(.post, "/api/tokens", json: ["name": "x", "password": "not-it-at-all"])
            #expect(wrong.status == .badRequest)
            let again = try await web.send(
                .post, "/api/tokens", json: ["name": "again", "password": DemoAccounts.password])
            #expect(again.status == .created)
            let expires = try state.store.tokens().reduce(into: [String: Date?]()) { $0[$1.name] = $1.expires }
            #expect(expires["session"]??.timeIntervalSinceNow ?? .infinity <= state.configuration.sessionLifetime + 5)
            #expect(expires["again"] == .some(nil))
        }
    }

    @Test func anEventIdOfAnotherRegionAnswersAsAnUnknownOne() async throws {
        let state = try await WebFixture.state()
        let national = try Self.token(state, "admin")
        let almaty = try Self.token(state, "almaty")
        nonisolated(unsafe) let incident: [String: Any] = [
            "date": "2017-03", "outcome": "foiled", "attackType": 3, "targetType": 3, "weaponType": 6,
            "summary": "A plot, stopped.", "sources": ["Office report"],
        ]
        try await withApp(state) { web in
            web.bearer = national
            let created = try await web.send(
                .post, "/api/incidents", json: incident.merging(["unit": "AKT", "gtdEventId": "R3-1"]) { $1 })
            #expect(created.status == .created)
            web.bearer = almaty
            let existing = try await web.send(
                .post, "/api/incidents", json: incident.merging(["unit": "ALA", "gtdEventId": "R3-1"]) { $1 })
            let unknown = try await web.send(
                .post, "/api/incidents", json: incident.merging(["unit": "ALA", "gtdEventId": "R3-404"]) { $1 })
            #expect(existing.status == unknown.status && existing.status == .badRequest)
            let a = (existing.text ?? "").replacingOccurrences(of: "R3-1", with: "ID")
            let b = (unknown.text ?? "").replacingOccurrences(of: "R3-404", with: "ID")
            #expect(a == b, "\(a) ≠ \(b)")
        }
    }

    @Test func aPathWithAParameterAnswers405WithAllow() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("admin")
            let uid = Uid.stable("demo:incident:1")
            let r = try await web.send(.patch, "/api/incidents/\(uid)")
            #expect(r.status == .methodNotAllowed, "\(r.status)")
            #expect(r.headers[.allow] == "DELETE, GET, PUT", "\(r.headers[.allow] ?? "")")
            let site = try await web.send(.patch, "/api/sites/\(Uid.stable("demo:site:1"))")
            #expect(site.status == .methodNotAllowed)
        }
    }

    @Test func anEmptyParameterIsA400AndAllowNamesTheRoutesTheRouterTakes() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            web.bearer = try Self.token(state, "admin")
            for path in ["/api/sites?ou=", "/api/incidents?to=", "/api/me?fields=", "/api/readiness/assessments?ou="] {
                let r = try await web.send(.get, path)
                #expect(r.status == .badRequest, "\(path): \(r.status)")
                #expect((r.text ?? "").contains("empty"), "\(path): \(r.text ?? "")")
            }
            // A literal segment before a parameter, as the router takes them.
            let codes = try await web.send(.options, "/api/incidents/codes")
            #expect(
                codes.status == .methodNotAllowed && codes.headers[.allow] == "GET", "\(codes.headers[.allow] ?? "")")
            let config = try await web.send(.options, "/api/sites/config")
            #expect(config.headers[.allow] == "GET, PUT", "\(config.headers[.allow] ?? "")")
        }
    }

    @Test func noPartOfAnExportedFieldCanStartAFormula() {
        #expect(csvField("x;=1+1") == "\"x;=1+1\"")
        #expect(csvField("a\t=cmd") == "\"a\t=cmd\"")
        #expect(csvField("=1+1") == "'=1+1")
        #expect(csvField("-5") == "-5")
        #expect(csvField("plain") == "plain")
        // A Windows line break is one Character in Swift, but two bytes a spreadsheet splits on.
        #expect(csvField("a\r\nb") == "\"a\r\nb\"")
        #expect(csvField("@x") == "'@x" && csvField("1.5e3") == "1.5e3" && csvField("") == "")
    }
}
