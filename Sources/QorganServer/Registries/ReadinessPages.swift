import Foundation
import Hummingbird
import QorganAnalytics
import QorganCore
import QorganReports
import QorganStore

/// Pages of the readiness assessments and of the registry of vulnerable sites.
extension RegistriesFeature {
    static func registryPages(on router: Router<AppContext>, _ p: PageHandlers) {
        router.get("/readiness") { r, c in try p.page(r, c) { try p.readiness(r, c, $0) } }
        router.get("/readiness/assess") { r, c in try p.page(r, c) { try p.assessmentForm(r, c, $0) } }
        router.post("/readiness/assess") { r, c in
            try await p.pageAsync(r, c) { try await p.submitAssessment(r, c, $0) }
        }
        router.post("/readiness/instruments") { r, c in
            try await p.pageAsync(r, c) { try await p.submitInstrument(r, c, $0) }
        }
        router.get("/sites") { r, c in try p.page(r, c) { try p.sites(r, c, $0) } }
        router.get("/sites/:uid") { r, c in try p.page(r, c) { try p.siteDetail(r, c, $0) } }
        router.post("/sites/:uid/inspections") { r, c in
            let uid = try c.parameters.require("uid")
            return try await p.pageAsync(r, c) { try await p.submitInspection(r, c, $0, site: uid) }
        }
        router.post("/sites/:uid/inspections/:inspection/close") { r, c in
            let uid = try c.parameters.require("uid")
            let inspection = try c.parameters.require("inspection")
            return try await p.pageAsync(r, c) {
                try await p.closePrescription(r, c, $0, site: uid, inspection: inspection)
            }
        }
        router.post("/sites") { r, c in try await p.pageAsync(r, c) { try await p.submitSite(r, c, $0, uid: nil) } }
        router.post("/sites/:uid") { r, c in
            let uid = try c.parameters.require("uid")
            return try await p.pageAsync(r, c) { try await p.submitSite(r, c, $0, uid: uid) }
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
        // After saving, the form comes here and says what was recorded.
        let saved = HTTP.param(r, "saved").flatMap { try? api.visibleAssessment($0, c, catalog) }.map { a in
            fill(
                t["readiness_saved"] ?? "",
                [
                    "unit": catalog.unit(a.assessment.unit)?.name(in: lang) ?? "",
                    "date": a.assessment.date.description, "readiness": pct(a.readiness),
                ])
        }
        return render(
            "readiness", c, r, title: t["nav_readiness"] ?? "Readiness", active: "readiness",
            [
                "saved": saved as Any,
                "units": unitChoices(user, catalog, selected: unit, lang: lang),
                "instruments": try state.store.instruments().map { i -> Ctx in
                    [
                        "label": i.instrument.label, "name": i.instrument.name(in: lang),
                        "items": i.instrument.items.count,
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
                        "readiness": pct(a.readiness), "role": a.assessment.assessorRole(in: lang),
                        "instrument": "\(a.assessment.instrument) v\(a.assessment.version)",
                    ]
                },
                "isAdmin": user.role.canManageUsers, "canWrite": user.role.canWriteValues,
            ])
    }

    /// The assessment form: nothing answered for the assessor (an untouched form must not save a
    /// score), the scales explained above the checklist, and every problem at once when refused.
    func assessmentForm(
        _ r: Request, _ c: AppContext, _ user: Principal, instrument ref: String? = nil, typed: [String: String] = [:],
        problems: FormProblems? = nil
    ) throws -> Response {
        guard user.role.canWriteValues else {
            throw APIError.forbidden("a \(user.role.rawValue) cannot record assessments")
        }
        let t = state.messages.table(c.language)
        let catalog = try state.store.catalog()
        let instruments = try state.store.instruments().map(\.instrument)
        let wanted = ref ?? HTTP.param(r, "instrument")
        let chosen = wanted.flatMap { ref in instruments.first { $0.label == ref } } ?? instruments.last
        var units = unitChoices(user, catalog, selected: typed["unit"], depth: 2, lang: c.language)
        if units.count == 1 { units[0]["selected"] = true }
        let used = ReadinessScale.allCases.filter { s in chosen?.items.contains { $0.scale == s } ?? false }
        var ctx: Ctx = [
            "instruments": instruments.map { ["label": $0.label, "selected": $0.label == chosen?.label] as Ctx },
            "instrument": chosen?.label ?? "", "units": units,
            "scales": used.map { s -> Ctx in
                [
                    "name": t["scale_" + s.rawValue] ?? s.rawValue,
                    "answers": (s.answers + ["NA"]).map { a -> Ctx in
                        [
                            "value": answerLabel(s, a, t),
                            "meaning": t["scale_\(s.rawValue)_\(a)"] ?? t["scale_NA"] ?? "",
                        ]
                    },
                ]
            },
            "sections": (chosen?.sections ?? []).map { s -> Ctx in
                [
                    "name": s.name(in: c.language),
                    "items": s.items.map { i -> Ctx in
                        [
                            "code": i.code, "text": i.text(in: c.language), "weight": Chart.format(i.weight, 1),
                            "scaleName": t["scale_" + i.scale.rawValue] ?? i.scale.rawValue,
                            "evidence": typed["evidence_" + i.code] ?? "",
                            // (An empty string would still open a Mustache section.)
                            "error": [problems?.inline["answer_" + i.code], problems?.inline["evidence_" + i.code]]
                                .compactMap { $0 }.joined(separator: " ").nilIfEmpty as Any,
                            "answers": (i.scale.answers + ["NA"]).map {
                                [
                                    "value": $0, "label": answerLabel(i.scale, $0, t),
                                    "selected": $0 == typed["answer_" + i.code],
                                ] as Ctx
                            },
                        ]
                    },
                ]
            },
            "today": state.today.description, "date": typed["date"] ?? state.today.description,
            "assessorRole": typed["assessorRole"] ?? "",
        ]
        ctx.merge(problems?.context ?? [:]) { $1 }
        return render(
            "assessment-form", c, r, title: t["readiness_assess"] ?? "Assess an office", active: "readiness", ctx,
            status: problems?.isEmpty == false ? .badRequest : .ok)
    }

    /// An answer as the page shows it: yes and no in the page's language, levels and ratings as they are.
    func answerLabel(_ scale: ReadinessScale, _ answer: String, _ t: [String: String]) -> String {
        scale == .yesNo ? t["tri_" + answer] ?? answer : answer
    }

    func submitAssessment(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 18)))
        let t = state.messages.table(c.language)
        let instruments = try state.store.instruments().map(\.instrument)
        guard let inst = instruments.first(where: { $0.label == form["instrument"] }) else {
            throw APIError.badRequest("instrument", form["instrument"], "no such instrument version")
        }
        var typed: [String: String] = [:]
        for name in ["unit", "date", "assessorRole"] { typed[name] = form[name]?.trimmingCharacters(in: .whitespaces) }
        for i in inst.items {
            typed["answer_" + i.code] = form["answer_" + i.code]
            typed["evidence_" + i.code] = form["evidence_" + i.code]?.trimmingCharacters(in: .whitespaces)
        }
        // Every problem at once, each on its field: the page's checks, then the register's.
        var problems = FormProblems("assessment", t)
        if (typed["unit"] ?? "").isEmpty { problems.add("unit", key: "chooseUnit", reason: "choose the office") }
        let date = Day(iso: typed["date"] ?? "")
        if date == nil { problems.add("date", value: typed["date"], reason: "a date YYYY-MM-DD") }
        if let date, date > state.today { problems.add("date", key: "future", value: date.description, reason: "") }
        if (typed["assessorRole"] ?? "").isEmpty { problems.add("assessorRole", reason: "the assessor's role") }
        for i in inst.items {
            let answer = typed["answer_" + i.code] ?? ""
            if answer != "NA" && i.scale.score(answer) == nil {
                problems.add("answer_" + i.code, key: "answer", value: i.code, reason: "answer every item")
            }
            if (typed["evidence_" + i.code] ?? "").count > 500 {
                problems.add("evidence_" + i.code, key: "evidence", value: i.code, reason: "at most 500 characters")
            }
        }
        let scores = inst.items.map {
            ItemScore(
                item: $0.code, answer: typed["answer_" + $0.code] ?? "",
                evidence: typed["evidence_" + $0.code].flatMap { $0.isEmpty ? nil : $0 })
        }
        let a = Assessment(
            unit: typed["unit"] ?? "", date: date ?? state.today, instrument: inst.code, version: inst.version,
            assessorRole: typed["assessorRole"] ?? "", scores: scores)
        if problems.isEmpty {
            do {
                let saved = try api.saveAssessment(a, c)
                return HTTP.redirect("/readiness?saved=\(saved.uid)")
            } catch QorganError.rejected(_, let found) {
                problems.add(found)
            }
        }
        return try assessmentForm(r, c, user, instrument: inst.label, typed: typed, problems: problems)
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
}
