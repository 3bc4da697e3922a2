import Foundation
import Hummingbird
import QorganAnalytics
import QorganCore
import QorganReports
import QorganStore

/// Pages of the readiness assessments and of the registry of vulnerable sites.
extension Pages {
    static func registerRegistries(on router: Router<AppContext>, _ p: PageHandlers) {
        router.get("/readiness") { r, c in try p.page(r, c) { try p.readiness(r, c, $0) } }
        router.get("/readiness/assess") { r, c in try p.page(r, c) { try p.assessmentForm(r, c, $0, error: nil) } }
        router.post("/readiness/assess") { r, c in
            try await p.pageAsync(r, c) { try await p.submitAssessment(r, c, $0) }
        }
        router.post("/readiness/instruments") { r, c in
            try await p.pageAsync(r, c) { try await p.submitInstrument(r, c, $0) }
        }
        router.get("/sites") { r, c in try p.page(r, c) { try p.sites(r, c, $0) } }
        router.get("/sites/:uid") { r, c in try p.page(r, c) { try p.siteDetail(r, c, $0, error: nil) } }
        router.post("/sites/:uid/inspections") { r, c in
            let uid = try c.parameters.require("uid")
            return try await p.pageAsync(r, c) { try await p.submitInspection(r, c, $0, site: uid) }
        }
    }
}

extension PageHandlers {
    func pct(_ v: Double?) -> String { v.map { Chart.format($0, 1) } ?? "–" }

    func readiness(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let lang = c.language
        let t = state.messages.table(lang)
        let catalog = try state.store.catalog()
        let unit = HTTP.param(r, "ou") ?? user.units.first
        let gaps = try api.gaps(
            before: try HTTP.year(r, "before"), after: try HTTP.year(r, "after"),
            ou: unit, c, language: lang)
        let units = try api.scopedUnit(unit, user, catalog)
        let assessments = try state.store.assessments(units: units)
        let latestYear = assessments.map(\.assessment.date.year).max()
        return render(
            "readiness", c, r, title: t["nav_readiness"] ?? "Readiness", active: "readiness",
            [
                "units": unitChoices(user, catalog, selected: unit, lang: lang),
                "instruments": try state.store.instruments().map { i -> Ctx in
                    [
                        "label": i.instrument.label, "name": i.instrument.name, "items": i.instrument.items.count,
                        "frozen": i.frozen,
                        "assessments": i.assessments, "derivedFrom": i.instrument.derivedFrom as Any,
                    ]
                },
                "items": gaps.items.prefix(8).map { g -> Ctx in
                    [
                        "item": g.item, "text": g.text, "section": g.section, "mean": pct(g.meanPercent),
                        "offices": g.offices,
                    ]
                },
                "regions": gaps.regions.map { g -> Ctx in
                    [
                        "name": g.name, "before": pct(g.before), "after": pct(g.after),
                        "change": g.change.map { ($0 >= 0 ? "+" : "−") + Chart.format(abs($0), 1) } ?? "",
                        "up": (g.change ?? 0) >= 0,
                    ]
                },
                "latestYear": latestYear.map(String.init) ?? "",
                "assessments": assessments.filter { $0.assessment.date.year == latestYear }.suffix(100).reversed().map {
                    a -> Ctx in
                    [
                        "date": a.assessment.date.description,
                        "unit": catalog.unit(a.assessment.unit)?.name(in: lang) ?? "",
                        "readiness": pct(a.readiness), "role": a.assessment.assessorRole,
                        "instrument": "\(a.assessment.instrument) v\(a.assessment.version)",
                    ]
                },
                "isAdmin": user.role.canManageUsers, "canWrite": user.role.canWriteValues,
            ])
    }

    func assessmentForm(
        _ r: Request, _ c: AppContext, _ user: Principal, error: APIError?, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        guard user.role.canWriteValues else {
            throw APIError.forbidden("a \(user.role.rawValue) cannot record assessments")
        }
        let t = state.messages.table(c.language)
        let catalog = try state.store.catalog()
        let instruments = try state.store.instruments().map(\.instrument)
        let chosen =
            HTTP.param(r, "instrument").flatMap { ref in instruments.first { $0.label == ref } } ?? instruments.last
        return render(
            "assessment-form", c, r, title: t["readiness_assess"] ?? "Assess an office", active: "readiness",
            [
                "instruments": instruments.map { ["label": $0.label, "selected": $0.label == chosen?.label] as Ctx },
                "instrument": chosen?.label ?? "", "code": chosen?.code ?? "", "version": chosen?.version ?? 0,
                "units": unitChoices(user, catalog, selected: nil, depth: 2, lang: c.language),
                "sections": (chosen?.sections ?? []).map { s -> Ctx in
                    [
                        "name": s.name,
                        "items": s.items.map { i -> Ctx in
                            [
                                "code": i.code, "text": i.text, "weight": Chart.format(i.weight, 1),
                                "scale": i.scale.rawValue,
                                "answers": (i.scale.answers + ["NA"]).map { ["value": $0] as Ctx },
                            ]
                        },
                    ]
                },
                "today": state.today.description, "error": error?.message as Any,
                "problems": error?.problems.map(\.description) ?? [],
            ], status: status)
    }

    func submitAssessment(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 18)))
        let instruments = try state.store.instruments().map(\.instrument)
        guard let inst = instruments.first(where: { $0.label == form["instrument"] }) else {
            throw APIError.badRequest("instrument", form["instrument"], "no such instrument version")
        }
        guard let date = Day(iso: form["date"] ?? "") else {
            return try assessmentForm(
                r, c, user, error: APIError.badRequest("date", form["date"], "a date YYYY-MM-DD"), status: .badRequest)
        }
        let scores = inst.items.map {
            ItemScore(
                item: $0.code, answer: form["answer_" + $0.code] ?? "",
                evidence: form["evidence_" + $0.code].flatMap { $0.isEmpty ? nil : $0 })
        }
        let a = Assessment(
            unit: form["unit"] ?? "", date: date, instrument: inst.code, version: inst.version,
            assessorRole: form["assessorRole"] ?? "", scores: scores)
        do {
            _ = try api.saveAssessment(a, c)
            return HTTP.redirect("/readiness")
        } catch let e as QorganError {
            return try assessmentForm(r, c, user, error: APIError(e), status: .badRequest)
        }
    }

    func submitInstrument(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 20)))
        do {
            let inst = try JSONDecoder().decode(Instrument.self, from: Data((form["document"] ?? "").utf8))
            _ = try api.saveInstrument(inst, c)
        } catch let e as DecodingError {
            throw APIError.badRequest("document", nil, "not an instrument in JSON: \(e)")
        }
        return HTTP.redirect("/readiness")
    }

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
                    "uid": s.site.uid, "name": s.site.name,
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
                    "site": f.site.name, "uid": f.site.uid, "due": f.prescription.due.description,
                    "text": f.prescription.text,
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
            return render("sites", c, r, title: t["nav_sites"] ?? "Sites", active: "sites", ctx)
        }
        return render(
            "sites", c, r, title: t["nav_sites"] ?? "Sites", active: "sites",
            ["units": unitChoices(user, catalog, selected: unit, lang: lang)])
    }

    func siteDetail(
        _ r: Request, _ c: AppContext, _ user: Principal, error: APIError?, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let uid = try c.parameters.require("uid")
        let t = state.messages.table(c.language)
        let catalog = try state.store.catalog()
        let rec = try api.visibleSite(uid, c, catalog)
        let config = try state.store.siteConfiguration()
        let required = config.category(rec.site.category)?.measures ?? []
        let names = Dictionary(uniqueKeysWithValues: config.measures.map { ($0.code, $0.name(in: c.language)) })
        return render(
            "site", c, r, title: rec.site.name, active: "sites",
            [
                "uid": uid, "name": rec.site.name,
                "category": config.category(rec.site.category)?.name(in: c.language) ?? "",
                "sector": rec.site.sector ?? "",
                "unit": catalog.unit(rec.site.unit)?.name(in: c.language) ?? "", "peak": rec.site.peakOccupancy,
                "tier": config.tiers.first { $0.code == rec.tier }?.name(in: c.language) ?? "",
                "role": rec.site.responsibleRole,
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
                        "prescriptions": i.inspection.prescriptions.map { p -> Ctx in
                            [
                                // A flag and a date of their own: an empty date still opened the section,
                                // and an open prescription read "closed".
                                "text": p.text, "due": p.due.description, "isClosed": p.closed != nil,
                                "closedOn": p.closed?.description ?? "", "overdue": p.isOverdue(on: state.today),
                            ]
                        },
                    ]
                },
                "measures": required.map { ["code": $0, "name": names[$0] ?? $0] as Ctx },
                "findings": Finding.allCases.map {
                    ["value": $0.rawValue, "label": t["finding_" + $0.rawValue] ?? $0.rawValue] as Ctx
                },
                "canWrite": user.role.canWriteValues, "today": state.today.description,
                "error": error?.message as Any, "problems": error?.problems.map(\.description) ?? [],
            ], status: status)
    }

    func submitInspection(_ r: Request, _ c: AppContext, _ user: Principal, site: String) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 18)))
        let config = try state.store.siteConfiguration()
        guard let rec = try state.store.site(uid: site) else { throw APIError.notFound("no site \(site)") }
        var findings: [String: Finding] = [:]
        for m in config.category(rec.site.category)?.measures ?? [] {
            if let f = form["finding_" + m].flatMap(Finding.init(rawValue:)) { findings[m] = f }
        }
        var prescriptions: [Prescription] = []
        var problems: [Problem] = []
        if let text = form["prescription"], !text.isEmpty {
            if let due = Day(iso: form["due"] ?? "") {
                prescriptions.append(Prescription(text: text, due: due))
            } else {
                problems.append(
                    Problem(field: "due", value: form["due"], reason: "a prescription needs a due date YYYY-MM-DD"))
            }
        }
        guard let date = Day(iso: form["date"] ?? "") else {
            return try siteDetail(
                r, c, user, error: APIError.badRequest("date", form["date"], "a date YYYY-MM-DD"), status: .badRequest)
        }
        do {
            if !problems.isEmpty { throw QorganError.rejected(source: "the inspection", problems: problems) }
            _ = try api.saveInspection(
                Inspection(
                    site: site, date: date, kind: InspectionKind(rawValue: form["kind"] ?? "") ?? .planned,
                    findings: findings, prescriptions: prescriptions), site: site, c)
            return HTTP.redirect("/sites/\(site)")
        } catch let e as QorganError {
            return try siteDetail(r, c, user, error: APIError(e), status: .badRequest)
        }
    }
}
