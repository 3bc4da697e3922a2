import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QorganCore
import QorganServer
import QorganStore
import QorganWebTestSupport
import Testing

/// The OpenAPI document describes exactly what the server does: the same routes, and every
/// operation, when called, answers with a status the document lists for it.
@Suite struct OpenAPITests {
    func document() throws -> [String: Any] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Sources/QorganServer/Resources/openapi.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func operations(_ doc: [String: Any]) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for (path, item) in doc["paths"] as! [String: [String: Any]] {
            for (method, op) in item { out["\(method.uppercased()) \(path)"] = op as? [String: Any] }
        }
        return out
    }

    @Test func theDocumentAndTheRouterHaveTheSameRoutes() async throws {
        let doc = try document()
        #expect(doc["openapi"] as? String == "3.1.0")
        let router = buildRouter(try await WebFixture.state())
        let served = Set(
            router.routes.map { route -> String in
                let path = route.path.description.split(separator: "/").map {
                    $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
                }
                return "\(route.method.rawValue) /" + path.joined(separator: "/")
            }.filter { $0.contains(" /api") || $0.hasSuffix(" /health") || $0.hasSuffix(" /metrics") })
        let documented = Set(operations(doc).keys)
        #expect(served.count > 20)
        #expect(
            served.subtracting(documented).isEmpty,
            "served but not documented: \(served.subtracting(documented).sorted())")
        #expect(
            documented.subtracting(served).isEmpty,
            "documented but not served: \(documented.subtracting(served).sorted())")
    }

    static func calls(_ store: Store) throws -> [String: (uri: String, body: String?)] {
        let mass = try #require(try store.sites(category: "MASS").first).site.uid
        let config = String(decoding: try JSONEncoder().encode(try store.siteConfiguration()), as: UTF8.self)
        let framework = String(
            decoding: try JSONEncoder().encode(try #require(try store.resultsFramework())), as: UTF8.self)
        let checklist = try #require(try store.instrument(code: "OFFICE_READINESS", version: 1))
        let answers = checklist.items.map { #"{"item": "\#($0.code)", "answer": "\#($0.scale.answers[0])"}"# }.joined(
            separator: ", ")
        let favourite = try store.saveFavourite(
            SavedPivot(
                name: "Drawn in", owner: "admin", shared: false, dx: ["IND_DRAWN_IN"], from: 2013, to: 2017,
                periodType: "Yearly", unit: nil, children: false, rows: "ou", columns: "pe", chart: "bar"),
            user: "admin")
        let dashboard = try store.saveDashboard(
            SavedDashboard(name: "Mine", owner: "admin", shared: false, items: [favourite]), user: "admin")
        let assessment =
            #"{"unit": "AKT", "date": "2017-12-01", "instrument": "OFFICE_READINESS", "version": 1, "assessorRole": "inspector", "scores": [\#(answers)]}"#
        return [
            "GET /health": ("/health", nil), "GET /metrics": ("/metrics", nil),
            "GET /api/openapi.json": ("/api/openapi.json", nil),
            "GET /api/me": ("/api/me", nil),
            "GET /api/public/analytics": (
                "/api/public/analytics?dimension=dx:IND_DRAWN_IN&dimension=pe:2016&dimension=ou:LEVEL-2", nil
            ),
            "GET /api/public/metadata": ("/api/public/metadata?lang=kk", nil),
            "GET /api/publication": ("/api/publication", nil),
            "PUT /api/publication": (
                "/api/publication",
                #"{"indicators": ["IND_DRAWN_IN"], "levels": [1, 2], "fromYear": 2013, "toYear": 2017, "threshold": 5}"#
            ),
            "GET /api/organisationUnits": ("/api/organisationUnits?level=2", nil),
            "GET /api/organisationUnits/{id}": ("/api/organisationUnits/AKT", nil),
            "GET /api/dataElements": ("/api/dataElements", nil),
            "GET /api/dataElements/{id}": ("/api/dataElements/DRAWN_IN", nil),
            "GET /api/dataSets": ("/api/dataSets", nil), "GET /api/dataSets/{id}": ("/api/dataSets/SECURITY", nil),
            "GET /api/indicators": ("/api/indicators", nil),
            "GET /api/indicators/{id}": ("/api/indicators/IND_READINESS", nil),
            "GET /api/dataValues": ("/api/dataValues?de=READINESS_PCT&pe=2017&ou=AKT", nil),
            "POST /api/dataValues": (
                "/api/dataValues",
                #"{"dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "AKT", "value": "1"}"#
            ),
            "DELETE /api/dataValues": ("/api/dataValues?de=CONVICTIONS&pe=201712&ou=AKT", nil),
            "GET /api/dataValueSets": ("/api/dataValueSets?dataSet=SECURITY&period=201606&orgUnit=AKT", nil),
            "GET /api/system/info": ("/api/system/info", nil),
            "GET /api/organisationUnitLevels": ("/api/organisationUnitLevels?fields=id,level", nil),
            "GET /api/organisationUnitLevels/{id}": (
                "/api/organisationUnitLevels/\(Uid.stable("organisationUnitLevel:1"))", nil
            ),
            "GET /api/categoryCombos": ("/api/categoryCombos?paging=false", nil),
            "GET /api/categoryCombos/{id}": ("/api/categoryCombos/default", nil),
            "GET /api/categoryOptionCombos": ("/api/categoryOptionCombos?filter=code:eq:default", nil),
            "GET /api/categoryOptionCombos/{id}": ("/api/categoryOptionCombos/default", nil),
            "POST /api/dataValueSets": (
                "/api/dataValueSets?dryRun=true",
                #"{"dataValues": [{"dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "AKT", "value": "2"}]}"#
            ),
            "POST /api/completions": (
                "/api/completions", #"{"dataSet": "SECURITY", "period": "201801", "orgUnit": "AKT"}"#
            ),
            "GET /api/audits/dataValue": ("/api/audits/dataValue?de=READINESS_PCT&pe=2017&ou=AKT", nil),
            "GET /api/validation": ("/api/validation?pe=2017&ou=KZ", nil),
            "GET /api/validation/dataSet/{ds}": ("/api/validation/dataSet/INVOLVEMENT?pe=2017Q1&ou=AST", nil),
            "GET /api/validationRules": ("/api/validationRules", nil),
            "GET /api/completeness": ("/api/completeness?dataSet=SECURITY&pe=2017&ou=KZ", nil),
            "GET /api/notifications": ("/api/notifications", nil),
            "GET /api/outlierDetection": ("/api/outlierDetection?pe=2017&ou=KZ&maxResults=5", nil),
            "GET /api/outlierDetection/check": (
                "/api/outlierDetection/check?de=CONVICTIONS&pe=201711&ou=AKT&value=40", nil
            ),
            "GET /api/dataEntry/form.xlsx": ("/api/dataEntry/form.xlsx?ds=SECURITY&ou=AKT&pe=201711", nil),
            // (The body is the workbook the GET gives; see below.)
            "POST /api/dataEntry/form.xlsx": ("/api/dataEntry/form.xlsx", nil),
            "PUT /api/dataValues/followup": (
                "/api/dataValues/followup",
                #"{"dataElement": "READINESS_PCT", "period": "2017", "orgUnit": "AKT", "followup": true}"#
            ),
            "POST /api/minMaxValues": (
                "/api/minMaxValues",
                #"{"dataElement": "CONVICTIONS", "orgUnit": "AKT", "minValue": 0, "maxValue": 5}"#
            ),
            "POST /api/minMaxValues/generate": (
                "/api/minMaxValues/generate", #"{"dataSet": "SECURITY", "orgUnit": "AKT"}"#
            ),
            "GET /api/dataApprovals": ("/api/dataApprovals?ds=SECURITY&pe=201711&ou=AKT", nil),
            "GET /api/dataApprovals/approvals": ("/api/dataApprovals/approvals?ds=SECURITY&pe=2017&ou=AKT", nil),
            "GET /api/visualizations": ("/api/visualizations", nil),
            "GET /api/visualizations/{id}": ("/api/visualizations/\(favourite)", nil),
            "GET /api/dashboards": ("/api/dashboards", nil),
            "GET /api/dashboards/{id}": ("/api/dashboards/\(dashboard)", nil),
            "GET /api/interpretations": ("/api/interpretations?visualization=\(favourite)", nil),
            "GET /api/expressions/description": (
                "/api/expressions/description?expression=%23%7BPREV_EVENTS%7D%2F2&ou=AKT&pe=2017", nil
            ),
            "POST /api/dataApprovals": (
                "/api/dataApprovals",
                #"{"dataSet": "SECURITY", "period": "201711", "orgUnit": "AKT", "action": "approve"}"#
            ),
            "GET /api/validationRules/{id}": ("/api/validationRules/MARGINALISED_WITHIN_DRAWN_IN", nil),
            "GET /api/analytics": ("/api/analytics?dx=IND_READINESS&pe=2015;2017&ou=LEVEL-2", nil),
            "GET /api/incidents": ("/api/incidents?from=2016&to=2016&ou=KZ&outcome=completed", nil),
            "GET /api/incidents/codes": ("/api/incidents/codes", nil),
            "POST /api/incidents": (
                "/api/incidents",
                #"{"date": "2017-11", "unit": "MAN", "outcome": "foiled", "attackType": 3, "targetType": 3, "weaponType": 6}"#
            ),
            "GET /api/incidents/{uid}": ("/api/incidents/\(Uid.stable("demo:incident:1"))", nil),
            "PUT /api/incidents/{uid}": (
                "/api/incidents/\(Uid.stable("demo:incident:1"))",
                #"{"date": "2016-06-05", "unit": "AKT_AKTOBE", "outcome": "completed", "attackType": 2, "targetType": 4, "weaponType": 5, "killed": null}"#
            ),
            "DELETE /api/incidents/{uid}": ("/api/incidents/\(Uid.stable("demo:incident:2"))", nil),
            "GET /api/readiness/instruments": ("/api/readiness/instruments", nil),
            "POST /api/readiness/instruments": (
                "/api/readiness/instruments",
                #"{"code": "NEW", "version": 1, "name": "New", "sections": [{"code": "S", "name": "S", "items": [{"code": "I", "text": "An item", "weight": 1, "scale": "yes-no"}]}]}"#
            ),
            "POST /api/readiness/instruments/{code}/derive": (
                "/api/readiness/instruments/OFFICE_READINESS/derive", nil
            ),
            "GET /api/readiness/assessments": ("/api/readiness/assessments?ou=AKT&year=2017", nil),
            "POST /api/readiness/assessments": ("/api/readiness/assessments", assessment),
            "GET /api/readiness/assessments/{uid}": (
                "/api/readiness/assessments/\(Uid.stable("demo:assessment:1"))", nil
            ),
            "DELETE /api/readiness/assessments/{uid}": (
                "/api/readiness/assessments/\(Uid.stable("demo:assessment:2"))", nil
            ),
            "GET /api/readiness/gaps": ("/api/readiness/gaps?before=2015&after=2017", nil),
            "GET /api/sites": ("/api/sites?ou=AKT&category=MASS", nil),
            "POST /api/sites": (
                "/api/sites",
                #"{"name": "Hall", "category": "MASS", "unit": "AKT", "peakOccupancy": 900, "responsibleRole": "manager", "registered": "2017-01-01"}"#
            ),
            "GET /api/sites/flags": ("/api/sites/flags?on=2017-12-31&ou=AKT", nil),
            "GET /api/sites/config": ("/api/sites/config", nil),
            "PUT /api/sites/config": ("/api/sites/config", config),
            "GET /api/sites/{uid}": ("/api/sites/\(Uid.stable("demo:site:1"))", nil),
            "PUT /api/sites/{uid}": (
                "/api/sites/\(Uid.stable("demo:site:1"))",
                #"{"name": "Renamed", "category": "MASS", "unit": "AST", "peakOccupancy": 900, "responsibleRole": "manager", "registered": "2013-01-01"}"#
            ),
            "DELETE /api/sites/{uid}": ("/api/sites/\(Uid.stable("demo:site:2"))", nil),
            "POST /api/sites/{uid}/inspections": (
                "/api/sites/\(mass)/inspections",
                #"{"date": "2017-12-01", "kind": "planned", "findings": {"ACCESS": "in-place", "CCTV": "in-place", "ALARM": "partial", "GUARDS": "in-place", "EVACUATION": "in-place", "INVACUATION": "in-place", "LOCKDOWN": "in-place", "COMMS": "in-place", "EXERCISES": "missing"}}"#
            ),
            "GET /api/report": ("/api/report?pe=2013..2017&ou=KZ&lang=ru&edition=public", nil),
            "GET /api/framework": ("/api/framework", nil),
            "PUT /api/framework": ("/api/framework", framework),
            "GET /api/users": ("/api/users", nil),
            "POST /api/users": (
                "/api/users",
                #"{"username": "newcomer", "password": "a long password", "role": "viewer", "units": ["AKT"]}"#
            ),
            "PATCH /api/users/{username}": ("/api/users/newcomer", #"{"language": "kk"}"#),
            "POST /api/metadata": (
                "/api/metadata",
                #"{"organisationUnits": [{"code": "AKT_NEW", "name": "New office", "openingDate": "2025-01-01", "parent": {"id": "AKT"}}]}"#
            ),
            "POST /api/organisationUnits": (
                "/api/organisationUnits",
                #"{"code": "AKT_OTHER", "name": "Other office", "openingDate": "2025-01-01", "parent": {"id": "AKT"}}"#
            ),
            "PUT /api/organisationUnits/{id}": (
                "/api/organisationUnits/AKT_OTHER",
                #"{"code": "AKT_OTHER", "name": "Other office, renamed", "openingDate": "2025-01-01", "parent": {"id": "AKT"}}"#
            ),
            "POST /api/dataElements": (
                "/api/dataElements", #"{"code": "NEW_COUNT", "name": "A new count", "valueType": "INTEGER"}"#
            ),
            "PATCH /api/organisationUnits/{id}": (
                "/api/organisationUnits/AKT_OTHER",
                #"[{"op": "replace", "path": "/name", "value": "Other office, patched"}]"#
            ),
            "PATCH /api/dataElements/{id}": (
                "/api/dataElements/NEW_COUNT", #"[{"op": "replace", "path": "/name", "value": "A new count, patched"}]"#
            ),
            "PUT /api/dataElements/{id}": (
                "/api/dataElements/NEW_COUNT",
                #"{"code": "NEW_COUNT", "name": "A new count, renamed", "valueType": "INTEGER"}"#
            ),
            "GET /api/tokens": ("/api/tokens", nil), "POST /api/tokens": ("/api/tokens", #"{"name": "check"}"#),
            "DELETE /api/tokens/{id}": ("/api/tokens/1", nil),
        ]
    }

    /// One real call per operation, as an administrator, and without credentials.
    @Test func everyOperationAnswersWithADocumentedStatus() async throws {
        let state = try await WebFixture.state(reopened: [("SECURITY", "201712", "AKT")])
        let token = Secrets.randomToken(prefix: "qgn_")
        _ = try state.store.createToken(
            tokenHash: Secrets.sha256(token), username: "admin", name: "openapi", by: "test")
        let doc = try JSONSerialization.data(withJSONObject: try document())
        try await withApp(state) { web in
            let ops = operations(try JSONSerialization.jsonObject(with: doc) as! [String: Any])
            let calls = try Self.calls(state.store)
            #expect(Set(calls.keys) == Set(ops.keys))
            var anonymous = web
            web.bearer = token
            // Reads, then creations, then changes, then deletions: each finds what the one before made.
            let rank = ["GET": 0, "POST": 1, "PATCH": 2, "PUT": 2, "DELETE": 3]
            func order(_ k: String) -> Int { rank[String(k.split(separator: " ")[0])] ?? 4 }
            for key in calls.keys.sorted(by: { order($0) == order($1) ? $0 < $1 : order($0) < order($1) }) {
                let (uri, body) = calls[key]!
                let method = HTTPRequest.Method(rawValue: String(key.split(separator: " ")[0]))!
                let documented = Set(((ops[key]!["responses"] as? [String: Any]) ?? [:]).keys)
                let json = try body.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) }
                // A spreadsheet goes up as it came down.
                let workbook =
                    key == "POST /api/dataEntry/form.xlsx"
                    ? Data(
                        buffer: try await web.send(.get, "/api/dataEntry/form.xlsx?ds=SECURITY&ou=AKT&pe=201711").body)
                    : nil
                let r = try await web.send(method, uri, json: json, bytes: workbook)
                #expect(
                    documented.contains(String(r.status.code)),
                    "\(key) answered \(r.status.code); documented: \(documented.sorted())")
                #expect(
                    r.status.code < 300,
                    "\(key) as an administrator: \(r.status.code) \(String((r.text ?? "").prefix(300)))")
                let secured = (ops[key]!["security"] as? [Any]).map { !$0.isEmpty } ?? true
                if secured {
                    let a = try await anonymous.send(method, uri, json: json, bytes: workbook)
                    #expect(
                        a.status == .unauthorized && documented.contains("401"),
                        "\(key) without credentials: \(a.status.code)")
                }
            }
        }
    }
}
