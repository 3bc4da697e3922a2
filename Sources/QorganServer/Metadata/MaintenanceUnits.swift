import Foundation
import Hummingbird
import QorganCore
import QorganStore

/// Organisation units in the browser: add, rename, close, move from a date (with a preview of
/// the figures that change), and say which forms a unit reports. Every change is a metadata
/// document on the one write path, so it is checked exactly as an import is.
extension PageHandlers {
    static let unitFields = ["code", "name", "name_ru", "name_kk", "parent", "moveFrom", "openingDate", "closingDate"]

    func unitForm(
        _ r: Request, _ c: AppContext, _ user: Principal, code: String?, typed given: [String: String]? = nil,
        forms chosen: Set<String>? = nil, problems: FormProblems? = nil, preview: [Ctx]? = nil, moves: Ctx? = nil
    ) throws -> Response {
        try requireMaintainer(user)
        let lang = c.language
        let t = state.messages.table(lang)
        let catalog = try state.store.catalog()
        let today = state.today
        var existing: OrgUnit? = nil
        if let code {
            guard let u = catalog.unit(code), user.canSee(u.uid, in: catalog, on: today) else {
                throw APIError.notFound("no organisation unit \(code) among yours")
            }
            existing = u
        }
        var typed = given ?? [:]
        if given == nil {
            if let u = existing {
                typed = Self.typedFields(u.translations)
                typed["code"] = u.code
                typed["name"] = u.name
                typed["parent"] = u.parent(on: today) ?? ""
                typed["moveFrom"] = today.description
                typed["openingDate"] = u.openingDate.description
                typed["closingDate"] = u.closingDate?.description ?? ""
            } else {
                typed["parent"] = HTTP.param(r, "parent").flatMap { catalog.unit($0)?.uid } ?? ""
                typed["openingDate"] = today.description
            }
        }
        let excluded = existing.map { subtree(of: $0.uid, catalog) } ?? []
        var parents = unitChoices(user, catalog, selected: typed["parent"], depth: 2, lang: lang)
            .filter { !excluded.contains($0["uid"] as? String ?? "") }
        // A unit's parent outside the administrator's units (their own root's) is kept as it is.
        if let chosen = catalog.unit(typed["parent"] ?? ""),
            !parents.contains(where: { $0["uid"] as? String == chosen.uid })
        {
            parents.insert(["uid": chosen.uid, "name": chosen.name(in: lang), "selected": true], at: 0)
        }
        var fields: [MaintainField] = [
            MaintainField(
                name: "code", label: t["common_code"] ?? "Code", value: typed["code"] ?? "",
                hint: existing == nil ? t["maintain_codeHint"] : nil, readonly: existing != nil)
        ]
        fields += nameFields(typed, t: t)
        fields.append(
            MaintainField(
                name: "parent", label: t["maintain_parent"] ?? "Parent", kind: .select,
                options: parents.map { p in
                    (p["uid"] as? String ?? "", p["name"] as? String ?? "", p["selected"] as? Bool ?? false)
                }))
        if existing != nil {
            fields.append(
                MaintainField(
                    name: "moveFrom", label: t["maintain_moveFrom"] ?? "Moved from", kind: .date,
                    value: typed["moveFrom"] ?? "", hint: t["maintain_moveFromHint"]))
        }
        fields += [
            MaintainField(
                name: "openingDate", label: t["metadata_opened"] ?? "Opened", kind: .date,
                value: typed["openingDate"] ?? ""),
            MaintainField(
                name: "closingDate", label: t["metadata_closed"] ?? "Closed", kind: .date,
                value: typed["closingDate"] ?? "", hint: t["maintain_closingHint"]),
        ]
        let assigned = Set(
            catalog.dataSets.filter { ds in existing.map { catalog.assigns(ds, to: $0.uid) } ?? false }
                .map(\.code))
        fields.append(
            MaintainField(
                name: "forms", label: t["maintain_unitForms"] ?? "Forms it reports", kind: .checks,
                options: catalog.dataSets.map { ($0.code, $0.name(in: lang), (chosen ?? assigned).contains($0.code)) }))
        var extra: Ctx = [
            "saved": savedNotice(r, t) as Any, "kindPath": "units", "isUnit": true,
            "history": try existing.map { try historyRows(kind: "organisationUnit", uid: $0.uid, t: t) } ?? [],
            "addChild": existing.map { "/metadata/units/new?parent=\($0.code)" } as Any,
        ]
        if let moves { extra["moves"] = moves }
        let title =
            existing.map { "\(t["maintain_unit"] ?? "Organisation unit"): \($0.name(in: lang))" }
            ?? (t["maintain_addUnit"] ?? "Add an organisation unit")
        return maintenancePage(
            r, c, title: title, action: Self.editPath(kind: "organisationUnit", code: existing?.code ?? "new"),
            fields: fields, problems: problems, preview: preview, extra: extra)
    }

    func submitUnit(_ r: Request, _ c: AppContext, _ user: Principal, code: String?) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        try requireMaintainer(user)
        let t = state.messages.table(c.language)
        let catalog = try state.store.catalog()
        let today = state.today
        var typed: [String: String] = [:]
        for name in Self.unitFields { typed[name] = form[name]?.trimmingCharacters(in: .whitespaces) ?? "" }
        let forms = Set(form.all("forms"))
        let intent: MaintainIntent = form["intent"] == "preview" ? .preview : .save
        var problems = FormProblems("maintain", t)
        var existing: OrgUnit? = nil
        if let code {
            guard let u = catalog.unit(code), user.canSee(u.uid, in: catalog, on: today) else {
                throw APIError.notFound("no organisation unit \(code) among yours")
            }
            existing = u
            typed["code"] = u.code
        }
        func day(_ name: String, required: Bool) -> Day? {
            let text = typed[name] ?? ""
            if text.isEmpty {
                if required { problems.add(name, key: "date", value: text, reason: "a date YYYY-MM-DD") }
                return nil
            }
            guard let d = Day(iso: text) else {
                problems.add(name, key: "date", value: text, reason: "a date YYYY-MM-DD")
                return nil
            }
            return d
        }
        let unitCode = typed["code"] ?? ""
        Self.checkCodeAndName(typed, &problems)
        let parentUid = (typed["parent"] ?? "").isEmpty ? nil : typed["parent"]
        if parentUid == nil && existing?.parent(on: today) != nil || existing == nil && parentUid == nil {
            problems.add("parent", reason: "choose the unit it belongs to")
        }
        let opening = day("openingDate", required: true)
        let closing = day("closingDate", required: false)
        let moveFrom = existing == nil ? nil : day("moveFrom", required: true)
        var unit =
            existing
            ?? OrgUnit(
                uid: "", code: unitCode, name: "", openingDate: opening ?? today, closingDate: nil,
                parents: [ParentLink(parent: parentUid, from: opening ?? today)])
        unit.name = typed["name"] ?? ""
        unit.translations = Self.translations(typed, keeping: existing?.translations)
        if let opening { unit.openingDate = opening }
        unit.closingDate = closing
        var moved: (from: Day, to: String)? = nil
        if let existing, let moveFrom, let parentUid, parentUid != existing.parent(on: moveFrom) {
            if let opening, moveFrom < opening {
                problems.add(
                    "moveFrom", key: "moveBeforeOpening", value: moveFrom.description, reason: "before it opened")
            }
            unit.parents.removeAll { $0.from >= moveFrom }
            unit.parents.append(ParentLink(parent: parentUid, from: moveFrom))
            moved = (moveFrom, parentUid)
        } else if existing == nil {
            unit.parents = [ParentLink(parent: parentUid, from: opening ?? today)]
        }
        var doc = Catalog()
        doc.organisationUnits = [unit]
        for ds in catalog.dataSets {
            let has = existing.map { catalog.assigns(ds, to: $0.uid) } ?? false
            guard has != forms.contains(ds.code) else { continue }
            var changed = ds
            if has {
                changed.organisationUnits.removeAll { $0 == unit.uid }
            } else {
                changed.organisationUnits.append(existing?.uid ?? unitCode)
            }
            doc.dataSets.append(changed)
        }
        let result = try applyMaintenance(doc, intent: intent, user: user, lang: c.language, problems: &problems)
        if let result, intent == .save {
            let code = result.changes.first { $0.kind == "organisationUnit" }?.code ?? unitCode
            return HTTP.redirect(Self.editPath(kind: "organisationUnit", code: code) + "?saved=1")
        }
        var moves: Ctx? = nil
        if result != nil, let existing, let moved {
            moves = try moveFigures(existing, to: moved.to, from: moved.from, catalog: catalog, lang: c.language)
        }
        return try unitForm(
            r, c, user, code: existing?.code, typed: typed, forms: forms, problems: problems,
            preview: result?.diff, moves: moves)
    }

    /// A unit and every unit that was ever below it (a move's candidates; each value is then held
    /// to the hierarchy of its own period).
    func subtree(of uid: String, _ catalog: Catalog) -> Set<String> {
        var children: [String: [String]] = [:]
        for u in catalog.organisationUnits {
            for p in Set(u.parents.compactMap(\.parent)) { children[p, default: []].append(u.uid) }
        }
        var out: Set<String> = [uid]
        var stack = [uid]
        while let u = stack.popLast() {
            for ch in children[u] ?? [] where out.insert(ch).inserted { stack.append(ch) }
        }
        return out
    }

    /// The figures a move changes: the values of the unit and its units below, of periods that
    /// start on or after the move, leave the old parent's totals and count in the new one's;
    /// by element and year, with the count of values and their sum.
    func moveFigures(_ unit: OrgUnit, to parent: String, from: Day, catalog: Catalog, lang: String) throws -> Ctx {
        let values = try state.store.values(
            units: subtree(of: unit.uid, catalog), within: DaySpan(start: from, end: Day.lastOfYear(2100)))
        var groups: [String: (count: Int, sum: Double)] = [:]
        for v in values
        where v.key.period.start >= from && unit.parent(on: v.key.period.start) != parent
            && catalog.isInSubtree(v.key.unit, of: unit.uid, on: v.key.period.start)
        {
            let key = "\(v.key.element)\t\(v.key.period.start.year)"
            let number = Double(v.value) ?? 0
            groups[key, default: (0, 0)].count += 1
            groups[key, default: (0, 0)].sum += number
        }
        func name(_ key: String) -> String {
            let uid = String(key.prefix { $0 != "\t" })
            return (catalog.element(uid)?.name(in: lang) ?? uid) + key.drop { $0 != "\t" }
        }
        let rows: [Ctx] = groups.sorted { name($0.key) < name($1.key) }.prefix(60).map { key, g in
            let parts = key.split(separator: "\t").map(String.init)
            let element = catalog.element(parts[0])
            return [
                "element": element?.name(in: lang) ?? parts[0], "year": parts.count > 1 ? parts[1] : "",
                "count": g.count, "sum": element?.valueType.isNumeric == true ? formatNumber(g.sum) : "",
            ]
        }
        func chain(_ uid: String?) -> String {
            guard let uid else { return "—" }
            return (catalog.ancestors(of: uid, on: from).reversed() + [uid]).compactMap {
                catalog.unit($0)?.name(in: lang)
            }
            .joined(separator: " › ")
        }
        return [
            "rows": rows, "hasRows": !rows.isEmpty, "total": groups.values.reduce(0) { $0 + $1.count },
            "from": from.description,
            "old": chain(unit.parent(on: from)), "new": chain(parent), "more": groups.count > rows.count,
        ]
    }
}
