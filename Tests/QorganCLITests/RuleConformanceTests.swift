import Foundation
import HTTPTypes
import HummingbirdTesting
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganInterop
import QorganServer
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// Every rule of a write, through every surface that writes values: a table of rule × surface,
/// each cell a real request or command against one demo database. A rule that holds on one
/// surface and not on another fails here. The surfaces with a signed-in user run as `almaty`
/// (data entry, Almaty city); the command line acts, with the database in hand, as an
/// administrator of the whole country (it passes expiry, as administrators do, and has no scope).
@Suite(.serialized) struct RuleConformanceTests {
    enum Surface: String, CaseIterable, CustomStringConvertible {
        /// The entry page's cell: a session, its CSRF token, JSON to /api/dataValues (app.js).
        case page
        /// Qorgan's API with HTTP Basic: JSON to /api/dataValues.
        case api
        /// DHIS2's single value: POST /api/dataValues?de=&pe=&ou=&value=.
        case dhis2Value
        case valueSetJSON, valueSetCSV, valueSetADX
        /// The form as a spreadsheet, uploaded back.
        case spreadsheet
        case cliSet, cliImport
        var description: String { rawValue }
        var isCommandLine: Bool { self == .cliSet || self == .cliImport }
    }

    /// One write: a value of a default-combination element.
    struct Write: CustomStringConvertible {
        var form: String
        var element: String
        var unit: String
        var period: String
        var value: String
        var description: String { "\(element) \(unit) \(period) = \(value)" }
    }

    /// A rule, the write that meets it, and what each side must answer: nil where the write is
    /// accepted, else a fragment of the reason every surface must give.
    struct Rule: CustomStringConvertible {
        var name: String
        var write: Write
        var dataEntry: String?
        var commandLine: String?
        /// The command line has no scope: the cell is not applicable (shown so in the table).
        var commandLineApplies = true
        var description: String { name }
    }

    static let rules: [Rule] = [
        Rule(
            name: "open form: accepted",
            write: Write(form: "SECURITY", element: "CONVICTIONS", unit: "ALA", period: "201711", value: "3"),
            dataEntry: nil, commandLine: nil),
        Rule(
            name: "completed form: read-only",
            write: Write(form: "SECURITY", element: "CONVICTIONS", unit: "ALA", period: "201712", value: "7"),
            dataEntry: "marked complete", commandLine: "marked complete"),
        Rule(
            name: "approved form: locked",
            write: Write(form: "SECURITY", element: "CONVICTIONS", unit: "ALA", period: "201703", value: "7"),
            dataEntry: "is approved", commandLine: "is approved"),
        Rule(
            name: "expired form: closed but for administrators",
            write: Write(
                form: "INVOLVEMENT", element: "DRAWN_IN_MARGINALISED", unit: "ALA", period: "2017Q4", value: "9"),
            dataEntry: "closed", commandLine: nil),
        Rule(
            name: "another region: out of scope",
            write: Write(form: "SECURITY", element: "CONVICTIONS", unit: "AKT", period: "201711", value: "4"),
            dataEntry: "outside", commandLine: nil, commandLineApplies: false),
        Rule(
            name: "a value of the wrong type",
            write: Write(form: "SECURITY", element: "CONVICTIONS", unit: "ALA", period: "201711", value: "2.5"),
            dataEntry: "whole number", commandLine: "whole number"),
    ]

    struct Outcome {
        var refused: Bool
        var said: String
    }

    /// The demo with Almaty city's security outcomes of November 2017 opened again (marked
    /// incomplete), and the involvement form closing 30 days after its quarter (the server's today
    /// is 2026-11-29).
    static func database() async throws -> (path: String, state: ServerState) {
        let location = try WebFixture.demo(on: .sqlite)
        let store = try Store(location: location)
        var catalog = try store.catalog()
        let i = try #require(catalog.dataSets.firstIndex { $0.code == "INVOLVEMENT" })
        catalog.dataSets[i].expiryDays = 30
        try store.importMetadata(catalog, user: "test")
        let security = try #require(catalog.dataSet("SECURITY"))
        let almaty = try #require(catalog.unit("ALA"))
        try store.setCompletion(dataSet: security.uid, period: "201711", unit: almaty.uid, complete: false, by: "test")
        let engine = try AnalyticsEngine.open(store: store).0
        var config = ServerConfiguration()
        config.today = Day(year: 2026, month: 11, day: 29)
        return (location.path ?? "", try await ServerState(store: store, engine: engine, configuration: config))
    }

    static func adxPeriod(_ iso: String) throws -> String {
        let p = try Period(iso)
        let length = p.type == .monthly ? "P1M" : p.type == .quarterly ? "P3M" : "P1Y"
        return "\(p.start)/\(length)"
    }

    static let basic = "Basic " + Data("almaty:\(DemoAccounts.password)".utf8).base64EncodedString()

    func attempt(_ surface: Surface, _ w: Write, state: ServerState, database: String) async throws -> Outcome {
        if surface.isCommandLine {
            let cli = CLIRunner()
            let r: CLIRunner.Run
            if surface == .cliSet {
                r = try cli.qorgan(
                    "values", "set", "--element", w.element, "--unit", w.unit, "--period", w.period, "--value",
                    w.value, database: database)
            } else {
                let file = Fixtures.temporaryPath("values.csv")
                try Data(
                    "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n\(w.element),\(w.period),\(w.unit),,,\(w.value)\n"
                        .utf8
                ).write(to: URL(fileURLWithPath: file))
                r = try cli.qorgan("values", "import", file, database: database)
            }
            return Outcome(refused: r.status != 0, said: r.err + r.out)
        }
        return try await withApp(state) { web in
            let basic: HTTPFields = [.authorization: Self.basic]
            let response: TestResponse
            switch surface {
            case .page:
                try await web.signIn("almaty")
                response = try await web.send(
                    .post, "/api/dataValues",
                    json: ["dataElement": w.element, "period": w.period, "orgUnit": w.unit, "value": w.value])
            case .api:
                response = try await web.send(
                    .post, "/api/dataValues",
                    json: ["dataElement": w.element, "period": w.period, "orgUnit": w.unit, "value": w.value],
                    headers: basic)
            case .dhis2Value:
                response = try await web.send(
                    .post, "/api/dataValues?de=\(w.element)&pe=\(w.period)&ou=\(w.unit)&value=\(w.value)",
                    headers: basic)
            case .valueSetJSON:
                response = try await web.send(
                    .post, "/api/dataValueSets",
                    json: [
                        "dataSet": w.form, "period": w.period, "orgUnit": w.unit,
                        "dataValues": [
                            ["dataElement": w.element, "period": w.period, "orgUnit": w.unit, "value": w.value]
                        ],
                    ], headers: basic)
            case .valueSetCSV:
                var headers = basic
                headers[.contentType] = "application/csv"
                response = try await web.send(
                    .post, "/api/dataValueSets",
                    headers: headers,
                    raw: "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n"
                        + "\(w.element),\(w.period),\(w.unit),,,\(w.value)\n")
            case .valueSetADX:
                var headers = basic
                headers[.contentType] = "application/adx+xml"
                response = try await web.send(
                    .post, "/api/dataValueSets", headers: headers,
                    raw: """
                        <adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="\(w.unit)" period="\(try Self.adxPeriod(w.period))" dataSet="\(w.form)">
                        <dataValue dataElement="\(w.element)" value="\(w.value)"/></group></adx>
                        """)
            case .spreadsheet:
                var headers = basic
                headers[.contentType] = "application/octet-stream"
                let sheet = XLSX.Sheet(
                    name: w.form, header: ["Form", w.form, ""],
                    rows: [
                        [.text("Unit"), .text(w.unit)], [.text("Period"), .text(w.period)], [.text("")],
                        [.text("Data element"), .text("Breakdown"), .text("Value"), .text("Previous"), .text("Code")],
                        [.text(w.element), .text(""), .text(w.value), .empty, .text("\(w.element).default")],
                    ])
                response = try await web.send(
                    .post, "/api/dataEntry/form.xlsx", headers: headers, bytes: XLSX.workbook(sheets: [sheet]))
            case .cliSet, .cliImport:
                throw QorganError.invalidArgument("not an HTTP surface")
            }
            let refused = response.status.code >= 400
            return Outcome(refused: refused, said: "\(response.status.code) " + (response.text ?? ""))
        }
    }

    @Test func everyRuleHoldsOnEverySurface() async throws {
        let (database, state) = try await Self.database()
        let store = state.store
        var table: [String] = ["rule | " + Surface.allCases.map(\.rawValue).joined(separator: " | ")]
        var failures: [String] = []
        for rule in Self.rules {
            var row: [String] = []
            for surface in Surface.allCases {
                if surface.isCommandLine && !rule.commandLineApplies {
                    row.append("n/a")
                    continue
                }
                let expected = surface.isCommandLine ? rule.commandLine : rule.dataEntry
                let catalog = try store.catalog()
                let element = try #require(catalog.element(rule.write.element))
                let unit = try #require(catalog.unit(rule.write.unit))
                let key = DataValueKey(
                    element: element.uid, period: try Period(rule.write.period), unit: unit.uid,
                    optionCombo: try #require(catalog.optionCombo("default", of: element)).uid)
                // Each accepted cell writes a value of its own, so that "accepted" means "changed".
                var write = rule.write
                if expected == nil, let n = Int(write.value) {
                    write.value = String(n + 10 * (Surface.allCases.firstIndex(of: surface) ?? 0) + 1)
                }
                let before = try store.value(key)
                let outcome = try await attempt(surface, write, state: state, database: database)
                let after = try store.value(key)
                if let expected {
                    let ok = outcome.refused && outcome.said.contains(expected) && after == before
                    row.append(ok ? "refused" : "ACCEPTED")
                    if !ok {
                        failures.append(
                            "\(rule) × \(surface): expected a refusal naming '\(expected)', got \(outcome.said.prefix(300)); stored before \(before?.value ?? "none"), after \(after?.value ?? "none")"
                        )
                    }
                } else {
                    let ok = !outcome.refused && after?.value == write.value
                    row.append(ok ? "accepted" : "REFUSED")
                    if !ok {
                        failures.append("\(rule) × \(surface): expected it stored, got \(outcome.said.prefix(300))")
                    }
                }
            }
            table.append(rule.name + " | " + row.joined(separator: " | "))
        }
        print(table.joined(separator: "\n"))
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// An administrator's override of a completed form is named (`force`) and logged; anyone else
    /// asking for it is refused; approval has no override.
    @Test func anAdministratorForcesACompletedFormByNameAndItIsLogged() async throws {
        let (database, state) = try await Self.database()
        let catalog = try state.store.catalog()
        let convictions = try #require(catalog.element("CONVICTIONS"))
        let key = DataValueKey(
            element: convictions.uid, period: try Period("201712"), unit: try #require(catalog.unit("ALA")).uid,
            optionCombo: try #require(catalog.optionCombo("default", of: convictions)).uid)
        try await withApp(state) { web in
            let admin: HTTPFields = [
                .authorization: "Basic " + Data("admin:\(DemoAccounts.password)".utf8).base64EncodedString()
            ]
            let body: [String: Any] = [
                "dataElement": "CONVICTIONS", "period": "201712", "orgUnit": "ALA", "value": "17",
            ]
            let plain = try await web.send(.post, "/api/dataValues", json: body, headers: admin)
            #expect(plain.status.code == 409)
            #expect(plain.object["code"] as? String == "form_complete")
            let forced = try await web.send(.post, "/api/dataValues?force=true", json: body, headers: admin)
            #expect(forced.status.code == 201)
            let byAlmaty = try await web.send(
                .post, "/api/dataValues?force=true", json: body, headers: [.authorization: Self.basic])
            #expect(byAlmaty.status.code == 403)
            let approved = try await web.send(
                .post, "/api/dataValues?force=true",
                json: ["dataElement": "CONVICTIONS", "period": "201703", "orgUnit": "ALA", "value": "17"],
                headers: admin)
            #expect(approved.status.code == 409)
            #expect(approved.object["code"] as? String == "form_locked")
        }
        #expect(try state.store.value(key)?.value == "17")
        let log = try state.store.securityEvents(limit: 20)
        #expect(
            log.contains {
                $0.action == "FORCE_COMPLETED_FORM" && $0.actor == "admin" && $0.subject == "SECURITY 201712 ALA"
            })
        // The command line: --force names the override, and it is logged as the system user.
        let cli = CLIRunner()
        let refused = try cli.qorgan(
            "values", "set", "--element", "CONVICTIONS", "--unit", "ALA", "--period", "201712", "--value", "18",
            database: database)
        #expect(refused.status == 1)
        #expect(refused.err.contains("marked complete"))
        let forced = try cli.qorgan(
            "values", "set", "--element", "CONVICTIONS", "--unit", "ALA", "--period", "201712", "--value", "18",
            "--force", database: database)
        #expect(forced.status == 0, "\(forced.err)")
        #expect(try state.store.value(key)?.value == "18")
        #expect(
            try state.store.securityEvents(limit: 20).contains {
                $0.action == "FORCE_COMPLETED_FORM" && $0.actor == "cli-test"
            })
    }

    /// Marking a form incomplete opens it again, on the command line as on the page; an approved
    /// form's completion does not change on any surface.
    @Test func completionOpensAndApprovalLocksEverywhere() async throws {
        let (database, state) = try await Self.database()
        let cli = CLIRunner()
        let open = try cli.qorgan(
            "complete", "--data-set", "SECURITY", "--unit", "ALA", "--period", "201712", "--incomplete",
            database: database)
        #expect(open.status == 0, "\(open.err)")
        let set = try cli.qorgan(
            "values", "set", "--element", "CONVICTIONS", "--unit", "ALA", "--period", "201712", "--value", "19",
            database: database)
        #expect(set.status == 0, "\(set.err)")
        let again = try cli.qorgan(
            "complete", "--data-set", "SECURITY", "--unit", "ALA", "--period", "201712", database: database)
        #expect(again.status == 0, "\(again.err)")
        #expect(
            try cli.qorgan(
                "values", "set", "--element", "CONVICTIONS", "--unit", "ALA", "--period", "201712", "--value", "20",
                database: database
            ).status == 1)
        let approvedCLI = try cli.qorgan(
            "complete", "--data-set", "SECURITY", "--unit", "ALA", "--period", "201703", "--incomplete",
            database: database)
        #expect(approvedCLI.status == 1)
        #expect(approvedCLI.err.contains("is approved"))
        try await withApp(state) { web in
            let r = try await web.send(
                .post, "/api/completions",
                json: ["dataSet": "SECURITY", "period": "201703", "orgUnit": "ALA", "completed": false],
                headers: [.authorization: Self.basic])
            #expect(r.status.code == 409)
            #expect(r.object["code"] as? String == "form_locked")
        }
    }
}
