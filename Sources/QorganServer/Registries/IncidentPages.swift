import Foundation
import Hummingbird
import QorganAnalytics
import QorganCore
import QorganReports
import QorganStore

/// The incident register's pages: the list with filters, a table by region and year and a
/// chart by outcome over time; the form to record or change an incident; its detail and history.
extension RegistriesFeature {
    static func incidentPages(on router: Router<AppContext>, _ p: PageHandlers) {
        router.get("/incidents") { r, c in try p.page(r, c) { try p.incidents(r, c, $0) } }
        router.get("/incidents/new") { r, c in
            try p.page(r, c) { try p.incidentForm(r, c, $0, uid: nil, typed: [:]) }
        }
        router.post("/incidents") { r, c in
            try await p.pageAsync(r, c) { try await p.submitIncident(r, c, $0, uid: nil) }
        }
        router.get("/incidents/:uid") { r, c in try p.page(r, c) { try p.incidentDetail(r, c, $0) } }
        router.post("/incidents/:uid") { r, c in
            let uid = try c.parameters.require("uid")
            return try await p.pageAsync(r, c) { try await p.submitIncident(r, c, $0, uid: uid) }
        }
        router.post("/incidents/:uid/delete") { r, c in
            let uid = try c.parameters.require("uid")
            return try await p.pageAsync(r, c) { _ in
                try p.api.deleteIncident(uid, c)
                return HTTP.redirect("/incidents/\(uid)")
            }
        }
    }
}

extension PageHandlers {
    func outcomeLabel(_ o: IncidentOutcome, _ t: [String: String]) -> String {
        t["outcome_" + o.rawValue] ?? o.rawValue
    }

    /// A GTD code list's options, labelled in the page's language (`GTD.label`).
    func codeOptions(_ list: [Int: String], _ kind: String, _ language: String, selected: Int?) -> [Ctx] {
        list.sorted { $0.key < $1.key }.map {
            [
                "value": String($0.key), "label": "\($0.key) · \(GTD.label(kind, $0.key, in: language))",
                "selected": $0.key == selected,
            ] as Ctx
        }
    }

    func incidents(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let (snapshot, _) = state.engine.versionedSnapshot()
        let catalog = snapshot.catalog
        let lang = c.language
        let t = state.messages.table(lang)
        let filter = try api.incidentFilter(r, user, catalog)
        let records = try state.store.incidents(filter)
        let rootRef = HTTP.param(r, "ou") ?? user.units.first ?? ""
        guard let root = catalog.unit(rootRef) else {
            throw APIError.unknown("ou", rootRef, "no organisation unit with this code or uid")
        }
        // Years: those asked for, else those of the register.
        let years: [Int] = {
            let a = filter.from?.year ?? records.map(\.incident.date.year).min() ?? state.today.year
            let b = filter.to?.year ?? records.map(\.incident.date.year).max() ?? state.today.year
            return a <= b && b - a < 60 ? Array(a...b) : [state.today.year]
        }()
        var ctx: Ctx = [
            "units": unitChoices(user, catalog, selected: root.uid, lang: lang),
            "from": HTTP.param(r, "from") ?? "", "to": HTTP.param(r, "to") ?? "",
            "outcomes": IncidentOutcome.allCases.map {
                ["value": $0.rawValue, "label": outcomeLabel($0, t), "selected": $0 == filter.outcome] as Ctx
            },
            "count": records.count,
            "incidents": records.map { rec -> Ctx in
                let i = rec.incident
                return [
                    "uid": i.uid, "date": i.date.description, "unit": catalog.unit(i.unit)?.name(in: lang) ?? i.unit,
                    "outcome": outcomeLabel(i.outcome, t), "outcomeClass": i.outcome.rawValue,
                    "attack": GTD.label("attack", i.attackType, in: lang),
                    "target": GTD.label("target", i.targetType, in: lang),
                    "killed": i.killed.map(String.init) ?? "?", "wounded": i.wounded.map(String.init) ?? "?",
                    "summary": String(i.text("summary", in: lang).prefix(120)), "illustrative": i.illustrative,
                ]
            },
            "canWrite": user.role.canWriteValues,
        ]
        // By region and year, and by outcome over time: from the derived values, through the engine.
        let yearIds = years.map(String.init)
        if !records.isEmpty, let events = catalog.element(IncidentRegister.eventsElement) {
            var spec = QuerySpec(dx: [events.uid], pe: yearIds, ou: ["CHILDREN:\(root.uid)"])
            let byRegion = try Analytics.run(spec, user: user, snapshot: snapshot, today: state.today, language: lang)
            var cells: [String: [String: Double]] = [:]
            for row in byRegion.rows { cells[row.ou, default: [:]][row.pe] = row.value }
            let children = catalog.children(of: root.uid, on: state.today).filter { cells[$0.uid] != nil }
            ctx["years"] = yearIds
            ctx["regions"] = children.map { u -> Ctx in
                let values = yearIds.map { cells[u.uid]?[$0] }
                return [
                    "name": u.name(in: lang), "cells": values.map { $0.map { Chart.format($0, 0) } ?? "" },
                    "total": Chart.format(values.compactMap { $0 }.reduce(0, +), 0),
                ]
            }
            spec = QuerySpec(dx: [events.uid], pe: yearIds, ou: [root.uid])
            spec.co = true
            let byOutcome = try Analytics.run(spec, user: user, snapshot: snapshot, today: state.today, language: lang)
            let series = IncidentOutcome.allCases.map { o -> Chart.Series in
                let coc = catalog.optionCombo(IncidentRegister.optionCode(outcome: o), of: events)?.uid
                return Chart.Series(
                    name: outcomeLabel(o, t),
                    values: yearIds.map { y in
                        byOutcome.rows.first { $0.pe == y && $0.co == coc }?.value
                    })
            }.filter { $0.values.contains { $0 != nil } }
            ctx["chart"] = Chart.svg(
                .stacked, title: (t["incidents_chartTitle"] ?? "Incidents by outcome") + " — " + root.name(in: lang),
                labels: yearIds, series: series, decimals: 0, width: 760, height: 280)
        }
        return render("incidents", c, r, title: t["nav_incidents"] ?? "Incidents", active: "incidents", ctx)
    }

    /// The incident form, filled with `typed` (what the person typed, or the incident being edited),
    /// and the problems that refused it. Nothing is chosen for a person: a choice left empty is asked
    /// for, "Unknown" included, so that an untouched form never records a guess.
    func incidentForm(
        _ r: Request, _ c: AppContext, _ user: Principal, uid: String?, typed: [String: String],
        problems: FormProblems? = nil
    ) throws -> Response {
        guard user.role.canWriteValues else {
            throw APIError.forbidden("a \(user.role.rawValue) cannot record incidents")
        }
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        func options(_ list: [(value: String, label: String)], _ name: String) -> Ctx {
            [
                "name": name, "label": t["incidents_" + name] ?? name,
                "error": problems?.inline[name] as Any,
                "options": list.map {
                    ["value": $0.value, "label": $0.label, "selected": $0.value == typed[name]] as Ctx
                },
            ]
        }
        func gtd(_ list: [Int: String], _ kind: String) -> [(value: String, label: String)] {
            codeOptions(list, kind, lang, selected: nil).map {
                ($0["value"] as? String ?? "", $0["label"] as? String ?? "")
            }
        }
        let tri = TriState.allCases.map { ($0.rawValue, t["tri_" + $0.rawValue] ?? $0.rawValue) }
        var units = unitChoices(user, catalog, selected: typed["unit"], depth: 2, lang: lang)
        // A person with one unit to choose from finds it chosen.
        if units.count == 1 { units[0]["selected"] = true }
        var ctx: Ctx = [
            "uid": uid ?? "", "editing": uid != nil,
            "date": typed["date"] ?? "", "place": typed["place"] ?? "", "latitude": typed["latitude"] ?? "",
            "longitude": typed["longitude"] ?? "", "killed": typed["killed"] ?? "", "wounded": typed["wounded"] ?? "",
            "summary": typed["summary"] ?? "", "sources": typed["sources"] ?? "",
            "illustrative": typed["illustrative"] != nil,
            "units": units,
            "choices": [
                options(IncidentOutcome.allCases.map { ($0.rawValue, outcomeLabel($0, t)) }, "outcome"),
                options(gtd(GTD.attackTypes, "attack"), "attackType"),
                options(gtd(GTD.targetTypes, "target"), "targetType"),
                options(gtd(GTD.weaponTypes, "weapon"), "weaponType"),
                options(tri, "claimed"), options(tri, "property"),
            ],
            "extents": codeOptions(
                GTD.propertyExtents, "extent", lang, selected: typed["propertyExtent"].flatMap { Int($0) }),
        ]
        ctx.merge(problems?.context ?? [:]) { $1 }
        return render(
            "incident-form", c, r, title: t[uid == nil ? "incidents_record" : "incidents_edit"] ?? "Incident",
            active: "incidents", ctx, status: problems?.isEmpty == false ? .badRequest : .ok)
    }

    /// An incident as its form's fields.
    func fields(of i: Incident) -> [String: String] {
        var out: [String: String] = [
            "date": i.date.description, "unit": i.unit, "place": i.placeName ?? "",
            "latitude": i.latitude.map { String($0) } ?? "", "longitude": i.longitude.map { String($0) } ?? "",
            "outcome": i.outcome.rawValue, "attackType": String(i.attackType), "targetType": String(i.targetType),
            "weaponType": String(i.weaponType), "killed": i.killed.map(String.init) ?? "",
            "wounded": i.wounded.map(String.init) ?? "", "property": i.propertyDamage.rawValue,
            "propertyExtent": i.propertyExtent.map(String.init) ?? "", "claimed": i.claimed.rawValue,
            "summary": i.summary, "sources": i.sources.joined(separator: "\n"),
        ]
        if i.illustrative { out["illustrative"] = "1" }
        return out
    }

    func incidentDetail(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let uid = try c.parameters.require("uid")
        if uid == "new" { return try incidentForm(r, c, user, uid: nil, typed: [:]) }
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let rec = try api.visibleIncident(uid, c, catalog)
        let i = rec.incident
        if HTTP.param(r, "edit") != nil { return try incidentForm(r, c, user, uid: i.uid, typed: fields(of: i)) }
        return render(
            "incident", c, r, title: t["incidents_detail"] ?? "Incident", active: "incidents",
            [
                "uid": i.uid, "date": i.date.description,
                "precision": t["precision_" + i.date.precision.rawValue] ?? i.date.precision.rawValue,
                // Absent rather than empty: an empty string would still open the row's section.
                "unit": catalog.unit(i.unit)?.name(in: lang) ?? i.unit,
                "place": i.text("placeName", in: lang).nilIfEmpty as Any,
                "coordinates": i.latitude.map { "\($0), \(i.longitude ?? 0)" } as Any,
                "outcome": outcomeLabel(i.outcome, t),
                "attack": "\(i.attackType) · \(GTD.label("attack", i.attackType, in: lang))",
                "target": "\(i.targetType) · \(GTD.label("target", i.targetType, in: lang))",
                "weapon": "\(i.weaponType) · \(GTD.label("weapon", i.weaponType, in: lang))",
                "killed": i.killed.map(String.init) ?? (t["common_unknown"] ?? "not known"),
                "wounded": i.wounded.map(String.init) ?? (t["common_unknown"] ?? "not known"),
                "property": (t["tri_" + i.propertyDamage.rawValue] ?? "")
                    + (i.propertyExtent.map { " — " + GTD.label("extent", $0, in: lang) } ?? ""),
                "claimed": t["tri_" + i.claimed.rawValue] ?? "", "summary": i.text("summary", in: lang),
                "sources": i.text("sources", in: lang).split(whereSeparator: \.isNewline).map(String.init),
                "illustrative": i.illustrative, "deleted": rec.deleted, "gtd": i.gtdEventId?.nilIfEmpty as Any,
                "canWrite": user.role.canWriteValues && !rec.deleted,
                "history": try state.store.incidentHistory(uid: uid).reversed().map { h -> Ctx in
                    [
                        "at": state.time(h.changedAt), "by": h.changedBy,
                        "action": t["history_" + h.action] ?? h.action,
                        "what":
                            "\(h.incident.date) · \(catalog.unit(h.incident.unit)?.name(in: lang) ?? "") · "
                            + outcomeLabel(h.incident.outcome, t),
                    ]
                },
            ])
    }

    func submitIncident(_ r: Request, _ c: AppContext, _ user: Principal, uid: String?) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 18)))
        let t = state.messages.table(c.language)
        let names = [
            "date", "unit", "place", "latitude", "longitude", "outcome", "attackType", "targetType", "weaponType",
            "killed", "wounded", "property", "propertyExtent", "claimed", "summary", "sources", "illustrative",
        ]
        var typed: [String: String] = [:]
        for name in names { typed[name] = form[name]?.trimmingCharacters(in: .whitespaces) }
        // Every problem at once: the page's own checks of what was typed, then the register's checks
        // of the fields that passed them.
        var problems = FormProblems("incident", t)
        let input = ["placeName": "place", "propertyDamage": "property"]
        let key = [
            "attackType": "choose_attackType", "targetType": "choose_targetType", "weaponType": "choose_weaponType",
        ]
        func given(_ name: String) -> String? { typed[name].flatMap { $0.isEmpty ? nil : $0 } }
        func int(_ name: String) -> Int? {
            guard let s = given(name) else { return nil }
            guard let v = Int(s) else {
                problems.add(name, key: key[name], value: s, reason: "not a whole number")
                return nil
            }
            return v
        }
        func double(_ name: String) -> Double? {
            guard let s = given(name) else { return nil }
            guard let v = Double(s), v.isFinite else {
                problems.add(name, value: s, reason: "not a number")
                return nil
            }
            return v
        }
        let date = given("date").flatMap(IncidentDate.init)
        if date == nil { problems.add("date", value: typed["date"], reason: "a date: YYYY, YYYY-MM or YYYY-MM-DD") }
        if given("unit") == nil { problems.add("unit", key: "chooseUnit", reason: "choose a unit") }
        let choices = ["outcome", "attackType", "targetType", "weaponType", "claimed", "property"]
        for name in choices where given(name) == nil {
            problems.add(name, key: "choose_" + name, reason: "choose one (Unknown when it is not known)")
        }
        let outcome = given("outcome").flatMap(IncidentOutcome.init(rawValue:))
        if given("outcome") != nil && outcome == nil {
            problems.add("outcome", key: "choose_outcome", value: typed["outcome"], reason: "not an outcome")
        }
        let property = given("property").flatMap(TriState.init(rawValue:))
        let claimed = given("claimed").flatMap(TriState.init(rawValue:))
        for (name, v) in [("property", property), ("claimed", claimed)] where given(name) != nil && v == nil {
            problems.add(name, key: "choose_" + name, value: typed[name], reason: "yes, no or unknown")
        }
        var incident = Incident(
            uid: uid ?? "", date: date ?? .placeholder, unit: typed["unit"] ?? "", placeName: given("place"),
            latitude: double("latitude"), longitude: double("longitude"), outcome: outcome ?? .unknown,
            attackType: int("attackType") ?? GTD.unknownAttack, targetType: int("targetType") ?? GTD.unknownTarget,
            weaponType: int("weaponType") ?? GTD.unknownWeapon, killed: int("killed"), wounded: int("wounded"),
            propertyDamage: property ?? .unknown, propertyExtent: int("propertyExtent"), claimed: claimed ?? .unknown,
            summary: form["summary"] ?? "",
            sources: (form["sources"] ?? "").split(whereSeparator: \.isNewline).map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty },
            illustrative: form["illustrative"] != nil)
        if incident.propertyDamage != .yes { incident.propertyExtent = nil }
        let catalog = try state.store.catalog()
        if let uid, let old = try? api.visibleIncident(uid, c, catalog).incident {
            // Translations of the texts left as they were are kept; a changed text's are dropped.
            incident.translations = old.translations?.keeping(unchanged: old.texts, incident.texts)
        }
        let found = incident.problems(in: catalog).filter { p in
            // A field the page already refused is not checked again, nor a unit against a date not given.
            let field = input[p.field ?? ""] ?? p.field ?? ""
            return problems.inline[field] == nil && !(field == "unit" && date == nil)
        }
        problems.add(found, input: { input[$0] ?? $0 }, key: { key[$0] })
        if problems.isEmpty {
            do {
                let saved = try api.saveIncident(incident, uid: uid, c)
                return HTTP.redirect("/incidents/\(saved.incident.uid)")
            } catch let e as APIError where e.status == .badRequest {
                problems.add(e.problems, input: { input[$0] ?? $0 }, key: { key[$0] })
                if e.problems.isEmpty { problems.add("form", reason: e.message) }
            } catch QorganError.rejected(_, let found) {
                problems.add(found, input: { input[$0] ?? $0 }, key: { key[$0] })
            }
        }
        return try incidentForm(r, c, user, uid: uid, typed: typed, problems: problems)
    }
}
