import Foundation
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganReports
import QorganServer
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// Data approval: every transition and every refusal, the lock on approved data, the history,
/// and the report built from approved data only.
@Suite struct ApprovalTests {
    func decide(
        _ action: ApprovalAction, role: Role = .approver, signer: Int? = 2, unit: Int = 2, current: Int? = nil,
        complete: Bool = true, high: Int = 0, reason: String? = nil
    ) -> Result<Int?, ApprovalRefusal> {
        ApprovalRules.decide(
            action, role: role, signer: signer, unitLevel: unit, current: current, complete: complete,
            highViolations: high, reason: reason)
    }

    func refused(_ r: Result<Int?, ApprovalRefusal>) -> ApprovalRefusal.Code? {
        if case .failure(let f) = r { return f.code }
        return nil
    }

    @Test func everyTransitionAndEveryRefusal() throws {
        // An office's data (level 3): approved by the office or its region, accepted up to the nation.
        #expect(try decide(.approve, signer: 3, unit: 3).get() == 3)
        #expect(try decide(.approve, signer: 2, unit: 3).get() == 2)
        #expect(try decide(.accept, signer: 2, unit: 3, current: 3).get() == 2)
        #expect(try decide(.accept, signer: 1, unit: 3, current: 2).get() == 1)
        #expect(try decide(.return, signer: 1, unit: 3, current: 2, reason: "check March").get() == nil)
        #expect(try decide(.unapprove, role: .administrator, signer: 1, current: 1).get() == nil)
        #expect(try decide(.approve, role: .administrator, signer: 2).get() == 2, "administrators approve too")

        // Wrong role.
        for role in [Role.dataEntry, .analyst, .viewer] {
            #expect(refused(decide(.approve, role: role)) == .forbidden)
            #expect(refused(decide(.accept, role: role, signer: 1, current: 2)) == .forbidden)
        }
        #expect(refused(decide(.unapprove, role: .approver, signer: 1, current: 2)) == .forbidden)
        // Out of scope.
        #expect(refused(decide(.approve, signer: nil)) == .outOfScope)
        // Wrong level: the nation does not first-approve an office; nobody accepts their own level.
        #expect(refused(decide(.approve, signer: 1, unit: 3)) == .wrongLevel)
        #expect(refused(decide(.accept, signer: 2, unit: 3, current: 2)) == .wrongLevel)
        #expect(refused(decide(.accept, signer: 3, unit: 3, current: 3)) == .wrongLevel)
        #expect(refused(decide(.return, signer: 2, current: 2, reason: "x")) == .wrongLevel)
        // Incomplete form, invalid data.
        #expect(refused(decide(.approve, complete: false)) == .notComplete)
        #expect(refused(decide(.approve, high: 1)) == .invalidData)
        // Already approved; not approved.
        #expect(refused(decide(.approve, current: 2)) == .alreadyApproved)
        #expect(refused(decide(.accept, signer: 1, current: 1)) == .alreadyApproved)
        #expect(refused(decide(.accept, signer: 1)) == .notApproved)
        #expect(refused(decide(.return, signer: 1, reason: "x")) == .notApproved)
        #expect(refused(decide(.unapprove, role: .administrator, signer: 1)) == .notApproved)
        // A return says why.
        #expect(refused(decide(.return, signer: 1, current: 2, reason: "  ")) == .reasonRequired)
    }

    /// The signer of the last step takes it back while the level above has not acted: the nation
    /// its acceptance (back to the region's approval), the region its approval (back to none); the
    /// region cannot once the nation has accepted. Each step is audited, and the entry page offers it.
    @Test func theLastSignerTakesItsStepBackWhileTheLevelAboveHasNotActed() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            let body: [String: Any] = ["dataSet": "SECURITY", "period": "201710", "orgUnit": "ALA"]
            func step(_ action: String) -> [String: Any] { body.merging(["action": action]) { $1 } }
            var head = web
            try await head.signIn("almaty-head")
            var nation = web
            nation.cookies = [:]
            try await nation.signIn("national-head")
            var r = try await head.send(.post, "/api/dataApprovals", json: step("approve"))
            #expect(r.object["approvedLevel"] as? Int == 2)
            r = try await nation.send(.post, "/api/dataApprovals", json: step("accept"))
            #expect(r.object["approvedLevel"] as? Int == 1)
            r = try await head.send(.get, "/api/dataApprovals?ds=SECURITY&pe=201710&ou=ALA")
            #expect(r.object["mayWithdraw"] as? Bool == false)
            r = try await head.send(.post, "/api/dataApprovals", json: step("withdraw"))
            #expect(r.status == .conflict && r.object["code"] as? String == "wrong_level")
            let page = try await nation.send(.get, "/entry?ds=SECURITY&ou=ALA&pe=201710").text ?? ""
            #expect(page.contains("id=\"approval-withdraw\""))
            r = try await nation.send(.post, "/api/dataApprovals", json: step("withdraw"))
            #expect(r.status == .ok && r.object["approvedLevel"] as? Int == 2, "\(r.text ?? "")")
            r = try await head.send(.post, "/api/dataApprovals", json: step("withdraw"))
            #expect(r.status == .ok && r.object["state"] as? String == "UNAPPROVED", "\(r.text ?? "")")
            let steps = (r.object["history"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(steps.suffix(4) == ["APPROVE", "ACCEPT", "WITHDRAW", "WITHDRAW"], "\(steps)")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func theRegionApprovesTheNationAcceptsAndApprovedDataAreLocked(on backend: TestBackend) async throws {
        let state = try await WebFixture.state(on: backend)
        try await withApp(state) { web in
            let catalog = try state.store.catalog()
            let body: [String: Any] = ["dataSet": "SECURITY", "period": "201709", "orgUnit": "ALA"]
            func step(_ action: String, reason: String? = nil) -> [String: Any] {
                var b = body
                b["action"] = action
                if let reason { b["reason"] = reason }
                return b
            }
            // The data-entry user may not approve; the region's head may, once.
            try await web.signIn("almaty")
            var r = try await web.send(.post, "/api/dataApprovals", json: step("approve"))
            #expect(r.status == .forbidden && r.object["code"] as? String == "forbidden")
            var head = web
            head.cookies = [:]
            try await head.signIn("almaty-head")
            r = try await head.send(.get, "/api/dataApprovals?ds=SECURITY&pe=201709&ou=ALA")
            #expect(r.object["state"] as? String == "UNAPPROVED" && r.object["mayApprove"] as? Bool == true)
            r = try await head.send(.post, "/api/dataApprovals", json: step("approve"))
            #expect(r.status == .ok && r.object["approvedLevel"] as? Int == 2)
            r = try await head.send(.post, "/api/dataApprovals", json: step("approve"))
            #expect(r.status == .conflict && r.object["code"] as? String == "already_approved")
            r = try await head.send(.post, "/api/dataApprovals", json: step("accept"))
            #expect(r.status == .conflict && r.object["code"] as? String == "wrong_level")
            #expect(
                try await head.send(
                    .post, "/api/dataApprovals",
                    json: ["dataSet": "SECURITY", "period": "201709", "orgUnit": "AKT", "action": "approve"]
                ).status == .forbidden)

            // Approved data are locked: a value, a whole set, and the completion.
            r = try await web.send(
                .post, "/api/dataValues",
                json: ["dataElement": "CONVICTIONS", "period": "201709", "orgUnit": "ALA", "value": "7"])
            #expect(r.status == .conflict && "\(r.object)".contains("approved"))
            r = try await web.send(.post, "/api/completions", json: body.merging(["completed": false]) { a, _ in a })
            #expect(r.status == .conflict && r.object["code"] as? String == "form_locked")
            let page = try await web.send(
                .get, "/entry?ds=SECURITY&ou=\(try #require(catalog.unit("ALA")).uid)&pe=201709")
            #expect(page.text?.contains("Approved data are locked") == true)
            #expect(page.text?.contains(" disabled") == true)

            // The nation returns it with a reason, which the entry page shows; then the data are open.
            var nation = web
            nation.cookies = [:]
            try await nation.signIn("national-head")
            r = try await nation.send(.post, "/api/dataApprovals", json: step("return"))
            #expect(r.status == .badRequest && r.object["code"] as? String == "reason_required")
            r = try await nation.send(.post, "/api/dataApprovals", json: step("return", reason: "Convictions look low"))
            #expect(r.status == .ok && r.object["state"] as? String == "UNAPPROVED")
            let returned = try await web.send(
                .get, "/entry?ds=SECURITY&ou=\(try #require(catalog.unit("ALA")).uid)&pe=201709")
            #expect(returned.text?.contains("Convictions look low") == true)
            // The office opens its completed form, corrects it and completes it again.
            let value: [String: Any] = [
                "dataElement": "CONVICTIONS", "period": "201709", "orgUnit": "ALA", "value": "7",
            ]
            r = try await web.send(.post, "/api/dataValues", json: value)
            #expect(r.status == .conflict && r.object["code"] as? String == "form_complete")
            r = try await web.send(.post, "/api/completions", json: body.merging(["completed": false]) { $1 })
            #expect(r.status == .ok, "\(r.text ?? "")")
            r = try await web.send(.post, "/api/dataValues", json: value)
            #expect(r.status == .created)
            r = try await web.send(.post, "/api/completions", json: body)
            #expect(r.status == .ok, "\(r.text ?? "")")

            // Approved again by the region, accepted by the nation: approved to the national level.
            #expect(try await head.send(.post, "/api/dataApprovals", json: step("approve")).status == .ok)
            r = try await nation.send(.post, "/api/dataApprovals", json: step("accept"))
            #expect(r.status == .ok && r.object["state"] as? String == "APPROVED_NATIONALLY")
            // Only an administrator withdraws it, and it is recorded.
            #expect(try await nation.send(.post, "/api/dataApprovals", json: step("unapprove")).status == .forbidden)
            var admin = web
            admin.cookies = [:]
            try await admin.signIn("admin")
            #expect(try await admin.send(.post, "/api/dataApprovals", json: step("unapprove")).status == .ok)
            #expect(try await admin.send(.post, "/api/dataApprovals", json: step("dance")).status == .badRequest)

            // Every step is in the value's history.
            r = try await web.send(.get, "/api/audits/dataValue?de=CONVICTIONS&pe=201709&ou=ALA")
            let actions = r.array.compactMap { $0["action"] as? String }
            #expect(
                actions.filter { ["APPROVE", "ACCEPT", "RETURN", "UNAPPROVE"].contains($0) }
                    == ["APPROVE", "RETURN", "APPROVE", "ACCEPT", "UNAPPROVE"])
            #expect(r.array.contains { $0["newComment"] as? String == "Convictions look low" })
        }
    }

    @Test func anIncompleteOrInvalidFormIsNotApproved() async throws {
        let state = try await WebFixture.state()
        try await withApp(state) { web in
            try await web.signIn("admin")
            // Almaty city's fourth quarter of 2017 was never completed in the demo.
            var r = try await web.send(
                .post, "/api/dataApprovals",
                json: ["dataSet": "INVOLVEMENT", "period": "2017Q4", "orgUnit": "ALA", "action": "approve"])
            #expect(r.status == .conflict && r.object["code"] as? String == "not_complete")
            // Astana's first quarter breaks a high importance rule (and is not complete either).
            try state.store.setCompletion(
                dataSet: try #require(try state.store.catalog().dataSet("INVOLVEMENT")).uid, period: "2017Q1",
                unit: try #require(try state.store.catalog().unit("AST")).uid, complete: true, by: "t")
            r = try await web.send(
                .post, "/api/dataApprovals",
                json: ["dataSet": "INVOLVEMENT", "period": "2017Q1", "orgUnit": "AST", "action": "approve"])
            #expect(r.status == .conflict && r.object["code"] as? String == "invalid_data")
            // The registers' forms are not approved.
            let registerForm = try state.store.catalog().dataSets.first {
                $0.dataElements.allSatisfy { e in (try? state.store.catalog().element(e)?.derivedFrom) != nil }
            }
            if let form = registerForm, let unit = form.organisationUnits.first {
                r = try await web.send(
                    .post, "/api/dataApprovals",
                    json: ["dataSet": form.uid, "period": "2017", "orgUnit": unit, "action": "approve"])
                #expect(r.status == .badRequest)
            }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func theLockRefusesTheWholeBatchButLetsAnUnchangedFileThrough(on backend: TestBackend) throws {
        let (store, _) = try WebFixture.store(on: backend)
        let catalog = try store.catalog()
        let convictions = try #require(catalog.element("CONVICTIONS")).uid
        let approved = try #require(
            try store.values(elements: [convictions]).first { $0.key.period.iso.hasPrefix("2016") })
        let unit = try #require(catalog.unit(approved.key.unit)).code
        let same = DataValueInput(
            element: "CONVICTIONS", period: approved.key.period.iso, unit: unit, value: approved.value)
        let open = DataValueInput(element: "CONVICTIONS", period: "201711", unit: "ALA", value: "9")
        // The same value again changes nothing: accepted.
        let summary = try store.saveValues([same], user: "t")
        #expect(summary.unchanged == 1)
        // A change to it, in a batch with an open value: all refused, nothing written.
        var changed = same
        changed.value = String((Int(approved.value) ?? 0) + 1)
        #expect(throws: AccessDenied.self) { try store.saveValues([open, changed], user: "t") }
        let ala = try #require(catalog.unit("ALA")).uid
        let key = DataValueKey(
            element: try #require(catalog.element("CONVICTIONS")).uid, period: try Period("201711"), unit: ala)
        #expect(try store.value(key)?.value != "9", "the open value of the refused batch was rolled back")
        #expect(try store.value(approved.key)?.value == approved.value)
    }

    @Test func theDemoIsApprovedToTheNationUntil2016AndTheReportCanUseOnlyApprovedData() throws {
        let (store, engine) = try WebFixture.store()
        let catalog = engine.snapshot().catalog
        let approvals = try store.approvals()
        let security = try #require(catalog.dataSet("SECURITY")).uid
        let ala = try #require(catalog.unit("ALA")).uid
        #expect(
            approvals.contains { $0.dataSet == security && $0.period == "201612" && $0.unit == ala && $0.level == 1 })
        #expect(approvals.contains { $0.dataSet == security && $0.period == "201703" && $0.level == 2 })
        #expect(!approvals.contains { $0.dataSet == security && $0.period == "201709" })
        #expect(!approvals.contains { $0.period.hasPrefix("2017") && $0.level == 1 })

        // 2013–2016 figures stand on approved data alone; 2017's do not.
        let (approved, left) = try ReportOptions.approvedSnapshot(store: store, catalog: catalog)
        #expect(left > 0)
        let kz = try #require(catalog.unit("KZ")).uid
        let all = engine.snapshot()
        for (indicator, periods) in [("IND_CONVICTIONS", "2013..2016"), ("IND_TG_COVERAGE", "2016")] {
            let span = try PeriodSelection(periods).span
            #expect(
                approved.indicator(indicator, unit: kz, span: span)?.value
                    == all.indicator(indicator, unit: kz, span: span)?.value)
        }
        let y2017 = try PeriodSelection("2017").span
        #expect(approved.indicator("IND_CONVICTIONS", unit: kz, span: y2017)?.value == nil)
        // The registers' figures do not wait for approval.
        #expect(approved.indicator("IND_ACTS_PREVENTED", unit: kz, span: y2017)?.value != nil)

        let doc = try ReportOptions.build(
            store: store, snapshot: all, periods: "2013..2017", unit: nil, language: "ru", edition: "full",
            threshold: 5, approvedOnly: true)
        #expect(doc.markdown().contains("Построено только по данным, утверждённым на национальном уровне: \(left)"))
    }

    @Test func theCommandSaysWhereEachFormStands() throws {
        let db = Fixtures.temporaryPath()
        try FileManager.default.copyItem(atPath: WebFixture.template.path, toPath: db)
        let cli = CLIRunner()
        var run = try cli.qorgan(
            "approvals", "--data-set", "SECURITY", "--periods", "2017", "--unit", "ALA", "--history", database: db)
        #expect(run.status == 0)
        #expect(run.out.contains("SECURITY 2017: 6 approved: Region, 6 complete, not approved"))
        #expect(run.out.contains("201701  ALA   approved: Region") && run.out.contains("  approve → Region"))
        run = try cli.qorgan("approvals", "--data-set", "NOPE", "--periods", "2017-13", database: db)
        #expect(run.status == 1 && run.err.contains("NOPE") && run.err.contains("2017-13"))
    }
}
