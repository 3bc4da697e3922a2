import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// Data entry: a form for a unit and period, its blank paper copy, and a value's history.
extension PageHandlers {
    /// A blank paper form for a unit and period: every element and breakdown with a box to write in.
    func blankForm(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let (form, period, unit) = try api.sheetKey(
            HTTP.param(r, "ds"), HTTP.param(r, "pe"), HTTP.param(r, "ou"), c, catalog)
        let rows = FormSheet.cells(of: form, catalog).map { e, coc -> Ctx in
            [
                "name": e.name(in: lang), "code": "\(e.code).\(coc.code)",
                "breakdown": coc.code == "default" ? "" : catalog.name(of: coc, in: lang),
            ]
        }
        return render(
            "entry-blank", c, r, title: (t["blank_title"] ?? "Paper form") + " — " + form.name(in: lang),
            active: "entry",
            [
                "formName": form.name(in: lang), "unitName": unit.name(in: lang), "unitCode": unit.code,
                "periodName": state.messages.periodName(period, lang), "pe": period.iso, "rows": rows,
            ])
    }

    func entry(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let today = state.today
        let forms = catalog.dataSets.filter { ds in
            ds.organisationUnits.contains { user.canSee($0, in: catalog, on: today) }
        }
        let dsRef = HTTP.param(r, "ds")
        let form = dsRef.flatMap { catalog.dataSet($0) }
        if let dsRef, form == nil { throw APIError.unknown("ds", dsRef, "no data set with this code or uid") }
        var ctx: Ctx = [
            "forms": forms.map { ["uid": $0.uid, "name": $0.name(in: lang), "selected": $0.uid == form?.uid] as Ctx }
        ]
        guard let form else {
            return render("entry", c, r, title: t["nav_entry"] ?? "Data entry", active: "entry", ctx)
        }
        let units = form.organisationUnits.compactMap { catalog.unit($0) }
            .filter { user.canSee($0.uid, in: catalog, on: today) }.sorted { $0.name(in: lang) < $1.name(in: lang) }
        let unitRef = HTTP.param(r, "ou").flatMap { $0.isEmpty ? nil : $0 }
        var unit = unitRef.flatMap { catalog.unit($0) }
        if let unitRef, unit == nil {
            throw APIError.unknown("ou", unitRef, "no organisation unit with this code or uid")
        }
        if let unit, !user.canSee(unit.uid, in: catalog, on: today) { throw APIError.outOfScope(unitRef ?? "") }
        // A user who enters data for one unit of this form need not choose it.
        if unit == nil, units.count == 1 { unit = units.first }
        var notices: [String] = []
        var otherForms: [Ctx] = []
        if let chosen = unit, !catalog.assigns(form, to: chosen.uid) {
            // The form was changed on an open grid: the forms this unit does report on.
            notices.append(
                fill(
                    t["entry_notReporting"] ?? "", ["unit": chosen.name(in: lang), "form": form.name(in: lang)]))
            otherForms = forms.filter { catalog.assigns($0, to: chosen.uid) }.map {
                ["name": $0.name(in: lang), "href": "/entry?ds=\($0.uid)&ou=\(chosen.uid)"] as Ctx
            }
            unit = nil
        }
        let peRef = HTTP.param(r, "pe").flatMap { $0.isEmpty ? nil : $0 }
        var period = peRef.flatMap { Period.parse($0) }
        if let peRef, period == nil {
            throw APIError.badRequest("pe", peRef, "not a period (201712, 2017Q4, 2017)")
        }
        if let chosen = period, chosen.type != form.periodType {
            // The form was changed on an open grid, from a monthly form to a quarterly one, say.
            notices.append(
                fill(
                    t["entry_otherPeriodType"] ?? "",
                    ["form": form.name(in: lang), "type": t["periodType_" + form.periodType.rawValue] ?? ""]))
            period = nil
        }
        // Data is entered for periods that have begun, never for future ones.
        var problems: [Ctx] = []
        if let chosen = period, chosen.start > today {
            problems.append(
                [
                    "field": "entry-pe",
                    "text": fill(t["entry_future"] ?? "", ["period": state.messages.periodName(chosen, lang)]),
                ])
            period = nil
        }
        let yearList = years().filter { $0 <= today.year }
        let year = try HTTP.year(r, "year") ?? period?.start.year ?? today.year
        guard Period.year(year) != nil, year <= today.year else {
            throw APIError.badRequest("year", String(year), "a year from 1900 to \(today.year)")
        }
        if let chosen = period, chosen.start.year != year { period = nil }
        // Open pressed without a unit or a period: say what is missing, beside its field.
        if HTTP.param(r, "open") != nil {
            if unit == nil { problems.append(["field": "entry-ou", "text": t["entry_chooseUnit"] ?? ""]) }
            if period == nil, problems.isEmpty || unit == nil {
                problems.append(["field": "entry-pe", "text": t["entry_choosePeriod"] ?? ""])
            }
        }
        func periods(in y: Int) -> [Period] {
            Period.year(y).map { Period.periods(of: form.periodType, within: $0.span).filter { $0.start <= today } }
                ?? []
        }
        let named = { (p: Period) -> Ctx in
            ["iso": p.iso, "name": state.messages.periodName(p, lang), "selected": p == period]
        }
        ctx["ds"] = form.uid
        ctx["formName"] = form.name(in: lang)
        ctx["units"] = units.map { ["uid": $0.uid, "name": $0.name(in: lang), "selected": $0.uid == unit?.uid] as Ctx }
        ctx["years"] = yearList.map { ["year": $0, "selected": $0 == year] as Ctx }
        ctx["periods"] = periods(in: year).map(named)
        // Every year's periods, for the page's script to offer a year's periods as soon as it is chosen.
        var byYear: [String: [[String]]] = [:]
        for y in yearList { byYear[String(y)] = periods(in: y).map { [$0.iso, state.messages.periodName($0, lang)] } }
        ctx["periodsByYear"] = String(decoding: (try? JSONEncoder().encode(byYear)) ?? Data(), as: UTF8.self)
        ctx["notices"] = notices
        ctx["problems"] = problems
        ctx["hasProblems"] = !problems.isEmpty
        ctx["otherForms"] = otherForms
        ctx["hasOtherForms"] = !otherForms.isEmpty
        guard let unit, let period else {
            return render("entry", c, r, title: t["nav_entry"] ?? "Data entry", active: "entry", ctx)
        }
        let current = try state.store.values(unit: unit.uid, period: period, elements: form.dataElements)
        let previous = try state.store.values(unit: unit.uid, period: period.previous, elements: form.dataElements)
        func index(_ vs: [DataValue]) -> [String: DataValue] {
            Dictionary(vs.map { ("\($0.key.element)|\($0.key.optionCombo)", $0) }, uniquingKeysWith: { a, _ in a })
        }
        let now = index(current)
        let before = index(previous)
        let approval = try state.store.approval(dataSet: form.uid, period: period.iso, unit: unit.uid)
        let locked = form.isExpired(period, today: today) && !user.role.canOverrideExpiry
        let readOnly = locked || approval != nil || !user.role.canWriteValues
        // A completed form is read-only until it is marked incomplete again.
        let done = try state.store.completion(dataSet: form.uid, period: period.iso, unit: unit.uid)
        // One table per disaggregation, in the order the form lists its elements.
        var sectionColumns: [[Ctx]] = []
        var sectionRows: [[Ctx]] = []
        var sectionIndex: [String: Int] = [:]
        for ref in form.dataElements {
            guard let e = catalog.element(ref) else { continue }
            let combos = catalog.optionCombos(of: e)
            let index: Int
            if let known = sectionIndex[e.categoryCombo] {
                index = known
            } else {
                index = sectionColumns.count
                sectionIndex[e.categoryCombo] = index
                sectionColumns.append(
                    combos.map {
                        ["name": $0.code == "default" ? (t["entry_value"] ?? "Value") : catalog.name(of: $0, in: lang)]
                            as Ctx
                    })
                sectionRows.append([])
            }
            let cells = combos.map { coc -> Ctx in
                let k = "\(e.uid)|\(coc.uid)"
                let history = "/history?de=\(e.uid)&pe=\(period.iso)&ou=\(unit.uid)&co=\(coc.uid)"
                return [
                    "de": e.uid, "co": coc.uid, "value": now[k]?.value ?? "", "previous": before[k]?.value as Any,
                    "label": "\(e.name(in: lang)) \(coc.code == "default" ? "" : catalog.name(of: coc, in: lang))",
                    "type": e.valueType.rawValue,
                    "history": history, "readOnly": readOnly || done != nil,
                    "comment": now[k]?.comment ?? "", "followUp": now[k]?.followUp ?? false,
                    "hasComment": !(now[k]?.comment ?? "").isEmpty,
                ]
            }
            sectionRows[index].append([
                "name": e.name(in: lang), "code": e.code, "cells": cells,
                "type": t["valueType_" + e.valueType.rawValue] ?? e.valueType.rawValue,
            ])
        }
        let sections: [Ctx] = zip(sectionColumns, sectionRows).map { ["columns": $0, "rows": $1] }
        ctx["selected"] = true
        ctx["ou"] = unit.uid
        ctx["unitName"] = unit.name(in: lang)
        ctx["pe"] = period.iso
        ctx["periodName"] = state.messages.periodName(period, lang)
        ctx["previousPeriod"] = state.messages.periodName(period.previous, lang)
        ctx["sections"] = sections
        // Names for the people who enter the data; the codes only when asked (`codes=1`).
        let showCodes = try HTTP.flag(r, "codes")
        ctx["showCodes"] = showCodes
        ctx["codesHref"] =
            "/entry?ds=\(form.uid)&ou=\(unit.uid)&pe=\(period.iso)" + (showCodes ? "" : "&codes=1")
        ctx["locked"] = locked
        ctx["readOnly"] = readOnly
        ctx["completed"] = done != nil
        ctx["completedBy"] = done?.completedBy ?? ""
        ctx["completedAt"] = done.map { state.time($0.completedAt) } ?? ""
        ctx["completionComment"] = done?.comment
        let violations = try state.formViolations(form, period, unit)
        ctx["approval"] = try approvalContext(form, period, unit, user, catalog, approval, violations, r, lang)
        ctx["hasRules"] = !catalog.validationRules(of: form).isEmpty
        ctx["violations"] = violations.map { state.violationContext($0, catalog, lang) }
        return render("entry", c, r, title: t["nav_entry"] ?? "Data entry", active: "entry", ctx)
    }

    func history(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let k = try api.key(r, c, catalog)
        let entries = try state.store.history(k)
        let coc = catalog.optionCombo(uid: k.optionCombo)
        return render(
            "history", c, r, title: t["nav_history"] ?? "History", active: "history",
            [
                "element": catalog.element(k.element)?.name(in: lang) ?? k.element,
                "combo": coc.map { $0.code == "default" ? "" : catalog.name(of: $0, in: lang) } ?? "",
                "unit": catalog.unit(k.unit)?.name(in: lang) ?? k.unit, "period": k.period.iso,
                "entries": entries.reversed().map { e -> Ctx in
                    [
                        "action": t["history_" + e.action.rawValue] ?? e.action.rawValue, "old": e.oldValue ?? "",
                        "new": e.newValue ?? "",
                        "by": e.changedBy, "at": state.time(e.changedAt), "comment": e.newComment ?? "",
                    ]
                },
                "empty": entries.isEmpty,
            ])
    }
}
