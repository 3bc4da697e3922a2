import Foundation
import HTTPTypes
import QorganAnalytics
import QorganCore
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

@testable import QorganServer

/// Maintenance in the browser: every change a document on the one metadata write path, so a page
/// is held to exactly the checks and the rights of an import and of DHIS2's routes.
@Suite struct MaintenancePageTests {
    /// The value of an `<option>` whose label (after the indent) is `label`.
    static func option(_ label: String, in html: String) -> String? {
        let pattern =
            #"<option value="([^"]+)"[^>]*>[^<A-Za-z]*"# + NSRegularExpression.escapedPattern(for: label) + "<"
        guard let re = try? NSRegularExpression(pattern: pattern),
            let m = re.firstMatch(in: html, range: NSRange(html.startIndex..., in: html)),
            let r = Range(m.range(at: 1), in: html)
        else { return nil }
        return String(html[r])
    }

    static func summary(_ html: String) -> [String] {
        guard let re = try? NSRegularExpression(pattern: ##"<li><a href="#maintain-[^"]+">([^<]*)</a>"##) else {
            return []
        }
        return re.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap {
            Range($0.range(at: 1), in: html).map { String(html[$0]) }
        }
    }

    /// A new administrator's week: an element added to a form, a field office added (previewed
    /// first: nothing changes), the office moved to another region from a date with the figures
    /// that move listed, an indicator over the element, and the history's way back.
    @Test(arguments: TestBackend.allCases)
    func aNationalAdministratorMaintainsTheProgrammeInTheBrowser(on backend: TestBackend) async throws {
        let state = try await WebFixture.state(on: backend)
        let before = try state.store.catalog()
        try await withApp(state) { web in
            _ = try await web.signIn("admin")
            _ = try await web.send(.get, "/metadata/elements/new")
            let element = try await web.send(
                .post, "/metadata/elements/new",
                form: [
                    ("_csrf", web.csrf ?? ""), ("code", "HOME_VISITS"), ("name", "Preventive home visits"),
                    ("name_ru", "Профилактические визиты"), ("name_kk", ""), ("valueType", "INTEGER_ZERO_OR_POSITIVE"),
                    ("aggregationType", "SUM"), ("categoryCombo", ""), ("forms", "PREVENTION"), ("intent", "save"),
                ])
            #expect(element.status == .seeOther, "\(Self.summary(element.text ?? ""))")
            var catalog = try state.store.catalog()
            let visits = try #require(catalog.element("HOME_VISITS"))
            #expect(catalog.dataSet("PREVENTION")?.dataElements.last == visits.uid)

            let page = try await web.send(.get, "/metadata/units/new?parent=AKT")
            #expect(page.status == .ok)
            let akt = try #require(Self.option("Aktobe region", in: page.text ?? ""))
            var office: [(String, String)] = [
                ("_csrf", web.csrf ?? ""), ("code", "AKT_SHALKAR"), ("name", "Shalkar field office"),
                ("name_ru", "Шалкарский отдел"), ("name_kk", "Шалқар бөлімшесі"), ("parent", akt),
                ("openingDate", "2016-01-01"), ("closingDate", ""), ("forms", "PREVENTION"), ("intent", "preview"),
            ]
            let preview = try await web.send(.post, "/metadata/units/new", form: office)
            #expect(preview.status == .ok)
            #expect(preview.text?.contains("Organisation unit AKT_SHALKAR — created") == true)
            #expect(preview.text?.contains("+ Shalkar field office") == true, "the form gains the office")
            catalog = try state.store.catalog()
            #expect(catalog.unit("AKT_SHALKAR") == nil, "a preview changes nothing")

            office[office.count - 1] = ("intent", "save")
            let saved = try await web.send(.post, "/metadata/units/new", form: office)
            #expect(saved.status == .seeOther)
            #expect(saved.headers[.location] == "/metadata/units/AKT_SHALKAR?saved=1")
            catalog = try state.store.catalog()
            let shalkar = try #require(catalog.unit("AKT_SHALKAR"))
            #expect(shalkar.translations?["kk"] == "Шалқар бөлімшесі")
            #expect(catalog.unit(shalkar.parent(on: state.today) ?? "")?.code == "AKT")
            #expect(catalog.dataSet("PREVENTION").map { catalog.assigns($0, to: shalkar.uid) } == true)

            // Its figures, entered through the API, then the move from 2017 with its preview.
            let value = try await web.send(
                .post, "/api/dataValues",
                json: ["dataElement": "HOME_VISITS", "period": "201703", "orgUnit": "AKT_SHALKAR", "value": "14"])
            #expect(value.status.code < 300, "\(value.text ?? "")")
            let edit = try await web.send(.get, "/metadata/units/AKT_SHALKAR")
            let ala = try #require(Self.option("Almaty city", in: edit.text ?? ""))
            var move: [(String, String)] = [
                ("_csrf", web.csrf ?? ""), ("name", "Shalkar field office"), ("name_ru", "Шалкарский отдел"),
                ("name_kk", "Шалқар бөлімшесі"), ("parent", ala), ("moveFrom", "2017-01-01"),
                ("openingDate", "2016-01-01"), ("closingDate", ""), ("forms", "PREVENTION"), ("intent", "preview"),
            ]
            let movePreview = try await web.send(.post, "/metadata/units/AKT_SHALKAR", form: move)
            let text = movePreview.text ?? ""
            #expect(text.contains("Aktobe region → Republic of Kazakhstan › Almaty city"))
            #expect(text.contains("Values that move: 1."))
            #expect(
                text.contains(
                    "<td>Preventive home visits</td><td>2017</td><td class=\"num\">1</td><td class=\"num\">14</td>"))
            #expect(try state.store.catalog().unit("AKT_SHALKAR") == shalkar, "a preview changes nothing")
            move[move.count - 1] = ("intent", "save")
            #expect(try await web.send(.post, "/metadata/units/AKT_SHALKAR", form: move).status == .seeOther)
            catalog = try state.store.catalog()
            let moved = try #require(catalog.unit("AKT_SHALKAR"))
            #expect(catalog.unit(moved.parent(on: Day.firstOfMonth(2016, 6)) ?? "")?.code == "AKT")
            #expect(catalog.unit(moved.parent(on: Day.firstOfMonth(2017, 6)) ?? "")?.code == "ALA")

            // An indicator over the element, its expressions checked as an import checks them.
            var indicator: [(String, String)] = [
                ("_csrf", web.csrf ?? ""), ("code", "IND_VISITS"), ("name", "Home visits, per cent of two"),
                ("name_ru", ""), ("name_kk", ""), ("numerator", "#{HOME_VISITS}"), ("denominator", "#{NO_SUCH}"),
                ("factor", "100"), ("decimals", "1"), ("target", ""), ("checkUnit", shalkar.uid),
                ("checkYear", "2017"), ("intent", "save"),
            ]
            let refused = try await web.send(.post, "/metadata/indicators/new", form: indicator)
            #expect(refused.status == .badRequest)
            #expect(Self.summary(refused.text ?? "") == ["The expression is not valid at position 1"])
            #expect(try state.store.catalog().indicator("IND_VISITS") == nil)
            indicator[6] = ("denominator", "2")
            indicator[indicator.count - 1] = ("intent", "preview")
            let checked = try await web.send(.post, "/metadata/indicators/new", form: indicator)
            #expect(
                checked.text?.contains("The indicator for Shalkar field office, 2017: <strong>700.0</strong>") == true,
                "\(checked.text ?? "")")
            indicator[indicator.count - 1] = ("intent", "save")
            #expect(try await web.send(.post, "/metadata/indicators/new", form: indicator).status == .seeOther)
            // The engine follows the commit: the new indicator answers at once, in the new region.
            let answer = try await web.send(
                .get, "/api/analytics.json?dimension=dx:IND_VISITS&dimension=pe:2017&dimension=ou:ALA")
            let rows = answer.object["rows"] as? [[String]] ?? []
            #expect(rows.first.flatMap { Double($0.last ?? "") } == 700, "\(answer.text ?? "")")

            // The history lists each change; restoring the first version undoes the move.
            let history = try state.store.metadataHistory(kind: "organisationUnit", uid: shalkar.uid)
            #expect(history.map(\.action) == ["UPDATED", "CREATED"])
            let undo = try await web.send(
                .post, "/metadata/history/\(history[1].id)/restore", form: [("_csrf", web.csrf ?? "")])
            #expect(undo.headers[.location] == "/metadata/units/AKT_SHALKAR?saved=restored")
            catalog = try state.store.catalog()
            let restored = try #require(catalog.unit("AKT_SHALKAR"))
            #expect(catalog.unit(restored.parent(on: Day.firstOfMonth(2017, 6)) ?? "")?.code == "AKT")
            #expect(try state.store.metadataHistory(kind: "organisationUnit", uid: shalkar.uid).count == 3)
            #expect(catalog.dataElements.count == before.dataElements.count + 1)
        }
    }

    /// The import page: a dry run shows the change field by field and changes nothing; a bad
    /// document is named and changes nothing; the same document applied reports what it did.
    @Test func theImportPageShowsADryRunDiffBeforeApplying() async throws {
        let state = try await WebFixture.state()
        let before = try state.store.catalog()
        let name = try #require(before.element("PREV_EVENTS")?.name)
        let document =
            #"{"dataElements": [{"code": "PREV_EVENTS", "name": "Preventive events (all channels)", "valueType": "INTEGER_ZERO_OR_POSITIVE", "aggregationType": "SUM", "categoryCombo": "\#(before.element("PREV_EVENTS")?.categoryCombo ?? "")"}]}"#
        try await withApp(state) { web in
            _ = try await web.signIn("admin")
            _ = try await web.send(.get, "/metadata/import")
            let dry = try await web.send(
                .post, "/metadata/import",
                form: [("_csrf", web.csrf ?? ""), ("document", document), ("intent", "preview")])
            #expect(dry.status == .ok)
            #expect(
                dry.text?.contains(
                    "<th scope=\"row\">Name (English)</th><td class=\"typed\">\(name)</td><td class=\"typed\">Preventive events (all channels)</td>"
                ) == true)
            #expect(try state.store.catalog() == before)
            for (bad, says) in [
                ("{not json", "not valid JSON"),
                (#"{"dataElements": [{"code": "X", "name": "X", "valueType": "MONEY"}]}"#, "MONEY"),
                ("", "Paste or choose a metadata document"),
            ] {
                let r = try await web.send(
                    .post, "/metadata/import", form: [("_csrf", web.csrf ?? ""), ("document", bad), ("intent", "save")])
                #expect(r.status == .badRequest)
                #expect(Self.summary(r.text ?? "").first?.contains(says) == true, "\(Self.summary(r.text ?? ""))")
            }
            #expect(try state.store.catalog() == before)
            let applied = try await web.send(
                .post, "/metadata/import",
                form: [("_csrf", web.csrf ?? ""), ("document", document), ("intent", "save")])
            #expect(applied.text?.contains("Applied: created 0, changed 1, unchanged 0.") == true)
            #expect(try state.store.catalog().element("PREV_EVENTS")?.name == "Preventive events (all channels)")
        }
    }

    /// Who may change what, one rule on every surface: the page, DHIS2's `/api/metadata` and
    /// DHIS2's object route; a refusal changes nothing anywhere.
    @Test(arguments: [
        // (user, unit code, parent code, accepted)
        ("aktobe-admin", "AKT_NEW", "AKT", true),
        ("aktobe-admin", "ALA_NEW", "ALA", false),
        ("analyst", "AKT_NEW", "AKT", false),
        ("admin", "ALA_NEW", "ALA", true),
    ])
    func aUnitIsWrittenByWhoMayOnEverySurface(user: String, code: String, parent: String, accepted: Bool)
        async throws
    {
        for surface in ["page", "dhis2Metadata", "dhis2Object"] {
            let state = try await WebFixture.state()
            let before = try state.store.catalog()
            let parentUid = try #require(before.unit(parent)?.uid)
            let status = try await withApp(state) { web -> Int in
                _ = try await web.signIn(user)
                let object: [String: Any] = [
                    "code": code, "name": "New office", "openingDate": "2026-01-01", "parent": ["id": parentUid],
                ]
                switch surface {
                case "page":
                    _ = try await web.send(.get, "/metadata")
                    let r = try await web.send(
                        .post, "/metadata/units/new",
                        form: [
                            ("_csrf", web.csrf ?? ""), ("code", code), ("name", "New office"), ("parent", parentUid),
                            ("openingDate", "2026-01-01"), ("intent", "save"),
                        ])
                    return Int(r.status.code)
                case "dhis2Metadata":
                    return Int(
                        try await web.send(.post, "/api/metadata", json: ["organisationUnits": [object]]).status.code)
                default:
                    return Int(try await web.send(.post, "/api/organisationUnits", json: object).status.code)
                }
            }
            let after = try state.store.catalog()
            if accepted {
                #expect([200, 201, 303].contains(status), "\(user) on \(surface)")
                #expect(after.unit(code).flatMap { after.unit($0.parent(on: state.today) ?? "") }?.code == parent)
            } else {
                #expect([400, 403].contains(status), "\(user) on \(surface): \(status)")
                #expect(after == before, "\(user) on \(surface) changed nothing")
            }
        }
    }

    /// A region's administrator keeps to their units: not their own root, not national objects,
    /// not another region's page; the forms their units report are theirs to say.
    @Test func aRegionalAdministratorChangesOnlyTheUnitsBelowTheirs() async throws {
        let state = try await WebFixture.state()
        let before = try state.store.catalog()
        try await withApp(state) { web in
            _ = try await web.signIn("aktobe-admin")
            let page = try await web.send(.get, "/metadata")
            #expect(page.text?.contains("id=\"add-unit\"") == true)
            #expect(page.text?.contains("id=\"add-element\"") == false, "national objects are not offered")
            #expect(try await web.send(.get, "/metadata/units/ALA").status == .notFound)
            let root = try await web.send(.get, "/metadata/units/AKT")
            let kz = try #require(Self.option("Republic of Kazakhstan", in: root.text ?? ""))
            let renamed = try await web.send(
                .post, "/metadata/units/AKT",
                form: [
                    ("_csrf", web.csrf ?? ""), ("name", "Aktobe!"), ("parent", kz), ("moveFrom", "2026-11-29"),
                    ("openingDate", before.unit("AKT")?.openingDate.description ?? ""), ("intent", "save"),
                ]
                    + before.dataSets.filter { before.assigns($0, to: before.unit("AKT")?.uid ?? "") }.map {
                        ("forms", $0.code)
                    })
            #expect(renamed.status == .badRequest)
            #expect(
                Self.summary(renamed.text ?? "")
                    == ["The name and place of your own unit are changed by the country&#39;s administrators"])
            let element = try await web.send(
                .post, "/metadata/elements/new",
                form: [
                    ("_csrf", web.csrf ?? ""), ("code", "RX"), ("name", "RX"), ("valueType", "NUMBER"),
                    ("aggregationType", "SUM"), ("categoryCombo", ""), ("intent", "save"),
                ])
            #expect(
                Self.summary(element.text ?? "")
                    == ["Only an administrator of the whole country changes data elements, forms and indicators"])
            // A district of theirs stops reporting a form: theirs to say.
            let khromtau = try #require(before.unit("AKT_KHROMTAU"))
            let forms = before.dataSets.filter { before.assigns($0, to: khromtau.uid) }.map(\.code)
            let kept = forms.dropFirst().map { ("forms", $0) }
            let dropped = try await web.send(
                .post, "/metadata/units/AKT_KHROMTAU",
                form: [
                    ("_csrf", web.csrf ?? ""), ("name", khromtau.name), ("name_ru", khromtau.translations?["ru"] ?? ""),
                    ("name_kk", khromtau.translations?["kk"] ?? ""), ("parent", before.unit("AKT")?.uid ?? ""),
                    ("moveFrom", "2026-11-29"), ("openingDate", khromtau.openingDate.description), ("intent", "save"),
                ] + kept)
            #expect(dropped.status == .seeOther, "\(Self.summary(dropped.text ?? ""))")
            let after = try state.store.catalog()
            #expect(after.dataSet(forms[0]).map { after.assigns($0, to: khromtau.uid) } == false)
            #expect(after.unit("AKT")?.name == before.unit("AKT")?.name)
        }
    }

    /// A validation rule written in the browser: both sides checked, then the rule holds at once
    /// (the form's check reports it), and its history offers the way back.
    @Test func aValidationRuleIsWrittenInTheBrowserAndHoldsAtOnce() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            _ = try await web.signIn("admin")
            let check = "/api/validation/dataSet/SECURITY?pe=201711&ou=AKT"
            let before = (try await web.send(.get, check).object["validationRuleViolations"] as? [Any])?.count ?? -1
            _ = try await web.send(.get, "/metadata/rules/new")
            var rule: [(String, String)] = [
                ("_csrf", web.csrf ?? ""), ("code", "CONVICTIONS_NONE"), ("name", "No conviction is expected"),
                ("name_ru", ""), ("name_kk", ""), ("importance", "LOW"), ("left", "#{CONVICTIONS} + #{NOPE}"),
                ("leftMissing", "NEVER_SKIP"), ("operator", "less_than_or_equal_to"), ("right", "-1"),
                ("rightMissing", "NEVER_SKIP"), ("periodType", "Monthly"), ("instruction", "Check the court records."),
                ("intent", "save"),
            ]
            let refused = try await web.send(.post, "/metadata/rules/new", form: rule)
            #expect(refused.status == .badRequest)
            #expect(Self.summary(refused.text ?? "") == ["The expression is not valid at position 18"])
            #expect(try state.store.catalog().validationRule("CONVICTIONS_NONE") == nil)
            rule[6] = ("left", "#{CONVICTIONS}")
            let saved = try await web.send(.post, "/metadata/rules/new", form: rule)
            #expect(saved.headers[.location] == "/metadata/rules/CONVICTIONS_NONE?saved=1", "\(saved.text ?? "")")
            let stored = try #require(try state.store.catalog().validationRule("CONVICTIONS_NONE"))
            #expect(stored.importance == .low && stored.instruction == "Check the court records.")
            let after = try await web.send(.get, check)
            let list = after.object["validationRuleViolations"] as? [[String: Any]] ?? []
            #expect(list.count == before + 1, "the new rule is broken where convictions were counted")
            let history = try state.store.metadataHistory(kind: "validationRule", uid: stored.uid)
            #expect(history.map(\.action) == ["CREATED"])
            let page = try await web.send(.get, "/metadata")
            #expect(page.text?.contains("href=\"/metadata/rules/CONVICTIONS_NONE\"") == true)
        }
    }

    /// The portal's settings in the browser: previewed, checked as PUT /api/publication checks
    /// them, saved, and put back from the history; national administrators only.
    @Test func thePublicationIsSetInTheBrowser() async throws {
        let state = try await WebFixture.state()
        let before = try state.store.publication()
        try await withApp(state) { web in
            _ = try await web.signIn("admin")
            let page = try await web.send(.get, "/metadata/publication")
            #expect(page.status == .ok)
            let catalog = try state.store.catalog()
            let codes: [String] = before.indicators.compactMap { catalog.indicator($0)?.code }
            var form: [(String, String)] = [("_csrf", web.csrf ?? "")]
            form += codes.map { ("indicators", $0) }
            form += before.levels.map { ("levels", String($0)) }
            let toYear: String = before.toYear.map(String.init) ?? ""
            form.append(("fromYear", String(before.fromYear)))
            form.append(("toYear", toYear))
            form.append(("threshold", "10"))
            form.append(("report", before.report ? "1" : ""))
            form.append(("intent", "preview"))
            let preview = try await web.send(.post, "/metadata/publication", form: form)
            #expect(
                preview.text?.contains("<td class=\"typed\">\(before.threshold)</td><td class=\"typed\">10</td>")
                    == true)
            #expect(try state.store.publication() == before, "a preview changes nothing")
            var bad = form
            bad[bad.count - 5] = ("fromYear", "abc")
            #expect(try await web.send(.post, "/metadata/publication", form: bad).status == .badRequest)
            form[form.count - 1] = ("intent", "save")
            let saved = try await web.send(.post, "/metadata/publication", form: form)
            #expect(saved.headers[.location] == "/metadata/publication?saved=1")
            #expect(try state.store.publication().threshold == 10)
            let history = try state.store.recordHistory(kind: "publication", uid: "publication")
            let back = try await web.send(
                .post, "/metadata/publication/history/\(history.count - 2)/restore", form: [("_csrf", web.csrf ?? "")])
            #expect(back.status == .seeOther)
            #expect(try state.store.publication() == before, "the earlier version is current again")
        }
        try await withApp(state) { web in
            _ = try await web.signIn("aktobe-admin")
            #expect(try await web.send(.get, "/metadata/publication").status == .forbidden)
        }
    }

    /// DHIS2's expression description, with the operands named and the value for a unit and period.
    @Test func theExpressionDescriptionNamesOperandsAndComputes() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            _ = try await web.signIn("aktobe")
            let ok = try await web.send(
                .get, "/api/expressions/description?expression=%23%7BPREV_EVENTS%7D%20*%202&ou=AKT&pe=2017")
            #expect(ok.object["status"] as? String == "OK")
            let name = try #require(try state.store.catalog().element("PREV_EVENTS")?.name)
            #expect(ok.object["description"] as? String == "\(name) * 2")
            let (snapshot, _) = state.engine.versionedSnapshot()
            let direct = try snapshot.run(
                AnalyticsQuery(
                    data: [.element(try #require(snapshot.catalog.element("PREV_EVENTS")?.uid))],
                    periods: [PeriodSelection(spanning: try #require(Period.parse("2017")).span)],
                    units: [try #require(snapshot.catalog.unit("AKT")?.uid)]))
            let events = try #require(direct.rows.first?.value)
            #expect(ok.object["value"] as? Double == events * 2)
            let bad = try await web.send(
                .get, "/api/expressions/description?expression=%23%7BPREV_EVENTS%7D%20%2B%20%23%7BNOPE%7D")
            #expect(bad.object["status"] as? String == "ERROR")
            #expect(bad.object["position"] as? Int == 18)
            #expect((bad.object["message"] as? String)?.contains("NOPE") == true)
            #expect(
                try await web.send(.get, "/api/expressions/description?expression=1&ou=ALA&pe=2017").status
                    == .forbidden)
            #expect(
                try await web.send(.get, "/api/expressions/description?expression=1&ou=AKT&pe=2017-99").status
                    == .badRequest)
            #expect(try await web.send(.get, "/api/expressions/description").status == .badRequest)
        }
    }

    /// The maintenance pages are for administrators only.
    @Test func otherRolesCannotOpenTheMaintenancePages() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            _ = try await web.signIn("analyst")
            for path in [
                "/metadata/units/new", "/metadata/elements/PREV_EVENTS", "/metadata/forms/new", "/metadata/import",
            ] {
                #expect(try await web.send(.get, path).status == .forbidden, "\(path)")
            }
        }
    }
}
