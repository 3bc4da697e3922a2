import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// A form's approval, step by step, as the data entry page shows and posts it.
extension PageHandlers {
    /// The entry page's approval box: where the sign-off stands, the last return's reason, and
    /// the steps the user may take (each a small form posting to /entry/approval).
    func approvalContext(
        _ form: DataSet, _ period: Period, _ unit: OrgUnit, _ user: Principal, _ catalog: Catalog,
        _ current: ApprovalRecord?, _ violations: [ValidationViolation], _ r: Request, _ lang: String
    ) throws -> Ctx? {
        guard catalog.isEntered(form) else { return nil }
        let t = state.messages.table(lang)
        let a = try api.approvalContext(form, period, unit, user, catalog, violations: violations)
        let history = try state.store.approvalHistory(dataSet: form.uid, period: period.iso, unit: unit.uid)
        let levelName = { (level: Int) -> String in
            catalog.organisationUnitLevels.first { $0.level == level }?.name(in: lang) ?? String(level)
        }
        var ctx: Ctx = ["approved": current != nil]
        if let current {
            ctx["status"] =
                (current.level == 1
                    ? t["approval_national"] ?? "Approved to the national level"
                    : (t["approval_atLevel"] ?? "Approved at level") + " " + levelName(current.level))
                + " — \(current.by), \(state.time(current.at))"
        } else {
            ctx["status"] = t["approval_none"] ?? "Not approved"
        }
        if let last = history.last, last.action == .return {
            ctx["returned"] =
                (t["approval_returnedBy"] ?? "Returned by")
                + " \(last.by) (\(state.time(last.at))): \(last.reason ?? "")"
        }
        var actions: [Ctx] = []
        for action in ApprovalAction.allCases {
            guard case .success = api.decide(action, a, user.role, current: current, reason: "?") else {
                continue
            }
            actions.append([
                "action": action.rawValue.lowercased(),
                "label": t["approval_" + action.rawValue.lowercased()] ?? action.rawValue,
                "needsReason": action == .return,
            ])
        }
        ctx["actions"] = actions
        if let code = HTTP.param(r, "approvalError") {
            ctx["error"] = t["approval_error_" + code] ?? code
        }
        return ctx
    }

    /// POST /entry/approval: one approval step from the entry page, then back to it.
    func approvalStep(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        let ds = form["ds"] ?? ""
        let ou = form["ou"] ?? ""
        let pe = form["pe"] ?? ""
        let allowed = CharacterSet.alphanumerics
        func q(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        // Back to the entry page, or to the overview the step was taken from.
        let overview = form["back"].map { HTTP.localPath($0, fallback: "") }.flatMap {
            $0.hasPrefix("/approvals") ? $0 : nil
        }
        let back = overview ?? "/entry?ds=\(q(ds))&ou=\(q(ou))&pe=\(q(pe))"
        do {
            _ = try api.postApproval(
                ApprovalBody(
                    dataSet: ds, period: pe, orgUnit: ou, action: form["action"] ?? "", reason: form["reason"]), c)
            return HTTP.redirect(back)
        } catch let e as APIError where e.status != .badRequest || e.code == "reason_required" {
            return HTTP.redirect(back + (back.contains("?") ? "&" : "?") + "approvalError=\(q(e.code))")
        }
    }
}
