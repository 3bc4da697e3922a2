import Foundation
import HTTPTypes
import QorganCore
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

@testable import QorganServer

/// The approval overview: every expected report of a form across units and periods, with its
/// state and the steps the caller may take, decided by the rules of one step; a step taken from
/// the overview comes back to it; a national approver takes back an acceptance.
@Suite struct ApprovalOverviewTests {
    func rows(_ web: inout WebClient, _ query: String) async throws -> [[String: Any]] {
        let r = try await web.send(.get, "/api/dataApprovals/approvals?" + query)
        #expect(r.status == .ok, "\(r.text ?? "")")
        return (try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [[String: Any]]) ?? []
    }

    @Test func theOverviewListsEveryReportWithTheStepsTheCallerMayTake() async throws {
        let state = try await WebFixture.state()
        let catalog = try state.store.catalog()
        let form = try #require(catalog.dataSet("SECURITY"))
        try await withApp(state) { web in
            _ = try await web.signIn("admin")
            let all = try await rows(&web, "ds=SECURITY&pe=2017&ou=KZ")
            // Every region reports monthly: twelve reports each, each once.
            let expected = form.organisationUnits.filter { catalog.level(of: $0, on: state.today) == 2 }.count * 12
            #expect(all.count == expected && expected > 100)
            #expect(Set(all.map { "\($0["orgUnit"] ?? "")|\($0["period"] ?? "")" }).count == all.count)
            // Each row says what the store holds, and what one step's rules allow.
            for row in all {
                let ou = try #require(row["orgUnit"] as? String)
                let pe = try #require(row["period"] as? String)
                let stored = try state.store.approval(dataSet: form.uid, period: pe, unit: ou)
                #expect((row["approvedLevel"] as? Int) == stored?.level, "\(row)")
                let permissions = row["permissions"] as? [String: Bool] ?? [:]
                if stored?.level == 2 {
                    #expect(permissions["mayAccept"] == true && permissions["mayApprove"] == false)
                }
            }
            let first = try #require(all.first { ($0["approvedLevel"] as? Int) == 2 })
            let ou = try #require(first["orgUnit"] as? String)
            let pe = try #require(first["period"] as? String)

            // Accepted from the overview: back to it, the row approved nationally.
            let overview = "/approvals?ds=SECURITY&ou=KZ&pe=2017&show=mine"
            let page = try await web.send(.get, overview)
            #expect(page.status == .ok)
            #expect(page.text?.contains("data-ou=\"\(ou)\" data-pe=\"\(pe)\"") == true)
            let accept = try await web.send(
                .post, "/entry/approval",
                form: [
                    ("_csrf", web.csrf ?? ""), ("ds", form.uid), ("ou", ou), ("pe", pe), ("action", "accept"),
                    ("back", overview),
                ])
            #expect(accept.status == .seeOther)
            #expect(accept.headers[.location] == overview)
            #expect(try state.store.approval(dataSet: form.uid, period: pe, unit: ou)?.level == 1)
            var after = try await rows(&web, "ds=SECURITY&pe=\(pe)&ou=\(ou)")
            #expect(after.first?["state"] as? String == "APPROVED_NATIONALLY")
            #expect((after.first?["permissions"] as? [String: Bool])?["mayWithdraw"] == true)

            // The national approver takes the acceptance back while nobody above has acted.
            let withdraw = try await web.send(
                .post, "/entry/approval",
                form: [
                    ("_csrf", web.csrf ?? ""), ("ds", form.uid), ("ou", ou), ("pe", pe), ("action", "withdraw"),
                    ("back", overview),
                ])
            #expect(withdraw.headers[.location] == overview)
            after = try await rows(&web, "ds=SECURITY&pe=\(pe)&ou=\(ou)")
            #expect(after.first?["approvedLevel"] as? Int == 2)
            // A refused step comes back to the overview with its reason.
            let again = try await web.send(
                .post, "/entry/approval",
                form: [
                    ("_csrf", web.csrf ?? ""), ("ds", form.uid), ("ou", ou), ("pe", pe), ("action", "withdraw"),
                    ("back", overview),
                ])
            #expect(again.headers[.location]?.removingPercentEncoding == overview + "&approvalError=wrong_level")
            let refused = try await web.send(.get, overview + "&approvalError=wrong_level")
            #expect(refused.text?.contains("id=\"approvals-error\"") == true)
            // Only the overview is a way back: any other target goes to the form.
            let elsewhere = try await web.send(
                .post, "/entry/approval",
                form: [
                    ("_csrf", web.csrf ?? ""), ("ds", form.uid), ("ou", ou), ("pe", pe), ("action", "accept"),
                    ("back", "https://evil.example/approvals"),
                ])
            #expect(elsewhere.headers[.location]?.hasPrefix("/entry?") == true)

            // Bounds and bad choices are named.
            let wide = try await web.send(.get, "/api/dataApprovals/approvals?ds=SECURITY&pe=1990..2100&ou=KZ")
            #expect(wide.status == .conflict)
            #expect(wide.text?.contains("at most") == true)
            let derived = try await web.send(.get, "/api/dataApprovals/approvals?ds=NOPE&pe=2017&ou=KZ")
            #expect(derived.status == .conflict || derived.status == .badRequest)
            #expect((try await web.send(.get, "/approvals?show=everything")).status == .badRequest)
        }
    }

    @Test func aRegionalApproverSeesTheirUnitsOnly() async throws {
        let state = try await WebFixture.state()
        let catalog = try state.store.catalog()
        try await withApp(state) { web in
            _ = try await web.signIn("aktobe")
            let mine = try await rows(&web, "ds=SECURITY&pe=2017")
            #expect(!mine.isEmpty)
            for row in mine {
                let ou = try #require(row["orgUnit"] as? String)
                #expect(catalog.isInSubtree(ou, of: try #require(catalog.unit("AKT")).uid, on: state.today))
            }
            let national = try await web.send(.get, "/api/dataApprovals/approvals?ds=SECURITY&pe=2017&ou=KZ")
            #expect(national.status == .forbidden)
        }
    }
}
