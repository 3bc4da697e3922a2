import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QorganCore
import QorganInterop
import QorganServer
import QorganStore
import QorganWebTestSupport
import Testing

/// The Web API as DHIS2's clients use it: authentication, paths, metadata lists, data value
/// sets in JSON, CSV and ADX, single values with DHIS2's parameters, analytics in DHIS2's shape.
@Suite struct DHIS2APITests {
    static func basic(_ user: String, _ password: String = "qorgan-demo") -> HTTPFields {
        [.authorization: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
    }

    @Test func basicCredentialsAndApiTokensAreAcceptedAndThrottled() async throws {
        let state = try await WebFixture.state(reopened: [("SECURITY", "201711", "AKT")])
        let token = Secrets.randomToken(prefix: "qgn_")
        _ = try state.store.createToken(tokenHash: Secrets.sha256(token), username: "analyst", name: "t", by: "test")
        let expired = Secrets.randomToken(prefix: "qgn_")
        _ = try state.store.createToken(
            tokenHash: Secrets.sha256(expired), username: "analyst", name: "old",
            expires: Date().addingTimeInterval(-1),
            by: "test")
        try await withApp(state) { web in
            let me = try await web.send(.get, "/api/me", headers: Self.basic("aktobe"))
            #expect(me.status == .ok && me.object["username"] as? String == "aktobe")
            let again = try await web.send(.get, "/api/me", headers: Self.basic("aktobe"))
            #expect(again.status == .ok)
            let viaToken = try await web.send(.get, "/api/me", headers: [.authorization: "ApiToken \(token)"])
            #expect(viaToken.object["username"] as? String == "analyst")
            let old = try await web.send(.get, "/api/me", headers: [.authorization: "ApiToken \(expired)"])
            #expect(old.status == .unauthorized && old.object["code"] as? String == "invalid_token")
            let odd = try await web.send(.get, "/api/me", headers: [.authorization: "Digest x"])
            #expect(odd.status == .unauthorized)
            let garbled = try await web.send(.get, "/api/me", headers: [.authorization: "Basic %%%"])
            #expect(garbled.status == .unauthorized)
            // A change with Basic credentials needs no CSRF token (it is not a browser's session).
            let saved = try await web.send(
                .post, "/api/dataValues?de=CONVICTIONS&pe=201711&ou=AKT&value=4", headers: Self.basic("aktobe"))
            #expect(saved.status == .created)
            #expect(saved.object["value"] as? String == "4")
            // A browser that kept Basic credentials does not make changes for another site.
            var crossSite = Self.basic("aktobe")
            crossSite[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            let forged = try await web.send(
                .post, "/api/dataValues?de=CONVICTIONS&pe=201710&ou=AKT&value=4", headers: crossSite)
            #expect(forged.status == .forbidden && forged.object["code"] as? String == "csrf")
            // Five wrong passwords for a name: then even the right one waits, as on the sign-in page
            // (and from that address, any name).
            for _ in 0..<5 {
                let wrong = try await web.send(.get, "/api/me", headers: Self.basic("viewer", "wrong password"))
                #expect(wrong.status == .unauthorized)
            }
            let locked = try await web.send(.get, "/api/me", headers: Self.basic("viewer"))
            #expect(locked.status == .unauthorized)
            #expect(Int(locked.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(locked.object["code"] as? String == "throttled")
        }
        let events = try state.store.securityEvents()
        #expect(events.filter { $0.action == "SIGN_IN_FAILED" && $0.detail == "HTTP Basic" }.count == 5)
        #expect(events.contains { $0.action == "SIGN_IN_THROTTLED" && $0.detail == "1 attempt · HTTP Basic" })
    }

    @Test func tokensKeepTheirExpiryAndRevocation() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("almaty")
            let page = try await web.send(
                .post, "/account/tokens",
                form: [
                    ("_csrf", web.csrf ?? ""), ("name", "dhis2 script"), ("expiresInDays", "30"),
                    // Given again: a token that outlives the session (without it, it ends with the session).
                    ("password", DemoAccounts.password),
                ])
            #expect(page.status == .ok)
            let secret = try #require(
                page.text.flatMap { html -> String? in
                    guard let r = html.range(of: "<code id=\"new-token\">") else { return nil }
                    return String(html[r.upperBound...].prefix { $0 != "<" })
                })
            let record = try #require(try state.store.tokens(username: "almaty").first { $0.name == "dhis2 script" })
            let days = (record.expires?.timeIntervalSinceNow ?? 0) / 86_400
            #expect(days > 29.9 && days <= 30)
            var script = web
            script.cookies = [:]
            let me = try await script.send(.get, "/api/me", headers: [.authorization: "ApiToken \(secret)"])
            #expect(me.object["username"] as? String == "almaty")
            let tooLong = try await script.send(
                .post, "/api/tokens", json: ["name": "x", "expiresInDays": 99_999],
                headers: [.authorization: "ApiToken \(secret)"])
            #expect(tooLong.status == .badRequest)
            try state.store.revokeToken(id: record.id, by: "test")
            let after = try await script.send(.get, "/api/me", headers: [.authorization: "ApiToken \(secret)"])
            #expect(after.status == .unauthorized)
        }
    }

    @Test func pathsSystemInfoAndMetadataLists() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            let admin = Self.basic("admin")
            let info = try await web.send(.get, "/api/40/system/info.json", headers: admin)
            #expect(info.object["version"] as? String == "2.40")
            #expect(info.object["calendar"] as? String == "iso8601")
            let all = try await web.send(.get, "/api/organisationUnits?paging=false&fields=id", headers: admin)
            let total = (all.object["organisationUnits"] as? [Any])?.count ?? 0
            #expect(total == state.engine.snapshot().catalog.organisationUnits.count)
            #expect(all.object["pager"] == nil)
            // Pages cover every unit once.
            var seen: [String] = []
            var page = 1
            while true {
                let r = try await web.send(
                    .get, "/api/39/organisationUnits.json?pageSize=7&page=\(page)", headers: admin)
                let pager = try #require(r.object["pager"] as? [String: Any])
                #expect(pager["total"] as? Int == total && pager["pageSize"] as? Int == 7)
                seen += (r.object["organisationUnits"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                if page >= (pager["pageCount"] as? Int ?? 0) { break }
                #expect((pager["nextPage"] as? String)?.contains("page=\(page + 1)") == true)
                page += 1
            }
            #expect(seen.count == total && Set(seen).count == total)
            // Default fields, nested fields, filters (AND, OR), order.
            let first = try await web.send(.get, "/api/dataElements?pageSize=1", headers: admin)
            let element = try #require((first.object["dataElements"] as? [[String: Any]])?.first)
            #expect(Set(element.keys) == ["id", "displayName"])
            let regions = try await web.send(
                .get,
                "/api/organisationUnits?paging=false&filter=level:eq:2&filter=name:ilike:REGION&order=code:desc&fields=code,parent%5Bcode,name%5D,children%5Bcode%5D",
                headers: admin)
            let list = try #require(regions.object["organisationUnits"] as? [[String: Any]])
            #expect(list.count > 10)
            #expect(list.allSatisfy { ($0["parent"] as? [String: Any])?["code"] as? String == "KZ" })
            let codes = list.compactMap { $0["code"] as? String }
            #expect(codes == codes.sorted(by: >))
            #expect(list.allSatisfy { ($0["children"] as? [[String: Any]])?.allSatisfy { $0["code"] != nil } == true })
            let either = try await web.send(
                .get, "/api/organisationUnits?paging=false&rootJunction=OR&filter=code:eq:AKT&filter=code:eq:ALA",
                headers: admin)
            #expect((either.object["organisationUnits"] as? [Any])?.count == 2)
            let among = try await web.send(
                .get, "/api/dataElements?filter=code:in:%5BCONVICTIONS,DRAWN_IN%5D&fields=code", headers: admin)
            #expect((among.object["dataElements"] as? [Any])?.count == 2)
            let byDataSet = try await web.send(
                .get, "/api/dataElements?paging=false&fields=code&filter=dataSetElements.dataSet.code:eq:SECURITY",
                headers: admin)
            let security = state.engine.snapshot().catalog.dataSet("SECURITY")?.dataElements.count ?? 0
            #expect((byDataSet.object["dataElements"] as? [Any])?.count == security)
            // A single object by code or uid, every field by default; fields=* with an exclusion.
            let akt = try await web.send(.get, "/api/organisationUnits/AKT", headers: admin)
            #expect(akt.object["code"] as? String == "AKT" && akt.object["level"] as? Int == 2)
            #expect((akt.object["path"] as? String)?.hasSuffix("/" + (akt.object["id"] as? String ?? "")) == true)
            let some = try await web.send(.get, "/api/indicators/IND_READINESS?fields=*,!numerator", headers: admin)
            #expect(some.object["numerator"] == nil && some.object["denominator"] != nil)
            // CSV, by suffix.
            let csv = try await web.send(.get, "/api/dataSets.csv?fields=code,periodType&paging=false", headers: admin)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text?.contains("code,periodType") == true && csv.text?.contains("SECURITY,Monthly") == true)
            // A property no unit has: 409 unknown_reference, naming it.
            let nope = try await web.send(.get, "/api/organisationUnits?filter=nope:eq:1", headers: admin)
            #expect(nope.status == .conflict && nope.object["code"] as? String == "unknown_reference")
            // Bad input: a clear 400 naming it.
            for bad in [
                "/api/organisationUnits?filter=code:sortof:1",
                "/api/organisationUnits?fields=id,parent%5Bname", "/api/organisationUnits?pageSize=0",
                "/api/organisationUnits?order=code:sideways", "/api/organisationUnits?fields=id~rename(x)",
                "/api/organisationUnits?format=xml", "/api/organisationUnits?filter=.:eq:1",
                "/api/organisationUnits?filter=code:eq", "/api/organisationUnits?rootJunction=XOR",
                "/api/organisationUnits?paging=maybe",
            ] {
                let r = try await web.send(.get, bad, headers: admin)
                #expect(r.status == .badRequest, "\(bad)")
                #expect((r.object["problems"] as? [Any])?.isEmpty == false, "\(bad)")
            }
            #expect(try await web.send(.get, "/api/dataSets/NOPE", headers: admin).status == .notFound)
        }
    }

    @Test func scopeHoldsOnEveryDHIS2Route() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            let aktobe = Self.basic("aktobe")
            let units = try await web.send(.get, "/api/organisationUnits?paging=false&fields=code", headers: aktobe)
            let codes = (units.object["organisationUnits"] as? [[String: Any]] ?? []).compactMap {
                $0["code"] as? String
            }
            #expect(codes.contains("AKT") && !codes.contains("ALA") && !codes.contains("KZ"))
            let assigned = try await web.send(.get, "/api/organisationUnits?userOnly=true&fields=code", headers: aktobe)
            #expect(
                (assigned.object["organisationUnits"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == [
                    "AKT"
                ])
            // A reference out of scope is not resolved into a name.
            let akt = try await web.send(.get, "/api/organisationUnits/AKT?fields=parent%5Bid,name%5D", headers: aktobe)
            #expect((akt.object["parent"] as? [String: Any])?["name"] == nil)
            #expect(try await web.send(.get, "/api/organisationUnits/ALA", headers: aktobe).status == .forbidden)
            for uri in [
                "/api/dataValueSets?dataSet=SECURITY&period=201606&orgUnit=ALA",
                "/api/dataValueSets.adx?dataSet=SECURITY&period=201606&orgUnit=KZ&children=true",
                "/api/analytics?dimension=dx:CONVICTIONS&dimension=pe:2016&dimension=ou:ALA",
                "/api/analytics?dimension=dx:CONVICTIONS&dimension=pe:2016&filter=ou:KZ",
                "/api/dataValues?de=CONVICTIONS&pe=201606&ou=ALA",
            ] {
                #expect(try await web.send(.get, uri, headers: aktobe).status == .forbidden, "\(uri)")
            }
            let adx = """
                <adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="ALA" period="2017-11-01/P1M">
                <dataValue dataElement="CONVICTIONS" value="3"/></group></adx>
                """
            let post = try await web.send(
                .post, "/api/dataValueSets",
                headers: aktobe.merging([.contentType: "application/adx+xml"]), raw: adx)
            #expect(post.status == .forbidden)
            // Bare LEVEL-n means that level within the caller's units, as on Qorgan's own form.
            let level = try await web.send(
                .get, "/api/analytics?dimension=dx:CONVICTIONS&dimension=pe:2016&dimension=ou:LEVEL-3", headers: aktobe)
            #expect(level.status == .ok)
        }
    }

    @Test func dataValueSetsInJsonCsvAndAdx() async throws {
        let state = try await WebFixture.state(reopened: [
            ("SECURITY", "201711", "AKT"), ("SECURITY", "201710", "AKT"), ("INVOLVEMENT", "2017Q4", "AKT"),
        ])
        try await withApp(state) { web in
            let admin = Self.basic("admin")
            /// A data value set of `type`, posted as the national administrator.
            func post(_ type: String, _ set: String, query: String = "") async throws -> TestResponse {
                try await web.send(
                    .post, "/api/dataValueSets" + query, headers: admin.merging([.contentType: type]), raw: set)
            }
            func count(_ r: TestResponse, _ key: String) -> Int? {
                (r.object["importCount"] as? [String: Any])?[key] as? Int
            }
            let json = """
                {"dataSet": "SECURITY", "period": "201711", "orgUnit": "AKT", "dataValues": [
                  {"dataElement": "CONVICTIONS", "value": "5", "comment": "court records"},
                  {"dataElement": "DEPARTURES_STOPPED", "value": 2}]}
                """
            let first = try await post("application/json", json)
            #expect(first.status == .ok)
            #expect(first.object["status"] as? String == "SUCCESS")
            #expect(count(first, "imported") == 2)
            #expect(
                ((first.object["response"] as? [String: Any])?["importCount"] as? [String: Any])?["imported"] as? Int
                    == 2)
            let again = try await post("application/json", json)
            #expect(count(again, "ignored") == 2)
            // CSV with a byte-order mark, by name (NAME scheme for elements).
            let csv =
                "\u{FEFF}dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n"
                + "People convicted of terrorist and religious-extremist crimes,201710,AKT,,,6\n"
            let c = try await post("application/csv", csv, query: "?dataElementIdScheme=NAME")
            #expect(c.status == .ok, "\(c.text ?? "")")
            // ADX with a disaggregation and an annotation.
            let adx = """
                <?xml version="1.0" encoding="UTF-8"?>
                <adx xmlns="urn:ihe:qrph:adx:2015">
                  <group orgUnit="AKT" period="2017-10-01/P3M" dataSet="INVOLVEMENT">
                    <dataValue dataElement="DRAWN_IN" TARGET_GROUP="STUDENTS" SEX="FEMALE" value="3">
                      <annotation>from the university</annotation>
                    </dataValue>
                  </group>
                </adx>
                """
            let a = try await post("application/adx+xml", adx)
            #expect(a.status == .ok, "\(a.text ?? "")")
            // Read back in each format.
            let back = try await web.send(
                .get, "/api/dataValueSets?dataSet=SECURITY&period=201711&orgUnit=AKT&dataElementIdScheme=CODE",
                headers: admin)
            let values = back.object["dataValues"] as? [[String: Any]] ?? []
            #expect(values.contains { $0["dataElement"] as? String == "CONVICTIONS" && $0["value"] as? String == "5" })
            #expect(values.contains { $0["comment"] as? String == "court records" })
            let csvBack = try await web.send(
                .get,
                "/api/dataValueSets.csv?dataElement=CONVICTIONS&startDate=2017-10-01&endDate=2017-10-31&orgUnit=AKT",
                headers: admin)
            #expect(csvBack.text?.contains(",201710,") == true && csvBack.text?.contains(",6,") == true)
            let adxBack = try await web.send(
                .get, "/api/dataValueSets?dataSet=INVOLVEMENT&period=2017Q4&orgUnit=AKT",
                headers: admin.merging([.accept: "application/adx+xml"]))
            #expect(adxBack.text?.contains("period=\"2017-10-01/P3M\"") == true)
            #expect(adxBack.text?.contains("TARGET_GROUP=\"STUDENTS\" SEX=\"FEMALE\" value=\"3\"") == true)
            #expect(adxBack.text?.contains("<annotation>from the university</annotation>") == true)
            // DELETE strategy, dry run first.
            let delete = """
                {"dataValues": [{"dataElement": "CONVICTIONS", "period": "201711", "orgUnit": "AKT", "value": "5"}]}
                """
            let dry = try await post("application/json", delete, query: "?importStrategy=DELETE&dryRun=true")
            #expect(count(dry, "deleted") == 1)
            #expect(
                try await web.send(.get, "/api/dataValues?de=CONVICTIONS&pe=201711&ou=AKT", headers: admin).status
                    == .ok)
            let gone = try await post("application/json", delete, query: "?importStrategy=DELETE")
            #expect(count(gone, "deleted") == 1)
            #expect(
                try await web.send(.get, "/api/dataValues?de=CONVICTIONS&pe=201711&ou=AKT", headers: admin).status
                    == .notFound)
            // All or nothing: one bad value refuses the set, 409, each conflict named.
            let count = try state.store.valueCount()
            let bad = """
                {"dataValues": [{"dataElement": "CONVICTIONS", "period": "201709", "orgUnit": "AKT", "value": "1"},
                  {"dataElement": "CONVICTIONS", "period": "201709", "orgUnit": "NOWHERE", "value": "1"},
                  {"dataElement": "CONVICTIONS", "period": "2017-13", "orgUnit": "AKT", "value": "1"}]}
                """
            let refused = try await post("application/json", bad)
            #expect(refused.status == .conflict)
            #expect(refused.object["status"] as? String == "ERROR")
            let conflicts = refused.object["conflicts"] as? [[String: Any]] ?? []
            #expect(conflicts.count == 2)
            #expect(conflicts.contains { $0["object"] as? String == "NOWHERE" && ($0["indexes"] as? [Int]) == [1] })
            #expect(conflicts.contains { $0["object"] as? String == "2017-13" })
            #expect(try state.store.valueCount() == count)
            let badAdx =
                "<adx xmlns=\"urn:ihe:qrph:adx:2015\"><group orgUnit=\"AKT\" period=\"2017-10-02/P1M\">"
                + "<dataValue dataElement=\"CONVICTIONS\" value=\"1\"/></group></adx>"
            let r = try await post("application/adx+xml", badAdx)
            #expect(r.status == .conflict)
            #expect((r.object["conflicts"] as? [[String: Any]])?.first?["object"] as? String == "2017-10-02/P1M")
            for (type, body) in [
                ("application/xml", "<dataValueSet/>"), ("application/adx+xml", "<!DOCTYPE x><adx/>"),
                ("application/csv", "a,b\n1,2\n"),
            ] {
                let r = try await post(type, body)
                #expect(r.status.code >= 400 && r.status.code < 500, "\(type)")
            }
            #expect(
                try await web.send(.post, "/api/dataValueSets?importStrategy=UPDATE", headers: admin).status
                    == .badRequest)
        }
    }

    @Test func analyticsInDHIS2sShapeAgreeWithQorgansOwn() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            let admin = Self.basic("admin")
            let own = try await web.send(
                .get, "/api/analytics?dx=CONVICTIONS;IND_READINESS&pe=2016;2017&ou=LEVEL-2", headers: admin)
            var expected: [String: Double] = [:]
            for r in own.object["rows"] as? [[String: Any]] ?? [] {
                expected["\(r["dx"]!)|\(r["pe"]!)|\(r["ou"]!)"] = r["value"] as? Double
            }
            #expect(expected.count > 20)
            let d = try await web.send(
                .get,
                "/api/40/analytics.json?dimension=dx:CONVICTIONS;IND_READINESS&dimension=pe:2016;2017&dimension=ou:LEVEL-2;KZ",
                headers: admin)
            #expect(d.status == .ok)
            let headers = d.object["headers"] as? [[String: Any]] ?? []
            #expect(headers.map { $0["name"] as? String } == ["dx", "pe", "ou", "value"])
            #expect(headers.last?["valueType"] as? String == "NUMBER")
            let rows = d.object["rows"] as? [[String]] ?? []
            #expect(rows.count == expected.count)
            for r in rows {
                let want = try #require(expected["\(r[0])|\(r[1])|\(r[2])"], "\(r)")
                #expect(abs((Double(r[3]) ?? .nan) - want) < 0.051, "\(r)")
            }
            let meta = try #require(d.object["metaData"] as? [String: Any])
            let items = try #require(meta["items"] as? [String: [String: Any]])
            #expect(rows.allSatisfy { items[$0[0]]?["name"] != nil && items[$0[2]]?["name"] != nil })
            let dims = try #require(meta["dimensions"] as? [String: [String]])
            #expect(dims["pe"] == ["2016", "2017"] && dims["dx"]?.count == 2)
            #expect(d.object["height"] as? Int == rows.count && d.object["width"] as? Int == 4)
            // A filter: the unit leaves the rows, the values add up over it.
            let f = try await web.send(
                .get, "/api/analytics?dimension=dx:CONVICTIONS&dimension=pe:2016&filter=ou:AKT;ALA&skipMeta=true",
                headers: admin)
            #expect((f.object["headers"] as? [[String: Any]])?.map { $0["name"] as? String } == ["dx", "pe", "value"])
            #expect(f.object["metaData"] == nil)
            let sum = try await web.send(
                .get, "/api/analytics?dx=CONVICTIONS&pe=2016&ou=AKT;ALA&filter=ou", headers: admin)
            let want = (sum.object["rows"] as? [[String: Any]])?.first?["value"] as? Double
            #expect(Double((f.object["rows"] as? [[String]])?.first?[2] ?? "") == want)
            // Dates instead of periods; codes out; CSV by suffix.
            let dates = try await web.send(
                .get,
                "/api/analytics.csv?dimension=dx:CONVICTIONS&dimension=ou:AKT&startDate=2016-01-01&endDate=2016-12-31&outputIdScheme=CODE",
                headers: admin)
            let lines = dates.text?.split(separator: "\n") ?? []
            #expect(lines.first == "dx,ou,value")
            #expect(lines.dropFirst().first?.hasPrefix("CONVICTIONS,AKT,") == true)
            let coded = try await web.send(
                .get, "/api/analytics?dimension=dx:CONVICTIONS&dimension=pe:2016&dimension=ou:AKT&outputIdScheme=CODE",
                headers: admin)
            #expect((coded.object["rows"] as? [[String]])?.first?[0] == "CONVICTIONS")
            // The co dimension, USER_ORGUNIT, relative periods.
            let co = try await web.send(
                .get, "/api/analytics?dimension=dx:DRAWN_IN&dimension=co&dimension=pe:2016&dimension=ou:USER_ORGUNIT",
                headers: admin)
            #expect(
                (co.object["headers"] as? [[String: Any]])?.map { $0["name"] as? String } == [
                    "dx", "co", "pe", "ou", "value",
                ])
            #expect(
                ((co.object["metaData"] as? [String: Any])?["dimensions"] as? [String: [String]])?["co"]?.isEmpty
                    == false)
            // Bad input names the parameter: 400 when malformed (groups are not a Qorgan selector),
            // 409 (as DHIS2) for a dimension given twice.
            for (bad, status) in [
                ("/api/analytics?dimension=dx:CONVICTIONS&dimension=pe:2016&dimension=ou:OU_GROUP-abc", 400),
                ("/api/analytics?dimension=dx:CONVICTIONS&dimension=pe:2016&dimension=zz:1", 400),
                ("/api/analytics?dimension=dx:CONVICTIONS&dimension=pe:2016&dimension=ou:AKT&filter=ou:ALA", 409),
                ("/api/analytics?dimension=dx:CONVICTIONS&dimension=pe:2016&dimension=ou:AKT&tableLayout=true", 400),
                (
                    "/api/analytics?dimension=dx:CONVICTIONS&dimension=ou:AKT&startDate=2016-13-01&endDate=2016-12-31",
                    400
                ),
                (
                    "/api/analytics?dimension=dx:CONVICTIONS&dimension=pe:2016&dimension=ou:AKT&displayProperty=SHORT",
                    400
                ),
            ] {
                let r = try await web.send(.get, bad, headers: admin)
                #expect(Int(r.status.code) == status, "\(bad): \(r.status)")
                #expect((r.object["problems"] as? [Any])?.isEmpty == false, "\(bad)")
            }
        }
    }
}
