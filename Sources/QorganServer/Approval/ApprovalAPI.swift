import Foundation
import Hummingbird
import QorganCore
import QorganStore

struct ApprovalBody: Decodable {
    var dataSet: String
    var period: String
    var orgUnit: String
    /// approve, accept, return, unapprove (any case).
    var action: String
    var reason: String?
}

/// Data approval: a form's data for a unit and period signed off up the hierarchy (see
/// `ApprovalRules`). Decided on the resolved form, unit and period, inside the write.
extension Handlers {
    /// What the approval of a form's data depends on, read once.
    struct ApprovalContext {
        var form: DataSet
        var period: Period
        var unit: OrgUnit
        var unitLevel: Int
        var signer: Int?
        var complete: Bool
        var highViolations: Int
    }

    /// `violations`: the form's, when the caller has them already.
    func approvalContext(
        _ form: DataSet, _ p: Period, _ u: OrgUnit, _ user: Principal, _ catalog: Catalog,
        violations: [ValidationViolation]? = nil
    ) throws -> ApprovalContext {
        guard catalog.isEntered(form) else {
            throw APIError.badRequest("dataSet", form.code, "its data come from the registers: nothing to approve")
        }
        guard catalog.assigns(form, to: u.uid) else {
            throw APIError.badRequest("orgUnit", u.code, "\(u.code) does not report on \(form.code)")
        }
        let today = state.today
        return ApprovalContext(
            form: form, period: p, unit: u, unitLevel: catalog.level(of: u.uid, on: today),
            signer: ApprovalRules.signingLevel(of: user, for: u.uid, in: catalog, on: today),
            complete: try store.completion(dataSet: form.uid, period: p.iso, unit: u.uid) != nil,
            highViolations: try (violations ?? state.formViolations(form, p, u)).filter { $0.importance == .high }.count
        )
    }

    func decide(
        _ action: ApprovalAction, _ a: ApprovalContext, _ role: Role, current: ApprovalRecord?, reason: String?
    ) -> Result<Int?, ApprovalRefusal> {
        ApprovalRules.decide(
            action, role: role, signer: a.signer, unitLevel: a.unitLevel, current: current?.level,
            complete: a.complete, highViolations: a.highViolations, reason: reason, firstLevel: current?.firstLevel)
    }

    /// The approval of a form's data as the API and the entry page show it: its level, who and
    /// when, what the caller may do next, and every step so far.
    func approvalStatus(_ a: ApprovalContext, _ user: Principal, _ catalog: Catalog, language: String) throws
        -> JSONValue
    {
        let current = try store.approval(dataSet: a.form.uid, period: a.period.iso, unit: a.unit.uid)
        let history = try store.approvalHistory(dataSet: a.form.uid, period: a.period.iso, unit: a.unit.uid)
        let stamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        func may(_ action: ApprovalAction) -> JSONValue {
            // A return needs a reason: whether it may be returned is asked with one.
            if case .success = decide(action, a, user.role, current: current, reason: "?") { return .bool(true) }
            return .bool(false)
        }
        let levelName = { (level: Int) -> String in
            catalog.organisationUnitLevels.first { $0.level == level }?.name ?? "level \(level)"
        }
        return .object([
            ("dataSet", .string(a.form.uid)), ("period", .string(a.period.iso)), ("orgUnit", .string(a.unit.uid)),
            (
                "state",
                .string(current.map { $0.level == 1 ? "APPROVED_NATIONALLY" : "APPROVED" } ?? "UNAPPROVED")
            ),
            ("approvedLevel", current.map { .number(Double($0.level)) } ?? .null),
            ("approvedLevelName", .string(current.map { levelName($0.level) })),
            ("approvedBy", .string(current?.by)), ("approvedAt", .string(current.map { $0.at.formatted(stamp) })),
            ("unitLevel", .number(Double(a.unitLevel))), ("complete", .bool(a.complete)),
            ("mayApprove", may(.approve)), ("mayAccept", may(.accept)), ("mayReturn", may(.return)),
            ("mayUnapprove", may(.unapprove)), ("mayWithdraw", may(.withdraw)),
            (
                "history",
                .array(
                    history.map { e in
                        .object([
                            ("action", .string(e.action.rawValue)),
                            ("level", e.level.map { .number(Double($0)) } ?? .null),
                            ("reason", .string(e.reason)), ("by", .string(e.by)),
                            ("at", .string(e.at.formatted(stamp))),
                        ])
                    })
            ),
        ])
    }

    /// GET /api/dataApprovals?ds=&pe=&ou=
    func getApproval(_ r: Request, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        let catalog = try catalog()
        let (form, p, u) = try formKey(
            dataSet: HTTP.param(r, "ds") ?? HTTP.param(r, "dataSet"), period: HTTP.param(r, "pe"),
            unit: HTTP.param(r, "ou"), c, catalog)
        let a = try approvalContext(form, p, u, user, catalog)
        return HTTP.data(
            try approvalStatus(a, user, catalog, language: c.language).data, type: "application/json; charset=utf-8")
    }

    /// POST /api/dataApprovals: one step (approve, accept, return with a reason, unapprove).
    func postApproval(_ b: ApprovalBody, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        let catalog = try catalog()
        guard let action = ApprovalAction(rawValue: b.action.uppercased()) else {
            throw APIError.badRequest(
                "action", b.action,
                "one of \(ApprovalAction.allCases.map { $0.rawValue.lowercased() }.joined(separator: ", "))")
        }
        if let reason = b.reason, reason.count > 1000 {
            throw APIError.badRequest("reason", String(reason.prefix(20)) + "…", "at most 1000 characters")
        }
        let (form, p, u) = try formKey(dataSet: b.dataSet, period: b.period, unit: b.orgUnit, c, catalog)
        let a = try approvalContext(form, p, u, user, catalog)
        let reason = b.reason.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        do {
            try store.approve(
                action, dataSet: form.uid, period: p.iso, unit: u.uid, reason: reason, by: user.username
            ) { current in
                try decide(action, a, user.role, current: current, reason: reason).get()
            }
        } catch let refusal as ApprovalRefusal {
            let status: HTTPResponse.Status
            switch refusal.code {
            case .forbidden, .outOfScope: status = .forbidden
            case .reasonRequired, .notApprovable: status = .badRequest
            default: status = .conflict
            }
            throw APIError(status, code: refusal.code.rawValue, refusal.message)
        }
        let after = try store.approval(dataSet: form.uid, period: p.iso, unit: u.uid)
        state.notify(
            "approval." + action.rawValue.lowercased(),
            [
                ("dataSet", .string(form.code)), ("period", .string(p.iso)), ("orgUnit", .string(u.code)),
                ("by", .string(user.username)), ("level", after.map { .number(Double($0.level)) } ?? .null),
                ("reason", .string(reason)),
            ])
        return HTTP.data(
            try approvalStatus(a, user, catalog, language: c.language).data, type: "application/json; charset=utf-8")
    }
}
