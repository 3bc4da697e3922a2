import Foundation
import Hummingbird
import QorganAnalytics
import QorganCore
import QorganInterop

/// Validation rules on the current data: a form's own check (the entry page, completion) and
/// any units and periods on demand. Always computed from the engine, so never stale.
extension ServerState {
    /// The rules of `form` broken for one unit and period, the most important first.
    func formViolations(_ form: DataSet, _ period: Period, _ unit: OrgUnit) throws -> [ValidationViolation] {
        try engine.snapshot().validate(
            ValidationScope(units: [unit.uid], span: period.span, dataSet: form.uid, exactUnits: true)
        ).violations
    }

    /// A violation as the pages show it: importance, rule name, both sides in plain words,
    /// and the instruction, in `lang`.
    func violationContext(_ v: ValidationViolation, _ catalog: Catalog, _ lang: String) -> [String: Any] {
        let rule = catalog.validationRule(v.rule)
        let none = messages.text("validation_noData", lang)
        let op = rule.map { messages.text("validation_op_" + $0.operator.rawValue, lang) } ?? ""
        let left = v.leftValue.map(formatNumber) ?? none
        let right = v.rightValue.map(formatNumber) ?? none
        // The whole sentence from its language's template: Kazakh puts the case on a noun after the
        // number ("999 мәні 11 мәнінен аспауы керек"), not on the number.
        let sentence = rule.map {
            messages.text("validation_sentence_" + $0.operator.rawValue, lang)
                .replacingOccurrences(of: "{left}", with: left).replacingOccurrences(of: "{right}", with: right)
        }
        return [
            "importance": v.importance.rawValue,
            "importanceName": messages.text("validation_importance_" + v.importance.rawValue, lang),
            "rule": rule?.name(in: lang) ?? v.rule, "code": rule?.code ?? "",
            "left": left, "right": right, "operator": op, "sentence": sentence ?? "\(left) \(op) \(right)",
            "instruction": rule?.instruction(in: lang) ?? "",
            "period": v.period, "unit": catalog.unit(v.unit)?.name(in: lang) ?? v.unit,
        ]
    }
}

extension HTTP {
    /// The `importance` parameter: HIGH, MEDIUM or LOW (any case); nil when absent.
    static func importance(_ r: Request) throws -> ValidationRule.Importance? {
        guard let text = param(r, "importance") else { return nil }
        guard let i = ValidationRule.Importance(rawValue: text.uppercased()) else {
            throw APIError.badRequest("importance", text, "HIGH, MEDIUM or LOW")
        }
        return i
    }
}

extension Handlers {
    /// Refuses to complete a form with a high-importance violation, or with another violation
    /// and no comment saying why (409, in the user's language, naming the rules).
    func checkCompletable(
        _ form: DataSet, _ period: Period, _ unit: OrgUnit, comment: String?, _ c: AppContext, _ catalog: Catalog
    ) throws {
        let violations = try state.formViolations(form, period, unit)
        guard !violations.isEmpty else { return }
        let lang = c.language
        let names = violations.compactMap { catalog.validationRule($0.rule)?.name(in: lang) }
        let list = Array(Set(names)).sorted().joined(separator: "; ")
        if violations.contains(where: { $0.importance == .high }) {
            throw APIError(
                .conflict, code: "validation_failed",
                state.messages.text("validation_refuseHigh", lang) + " " + list)
        }
        if (comment ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw APIError(
                .conflict, code: "comment_required",
                state.messages.text("validation_needComment", lang) + " " + list)
        }
    }

    /// GET /api/validation: the violations for units (each with its subtree) and a period or
    /// range, optionally of some rules or one form's rules.
    func validation(_ r: Request, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        let engine = state.engine.snapshot()
        let catalog = engine.catalog
        let today = state.today
        guard let pe = HTTP.param(r, "pe") else { throw APIError.badRequest("pe", nil, "required: a period or range") }
        guard let selection = try? PeriodSelection(pe) else {
            throw APIError.badRequest("pe", pe, "not a period or range (2017, 2016..2017, 2017Q1)")
        }
        var units: [String] = []
        for ref in HTTP.params(r, "ou") {
            guard let u = catalog.unit(ref) else {
                throw APIError.unknown("ou", ref, "no organisation unit with this code or uid")
            }
            guard user.canSee(u.uid, in: catalog, on: today) else { throw APIError.outOfScope(ref) }
            units.append(u.uid)
        }
        if units.isEmpty { units = user.units }
        var rules: [String] = []
        for ref in HTTP.params(r, "rule") {
            guard let rule = catalog.validationRule(ref) else {
                throw APIError.unknown("rule", ref, "no validation rule with this code or uid")
            }
            rules.append(rule.uid)
        }
        var form: String? = nil
        if let ref = HTTP.param(r, "dataSet") {
            guard let ds = catalog.dataSet(ref) else {
                throw APIError.unknown("dataSet", ref, "no data set with this code or uid")
            }
            form = ds.uid
        }
        let importance = try HTTP.importance(r)
        var outcome: ValidationOutcome
        do {
            outcome = try engine.validate(
                ValidationScope(
                    units: units, span: selection.span, rules: rules, dataSet: form,
                    maxChecks: state.configuration.queryLimits.maxCells))
        } catch QorganError.invalidRequest(_, let problems) {
            throw APIError.badRequest("pe", pe, problems.map(\.reason).joined(separator: "; "))
        }
        if let importance { outcome.violations.removeAll { $0.importance != importance } }
        let format = try format(r, c, allowed: ["json", "csv"])
        if format == "csv" {
            var rows = [
                [
                    "importance", "validationRule", "validationRuleName", "period", "organisationUnit",
                    "organisationUnitName", "leftSideValue", "operator", "rightSideValue",
                ]
            ]
            for v in outcome.violations {
                let rule = catalog.validationRule(v.rule)
                rows.append([
                    v.importance.rawValue, rule?.code ?? v.rule, rule?.name(in: c.language) ?? "", v.period,
                    catalog.unit(v.unit)?.code ?? v.unit, catalog.unit(v.unit)?.name(in: c.language) ?? "",
                    v.leftValue.map(formatNumber) ?? "", rule?.operator.rawValue ?? "",
                    v.rightValue.map(formatNumber) ?? "",
                ])
            }
            return HTTP.data(
                Data(("\u{FEFF}" + rows.map { CSV.line($0) + "\r\n" }.joined()).utf8), type: "text/csv; charset=utf-8",
                filename: "violations.csv")
        }
        return HTTP.data(
            outcome.json(catalog: catalog, language: c.language).data, type: "application/json; charset=utf-8")
    }

    /// GET /api/validation/dataSet/:ds?pe=&ou=: one form's check for one unit and period, as
    /// DHIS2's data entry asks for it.
    func formValidation(_ r: Request, _ c: AppContext) throws -> Response {
        let catalog = state.engine.snapshot().catalog
        let ds = try c.parameters.require("ds")
        let (form, p, u) = try formKey(
            dataSet: ds, period: HTTP.param(r, "pe"), unit: HTTP.param(r, "ou"), c, catalog)
        let violations = try state.formViolations(form, p, u)
        return HTTP.data(
            JSONValue.object([
                (
                    "validationRuleViolations",
                    .array(
                        violations.map { v in
                            let page = state.violationContext(v, catalog, c.language)
                            guard
                                case .object(var members) = ValidationOutcome.json(
                                    v, catalog: catalog, language: c.language)
                            else { return .null }
                            // The elements the rule reads: the page shows its message beside their cells.
                            let rule = catalog.validationRule(v.rule)
                            let elements = [rule?.leftSide.expression, rule?.rightSide.expression].compactMap { $0 }
                                .flatMap { (try? QorganCore.Expression.parse($0))?.references ?? [] }
                                .filter { $0.kind == .element }.compactMap { catalog.element($0.code)?.uid }
                            members.append(("dataElements", .array(elements.map { .string($0) })))
                            for key in ["importanceName", "operator", "left", "right", "sentence"] {
                                members.append(
                                    (
                                        "display" + key.prefix(1).uppercased() + key.dropFirst(),
                                        .string(page[key] as? String)
                                    ))
                            }
                            return .object(members)
                        })
                ),
                ("commentRequiredViolations", .array([])),
            ]).data, type: "application/json; charset=utf-8")
    }
}

// MARK: Completeness

extension Handlers {
    /// The form, units (in the caller's scope; theirs when absent) and span of a completeness request.
    func completenessScope(_ r: Request, _ c: AppContext, _ catalog: Catalog) throws -> (DataSet, [String], DaySpan) {
        let user = try c.requireUser()
        guard let ref = HTTP.param(r, "dataSet") ?? HTTP.param(r, "ds") else {
            throw APIError.badRequest("dataSet", nil, "required: a form's code or uid")
        }
        guard let form = catalog.dataSet(ref) else {
            throw APIError.unknown("dataSet", ref, "no data set with this code or uid")
        }
        guard let pe = HTTP.param(r, "pe") else { throw APIError.badRequest("pe", nil, "required: a period or range") }
        guard let selection = try? PeriodSelection(pe) else {
            throw APIError.badRequest("pe", pe, "not a period or range (2017, 2016..2017, 2017Q1)")
        }
        var roots: [String] = []
        for ref in HTTP.params(r, "ou") {
            guard let u = catalog.unit(ref) else {
                throw APIError.unknown("ou", ref, "no organisation unit with this code or uid")
            }
            guard user.canSee(u.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(ref) }
            roots.append(u.uid)
        }
        return (form, roots.isEmpty ? user.units : roots, selection.span)
    }

    /// GET /api/completeness: expected, reported, complete and on-time reports of a form, by
    /// unit and by period, and the reports that never arrived.
    func completeness(_ r: Request, _ c: AppContext) throws -> Response {
        let catalog = try store.catalog()
        let (form, roots, span) = try completenessScope(r, c, catalog)
        let result: Completeness
        do {
            result = try store.completeness(
                of: form, roots: roots, span: span, catalog: catalog,
                maxCells: state.configuration.queryLimits.maxCells)
        } catch QorganError.invalidRequest(_, let problems) {
            throw APIError.badRequest("pe", HTTP.param(r, "pe"), problems.map(\.reason).joined(separator: "; "))
        }
        let format = try format(r, c, allowed: ["json", "csv"])
        guard format == "csv" else {
            return HTTP.data(
                result.json(catalog: catalog, language: c.language).data, type: "application/json; charset=utf-8")
        }
        var lines = [
            CSV.line([
                "orgUnit", "orgUnitName", "period", "expected", "reported", "complete", "completeOnTime", "completedOn",
            ])
        ]
        for cell in result.cells {
            lines.append(
                CSV.line([
                    catalog.unit(cell.unit)?.code ?? cell.unit, catalog.unit(cell.unit)?.name(in: c.language) ?? "",
                    cell.period.iso, "1", cell.reported ? "1" : "0", cell.complete ? "1" : "0", cell.onTime ? "1" : "0",
                    cell.completedOn?.description ?? "",
                ]))
        }
        return HTTP.data(
            Data(("\u{FEFF}" + lines.map { $0 + "\r\n" }.joined()).utf8), type: "text/csv; charset=utf-8",
            filename: "completeness.csv")
    }
}
