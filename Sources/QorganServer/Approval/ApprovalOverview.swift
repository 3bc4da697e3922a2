import Foundation
import Hummingbird
import QorganCore
import QorganStore

/// Where the sign-off of a form stands across units and periods (DHIS2's Data Approval app):
/// each expected report's state, who signed and when, and the steps the caller may take, decided
/// by the same rules as one step (`ApprovalRules.decide`).
struct ApprovalOverviewRow {
    var unit: OrgUnit
    var period: Period
    var complete: Bool
    var current: ApprovalRecord?
    /// The steps the caller may take now (a return also needs a reason).
    var actions: [ApprovalAction]

    /// approved (nationally or at a level), complete (ready to approve) or open.
    var state: String {
        guard let current else { return complete ? "READY" : "OPEN" }
        return current.level == 1 ? "APPROVED_NATIONALLY" : "APPROVED"
    }
}

extension Handlers {
    /// Reports one overview may list.
    static let maxApprovalRows = 5_000

    /// The rows for `form` in `root`'s subtree over `span`, the units the caller can see only.
    func approvalOverview(form: DataSet, root: OrgUnit, span: DaySpan, user: Principal, catalog: Catalog) throws
        -> [ApprovalOverviewRow]
    {
        guard catalog.isEntered(form) else {
            throw APIError.badRequest("ds", form.code, "its data come from the registers: nothing to approve")
        }
        let completeness: Completeness
        do {
            completeness = try store.completeness(
                of: form, roots: [root.uid], span: span, catalog: catalog, maxCells: Self.maxApprovalRows)
        } catch QorganError.invalidRequest(_, let problems) {
            throw APIError.illegalQuery(
                "pe", nil,
                problems.map(\.reason).joined(separator: "; ") + " (at most \(Self.maxApprovalRows) reports at once)")
        }
        guard completeness.cells.count <= Self.maxApprovalRows else {
            throw APIError.illegalQuery(
                "pe", nil,
                "\(completeness.cells.count) reports: at most \(Self.maxApprovalRows) at once (a shorter span or a smaller unit)"
            )
        }
        let today = state.today
        var approvals: [String: ApprovalRecord] = [:]
        for a in try store.approvals(dataSet: form.uid) { approvals[a.key] = a }
        var rows: [ApprovalOverviewRow] = []
        for cell in completeness.cells where user.canSee(cell.unit, in: catalog, on: today) {
            guard let unit = catalog.unit(cell.unit) else { continue }
            let current = approvals["\(form.uid)|\(cell.period.iso)|\(unit.uid)"]
            let unitLevel = catalog.level(of: unit.uid, on: today)
            let signer = ApprovalRules.signingLevel(of: user, for: unit.uid, in: catalog, on: today)
            // The rules are read only where a first approval could follow (complete, not approved, the caller's level).
            let mayApprove = current == nil && cell.complete && (signer ?? 0) >= unitLevel - 1 && user.role.canApprove
            let high =
                mayApprove
                ? try state.formViolations(form, cell.period, unit).filter { $0.importance == .high }.count : 0
            let context = ApprovalContext(
                form: form, period: cell.period, unit: unit, unitLevel: unitLevel, signer: signer,
                complete: cell.complete, highViolations: high)
            let actions = ApprovalAction.allCases.filter { action in
                if case .success = decide(action, context, user.role, current: current, reason: "?") { return true }
                return false
            }
            rows.append(
                ApprovalOverviewRow(
                    unit: unit, period: cell.period, complete: cell.complete, current: current, actions: actions))
        }
        return rows
    }

    /// `GET /api/dataApprovals/approvals?ds=&pe=&ou=`: every expected report of the form in the
    /// unit's subtree over the periods, with its state, who approved it and when, and what the
    /// caller may do (`permissions`, as DHIS2's `mayApprove`, `mayAccept`, …).
    func approvalList(_ r: Request, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        let catalog = try catalog()
        guard let ds = HTTP.param(r, "ds") ?? HTTP.param(r, "dataSet") else {
            throw APIError.badRequest("ds", nil, "required: the form (code or uid)")
        }
        guard let form = catalog.dataSet(ds) else {
            throw APIError.unknown("ds", ds, "no data set with this code or uid")
        }
        let unitRef = HTTP.param(r, "ou") ?? user.units.first ?? ""
        guard let unit = catalog.unit(unitRef) else { throw APIError.unknown("ou", unitRef, catalog.noUnit(unitRef)) }
        guard user.canSee(unit.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(unitRef) }
        let pe = HTTP.param(r, "pe") ?? String(state.today.year)
        guard let selection = try? PeriodSelection(pe) else {
            throw APIError.badRequest("pe", pe, "a period or range (2017, 2016..2017, 201701..201706)")
        }
        let rows = try approvalOverview(form: form, root: unit, span: selection.span, user: user, catalog: catalog)
        let stamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let list: [JSONValue] = rows.map { row in
            .object([
                ("dataSet", .string(form.uid)), ("period", .string(row.period.iso)), ("orgUnit", .string(row.unit.uid)),
                ("orgUnitCode", .string(row.unit.code)), ("orgUnitName", .string(row.unit.name(in: c.language))),
                ("state", .string(row.state)), ("complete", .bool(row.complete)),
                ("approvedLevel", row.current.map { .int($0.level) } ?? .null),
                ("approvedBy", .string(row.current?.by)),
                ("approvedAt", .string(row.current.map { $0.at.formatted(stamp) })),
                (
                    "permissions",
                    .object(
                        ApprovalAction.allCases.map { a in
                            (
                                "may" + a.rawValue.prefix(1) + a.rawValue.dropFirst().lowercased(),
                                .bool(row.actions.contains(a))
                            )
                        })
                ),
            ])
        }
        return HTTP.data(JSONValue.array(list).data, type: "application/json; charset=utf-8")
    }
}

extension PageHandlers {
    /// `/approvals`: the overview page, filtered by form, unit, periods and what is shown (all,
    /// waiting for the caller's step, not approved, approved), each row with its steps.
    func approvals(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let (forms, form) = try formChoice(r, user, catalog)
        let (unit, pe, selection) = try unitAndPeriods(r, user, catalog)
        let show = HTTP.param(r, "show") ?? "all"
        guard ["all", "mine", "open", "approved"].contains(show) else {
            throw APIError.badRequest("show", show, "all, mine, open or approved")
        }
        let all = try api.approvalOverview(
            form: form, root: unit, span: selection.span, user: user, catalog: catalog)
        let rows = all.filter { row in
            switch show {
            case "mine": return !row.actions.isEmpty
            case "open": return row.current == nil
            case "approved": return row.current != nil
            default: return true
            }
        }
        let levelName = { (level: Int) -> String in
            catalog.organisationUnitLevels.first { $0.level == level }?.name(in: lang) ?? String(level)
        }
        let back = r.uri.path + (r.uri.query.map { "?" + $0 } ?? "")
        let shown = rows.prefix(500)
        return render(
            "approvals", c, r, title: t["approvals_title"] ?? "Approvals", active: "validation",
            [
                "active_approvalsPage": true,
                "forms": forms.map {
                    ["uid": $0.uid, "name": $0.name(in: lang), "selected": $0.uid == form.uid] as Ctx
                },
                "units": unitChoices(user, catalog, selected: unit.uid, lang: lang), "pe": pe,
                "shows": ["all", "mine", "open", "approved"].map {
                    ["value": $0, "label": t["approvals_show_" + $0] ?? $0, "selected": $0 == show] as Ctx
                },
                "summary": fill(
                    t["approvals_summary"] ?? "",
                    [
                        "approved": "\(all.filter { $0.current != nil }.count)", "total": "\(all.count)",
                        "mine": "\(all.filter { !$0.actions.isEmpty }.count)",
                    ]),
                "more": rows.count > shown.count ? fill(t["approvals_more"] ?? "", ["count": "\(rows.count)"]) : "",
                "back": back,
                "error": HTTP.param(r, "approvalError").map { t["approval_error_" + $0] ?? $0 } as Any,
                "rows": shown.map { row -> Ctx in
                    let status: String
                    if let current = row.current {
                        status =
                            current.level == 1
                            ? t["approval_national"] ?? ""
                            : (t["approval_atLevel"] ?? "") + " " + levelName(current.level)
                    } else {
                        status = row.complete ? t["approvals_ready"] ?? "" : t["approvals_open"] ?? ""
                    }
                    return [
                        "unit": row.unit.name(in: lang), "unitUid": row.unit.uid,
                        "period": state.messages.periodName(row.period, lang), "pe": row.period.iso,
                        "state": row.state.lowercased(), "status": status,
                        "signed": row.current.map { "\($0.by), \(state.time($0.at))" } ?? "",
                        "entry": "/entry?ds=\(form.uid)&ou=\(row.unit.uid)&pe=\(row.period.iso)",
                        "actions": row.actions.filter { $0 != .return && $0 != .unapprove }.map { a -> Ctx in
                            [
                                "action": a.rawValue.lowercased(),
                                "label": t["approval_" + a.rawValue.lowercased()] ?? "",
                            ]
                        },
                        // A return needs its reason and an administrator's withdrawal its look at the data: both on the form.
                        "onForm": row.actions.contains(.return) || row.actions.contains(.unapprove),
                    ]
                },
                "ds": form.uid,
            ])
    }
}
