import Foundation
import Hummingbird
import QorganCore
import QorganStore

/// Elements, forms and indicators in the browser. Each page builds the object whole from what
/// it had and what was typed, and hands it to the one metadata write path as a document.
extension PageHandlers {
    enum Kind: String {
        case element = "dataElement", form = "dataSet", indicator

        var fields: [String] {
            let common = ["code", "name", "name_ru", "name_kk"]
            switch self {
            case .element: return common + ["valueType", "aggregationType", "categoryCombo"]
            case .form: return common + ["periodType", "expiryDays", "timelyDays"]
            case .indicator:
                return common + ["numerator", "denominator", "factor", "decimals", "target", "checkUnit", "checkYear"]
            }
        }
    }

    /// The period types a form may have, in the order people think of them.
    static let formPeriodTypes: [PeriodType] = [.daily, .weekly, .monthly, .quarterly, .sixMonthly, .yearly]

    func objectForm(
        _ r: Request, _ c: AppContext, _ user: Principal, kind: Kind, code: String?,
        typed given: [String: String]? = nil, checked: Set<String>? = nil, problems: FormProblems? = nil,
        preview: [Ctx]? = nil, extra more: Ctx = [:]
    ) throws -> Response {
        try requireMaintainer(user)
        let lang = c.language
        let t = state.messages.table(lang)
        let catalog = try state.store.catalog()
        let current = try code.map { try existing(kind, $0, catalog) }
        var typed = given ?? current.map { values(of: $0, catalog) } ?? defaults(kind)
        if given == nil, kind == .indicator {
            typed["checkUnit"] = user.units.first ?? ""
            typed["checkYear"] = (try state.store.dataYears()).map { String($0.upperBound) } ?? ""
        }
        var fields: [MaintainField] = [
            MaintainField(
                name: "code", label: t["common_code"] ?? "Code", value: typed["code"] ?? "",
                hint: current == nil ? t["maintain_codeHint"] : nil, readonly: current != nil)
        ]
        fields += nameFields(typed, t: t)
        func select(_ name: String, _ label: String, _ options: [(String, String)]) -> MaintainField {
            MaintainField(
                name: name, label: t[label] ?? name, kind: .select,
                options: options.map { ($0.0, $0.1, $0.0 == typed[name]) })
        }
        func number(_ name: String, _ label: String, hint: String? = nil) -> MaintainField {
            MaintainField(name: name, label: t[label] ?? name, kind: .number, value: typed[name] ?? "", hint: hint)
        }
        switch kind {
        case .element:
            fields.append(
                select(
                    "valueType", "metadata_valueType",
                    ValueType.allCases.map { ($0.rawValue, t["valueType_" + $0.rawValue] ?? $0.rawValue) }))
            fields.append(
                select(
                    "aggregationType", "metadata_aggregation",
                    AggregationType.allCases.map { ($0.rawValue, t["aggregation_" + $0.rawValue] ?? $0.rawValue) }))
            fields.append(
                select(
                    "categoryCombo", "metadata_breakdown",
                    catalog.categoryCombos.map { combo in
                        (
                            combo.uid,
                            combo.uid == CategoryCombo.defaultUid
                                ? t["maintain_noBreakdown"] ?? combo.name
                                : MetadataDiff.label(combo, catalog, lang, none: combo.name)
                        )
                    }))
            let inForms = current.flatMap { catalog.element($0.uid) }.map { Set(catalog.dataSets(of: $0).map(\.code)) }
            fields.append(
                MaintainField(
                    name: "forms", label: t["maintain_elementForms"] ?? "Forms", kind: .checks,
                    options: catalog.dataSets.map {
                        ($0.code, $0.name(in: lang), (checked ?? inForms ?? []).contains($0.code))
                    }))
        case .form:
            var types = Self.formPeriodTypes
            if let p = PeriodType(rawValue: typed["periodType"] ?? ""), !types.contains(p) { types.append(p) }
            fields.append(
                select(
                    "periodType", "metadata_periodType",
                    types.map { ($0.rawValue, t["maintain_period_" + $0.rawValue] ?? $0.rawValue) }))
            fields.append(number("expiryDays", "metadata_expiry", hint: t["maintain_expiryHint"]))
            fields.append(number("timelyDays", "maintain_timelyDays", hint: t["maintain_timelyHint"]))
            let members = current.flatMap { catalog.dataSet($0.uid) }.map {
                Set($0.dataElements.compactMap { catalog.element($0)?.code })
            }
            fields.append(
                MaintainField(
                    name: "elements", label: t["metadata_elements"] ?? "Elements", kind: .checks,
                    options: catalog.dataElements.filter { $0.derivedFrom == nil }.map {
                        ($0.code, $0.name(in: lang), (checked ?? members ?? []).contains($0.code))
                    }))
        case .indicator:
            fields.append(
                MaintainField(
                    name: "numerator", label: t["metadata_numerator"] ?? "Numerator", kind: .textarea,
                    value: typed["numerator"] ?? "", hint: t["maintain_expressionHint"], expression: true))
            fields.append(
                MaintainField(
                    name: "denominator", label: t["metadata_denominator"] ?? "Denominator", kind: .textarea,
                    value: typed["denominator"] ?? "", hint: t["maintain_denominatorHint"], expression: true))
            fields.append(number("factor", "metadata_factor", hint: t["maintain_factorHint"]))
            fields.append(number("decimals", "maintain_decimals"))
            fields.append(number("target", "dashboard_target", hint: t["common_optional"]))
            let units = unitChoices(user, catalog, selected: typed["checkUnit"], depth: 1, lang: lang)
            fields.append(
                select(
                    "checkUnit", "maintain_checkUnit",
                    units.map { ($0["uid"] as? String ?? "", $0["name"] as? String ?? "") }))
            let years = (try state.store.dataYears()).map { Array($0).reversed().map(String.init) } ?? []
            fields.append(select("checkYear", "maintain_checkYear", years.map { ($0, $0) }))
        }
        var extra = more
        extra["saved"] = savedNotice(r, t) as Any
        extra["history"] = try current.map { try historyRows(kind: kind.rawValue, uid: $0.uid, t: t) } ?? []
        extra["isIndicator"] = kind == .indicator
        let noun = t["maintain_kind_" + kind.rawValue] ?? kind.rawValue
        let title =
            current.map { "\(noun): \(displayName(kind, $0.uid, catalog, lang))" }
            ?? (t["maintain_add_" + kind.rawValue] ?? noun)
        return maintenancePage(
            r, c, title: title, action: Self.editPath(kind: kind.rawValue, code: current?.code ?? "new"),
            fields: fields, problems: problems, preview: preview, extra: extra)
    }

    struct Existing { var uid: String, code: String, name: String }

    func displayName(_ kind: Kind, _ uid: String, _ catalog: Catalog, _ lang: String) -> String {
        switch kind {
        case .element: catalog.element(uid)?.name(in: lang) ?? uid
        case .form: catalog.dataSet(uid)?.name(in: lang) ?? uid
        case .indicator: catalog.indicator(uid)?.name(in: lang) ?? uid
        }
    }

    func existing(_ kind: Kind, _ code: String, _ catalog: Catalog) throws -> Existing {
        let found: Existing? =
            switch kind {
            case .element: catalog.element(code).map { Existing(uid: $0.uid, code: $0.code, name: $0.name) }
            case .form: catalog.dataSet(code).map { Existing(uid: $0.uid, code: $0.code, name: $0.name) }
            case .indicator: catalog.indicator(code).map { Existing(uid: $0.uid, code: $0.code, name: $0.name) }
            }
        guard let found else { throw APIError.notFound("no \(kind.rawValue) \(code)") }
        return found
    }

    func defaults(_ kind: Kind) -> [String: String] {
        switch kind {
        case .element:
            [
                "valueType": ValueType.integerZeroOrPositive.rawValue, "aggregationType": "SUM",
                "categoryCombo": CategoryCombo.defaultUid,
            ]
        case .form: ["periodType": PeriodType.monthly.rawValue, "expiryDays": "0", "timelyDays": "15"]
        case .indicator: ["denominator": "1", "factor": "1", "decimals": "1"]
        }
    }

    func values(of o: Existing, _ catalog: Catalog) -> [String: String] {
        var out: [String: String] = ["code": o.code, "name": o.name]
        if let e = catalog.element(o.uid) {
            out.merge(Self.typedFields(e.translations)) { $1 }
            out["valueType"] = e.valueType.rawValue
            out["aggregationType"] = e.aggregationType.rawValue
            out["categoryCombo"] = catalog.categoryCombo(e.categoryCombo)?.uid ?? e.categoryCombo
        } else if let d = catalog.dataSet(o.uid) {
            out.merge(Self.typedFields(d.translations)) { $1 }
            out["periodType"] = d.periodType.rawValue
            out["expiryDays"] = String(d.expiryDays)
            out["timelyDays"] = String(d.timelyDays)
        } else if let i = catalog.indicator(o.uid) {
            out.merge(Self.typedFields(i.translations)) { $1 }
            out["numerator"] = i.numerator
            out["denominator"] = i.denominator
            out["factor"] = formatNumber(i.factor)
            out["decimals"] = String(i.decimals)
            out["target"] = i.target.map(formatNumber) ?? ""
        }
        return out
    }

    func submitObject(_ r: Request, _ c: AppContext, _ user: Principal, kind: Kind, code: String?) async throws
        -> Response
    {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 18)))
        try requireMaintainer(user)
        let t = state.messages.table(c.language)
        let catalog = try state.store.catalog()
        let current = try code.map { try existing(kind, $0, catalog) }
        var typed: [String: String] = [:]
        for name in kind.fields { typed[name] = form[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        if let current { typed["code"] = current.code }
        let checked = Set(form.all(kind == .form ? "elements" : "forms"))
        let intent: MaintainIntent = form["intent"] == "preview" ? .preview : .save
        var problems = FormProblems("maintain", t)
        let objectCode = typed["code"] ?? ""
        Self.checkCodeAndName(typed, &problems)
        func int(_ name: String, _ range: ClosedRange<Int>) -> Int {
            guard let n = Int(typed[name] ?? ""), range.contains(n) else {
                problems.add(name, key: "number", value: typed[name], reason: "a whole number \(range)")
                return range.lowerBound
            }
            return n
        }
        func double(_ name: String, optional: Bool = false) -> Double? {
            let text = (typed[name] ?? "").replacingOccurrences(of: ",", with: ".")
            if text.isEmpty && optional { return nil }
            guard let x = Double(text), x.isFinite else {
                problems.add(name, key: "number", value: typed[name], reason: "a number")
                return nil
            }
            return x
        }
        let uid = current?.uid ?? ""
        var doc = Catalog()
        var extra: Ctx = [:]
        switch kind {
        case .element:
            let before = catalog.element(uid)
            let valueType = ValueType(rawValue: typed["valueType"] ?? "")
            if valueType == nil { problems.add("valueType", reason: "choose a value type") }
            let aggregation = AggregationType(rawValue: typed["aggregationType"] ?? "")
            if aggregation == nil { problems.add("aggregationType", reason: "choose how values add up") }
            var e = DataElement(
                uid: uid, code: objectCode, name: typed["name"] ?? "", shortName: before?.shortName,
                description: before?.description, valueType: valueType ?? .number,
                aggregationType: aggregation ?? .sum, categoryCombo: typed["categoryCombo"] ?? CategoryCombo.defaultUid,
                translations: Self.translations(typed, keeping: before?.translations), derivedFrom: before?.derivedFrom)
            if e.categoryCombo.isEmpty { e.categoryCombo = CategoryCombo.defaultUid }
            doc.dataElements = [e]
            for ds in catalog.dataSets {
                let has = before.map { ds.dataElements.contains($0.uid) } ?? false
                guard has != checked.contains(ds.code) else { continue }
                var changed = ds
                if has {
                    changed.dataElements.removeAll { $0 == uid }
                } else {
                    changed.dataElements.append(uid.isEmpty ? objectCode : uid)
                }
                doc.dataSets.append(changed)
            }
        case .form:
            let before = catalog.dataSet(uid)
            let periodType = PeriodType(rawValue: typed["periodType"] ?? "")
            if periodType == nil { problems.add("periodType", reason: "choose a period type") }
            // The form's order is kept; elements ticked now come after it, in the catalog's order.
            var elements = (before?.dataElements ?? []).filter { ref in
                catalog.element(ref).map { checked.contains($0.code) } ?? false
            }
            for e in catalog.dataElements where checked.contains(e.code) && !elements.contains(e.uid) {
                elements.append(e.uid)
            }
            doc.dataSets = [
                DataSet(
                    uid: uid, code: objectCode, name: typed["name"] ?? "", description: before?.description,
                    periodType: periodType ?? .monthly, dataElements: elements,
                    organisationUnits: before?.organisationUnits ?? [], timelyDays: int("timelyDays", 0...366),
                    expiryDays: int("expiryDays", 0...3660),
                    translations: Self.translations(typed, keeping: before?.translations))
            ]
        case .indicator:
            let before = catalog.indicator(uid)
            for side in ["numerator", "denominator"] {
                do { _ = try catalog.check(expression: typed[side] ?? "") } catch QorganError.invalidExpression(
                    _, let position, let reason)
                {
                    problems.add(
                        side, key: "expression", value: "\(position)", reason: "at position \(position): \(reason)")
                }
            }
            let factor = double("factor") ?? 1
            let target = double("target", optional: true)
            doc.indicators = [
                Indicator(
                    uid: uid, code: objectCode, name: typed["name"] ?? "", shortName: before?.shortName,
                    description: before?.description, numerator: typed["numerator"] ?? "",
                    denominator: typed["denominator"] ?? "", factor: factor, decimals: int("decimals", 0...6),
                    target: target, translations: Self.translations(typed, keeping: before?.translations))
            ]
            if problems.isEmpty { extra["check"] = indicatorCheck(typed, factor: factor, user: user, lang: c.language) }
        }
        let result = try applyMaintenance(doc, intent: intent, user: user, lang: c.language, problems: &problems)
        if result != nil, intent == .save {
            return HTTP.redirect(Self.editPath(kind: kind.rawValue, code: objectCode) + "?saved=1")
        }
        return try objectForm(
            r, c, user, kind: kind, code: current?.code, typed: typed, checked: checked, problems: problems,
            preview: result?.diff, extra: extra)
    }

    /// The indicator as typed, for the unit and year chosen beside it.
    func indicatorCheck(_ typed: [String: String], factor: Double, user: Principal, lang: String) -> Ctx? {
        let (snapshot, _) = state.engine.versionedSnapshot()
        let catalog = snapshot.catalog
        guard let unit = catalog.unit(typed["checkUnit"] ?? ""), user.canSee(unit.uid, in: catalog, on: state.today),
            let year = Int(typed["checkYear"] ?? ""), let period = Period.parse(String(year)),
            let num = try? QorganCore.Expression.parse(typed["numerator"] ?? ""),
            let den = try? QorganCore.Expression.parse(typed["denominator"] ?? "")
        else { return nil }
        let result = snapshot.evaluate(
            numerator: num, denominator: den, factor: factor, unit: unit.uid, span: period.span)
        let decimals = min(max(Int(typed["decimals"] ?? "") ?? 1, 0), 6)
        return [
            "unit": unit.name(in: lang), "year": year,
            "value": result?.value.map { String(format: "%.\(decimals)f", $0) } ?? "—",
            "numerator": result?.numerator.map(formatNumber) ?? "—",
            "denominator": result?.denominator.map(formatNumber) ?? "—",
        ]
    }
}
