import Foundation
import QorganCore
import QorganServer
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
