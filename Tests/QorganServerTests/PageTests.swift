import Foundation
import QorganCore
import QorganInterop
import QorganServer
import QorganStore
import QorganWebTestSupport
import Testing

/// Pages people meet: the trace of a figure, 300 values at a time, saying which it shows; a
/// page that does not exist, in the user's language.
@Suite struct PageTests {
    @Test func usersPageChangesUnitsAndStartsNewUsersAsViewers() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("admin")
            let page = try await web.send(.get, "/users")
            let html = page.text ?? ""
            // The new user's role starts at the least right.
            let newUser = try #require(html.range(of: "id=\"new-user\"").map { String(html[$0.upperBound...]) })
            #expect(newUser.contains("<option value=\"viewer\" selected>"))
            #expect(!newUser.contains("<option value=\"administrator\" selected>"))
            // Each user's row offers their units, selected.
            let catalog = try state.store.catalog()
            let ala = try #require(catalog.unit("ALA")).uid
            let akt = try #require(catalog.unit("AKT")).uid
            #expect(html.contains("<option value=\"\(ala)\" selected>"))
            let r = try await web.send(
                .post, "/users/almaty",
                form: [
                    ("_csrf", web.csrf ?? ""), ("role", "data-entry"), ("units", ala), ("units", akt), ("password", ""),
                ])
            #expect(r.status == .ok)
            #expect(Set(try #require(try state.store.user(named: "almaty")).principal.units) == [ala, akt])
            // Units outside the administrator's are refused, and nothing changes.
            var regional = web
            regional.cookies = [:]
            try await regional.signIn("aktobe")
            #expect(try await regional.send(.get, "/users").status == .forbidden)
        }
    }

    @Test func anOpenOverduePrescriptionDoesNotReadClosed() async throws {
        let state = try await WebFixture.state()
        let today = state.today
        let open = try #require(
            try state.store.inspections().first { i in
                i.inspection.prescriptions.contains { $0.closed == nil && $0.isOverdue(on: today) }
            })
        let closed = try #require(
            try state.store.inspections().first { i in i.inspection.prescriptions.contains { $0.closed != nil } })
        try await withApp(state) { web in
            try await web.signIn("admin")
            let html = try await web.send(.get, "/sites/\(open.inspection.site)").text ?? ""
            let p = try #require(open.inspection.prescriptions.first { $0.closed == nil && $0.isOverdue(on: today) })
            // The prescription's paragraph, found by its due date (texts are HTML-escaped).
            let paragraphs = html.components(separatedBy: "<p>").filter { $0.contains(" — due \(p.due)") }
            #expect(!paragraphs.isEmpty)
            let line = try #require(paragraphs.first { !$0.contains(", closed") } ?? paragraphs.first).prefix(400)
            #expect(line.contains("overdue") && !line.contains("closed"), "\(line)")
            let other = try await web.send(.get, "/sites/\(closed.inspection.site)").text ?? ""
            let c = try #require(closed.inspection.prescriptions.first { $0.closed != nil })
            #expect(other.contains(" — due \(c.due), closed \(c.closed?.description ?? "")"))
        }
    }

    @Test func anImpossibleIncidentDateComesBackAsTyped() async throws {
        let state = try await WebFixture.state()
        let before = try state.store.incidents().count
        try await withApp(state) { web in
            try await web.signIn("admin")
            for typed in ["2017-13", "2017-02-30"] {
                let r = try await web.send(
                    .post, "/incidents",
                    form: [
                        ("_csrf", web.csrf ?? ""), ("date", typed), ("unit", "AKT"), ("outcome", "foiled"),
                        ("attackType", "3"), ("targetType", "3"), ("weaponType", "6"), ("summary", "x"),
                        ("sources", "y"),
                    ])
                #expect(r.status == .badRequest)
                let html = r.text ?? ""
                #expect(html.contains("value=\"\(typed)\""), "\(typed)")
                #expect(!html.contains("value=\"2000\""))
            }
        }
        #expect(try state.store.incidents().count == before)
    }

    @Test func theIncidentFormAsksForEveryChoiceAndSaysEveryProblemAtOnce() async throws {
        let state = try await WebFixture.state()
        let before = try state.store.incidents().count
        try await withApp(state) { web in
            try await web.signIn("admin")
            // Nothing is chosen for the person: no "Unknown" preselected on a new form.
            let blank = try await web.send(.get, "/incidents/new?lang=ru").text ?? ""
            #expect(!blank.contains("error-summary"))
            for name in ["outcome", "attackType", "targetType", "weaponType", "claimed", "property"] {
                let select = try #require(
                    blank.range(of: "id=\"incident-\(name)\"").map {
                        blank[$0.upperBound...].components(separatedBy: "</select>")[0]
                    })
                #expect(select.hasPrefix(" required><option value=\"\">Выберите…</option>"), "\(name)")
                #expect(!select.contains(" selected"), "\(name)")
            }
            #expect(blank.contains("<option value=\"9\">9 · Неизвестно</option>"))
            let r = try await web.send(
                .post, "/incidents?lang=ru",
                form: [
                    ("_csrf", web.csrf ?? ""), ("date", "2017-02-30"), ("unit", ""), ("killed", "-2"),
                    ("wounded", "x"), ("latitude", "43.2"), ("summary", "s"),
                ])
            #expect(r.status == .badRequest)
            let html = r.text ?? ""
            #expect(html.contains("<title>Ошибка: "))
            let summary = try #require(
                html.range(of: "id=\"error-summary\"").map { String(html[$0.upperBound...].prefix(8000)) }
            ).components(separatedBy: "</div>")[0]
            // One line per problem, each linked to a field of the page, in the page's language.
            let links = summary.components(separatedBy: "<a href=\"#").dropFirst().map { $0.prefix { $0 != "\"" } }
            #expect(
                Set(links) == [
                    "incident-date", "incident-unit", "incident-outcome", "incident-attackType", "incident-targetType",
                    "incident-weaponType", "incident-claimed", "incident-property", "incident-killed",
                    "incident-wounded", "incident-longitude",
                ], "\(links)")
            for id in links { #expect(html.contains("id=\"\(id)\""), "\(id)") }
            #expect(summary.contains("«2017-02-30» — не дата"))
            #expect(!summary.contains("field") && !summary.contains("value"))
            // What was typed comes back as typed.
            #expect(html.contains("value=\"2017-02-30\"") && html.contains("value=\"-2\""))
            #expect(try state.store.incidents().count == before)
            // Chosen, "Unknown" included, it is saved.
            let ok = try await web.send(
                .post, "/incidents",
                form: [
                    ("_csrf", web.csrf ?? ""), ("date", "2017-02"), ("unit", "AKT"), ("outcome", "foiled"),
                    ("attackType", "9"), ("targetType", "20"), ("weaponType", "13"), ("claimed", "unknown"),
                    ("property", "no"), ("summary", "A plot stopped."),
                ])
            #expect(ok.status == .seeOther, "\(ok.text ?? "")")
            #expect(try state.store.incidents().count == before + 1)
        }
    }

    @Test func theReadinessFormAnswersNothingForTheAssessorAndConfirmsWhatItSaved() async throws {
        let state = try await WebFixture.state()
        let before = try state.store.assessments(units: nil).count
        let instrument = try #require(try state.store.instruments().last?.instrument)
        try await withApp(state) { web in
            try await web.signIn("almaty")
            let blank = try await web.send(.get, "/readiness/assess").text ?? ""
            // No answer is chosen, and every scale the checklist uses is explained.
            #expect(blank.contains("id=\"readiness-scales\"") && blank.contains("does not apply to this office"))
            // The checklist speaks the page's language: its sections and items have translations.
            let russian = try await web.send(.get, "/readiness/assess?lang=ru").text ?? ""
            #expect(
                russian.contains("<legend>Планы и процедуры</legend>") && russian.contains("Командно-штабное учение"))
            let gaps = try await web.send(.get, "/readiness?lang=kk").text ?? ""
            #expect(!gaps.contains("Alert drill") && !gaps.contains("Vehicles are ready"))
            for item in instrument.items {
                let select = try #require(
                    blank.range(of: "id=\"assessment-answer_\(item.code)\"").map {
                        blank[$0.upperBound...].components(separatedBy: "</select>")[0]
                    })
                #expect(!select.contains(" selected"), "\(item.code)")
            }
            // Saved untouched: every item is asked for, with the role and the office, and nothing is stored.
            let untouched = try await web.send(
                .post, "/readiness/assess",
                form: [("_csrf", web.csrf ?? ""), ("instrument", instrument.label), ("date", "2017-06-01")])
            #expect(untouched.status == .badRequest)
            let html = untouched.text ?? ""
            let summary = html.components(separatedBy: "id=\"error-summary\"").last?.components(separatedBy: "</div>")[
                0]
            let links = (summary ?? "").components(separatedBy: "<a href=\"#").count - 1
            #expect(links == instrument.items.count + 2, "\(links)")
            #expect(html.contains("value=\"2017-06-01\""))
            #expect(try state.store.assessments(units: nil).count == before)
            // Answered, it is saved and the readiness page says what was recorded.
            let ala = try #require(try state.store.catalog().unit("ALA")).uid
            var form = [
                ("_csrf", web.csrf ?? ""), ("instrument", instrument.label), ("date", "2017-06-01"), ("unit", ala),
                ("assessorRole", "regional inspection team"),
            ]
            for item in instrument.items { form.append(("answer_" + item.code, "NA")) }
            form[5].1 = item0Answer(instrument)
            let saved = try await web.send(.post, "/readiness/assess", form: form)
            #expect(saved.status == .seeOther)
            let location = saved.headers[.location] ?? ""
            #expect(location.hasPrefix("/readiness?saved="))
            let page = try await web.send(.get, location).text ?? ""
            #expect(
                page.contains(
                    "id=\"saved-notice\">Saved: the assessment of Almaty city on 2017-06-01, readiness 100 %."))
            #expect(try state.store.assessments(units: nil).count == before + 1)
        }
    }

    /// The best answer of the checklist's first item.
    func item0Answer(_ instrument: Instrument) -> String {
        let scale = instrument.items[0].scale
        return scale.answers.max { (scale.score($0) ?? 0) < (scale.score($1) ?? 0) } ?? "NA"
    }

    @Test func sitesAreAddedChangedInspectedAndTheirPrescriptionsClosedInTheBrowser() async throws {
        let state = try await WebFixture.state()
        let config = try state.store.siteConfiguration()
        let site = try #require(
            try state.store.sites().first { !(config.category($0.site.category)?.measures ?? []).isEmpty }
        ).site
        let measures = config.category(site.category)?.measures ?? []
        let inspections = try state.store.inspections(site: site.uid).count
        try await withApp(state) { web in
            try await web.signIn("admin")
            // No finding is assumed: each required measure starts unchosen.
            let page = try await web.send(.get, "/sites/\(site.uid)").text ?? ""
            for m in measures {
                let select = try #require(
                    page.range(of: "id=\"inspection-finding_\(m)\"").map {
                        page[$0.upperBound...].components(separatedBy: "</select>")[0]
                    })
                #expect(!select.contains(" selected"), "\(m)")
            }
            #expect(page.contains("type=\"date\" name=\"date\""))
            // Untouched, with a prescription without a due date: every problem at once, nothing stored.
            let refused = try await web.send(
                .post, "/sites/\(site.uid)/inspections",
                form: [("_csrf", web.csrf ?? ""), ("date", "2017-10-02"), ("prescription_1", "Fix the gate")])
            #expect(refused.status == .badRequest)
            let html = refused.text ?? ""
            let summary = html.components(separatedBy: "id=\"error-summary\"").last?.components(separatedBy: "</div>")[
                0]
            #expect((summary ?? "").components(separatedBy: "<a href=\"#").count - 1 == measures.count + 2)
            #expect(html.contains("href=\"#inspection-due_1\"") && html.contains("value=\"Fix the gate\""))
            #expect(try state.store.inspections(site: site.uid).count == inspections)
            // Two prescriptions in one inspection.
            var form = [
                ("_csrf", web.csrf ?? ""), ("date", "2017-10-02"), ("kind", "unannounced"),
                ("prescription_1", "Fix the gate"), ("due_1", "2017-11-01"), ("prescription_2", "Light the car park"),
                ("due_2", "2017-12-01"),
            ]
            for m in measures { form.append(("finding_" + m, "partial")) }
            let saved = try await web.send(.post, "/sites/\(site.uid)/inspections", form: form)
            #expect(saved.status == .seeOther && saved.headers[.location] == "/sites/\(site.uid)?saved=inspection")
            let stored = try #require(
                try state.store.inspections(site: site.uid).first { $0.inspection.date == Day(iso: "2017-10-02") }
            ).inspection
            #expect(stored.prescriptions.map(\.text) == ["Fix the gate", "Light the car park"])
            // Closing the second one, from the page.
            let closed = try await web.send(
                .post, "/sites/\(site.uid)/inspections/\(stored.uid)/close",
                form: [("_csrf", web.csrf ?? ""), ("index", "1"), ("closed", "2017-11-20")])
            #expect(closed.status == .seeOther)
            let after = try #require(
                try state.store.inspections(site: site.uid).first { $0.inspection.uid == stored.uid }
            ).inspection
            #expect(after.prescriptions.map(\.closed) == [nil, Day(iso: "2017-11-20")])
            let again = try await web.send(
                .post, "/sites/\(site.uid)/inspections/\(stored.uid)/close",
                form: [("_csrf", web.csrf ?? ""), ("index", "1"), ("closed", "2017-11-21")])
            #expect(again.status == .conflict)
            // A site added, then changed.
            let before = try state.store.sites().count
            let blank = try await web.send(.post, "/sites", form: [("_csrf", web.csrf ?? "")])
            #expect(blank.status == .badRequest)
            let links =
                (blank.text ?? "").components(separatedBy: "id=\"error-summary\"").last?
                .components(separatedBy: "</div>")[0].components(separatedBy: "<a href=\"#").count ?? 0
            #expect(links - 1 == 7)
            let ala = try #require(try state.store.catalog().unit("ALA")).uid
            let fields = [
                ("_csrf", web.csrf ?? ""), ("name", "Central market"), ("category", site.category), ("unit", ala),
                ("peakOccupancy", "1200"), ("responsibleRole", "market security manager"),
                ("registered", "2016-03-01"), ("planStatus", "draft"), ("planDate", "2016-05-01"),
            ]
            let added = try await web.send(.post, "/sites", form: fields)
            #expect(added.status == .seeOther)
            #expect(try state.store.sites().count == before + 1)
            let uid = try #require(try state.store.sites().first { $0.site.name == "Central market" }).site.uid
            let edit = try await web.send(.get, "/sites/\(uid)?edit=1").text ?? ""
            #expect(edit.contains("value=\"1200\"") && edit.contains("<option value=\"draft\" selected>"))
            let changed = try await web.send(
                .post, "/sites/\(uid)", form: fields.map { $0.0 == "peakOccupancy" ? ($0.0, "1500") : $0 })
            #expect(changed.status == .seeOther)
            #expect(try state.store.site(uid: uid)?.site.peakOccupancy == 1500)
            var viewer = web
            viewer.cookies = [:]
            try await viewer.signIn("viewer")
            #expect(try await viewer.send(.get, "/sites/new").status == .forbidden)
        }
    }

    @Test func dashboardValuesCarryTheirUnitsAndSayWhichYearsHaveNoData() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("admin")
            let html = try await web.send(.get, "/dashboard?from=2013&to=2017").text ?? ""
            func card(_ code: String) throws -> String {
                try #require(html.components(separatedBy: "id=\"card-\(code)\"").dropFirst().first)
                    .components(separatedBy: "</article>")[0]
            }
            let readiness = try card("IND_READINESS")
            #expect(readiness.contains(">91.7</span><span class=\"unit\"> %</span> <span class=\"year\">2017"))
            #expect(readiness.contains("Target: 91.5 %"))
            #expect(readiness.contains(" pp</span>"))
            let prevented = try card("IND_ACTS_PREVENTED")
            #expect(!prevented.contains("class=\"unit\"") && !prevented.contains("class=\"stale\""))
            // Whole ticks on a count's axis.
            #expect(!prevented.contains(">0.5<") && !prevented.contains(">1.5<"))
            // The last act not prevented was in 2016: the card says that 2017 has none yet.
            let committed = try card("IND_ACTS_COMMITTED")
            #expect(committed.contains("<span class=\"year\">2016</span>"))
            #expect(committed.contains("<p class=\"stale\">No data for 2017 yet.</p>"))
        }
    }

    @Test func thePivotTotalsCountsOnlyShowsEmptyRowsOnRequestAndNeverStacksPercentages() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("admin")
            let base = "/pivot?dx=IND_ACTS_PREVENTED&ou=KZ&children=1&from=2013&to=2017&rows=ou&columns=pe"
            let counts = try await web.send(.get, base).text ?? ""
            // The 12 acts prevented of 2013–2017, totalled down and across.
            let foot = try #require(counts.components(separatedBy: "<tfoot>").dropFirst().first)
                .components(separatedBy: "</tfoot>")[0]
            #expect(foot.hasSuffix("<td>12</td></tr>"), "\(foot)")
            #expect(counts.contains("id=\"pivot-hidden\">Not shown, for having no data: 8 rows and 0 columns."))
            let rows = counts.components(separatedBy: "<tbody>")[1].components(separatedBy: "<tr>").count - 1
            let all = try await web.send(.get, base + "&empty=1").text ?? ""
            let allRows = all.components(separatedBy: "<tbody>")[1].components(separatedBy: "<tr>").count - 1
            #expect(allRows == rows + 8 && allRows == 16)
            #expect(!all.contains("pivot-hidden"))
            #expect(!all.contains("pivot-chart-cut"))
            // Sixty months: the chart draws 24 of them and says so; the table has all sixty.
            let months =
                try await web.send(
                    .get,
                    "/pivot?dx=DEPARTURES_STOPPED&ou=KZ&from=2013&to=2017&periodType=Monthly&rows=pe&columns=ou&empty=1"
                ).text ?? ""
            #expect(
                months.contains("id=\"pivot-chart-cut\">The chart draws the first 24 of 60 rows"),
                "\(months.prefix(300))")
            #expect(months.components(separatedBy: "<tbody>")[1].components(separatedBy: "<tr>").count - 1 == 60)
            // Percentages: no totals, and a stacked chart is drawn side by side, saying why.
            let shares = try await web.send(
                .get, "/pivot?dx=IND_READINESS&ou=KZ&children=1&from=2016&to=2017&rows=ou&columns=pe&chart=stacked")
            let html = shares.text ?? ""
            #expect(!html.contains("<tfoot>") && !html.contains("class=\"total\""))
            #expect(html.contains("No totals: percentages, rates and averages do not add up."))
            #expect(html.contains("are not stacked: they are shown side by side."))
            // Two different counts are never summed into one total column.
            let two = try await web.send(
                .get, "/pivot?dx=IND_ACTS_PREVENTED&dx=IND_ACTS_COMMITTED&ou=KZ&from=2013&to=2017&rows=pe&columns=dx")
            #expect(!(two.text ?? "").contains("scope=\"col\" class=\"total\""))
        }
    }

    @Test func theReportPageDownloadsItsPDFAndPrints() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("analyst")
            let page = try await web.send(.get, "/report?lang=ru").text ?? ""
            let href = try #require(
                page.components(separatedBy: "id=\"report-pdf\"").first?.components(separatedBy: "<a href=\"").last?
                    .components(separatedBy: "\"").first)
            #expect(href.hasPrefix("/api/report?format=pdf&"))
            #expect(page.contains("id=\"report-print\" data-print>Печать</button>"))
            #expect(!page.contains("qorgan report --format pdf"))
            // Printed by Chromium (installed by the test command) on the server.
            let pdf = try await web.send(.get, href.replacingOccurrences(of: "&amp;", with: "&"))
            #expect(pdf.status == .ok && pdf.headers[.contentType] == "application/pdf")
            let data = Data(buffer: pdf.body)
            #expect(data.starts(with: Data("%PDF".utf8)) && data.count > 10_000, "\(data.count)")
        }
    }

    @Test func aChangedValueKeepsItsCommentAndFollowUpUntilTheyAreChanged() async throws {
        let state = try await WebFixture.state(reopened: [("SECURITY", "201711", "ALA")])
        try await withApp(state) { web in
            try await web.signIn("almaty")
            let key: [String: Any] = [
                "dataElement": "CONVICTIONS", "period": "201711", "orgUnit": "ALA",
            ]
            func stored() async throws -> [String: Any] {
                try await web.send(.get, "/api/dataValues?de=CONVICTIONS&pe=201711&ou=ALA").object
            }
            var r = try await web.send(
                .post, "/api/dataValues", json: key.merging(["value": "4", "comment": "Court backlog."]) { $1 })
            #expect(r.status == .created || r.status == .ok, "\(r.text ?? "")")
            r = try await web.send(.put, "/api/dataValues/followup", json: key.merging(["followup": true]) { $1 })
            #expect(r.status == .ok, "\(r.text ?? "")")
            _ = try await web.send(.post, "/api/dataValues", json: key.merging(["value": "5"]) { $1 })
            var v = try await stored()
            #expect(v["value"] as? String == "5" && v["comment"] as? String == "Court backlog.")
            #expect(v["followUp"] as? Bool == true || v["followup"] as? Bool == true, "\(v)")
            // An empty comment clears it; the mark stays until it is cleared itself.
            _ = try await web.send(.post, "/api/dataValues", json: key.merging(["value": "5", "comment": ""]) { $1 })
            v = try await stored()
            #expect(v["comment"] == nil || v["comment"] is NSNull, "\(v)")
            #expect(v["followUp"] as? Bool == true || v["followup"] as? Bool == true)
            // The entry page carries both, for the cell's dialog.
            let page = try await web.send(.get, "/entry?ds=SECURITY&ou=ALA&year=2017&pe=201711").text ?? ""
            #expect(page.contains("id=\"value-dialog\"") && page.contains("data-followup=\"true\""))
        }
    }

    /// A workbook of `cells` (first sheet), as a spreadsheet program would save it after editing.
    func workbook(_ cells: [String: String]) -> Data {
        let rows = cells.keys.compactMap { Int($0.drop { $0.isLetter }) }.max() ?? 1
        func row(_ r: Int) -> [XLSX.Cell] {
            ["A", "B", "C", "D", "E"].map { c in cells["\(c)\(r)"].map { XLSX.Cell.text($0) } ?? .empty }
        }
        return XLSX.workbook(sheets: [
            XLSX.Sheet(
                name: "Form", header: row(1).map { if case .text(let s) = $0 { s } else { "" } },
                rows: (2...rows).map(row))
        ])
    }

    @Test func aFormsSpreadsheetComesBackWholeOrNotAtAllWithItsCellsNamed() async throws {
        let state = try await WebFixture.state(reopened: [("SECURITY", "201710", "ALA")])
        try await withApp(state) { web in
            try await web.signIn("almaty")
            let download = try await web.send(.get, "/api/dataEntry/form.xlsx?ds=SECURITY&ou=ALA&pe=201710")
            #expect(download.status == .ok)
            var cells = try XLSX.firstSheet(Data(buffer: download.body))
            #expect(cells["B1"] == "SECURITY" && cells["B2"] == "ALA" && cells["B3"] == "201710")
            let rows = Dictionary(
                uniqueKeysWithValues: cells.filter { $0.key.hasPrefix("E") && $0.key != "E5" }.map {
                    ($0.value, $0.key.dropFirst())
                })
            let a = try #require(rows["CONVICTIONS.default"])
            let b = try #require(rows["DEPARTURES_STOPPED.default"])
            func stored(_ de: String) async throws -> String? {
                try await web.send(.get, "/api/dataValues?de=\(de)&pe=201710&ou=ALA").object["value"] as? String
            }
            let before = (try await stored("CONVICTIONS"), try await stored("DEPARTURES_STOPPED"))
            cells["C\(a)"] = "77"
            cells["C\(b)"] = "-3"
            cells["E99"] = "NOT_HERE.default"
            cells["C99"] = "1"
            cells["E100"] = "."
            let refused = try await web.send(.post, "/api/dataEntry/form.xlsx", bytes: workbook(cells))
            #expect(refused.status == .badRequest)
            let places = (refused.object["problems"] as? [[String: Any]] ?? []).compactMap { $0["object"] as? String }
            #expect(Set(places) == ["cell C\(b)", "cell E99", "cell E100"], "\(places)")
            // Each says what kind of problem it is, for the page to say in its own language.
            let codes = (refused.object["problems"] as? [[String: Any]] ?? []).map {
                ($0["object"] as? String ?? "", $0["code"] as? String ?? "")
            }
            #expect(
                Set(codes.map { "\($0.0)=\($0.1)" })
                    == ["cell C\(b)=negative", "cell E99=notInForm", "cell E100=notInForm"], "\(codes)")
            let unchanged = (try await stored("CONVICTIONS"), try await stored("DEPARTURES_STOPPED"))
            #expect(unchanged.0 == before.0 && unchanged.1 == before.1)
            cells["C\(b)"] = "3"
            cells["E99"] = nil
            cells["C99"] = nil
            cells["E100"] = nil
            let saved = try await web.send(.post, "/api/dataEntry/form.xlsx", bytes: workbook(cells))
            #expect(saved.status == .ok, "\(saved.text ?? "")")
            let now = (try await stored("CONVICTIONS"), try await stored("DEPARTURES_STOPPED"))
            #expect(now.0 == "77" && now.1 == "3")
            // Another region's sheet, and a file that is no spreadsheet.
            cells["B2"] = "AKT"
            #expect(try await web.send(.post, "/api/dataEntry/form.xlsx", bytes: workbook(cells)).status == .forbidden)
            let huge = try await web.send(.post, "/api/dataEntry/form.xlsx", bytes: Data(count: 6 << 20))
            #expect(huge.status == .contentTooLarge && huge.object["code"] as? String == "too_large")
            let junk = try await web.send(.post, "/api/dataEntry/form.xlsx", bytes: Data("name,value\n".utf8))
            #expect(junk.status == .badRequest && (junk.text ?? "").contains("not a spreadsheet of a form"))
            // The blank paper form of the same form.
            let blank = try await web.send(.get, "/entry/blank?ds=SECURITY&ou=ALA&pe=201710").text ?? ""
            #expect(blank.components(separatedBy: "<td class=\"box\">").count - 1 == rows.count + 3)
        }
    }

    @Test func theDashboardShowsTheReportsTargets() async throws {
        let state = try await WebFixture.state()
        // The framework's 2017 readiness target moved away from the indicator's own (91.5).
        var framework = try #require(try state.store.resultsFramework())
        func retarget(_ list: inout [ResultsFramework.FrameworkIndicator]) {
            for i in list.indices where list[i].indicator == "IND_READINESS" {
                for t in list[i].targets.indices where list[i].targets[t].period == "2017" {
                    list[i].targets[t].value = 93.5
                }
            }
        }
        for g in framework.goals.indices {
            for o in framework.goals[g].outcomes.indices {
                retarget(&framework.goals[g].outcomes[o].indicators)
                for out in framework.goals[g].outcomes[o].outputs.indices {
                    retarget(&framework.goals[g].outcomes[o].outputs[out].indicators)
                }
            }
        }
        _ = try state.store.setResultsFramework(framework, user: "test")
        #expect(try state.store.catalog().indicator("IND_READINESS")?.target == 91.5)
        try await withApp(state) { web in
            try await web.signIn("admin")
            let html = try await web.send(.get, "/dashboard?from=2013&to=2017").text ?? ""
            let card = try #require(
                html.range(of: "id=\"card-IND_READINESS\"").map { html[$0.upperBound...].prefix(1500) })
            #expect(card.contains("Target: 93.5"), "\(card)")
        }
    }

    @Test func anUnknownAddressAnswersWithAPageOrAJSONError() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            let anonymous = try await web.send(.get, "/no/such/page")
            #expect(anonymous.status == .notFound)
            #expect(anonymous.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(anonymous.text?.contains("There is no page at /no/such/page.") == true)
            try await web.signIn("almaty")
            let russian = try await web.send(.get, "/dashbord?lang=ru")
            #expect(russian.status == .notFound && russian.text?.contains("Страницы /dashbord нет.") == true)
            #expect(russian.text?.contains("href=\"/dashboard\"") == true)
            let api = try await web.send(.get, "/api/dataElementz")
            #expect(api.status == .notFound && api.object["code"] as? String == "not_found")
            #expect((api.object["message"] as? String)?.contains("/api/openapi.json") == true)
            // A path that exists with other methods is still a 405.
            #expect(try await web.send(.put, "/api/dataValues").status == .methodNotAllowed)
        }
    }

    @Test func valuesBehindAFigureComeInPagesThatSaySoAndWhere() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("analyst")
            let first = try await web.send(.get, "/trace?dx=DRAWN_IN&pe=2013..2017&ou=KZ")
            #expect(first.status == .ok)
            let html = first.text ?? ""
            let total = try #require(
                html.range(of: "(?<=The stored values behind it \\()[0-9]+", options: .regularExpression).flatMap {
                    Int(html[$0])
                })
            #expect(total > 600)
            #expect(html.contains("Values 1–300 of \(total) shown"))
            #expect(html.components(separatedBy: "<a href=\"/history?").count - 1 == 300)
            #expect(html.contains("rel=\"next\"") && !html.contains("rel=\"prev\""))
            let last = (total + 299) / 300
            let end = try await web.send(.get, "/trace?dx=DRAWN_IN&pe=2013..2017&ou=KZ&page=\(last)&lang=ru")
            let endHtml = end.text ?? ""
            #expect(endHtml.contains("Показаны значения \((last - 1) * 300 + 1)–\(total) из \(total)"))
            #expect(endHtml.contains("rel=\"prev\"") && !endHtml.contains("rel=\"next\""))
            // A page past the last shows the last; a page that is no number is a 400.
            let beyond = try await web.send(.get, "/trace?dx=DRAWN_IN&pe=2013..2017&ou=KZ&page=99999")
            #expect(
                beyond.text?.contains("of \(total) shown") == true && beyond.text?.contains("rel=\"next\"") == false)
            #expect(try await web.send(.get, "/trace?dx=DRAWN_IN&pe=2013..2017&ou=KZ&page=x").status == .badRequest)
        }
    }
}

/// The entry and completeness pages as their users read them: times in the deployment's time
/// zone (Asia/Almaty by default), periods by name, a refused spreadsheet quoting its cells.
@Suite struct ReadingTests {
    @Test func timesAreLocalPeriodsNamedAndRefusedCellsQuoteWhatTheyHold() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("admin")
            let entry = try await web.send(.get, "/entry?ds=SECURITY&ou=ALA&year=2017&pe=201712").text ?? ""
            #expect(entry.contains("(UTC+5)") || entry.contains("(UTC+6)"), "a completion time in Almaty's zone")
            #expect(!entry.contains(" UTC)") && !entry.contains("Z)"))
            let completeness = try await web.send(.get, "/completeness?ds=SECURITY&pe=2017").text ?? ""
            #expect(completeness.contains("December 2017 — Mangystau region"), "the missing reports by name")
            #expect(!completeness.contains(">201712 —"))
            let sheet = XLSX.Sheet(
                name: "SECURITY", header: ["Form", "SECURITY", ""],
                rows: [
                    [.text("Unit"), .text("ALA")], [.text("Period"), .text("201712")], [.text("")],
                    [.text("Data element"), .text("Breakdown"), .text("Value"), .text("Previous"), .text("Code")],
                    [.text("Convictions"), .text(""), .text("17"), .empty, .text("CONVICTIONS.default")],
                ])
            let refused = try await web.send(
                .post, "/api/dataEntry/form.xlsx", headers: [.contentType: "application/octet-stream"],
                bytes: XLSX.workbook(sheets: [sheet]))
            #expect(refused.status == .conflict && refused.object["code"] as? String == "form_complete")
            let problem = (refused.object["problems"] as? [[String: Any]])?.first
            #expect(
                problem?["object"] as? String == "cell C6" && problem?["value"] as? String == "17", "\(problem ?? [:])")
        }
        #expect(
            Timestamp.display(Date(timeIntervalSince1970: 0), in: TimeZone(identifier: "Asia/Almaty")!).hasSuffix(
                "(UTC+6)"))
        #expect(
            Timestamp.display(Date(timeIntervalSince1970: 1_767_225_600), in: TimeZone(identifier: "Asia/Almaty")!)
                == "2026-01-01 05:00 (UTC+5)")
    }
}
