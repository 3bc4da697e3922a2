import Foundation
import HTTPTypes
import QorganCore
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

@testable import QorganServer

/// What analysts keep: a pivot kept as a favourite, dashboards of favourites shared within scope
/// (each viewer sees their own unit's figures where the favourite is relative), interpretations
/// with replies, and DHIS2's read routes over them.
@Suite struct FavouriteTests {
    static let pivotQuery = "dx=IND_DRAWN_IN&ou=KZ&from=2013&to=2017&periodType=Yearly&rows=ou&columns=pe&chart=bar"

    /// The `<td>` cells of the table with `id`, in order.
    static func cells(_ html: String, table id: String) -> [String] {
        guard let start = html.range(of: "id=\"\(id)\""), let end = html[start.upperBound...].range(of: "</table>")
        else { return [] }
        let table = html[start.upperBound..<end.lowerBound]
        guard let re = try? NSRegularExpression(pattern: "<td>([^<]*)</td>") else { return [] }
        let text = String(table)
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test func aSharedRelativeDashboardShowsEachViewerTheirOwnUnit() async throws {
        let state = try await WebFixture.state()
        let (favourite, dashboard) = try await withApp(state) { web -> (String, String) in
            _ = try await web.signIn("analyst")
            let pivot = try await web.send(.get, "/pivot?" + Self.pivotQuery)
            #expect(pivot.text?.contains("id=\"favourite-form\"") == true)
            let saved = try await web.send(
                .post, "/favourites",
                form: [
                    ("_csrf", web.csrf ?? ""), ("query", Self.pivotQuery), ("name", "Drawn in, my unit"),
                    ("relative", "1"), ("shared", "1"),
                ])
            #expect(saved.status == .seeOther)
            let favourite = try #require(
                saved.headers[.location]?.split(separator: "/").last?.split(separator: "?").first)
            let created = try await web.send(
                .post, "/dashboards",
                form: [("_csrf", web.csrf ?? ""), ("name", "Regions at a glance"), ("shared", "1")])
            let dashboard = try #require(created.headers[.location]?.split(separator: "/").last)
            let added = try await web.send(
                .post, "/dashboards/\(dashboard)/add",
                form: [("_csrf", web.csrf ?? ""), ("favourite", String(favourite))])
            #expect(added.status == .seeOther)
            // The analyst, of the whole country, sees the country's row.
            let mine = try await web.send(.get, "/dashboards/\(dashboard)")
            #expect(mine.text?.contains("Unit: Republic of Kazakhstan") == true)
            return (String(favourite), String(dashboard))
        }
        let kept = try #require(try state.store.favourite(favourite)?.0)
        #expect(kept.unit == nil && kept.shared && kept.dx == ["IND_DRAWN_IN"] && kept.owner == "analyst")

        try await withApp(state) { web in
            _ = try await web.signIn("aktobe")
            // The dashboard is listed beside the programme's, and shows Aktobe's figures to Aktobe.
            let home = try await web.send(.get, "/dashboard")
            #expect(home.text?.contains("href=\"/dashboards/\(dashboard)\">Regions at a glance</a>") == true)
            let page = try await web.send(.get, "/dashboards/\(dashboard)")
            let text = page.text ?? ""
            #expect(text.contains("Unit: Aktobe region"))
            let shown = Self.cells(text, table: "item-1")
            let api = try await web.send(
                .get, "/api/analytics.json?dimension=dx:IND_DRAWN_IN&dimension=pe:2017&dimension=ou:AKT")
            let value = try #require((api.object["rows"] as? [[String]])?.first?.last)
            #expect(shown.count == 5 && Double(shown[4]) == Double(value), "\(shown) against \(value)")
            // Not the owner: no change to the dashboard.
            let refused = try await web.send(
                .post, "/dashboards/\(dashboard)/delete", form: [("_csrf", web.csrf ?? "")])
            #expect(refused.status == .forbidden)
            // DHIS2's routes list the shared dashboard and favourite.
            let dashboards = try await web.send(.get, "/api/dashboards")
            let listed = (dashboards.object["dashboards"] as? [[String: Any]])?.first
            #expect(listed?["id"] as? String == dashboard)
            #expect(
                ((listed?["dashboardItems"] as? [[String: Any]])?.first?["visualization"] as? [String: Any])?["id"]
                    as? String == favourite)
            let visualization = try await web.send(.get, "/api/visualizations/\(favourite)")
            #expect(visualization.object["userOrganisationUnit"] as? Bool == true)
            #expect(visualization.object["publicAccess"] as? String == "r-------")
        }
        #expect(try state.store.dashboard(dashboard)?.deleted == false)
    }

    @Test func interpretationsAndRepliesAreReadByEveryViewer() async throws {
        let state = try await WebFixture.state()
        let favourite = try state.store.saveFavourite(
            SavedPivot(
                name: "Drawn in", owner: "analyst", shared: true, dx: ["IND_DRAWN_IN"], from: 2013, to: 2017,
                periodType: "Yearly", unit: nil, children: false, rows: "ou", columns: "pe", chart: "line"),
            user: "analyst")
        try await withApp(state) { web in
            _ = try await web.signIn("analyst")
            _ = try await web.send(.get, "/favourites/\(favourite)")
            let posted = try await web.send(
                .post, "/favourites/\(favourite)/interpretations",
                form: [("_csrf", web.csrf ?? ""), ("text", "The 2016 rise follows two arrests.")])
            #expect(posted.status == .seeOther)
            for bad in ["", String(repeating: "x", count: 4001)] {
                let refused = try await web.send(
                    .post, "/favourites/\(favourite)/interpretations", form: [("_csrf", web.csrf ?? ""), ("text", bad)])
                #expect(refused.status == .badRequest)
            }
            let stray = try await web.send(
                .post, "/favourites/\(favourite)/interpretations",
                form: [("_csrf", web.csrf ?? ""), ("text", "a reply"), ("parent", "NoSuchThing")])
            #expect(stray.status == .notFound)
        }
        let first = try #require(try state.store.interpretations(of: favourite).first)
        #expect(try state.store.interpretations(of: favourite).count == 1, "refused ones store nothing")
        try await withApp(state) { web in
            _ = try await web.signIn("aktobe")
            _ = try await web.send(.get, "/favourites/\(favourite)")
            _ = try await web.send(
                .post, "/favourites/\(favourite)/interpretations",
                form: [("_csrf", web.csrf ?? ""), ("text", "Aktobe saw the same."), ("parent", first.uid)])
            let page = try await web.send(.get, "/favourites/\(favourite)")
            #expect(page.text?.contains("The 2016 rise follows two arrests.") == true)
            #expect(page.text?.contains("Aktobe saw the same.") == true)
            let api = try await web.send(.get, "/api/interpretations?visualization=\(favourite)")
            let list = api.object["interpretations"] as? [[String: Any]] ?? []
            #expect(list.count == 1)
            #expect((list.first?["comments"] as? [[String: Any]])?.first?["text"] as? String == "Aktobe saw the same.")
        }
    }

    /// A favourite is its owner's until shared; a shared one of a unit outside the viewer's shows
    /// nothing of it; bad input is refused by name and stores nothing; deletion is soft and audited.
    @Test func favouritesKeepToTheirOwnersAndTheViewersUnits() async throws {
        let state = try await WebFixture.state()
        func pivot(_ name: String, shared: Bool) -> SavedPivot {
            SavedPivot(
                name: name, owner: "analyst", shared: shared, dx: ["IND_DRAWN_IN"], from: 2013, to: 2017,
                periodType: "Yearly", unit: try? state.store.catalog().unit("KZ")?.uid, children: true, rows: "ou",
                columns: "pe", chart: "bar")
        }
        let privateOne = try state.store.saveFavourite(pivot("Mine", shared: false), user: "analyst")
        let national = try state.store.saveFavourite(pivot("The country", shared: true), user: "analyst")
        try await withApp(state) { web in
            _ = try await web.signIn("aktobe")
            #expect(try await web.send(.get, "/favourites/\(privateOne)").status == .notFound)
            #expect(try await web.send(.get, "/api/visualizations/\(privateOne)").status == .notFound)
            let page = try await web.send(.get, "/favourites/\(national)")
            #expect(page.status == .ok)
            #expect(page.text?.contains("nothing of it is shown to you") == true)
            #expect(page.text?.contains("id=\"favourite-table\"") == false)
            // A pivot of a unit outside theirs is not kept either.
            let outside = try await web.send(
                .post, "/favourites", form: [("_csrf", web.csrf ?? ""), ("query", Self.pivotQuery), ("name", "x")])
            #expect(outside.status == .forbidden)
            let listed = try await web.send(.get, "/api/visualizations")
            #expect((listed.object["visualizations"] as? [[String: Any]])?.map { $0["id"] as? String } == [national])
        }
        try await withApp(state) { web in
            _ = try await web.signIn("analyst")
            _ = try await web.send(.get, "/dashboards")
            for (name, query) in [
                ("", Self.pivotQuery), ("x", "dx=NO_SUCH&ou=KZ"), ("x", "dx=IND_DRAWN_IN&from=2017&to=2013"),
            ] {
                let r = try await web.send(
                    .post, "/favourites", form: [("_csrf", web.csrf ?? ""), ("query", query), ("name", name)])
                #expect(r.status == .badRequest, "\(name) \(query)")
            }
            #expect(try state.store.favourites(visibleTo: "analyst").count == 2, "refusals keep nothing")
            let deleted = try await web.send(.post, "/favourites/\(national)/delete", form: [("_csrf", web.csrf ?? "")])
            #expect(deleted.status == .seeOther)
            #expect(try await web.send(.get, "/favourites/\(national)").status == .notFound)
        }
        #expect(try state.store.favourite(national)?.deleted == true, "deletion is soft")
        #expect(
            try state.store.recordHistory(kind: "visualization", uid: national).map(\.action) == ["CREATE", "DELETE"])
    }
}
