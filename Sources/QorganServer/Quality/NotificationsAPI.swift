import Foundation
import Hummingbird
import QorganAnalytics
import QorganCore
import QorganStore

/// What needs a user's attention, computed when asked from the data as they are (nothing is
/// stored, so nothing is stale): forms due or overdue in their units, validation rules broken in
/// data they entered, approvals waiting for them, prescriptions past due.
struct Notice: Sendable {
    enum Kind: String, Sendable, CaseIterable { case overdue, due, approval, violation, prescription }
    var kind: Kind
    /// A sentence in the user's language.
    var text: String
    var link: String
    var period: String?
    var count: Int
}

extension Handlers {
    /// How many periods back forms are watched for being due or overdue.
    static let watchedPeriods = 3

    func notices(_ user: Principal, _ catalog: Catalog, _ lang: String) throws -> [Notice] {
        let t = state.messages.table(lang)
        let today = state.today
        func text(_ key: String, _ fields: [String: String]) -> String {
            var s = t[key] ?? key
            for (k, v) in fields { s = s.replacingOccurrences(of: "{\(k)}", with: v) }
            return s
        }
        var out: [Notice] = []
        let completions = try store.completions()
        let typed = catalog.dataSets.filter { catalog.isEntered($0) }

        // Forms due or overdue: the last few periods that have ended, not complete.
        if user.role.canWriteValues {
            let completed = Set(completions.map { "\($0.dataSet)|\($0.period)|\($0.unit)" })
            for form in typed {
                let units = form.organisationUnits.filter { user.canSee($0, in: catalog, on: today) }
                guard !units.isEmpty else { continue }
                var p = Period.containing(today, type: form.periodType).previous
                for _ in 0..<Self.watchedPeriods {
                    let missing = units.filter { u in
                        (catalog.unit(u)?.isOpen(throughout: p.span) ?? false)
                            && !completed.contains("\(form.uid)|\(p.iso)|\(u)")
                    }
                    if !missing.isEmpty {
                        let deadline = p.end.adding(days: form.timelyDays)
                        let overdue = deadline < today
                        out.append(
                            Notice(
                                kind: overdue ? .overdue : .due,
                                text: text(
                                    overdue ? "notice_overdue" : "notice_due",
                                    [
                                        "form": form.name(in: lang), "period": p.iso, "count": String(missing.count),
                                        "date": deadline.description,
                                    ]),
                                link: "/completeness?ds=\(form.uid)&pe=\(p.iso)", period: p.iso, count: missing.count))
                    }
                    p = p.previous
                }
            }
        }

        // Approvals waiting for this user: to approve first, or to accept from the level below.
        if user.role.canApprove {
            let approvals = Dictionary(
                try store.approvals().map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
            var waiting: [String: (form: DataSet, period: String, accept: Bool, count: Int)] = [:]
            for c in completions {
                guard let form = catalog.dataSet(c.dataSet), user.canSee(c.unit, in: catalog, on: today),
                    let signer = ApprovalRules.signingLevel(of: user, for: c.unit, in: catalog, on: today)
                else { continue }
                let key = "\(c.dataSet)|\(c.period)|\(c.unit)"
                let accept: Bool
                if let a = approvals[key] {
                    guard a.level > 1, signer == a.level - 1 else { continue }
                    accept = true
                } else {
                    guard signer >= catalog.level(of: c.unit, on: today) - 1 else { continue }
                    accept = false
                }
                let group = "\(accept)|\(c.dataSet)|\(c.period)"
                waiting[group, default: (form, c.period, accept, 0)].count += 1
            }
            let groups = waiting.values.sorted {
                (Period.parse($0.period)?.start ?? today, $0.form.code) > (
                    Period.parse($1.period)?.start ?? today, $1.form.code
                )
            }
            for g in groups.prefix(30) {
                out.append(
                    Notice(
                        kind: .approval,
                        text: text(
                            g.accept ? "notice_accept" : "notice_approve",
                            ["form": g.form.name(in: lang), "period": g.period, "count": String(g.count)]),
                        link: "/completeness?ds=\(g.form.uid)&pe=\(g.period)", period: g.period, count: g.count))
            }
        }

        // Rules broken in data this user entered (the latest year with data).
        if user.role.canWriteValues, let year = state.dataYears()?.upperBound, let span = Period.year(year)?.span {
            let entered = Set(
                try store.values(within: span).filter { $0.storedBy == user.username }.map {
                    "\($0.key.unit)|\($0.key.period.iso)"
                })
            if !entered.isEmpty {
                let outcome = try state.engine.snapshot().validate(ValidationScope(units: user.units, span: span))
                for v in outcome.violations where entered.contains("\(v.unit)|\(v.period)") {
                    let ctx = state.violationContext(v, catalog, lang)
                    let form = catalog.form(of: v)
                    out.append(
                        Notice(
                            kind: .violation,
                            text: text(
                                "notice_violation",
                                [
                                    "rule": ctx["rule"] as? String ?? "", "unit": ctx["unit"] as? String ?? "",
                                    "period": v.period,
                                ]),
                            link: form.map { "/entry?ds=\($0.uid)&ou=\(v.unit)&pe=\(v.period)" } ?? "/validation",
                            period: v.period, count: 1))
                }
            }
        }

        // Prescriptions of vulnerable sites past due: the latest ten, and how many more.
        let overdue = try store.siteFlags(on: today, units: user.units).overdue.sorted {
            ($0.prescription.due, $0.site.name) > ($1.prescription.due, $1.site.name)
        }
        for o in overdue.prefix(10) {
            out.append(
                Notice(
                    kind: .prescription,
                    text: text(
                        "notice_prescription",
                        [
                            "site": o.site.text("name", in: lang), "date": o.prescription.due.description,
                            "text": o.prescription.text(in: lang),
                        ]),
                    link: "/sites/\(o.site.uid)", period: nil, count: 1))
        }
        if overdue.count > 10 {
            out.append(
                Notice(
                    kind: .prescription,
                    text: text("notice_prescriptionsMore", ["count": String(overdue.count - 10)]),
                    link: "/sites", period: nil, count: overdue.count - 10))
        }
        return out
    }

    /// GET /api/notifications
    func notificationsJSON(_ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        let list = try notices(user, try catalog(), c.language)
        return HTTP.data(
            JSONValue.object([
                ("count", .number(Double(list.count))),
                (
                    "notifications",
                    .array(
                        list.map { n in
                            .object([
                                ("kind", .string(n.kind.rawValue)), ("text", .string(n.text)),
                                ("link", .string(n.link)),
                                ("period", .string(n.period)), ("count", .number(Double(n.count))),
                            ])
                        })
                ),
            ]).data, type: "application/json; charset=utf-8")
    }
}
