import Foundation
import Hummingbird
import QorganAnalytics
import QorganCore
import QorganReports
import QorganStore

/// Pages of the registry of vulnerable sites: the list, a site, its inspections and prescriptions.
extension PageHandlers {
    func sites(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let lang = c.language
        let t = state.messages.table(lang)
        let (snapshot, _) = state.engine.versionedSnapshot()
        let catalog = snapshot.catalog
        let unit = HTTP.param(r, "ou") ?? user.units.first ?? ""
        let units = try api.scopedUnit(unit, user, catalog)
        let config = try state.store.siteConfiguration()
        let category = HTTP.param(r, "category").flatMap { $0.isEmpty ? nil : $0 }
        let records = try state.store.sites(units: units, category: category)
        var asOf = state.today
        if let on = HTTP.param(r, "on"), !on.isEmpty {
            guard let d = Day(iso: on) else { throw APIError.badRequest("on", on, "a date YYYY-MM-DD") }
            asOf = d
        }
        let flags = try state.store.siteFlags(on: asOf, units: units)
        // The region's overview: sites by category and tier now, share inspected and compliance by year.
        var overview: [Ctx] = []
        if let root = units.first, catalog.element(SiteRegister.sitesInspected) != nil {
            let inspectionYears = try state.store.inspections().map(\.inspection.date.year)
            let years =
                (inspectionYears.min().flatMap { a in inspectionYears.max().map { z in Array(max(a, z - 7)...z) } }
                ?? [state.today.year]).map(String.init)
            let spec = QuerySpec(
                dx: ["IND_SITES_INSPECTED", "IND_SITE_COMPLIANCE"].filter { catalog.indicator($0) != nil }
                    + [SiteRegister.prescriptionsOverdue], pe: years, ou: [root])
            let result = try Analytics.run(spec, user: user, snapshot: snapshot, today: state.today, language: lang)
            for dx in spec.dx {
                let id = catalog.indicator(dx)?.uid ?? catalog.element(dx)?.uid ?? dx
                let name = catalog.indicator(dx)?.name(in: lang) ?? catalog.element(dx)?.name(in: lang) ?? dx
                overview.append([
                    "name": name,
                    "cells": years.map { y in
                        result.rows.first { $0.dx == id && $0.pe == y }.map { Chart.format($0.value, 1) } ?? ""
                    },
                ])
            }
            let categories: [Ctx] = config.categories.map { cat in
                [
                    "code": cat.code, "name": cat.name(in: lang), "selected": cat.code == category,
                    "count": records.filter { $0.site.category == cat.code }.count,
                ] as Ctx
            }
            let tiers: [Ctx] = config.tiers.map { tier in
                ["name": tier.name(in: lang), "count": records.filter { $0.tier == tier.code }.count] as Ctx
            }
            let siteRows: [Ctx] = records.prefix(300).map { s in
                let tierName = config.tiers.first { $0.code == s.tier }?.name(in: lang) ?? ""
                let row: Ctx = [
                    "uid": s.site.uid, "name": s.site.text("name", in: lang),
                    "category": config.category(s.site.category)?.name(in: lang) ?? s.site.category,
                    "tier": tierName, "unit": catalog.unit(s.site.unit)?.name(in: lang) ?? "",
                    "peak": s.site.peakOccupancy,
                    "plan": t["plan_" + s.site.planStatus.rawValue] ?? s.site.planStatus.rawValue,
                    "last": s.lastInspection?.description ?? (t["sites_never"] ?? "never"),
                ]
                return row
            }
            let overdueRows: [Ctx] = flags.overdue.prefix(20).map { f in
                [
                    "site": f.site.text("name", in: lang), "uid": f.site.uid, "due": f.prescription.due.description,
                    "text": f.prescription.text(in: lang),
                ] as Ctx
            }
            var ctx: Ctx = [
                "units": unitChoices(user, catalog, selected: unit, lang: lang), "categories": categories,
                "tiers": tiers,
            ]
            ctx["years"] = years
            ctx["overview"] = overview
            ctx["count"] = records.count
            ctx["sites"] = siteRows
            ctx["notInspected"] = flags.notInspected.count
            ctx["overdue"] = flags.overdue.count
            ctx["overdueList"] = overdueRows
            ctx["interval"] = config.inspectionIntervalMonths
            ctx["today"] = asOf.description
            ctx["canWrite"] = user.role.canWriteValues
            return render("sites", c, r, title: t["nav_sites"] ?? "Sites", active: "sites", ctx)
        }
        return render(
            "sites", c, r, title: t["nav_sites"] ?? "Sites", active: "sites",
            ["units": unitChoices(user, catalog, selected: unit, lang: lang), "canWrite": user.role.canWriteValues])
    }

    /// How many prescriptions one inspection's form offers; a longer list is entered through the API.
    static let prescriptionRows = 5

    func siteDetail(
        _ r: Request, _ c: AppContext, _ user: Principal, typed: [String: String] = [:], problems: FormProblems? = nil
    ) throws -> Response {
        let uid = try c.parameters.require("uid")
        if uid == "new" { return try siteForm(r, c, user, uid: nil, typed: [:]) }
        let lang = c.language
        let t = state.messages.table(lang)
        let catalog = try state.store.catalog()
        let rec = try api.visibleSite(uid, c, catalog)
        if HTTP.param(r, "edit") != nil { return try siteForm(r, c, user, uid: uid, typed: fields(of: rec.site)) }
        let config = try state.store.siteConfiguration()
        let required = config.category(rec.site.category)?.measures ?? []
        let names = Dictionary(uniqueKeysWithValues: config.measures.map { ($0.code, $0.name(in: lang)) })
        let today = state.today
        let canWrite = user.role.canWriteValues
        let saved: String? =
            switch HTTP.param(r, "saved") {
            case "site": t["sites_savedSite"]
            case "inspection": t["sites_savedInspection"]
            case "closed": t["sites_savedClosed"]
            default: nil
            }
        var ctx: Ctx = [
            "uid": uid, "name": rec.site.text("name", in: lang), "saved": saved as Any,
            "category": config.category(rec.site.category)?.name(in: lang) ?? "",
            "sector": rec.site.text("sector", in: lang).nilIfEmpty as Any,
            "unit": catalog.unit(rec.site.unit)?.name(in: lang) ?? "", "peak": rec.site.peakOccupancy,
            "tier": config.tiers.first { $0.code == rec.tier }?.name(in: lang) ?? "",
            "role": rec.site.text("responsibleRole", in: lang), "closed": rec.site.closed?.description as Any,
            "registered": rec.site.registered.description, "plan": t["plan_" + rec.site.planStatus.rawValue] ?? "",
            "planDate": rec.site.planDate?.description ?? "",
            "inspections": try state.store.inspections(site: uid).reversed().map { i -> Ctx in
                [
                    "date": i.inspection.date.description,
                    "kind": t["inspection_" + i.inspection.kind.rawValue] ?? i.inspection.kind.rawValue,
                    "inPlace": i.inspection.findings.values.filter { $0 == .inPlace }.count,
                    "required": required.count,
                    "findings": required.map {
                        [
                            "measure": names[$0] ?? $0,
                            "finding": t["finding_" + (i.inspection.findings[$0]?.rawValue ?? "")] ?? "",
                        ] as Ctx
                    },
                    "prescriptions": i.inspection.prescriptions.enumerated().map { n, p -> Ctx in
                        [
                            // A flag and a date of their own: an empty date still opened the section,
                            // and an open prescription read "closed".
                            "text": p.text(in: lang), "due": p.due.description, "isClosed": p.closed != nil,
                            "closedOn": p.closed?.description ?? "", "overdue": p.isOverdue(on: today),
                            "canClose": canWrite && p.closed == nil, "site": uid, "inspection": i.inspection.uid,
                            "index": n, "issued": i.inspection.date.description,
                        ]
                    },
                ]
            },
            "measures": required.map { code -> Ctx in
                [
                    "code": code, "name": names[code] ?? code, "error": problems?.inline["finding_" + code] as Any,
                    "findings": Finding.allCases.map {
                        [
                            "value": $0.rawValue, "label": t["finding_" + $0.rawValue] ?? $0.rawValue,
                            "selected": $0.rawValue == typed["finding_" + code],
                        ] as Ctx
                    },
                ]
            },
            "kinds": InspectionKind.allCases.map {
                [
                    "value": $0.rawValue, "label": t["inspection_" + $0.rawValue] ?? $0.rawValue,
                    "selected": $0.rawValue == typed["kind"],
                ] as Ctx
            },
            "rows": (1...Self.prescriptionRows).map { n -> Ctx in
                [
                    "n": n, "text": typed["prescription_\(n)"] ?? "", "due": typed["due_\(n)"] ?? "",
                    "textError": problems?.inline["prescription_\(n)"] as Any,
                    "dueError": problems?.inline["due_\(n)"] as Any,
                ]
            },
            "canWrite": canWrite, "today": today.description, "date": typed["date"] ?? today.description,
        ]
        ctx.merge(problems?.context ?? [:]) { $1 }
        return render(
            "site", c, r, title: rec.site.text("name", in: lang), active: "sites", ctx,
            status: problems?.isEmpty == false ? .badRequest : .ok)
    }

    /// An inspection and its prescriptions, every problem at once: a finding for each required
    /// measure (none is assumed), and each prescription with its text and due date.
    func submitInspection(_ r: Request, _ c: AppContext, _ user: Principal, site: String) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 18)))
        let t = state.messages.table(c.language)
        let config = try state.store.siteConfiguration()
        let rec = try api.visibleSite(site, c, try state.store.catalog())
        let measures = config.category(rec.site.category)?.measures ?? []
        var typed: [String: String] = [:]
        var names = ["date", "kind"] + measures.map { "finding_" + $0 }
        for n in 1...Self.prescriptionRows { names += ["prescription_\(n)", "due_\(n)"] }
        for name in names { typed[name] = form[name]?.trimmingCharacters(in: .whitespaces) }
        var problems = FormProblems("inspection", t)
        let date = Day(iso: typed["date"] ?? "")
        if date == nil { problems.add("date", value: typed["date"], reason: "a date YYYY-MM-DD") }
        if let date, date > state.today { problems.add("date", key: "future", value: date.description, reason: "") }
        let kind = InspectionKind(rawValue: typed["kind"] ?? "")
        if kind == nil { problems.add("kind", reason: "choose the kind of inspection") }
        var findings: [String: Finding] = [:]
        for m in measures {
            if let f = typed["finding_" + m].flatMap(Finding.init(rawValue:)) {
                findings[m] = f
            } else {
                let name = config.measures.first { $0.code == m }?.name(in: c.language) ?? m
                problems.add("finding_" + m, key: "finding", value: name, reason: "choose a finding")
            }
        }
        var prescriptions: [Prescription] = []
        for n in 1...Self.prescriptionRows {
            let text = typed["prescription_\(n)"] ?? ""
            let dueText = typed["due_\(n)"] ?? ""
            if text.isEmpty && dueText.isEmpty { continue }
            if text.isEmpty { problems.add("prescription_\(n)", key: "prescription", value: String(n), reason: "") }
            guard let due = Day(iso: dueText) else {
                problems.add("due_\(n)", key: "due", value: String(n), reason: "a due date YYYY-MM-DD")
                continue
            }
            if let date, due < date {
                problems.add("due_\(n)", key: "dueBefore", value: String(n), reason: "due before the inspection")
            }
            prescriptions.append(Prescription(text: text, due: due))
        }
        if problems.isEmpty, let date, let kind {
            do {
                _ = try api.saveInspection(
                    Inspection(site: site, date: date, kind: kind, findings: findings, prescriptions: prescriptions),
                    site: site, c)
                return HTTP.redirect("/sites/\(site)?saved=inspection")
            } catch QorganError.rejected(_, let found) {
                problems.add(found)
            }
        }
        return try siteDetail(r, c, user, typed: typed, problems: problems)
    }

    /// A prescription fixed: the inspection is stored again with the prescription's closing date.
    func closePrescription(
        _ r: Request, _ c: AppContext, _ user: Principal, site: String, inspection uid: String
    ) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        _ = try api.visibleSite(site, c, try state.store.catalog())
        guard
            var inspection = try state.store.inspections(site: site).first(where: { $0.inspection.uid == uid })?
                .inspection
        else { throw APIError.notFound("no inspection \(uid) of this site") }
        guard let index = form["index"].flatMap({ Int($0) }), inspection.prescriptions.indices.contains(index) else {
            throw APIError.badRequest("index", form["index"], "not a prescription of this inspection")
        }
        guard let closed = Day(iso: form["closed"] ?? ""), closed <= state.today else {
            throw APIError.badRequest("closed", form["closed"], "a date YYYY-MM-DD, today or earlier")
        }
        guard inspection.prescriptions[index].closed == nil else {
            throw APIError(.conflict, code: "conflict", "the prescription was already closed")
        }
        inspection.prescriptions[index].closed = closed
        _ = try api.saveInspection(inspection, site: site, c)
        return HTTP.redirect("/sites/\(site)?saved=closed")
    }

    /// A site as its form's fields.
    func fields(of s: Site) -> [String: String] {
        [
            "name": s.name, "category": s.category, "sector": s.sector ?? "", "unit": s.unit,
            "peakOccupancy": String(s.peakOccupancy), "responsibleRole": s.responsibleRole,
            "registered": s.registered.description, "closed": s.closed?.description ?? "",
            "planStatus": s.planStatus.rawValue, "planDate": s.planDate?.description ?? "",
        ]
    }

    /// The form that adds a site to the registry or changes one.
    func siteForm(
        _ r: Request, _ c: AppContext, _ user: Principal, uid: String?, typed: [String: String],
        problems: FormProblems? = nil
    ) throws -> Response {
        guard user.role.canWriteValues else {
            throw APIError.forbidden("a \(user.role.rawValue) cannot change the site registry")
        }
        let lang = c.language
        let t = state.messages.table(lang)
        let catalog = try state.store.catalog()
        let config = try state.store.siteConfiguration()
        var units = unitChoices(user, catalog, selected: typed["unit"], depth: 2, lang: lang)
        if units.count == 1 { units[0]["selected"] = true }
        var ctx: Ctx = [
            "uid": uid ?? "", "editing": uid != nil, "units": units, "today": state.today.description,
            "categories": config.categories.map {
                ["value": $0.code, "label": $0.name(in: lang), "selected": $0.code == typed["category"]] as Ctx
            },
            "plans": SitePlanStatus.allCases.map {
                [
                    "value": $0.rawValue, "label": t["plan_" + $0.rawValue] ?? $0.rawValue,
                    "selected": $0.rawValue == typed["planStatus"],
                ] as Ctx
            },
            "v": typed,
        ]
        ctx.merge(problems?.context ?? [:]) { $1 }
        return render(
            "site-form", c, r, title: t[uid == nil ? "sites_add" : "sites_edit"] ?? "Site", active: "sites", ctx,
            status: problems?.isEmpty == false ? .badRequest : .ok)
    }

    func submitSite(_ r: Request, _ c: AppContext, _ user: Principal, uid: String?) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        let t = state.messages.table(c.language)
        let names = [
            "name", "category", "sector", "unit", "peakOccupancy", "responsibleRole", "registered", "closed",
            "planStatus", "planDate",
        ]
        var typed: [String: String] = [:]
        for name in names { typed[name] = form[name]?.trimmingCharacters(in: .whitespaces) }
        func given(_ name: String) -> String? { typed[name].flatMap { $0.isEmpty ? nil : $0 } }
        var problems = FormProblems("site", t)
        func day(_ name: String) -> Day? {
            guard let text = given(name) else { return nil }
            guard let d = Day(iso: text) else {
                problems.add(name, key: "date", value: text, reason: "a date YYYY-MM-DD")
                return nil
            }
            return d
        }
        if given("name") == nil { problems.add("name", reason: "the site's name") }
        if given("category") == nil { problems.add("category", reason: "choose a category") }
        if given("unit") == nil { problems.add("unit", key: "chooseUnit", reason: "choose a unit") }
        let peak = given("peakOccupancy").flatMap { Int($0) }
        if peak == nil || (peak ?? 0) < 0 {
            problems.add("peakOccupancy", value: typed["peakOccupancy"], reason: "a number of people, 0 or more")
        }
        if given("responsibleRole") == nil { problems.add("responsibleRole", reason: "a role, not a name") }
        let registered = day("registered")
        if given("registered") == nil { problems.add("registered", key: "date", value: "", reason: "a date") }
        let plan = given("planStatus").flatMap(SitePlanStatus.init(rawValue:))
        if plan == nil { problems.add("planStatus", reason: "choose the passport's status") }
        var site = Site(
            uid: uid ?? "", name: typed["name"] ?? "", category: typed["category"] ?? "", sector: given("sector"),
            unit: typed["unit"] ?? "", peakOccupancy: peak ?? 0, responsibleRole: typed["responsibleRole"] ?? "",
            registered: registered ?? state.today, closed: day("closed"), planStatus: plan ?? .none,
            planDate: day("planDate"))
        let catalog = try state.store.catalog()
        if let uid, let old = try? api.visibleSite(uid, c, catalog).site {
            // Translations of the texts left as they were are kept; a changed text's are dropped.
            site.translations = old.translations?.keeping(unchanged: old.texts, site.texts)
        }
        if problems.isEmpty {
            let found = site.problems(try state.store.siteConfiguration(), catalog: catalog)
            problems.add(found)
        }
        if problems.isEmpty {
            do {
                let saved = try api.saveSite(site, uid: uid, c)
                return HTTP.redirect("/sites/\(saved.site.uid)?saved=site")
            } catch QorganError.rejected(_, let found) {
                problems.add(found)
            }
        }
        return try siteForm(r, c, user, uid: uid, typed: typed, problems: problems)
    }
}
