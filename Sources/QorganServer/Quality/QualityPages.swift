import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// Data quality: validation rules, outliers and their follow-up, completeness, and notifications.
extension PageHandlers {
    /// The data quality pages' unit (the user's first when none is asked; within their units) and
    /// period or range (the last year with data when none is asked).
    func unitAndPeriods(_ r: Request, _ user: Principal, _ catalog: Catalog) throws -> (
        OrgUnit, String, PeriodSelection
    ) {
        let unitRef = HTTP.param(r, "ou") ?? user.units.first ?? ""
        guard let unit = catalog.unit(unitRef) else {
            throw APIError.unknown("ou", unitRef, "no organisation unit with this code or uid")
        }
        guard user.canSee(unit.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(unitRef) }
        let pe = HTTP.param(r, "pe") ?? String(years().last ?? state.today.year)
        guard let selection = try? PeriodSelection(pe) else {
            throw APIError.badRequest("pe", pe, "not a period or range (2017, 2016..2017, 2017Q1)")
        }
        return (unit, pe, selection)
    }

    /// The forms people enter in the user's units, and the one `ds` names (the first by default).
    func formChoice(_ r: Request, _ user: Principal, _ catalog: Catalog) throws -> (forms: [DataSet], form: DataSet) {
        let today = state.today
        let forms = catalog.dataSets.filter { ds in
            catalog.isEntered(ds) && ds.organisationUnits.contains { user.canSee($0, in: catalog, on: today) }
        }
        let dsRef = HTTP.param(r, "ds") ?? forms.first?.uid ?? ""
        guard let form = catalog.dataSet(dsRef) else {
            throw APIError.unknown("ds", dsRef, "no data set with this code or uid")
        }
        return (forms, form)
    }

    /// The rules broken in the user's units for a period or range, each linked to its form.
    func validation(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let engine = state.engine.snapshot()
        let catalog = engine.catalog
        let lang = c.language
        let t = state.messages.table(lang)
        let (unit, pe, selection) = try unitAndPeriods(r, user, catalog)
        let importance = try HTTP.importance(r)
        let outcome: ValidationOutcome
        do {
            outcome = try engine.validate(
                ValidationScope(
                    units: [unit.uid], span: selection.span, maxChecks: state.configuration.queryLimits.maxCells))
        } catch QorganError.invalidRequest(_, let problems) {
            throw APIError.badRequest("pe", pe, problems.map(\.reason).joined(separator: "; "))
        }
        let shown = outcome.violations.filter { importance == nil || $0.importance == importance }
        let rows: [Ctx] = shown.map { v in
            var row = state.violationContext(v, catalog, lang)
            // The form where the unit enters the rule's data, if it enters any.
            if let form = catalog.form(of: v) { row["link"] = "/entry?ds=\(form.uid)&ou=\(v.unit)&pe=\(v.period)" }
            return row
        }
        return render(
            "validation", c, r, title: t["validation_title"] ?? "Validation rules", active: "validation",
            [
                "active_validationRules": true,
                "units": unitChoices(user, catalog, selected: unit.uid, lang: lang), "pe": pe,
                "importances": ValidationRule.Importance.allCases.map { i -> Ctx in
                    [
                        "value": i.rawValue, "name": t["validation_importance_" + i.rawValue] ?? i.rawValue,
                        "selected": i == importance,
                    ]
                },
                "violations": rows, "count": shown.count, "checked": outcome.checked, "empty": shown.isEmpty,
            ])
    }

    /// What needs the user's attention, by kind, each linked to where it is dealt with.
    func notifications(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let list = try api.notices(user, catalog, lang)
        let groups: [Ctx] = Notice.Kind.allCases.compactMap { kind in
            let items = list.filter { $0.kind == kind }
            guard !items.isEmpty else { return nil }
            return [
                "kind": kind.rawValue, "title": t["notifications_kind_" + kind.rawValue] ?? kind.rawValue,
                "count": items.count, "items": items.map { ["text": $0.text, "link": $0.link] as Ctx },
            ]
        }
        return render(
            "notifications", c, r, title: t["notifications_title"] ?? "Notifications", active: "notifications",
            ["groups": groups, "empty": groups.isEmpty, "count": list.count])
    }

    /// The largest outliers in a unit's subtree for a period or range, each with its series'
    /// median and mean, a follow-up mark to set or clear, and a link to its history.
    func outliers(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let unit = HTTP.param(r, "ou") ?? user.units.first ?? ""
        let pe = HTTP.param(r, "pe") ?? String(years().last ?? state.today.year)
        // The page's defaults (the user's first unit, the last year, 200 rows), read as the API reads.
        let defaults = ["ou": [unit], "pe": [pe], "maxResults": ["200"]]
        let q = try api.outlierRequest(
            { name in defaults[name] ?? HTTP.params(r, name) }, c, catalog)
        let found = try api.detectOutliers(q, catalog)
        func fmt(_ d: Double?) -> String { d.map { formatNumber(($0 * 100).rounded() / 100) } ?? "–" }
        let rows: [Ctx] = found.map { o in
            let coc = catalog.optionCombo(uid: o.key.optionCombo)
            let element = catalog.element(o.key.element)
            return [
                "element": (element?.name(in: lang) ?? o.key.element)
                    + (coc.map { $0.code == "default" ? "" : " — " + catalog.name(of: $0, in: lang) } ?? ""),
                "unit": catalog.unit(o.key.unit)?.name(in: lang) ?? o.key.unit, "period": o.key.period.iso,
                "value": fmt(o.value), "median": fmt(o.statistics?.median), "mean": fmt(o.statistics?.mean),
                "score": o.score.map { String(format: "%.1f", $0) } ?? "–",
                "bounds": o.bounds.map { "\(fmt($0.min))–\(fmt($0.max))" } ?? "–", "followUp": o.followUp,
                "de": o.key.element, "co": o.key.optionCombo, "ou": o.key.unit,
                "history":
                    "/history?de=\(o.key.element)&pe=\(o.key.period.iso)&ou=\(o.key.unit)&co=\(o.key.optionCombo)",
            ]
        }
        return render(
            "outliers", c, r, title: t["outliers_title"] ?? "Outliers", active: "validation",
            [
                "active_outliersPage": true, "units": unitChoices(user, catalog, selected: unit, lang: lang), "pe": pe,
                "algorithms": OutlierAlgorithm.allCases.map { a -> Ctx in
                    [
                        "value": a.rawValue, "name": t["outliers_" + a.rawValue] ?? a.rawValue,
                        "selected": a == q.algorithm,
                    ]
                },
                "threshold": formatNumber(q.threshold), "rows": rows, "count": rows.count, "empty": rows.isEmpty,
                "back": "/outliers?" + (r.uri.query ?? ""),
            ])
    }

    /// POST /outliers/followup: set or clear a value's follow-up mark, then back to the list.
    func followUp(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        _ = try api.setFollowUp(
            FollowUpBody(
                dataElement: form["de"] ?? "", period: form["pe"] ?? "", orgUnit: form["ou"] ?? "",
                categoryOptionCombo: form["co"], followup: form["followup"] == "true"), c)
        let back = form["back"] ?? "/outliers"
        return HTTP.redirect(back.hasPrefix("/outliers") ? back : "/outliers")
    }

    /// A form's completeness and timeliness for a unit's subtree and a period or range: by the
    /// units below it, by period (table and chart), and the reports that never arrived.
    func completeness(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let (forms, form) = try formChoice(r, user, catalog)
        let (unit, pe, selection) = try unitAndPeriods(r, user, catalog)
        let result: Completeness
        do {
            result = try state.store.completeness(
                of: form, roots: [unit.uid], span: selection.span, catalog: catalog,
                maxCells: state.configuration.queryLimits.maxCells)
        } catch QorganError.invalidRequest(_, let problems) {
            throw APIError.badRequest("pe", pe, problems.map(\.reason).joined(separator: "; "))
        }
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f %%", $0) } ?? "–" }
        func counts(_ name: String, _ k: Completeness.Counts) -> Ctx {
            [
                "name": name, "expected": k.expected, "reported": k.reported, "complete": k.complete,
                "onTime": k.onTime, "rate": pct(k.reportingRate), "onTimeRate": pct(k.onTimeRate),
                "short": k.complete < k.expected,
            ]
        }
        // Rows by unit: the children of the chosen unit (their subtrees summed), or the unit itself.
        let children = catalog.children(of: unit.uid, on: selection.span.end)
        let groups: [OrgUnit] = children.isEmpty ? [unit] : children
        var unitRows: [Ctx] = []
        for g in groups {
            var k = Completeness.Counts()
            var any = false
            for cell in result.cells where catalog.isInSubtree(cell.unit, of: g.uid, on: cell.period.start) {
                any = true
                k.expected += 1
                if cell.reported { k.reported += 1 }
                if cell.complete { k.complete += 1 }
                if cell.onTime { k.onTime += 1 }
            }
            if any { unitRows.append(counts(g.name(in: lang), k)) }
        }
        let byPeriod = result.byPeriod
        let periodRows = result.periods.map {
            counts(state.messages.periodName($0, lang), byPeriod[$0] ?? Completeness.Counts())
        }
        let chart =
            result.periods.count > 1
            ? Chart.svg(
                .line, title: (t["completeness_chartTitle"] ?? "Reporting rate") + " — " + form.name(in: lang),
                labels: result.periods.map(\.iso),
                series: [
                    Chart.Series(
                        name: t["completeness_rate"] ?? "complete",
                        values: result.periods.map { byPeriod[$0]?.reportingRate }),
                    Chart.Series(
                        name: t["completeness_onTimeRate"] ?? "on time",
                        values: result.periods.map { byPeriod[$0]?.onTimeRate }),
                ], decimals: 1, width: 760, height: 260) : nil
        let missing = result.missing
        return render(
            "completeness", c, r, title: t["completeness_title"] ?? "Completeness", active: "validation",
            [
                "active_completenessPage": true,
                "forms": forms.map {
                    ["uid": $0.uid, "name": $0.name(in: lang), "selected": $0.uid == form.uid] as Ctx
                },
                "units": unitChoices(user, catalog, selected: unit.uid, lang: lang), "pe": pe,
                "formName": form.name(in: lang), "unitName": unit.name(in: lang), "timelyDays": form.timelyDays,
                "total": counts(unit.name(in: lang), result.total), "unitRows": unitRows, "periodRows": periodRows,
                "chart": chart as Any,
                "missing": missing.prefix(200).map { m -> Ctx in
                    [
                        "unit": catalog.unit(m.unit)?.name(in: lang) ?? m.unit,
                        "period": state.messages.periodName(m.period, lang),
                        "link": "/entry?ds=\(form.uid)&ou=\(m.unit)&pe=\(m.period.iso)",
                    ]
                },
                "missingCount": missing.count, "allReported": missing.isEmpty,
            ])
    }
}
