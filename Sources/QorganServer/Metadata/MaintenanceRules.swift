import Foundation
import Hummingbird
import QorganCore
import QorganStore

/// Validation rules in the browser: both sides checked as they are typed (the expression check of
/// the indicator page), the operator, importance, period type, levels and the instruction; written
/// as a one-rule metadata document on the one write path, with its history and a way back.
extension PageHandlers {
    static let ruleFields = [
        "code", "name", "name_ru", "name_kk", "importance", "operator", "left", "leftMissing", "right", "rightMissing",
        "periodType", "instruction",
    ]

    func ruleForm(
        _ r: Request, _ c: AppContext, _ user: Principal, code: String?, typed given: [String: String]? = nil,
        levels chosen: Set<String>? = nil, problems: FormProblems? = nil, preview: [Ctx]? = nil
    ) throws -> Response {
        try requireMaintainer(user)
        let lang = c.language
        let t = state.messages.table(lang)
        let catalog = try state.store.catalog()
        var current: ValidationRule? = nil
        if let code {
            guard let rule = catalog.validationRule(code) else { throw APIError.notFound("no validation rule \(code)") }
            current = rule
        }
        var typed = given ?? [:]
        if given == nil {
            if let rule = current {
                typed = Self.typedFields(rule.translations)
                typed["code"] = rule.code
                typed["name"] = rule.name
                typed["importance"] = rule.importance.rawValue
                typed["operator"] = rule.operator.rawValue
                typed["left"] = rule.leftSide.expression
                typed["leftMissing"] = rule.leftSide.missingValueStrategy.rawValue
                typed["right"] = rule.rightSide.expression
                typed["rightMissing"] = rule.rightSide.missingValueStrategy.rawValue
                typed["periodType"] = rule.periodType.rawValue
                typed["instruction"] = rule.instruction ?? ""
            } else {
                typed = [
                    "importance": "MEDIUM", "operator": "less_than_or_equal_to", "periodType": "Monthly",
                    "leftMissing": "SKIP_IF_ALL_VALUES_MISSING", "rightMissing": "SKIP_IF_ALL_VALUES_MISSING",
                ]
            }
        }
        func select(_ name: String, _ label: String, _ options: [(String, String)]) -> MaintainField {
            MaintainField(
                name: name, label: t[label] ?? name, kind: .select,
                options: options.map { ($0.0, $0.1, $0.0 == typed[name]) })
        }
        let missing = ValidationRule.MissingValueStrategy.allCases.map {
            ($0.rawValue, t["maintain_missing_" + $0.rawValue] ?? $0.rawValue)
        }
        var fields: [MaintainField] = [
            MaintainField(
                name: "code", label: t["common_code"] ?? "Code", value: typed["code"] ?? "",
                hint: current == nil ? t["maintain_codeHint"] : nil, readonly: current != nil)
        ]
        fields += nameFields(typed, t: t)
        fields += [
            select(
                "importance", "validation_importance",
                ValidationRule.Importance.allCases.map {
                    ($0.rawValue, t["validation_importance_" + $0.rawValue] ?? $0.rawValue)
                }),
            MaintainField(
                name: "left", label: t["maintain_left"] ?? "Left side", kind: .textarea, value: typed["left"] ?? "",
                hint: t["maintain_expressionHint"], expression: true),
            select("leftMissing", "maintain_leftMissing", missing),
            select(
                "operator", "maintain_operator",
                ValidationRule.Operator.allCases.map {
                    ($0.rawValue, t["maintain_operator_" + $0.rawValue] ?? $0.symbol)
                }),
            MaintainField(
                name: "right", label: t["maintain_right"] ?? "Right side", kind: .textarea, value: typed["right"] ?? "",
                expression: true),
            select("rightMissing", "maintain_rightMissing", missing),
            select(
                "periodType", "metadata_periodType",
                Self.formPeriodTypes.map { ($0.rawValue, t["maintain_period_" + $0.rawValue] ?? $0.rawValue) }),
            MaintainField(
                name: "levels", label: t["maintain_levels"] ?? "Levels", kind: .checks,
                hint: t["maintain_levelsHint"],
                options: catalog.organisationUnitLevels.map { level in
                    let chosenLevels = chosen ?? Set((current?.organisationUnitLevels ?? []).map(String.init))
                    return (String(level.level), level.name(in: lang), chosenLevels.contains(String(level.level)))
                }),
            MaintainField(
                name: "instruction", label: t["maintain_instruction"] ?? "Instruction", kind: .textarea,
                value: typed["instruction"] ?? "", hint: t["maintain_instructionHint"]),
        ]
        let noun = t["maintain_kind_validationRule"] ?? "Validation rule"
        let title = current.map { "\(noun): \($0.name(in: lang))" } ?? (t["maintain_add_validationRule"] ?? noun)
        return maintenancePage(
            r, c, title: title, action: Self.editPath(kind: "validationRule", code: current?.code ?? "new"),
            fields: fields, problems: problems, preview: preview,
            extra: [
                "saved": savedNotice(r, t) as Any,
                "history": try current.map { try historyRows(kind: "validationRule", uid: $0.uid, t: t) } ?? [],
            ])
    }

    func submitRule(_ r: Request, _ c: AppContext, _ user: Principal, code: String?) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        try requireMaintainer(user)
        let t = state.messages.table(c.language)
        let catalog = try state.store.catalog()
        var current: ValidationRule? = nil
        if let code {
            guard let rule = catalog.validationRule(code) else { throw APIError.notFound("no validation rule \(code)") }
            current = rule
        }
        var typed: [String: String] = [:]
        for name in Self.ruleFields { typed[name] = form[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        if let current { typed["code"] = current.code }
        let levels = Set(form.all("levels"))
        let intent: MaintainIntent = form["intent"] == "preview" ? .preview : .save
        var problems = FormProblems("maintain", t)
        let ruleCode = typed["code"] ?? ""
        Self.checkCodeAndName(typed, &problems)
        for side in ["left", "right"] {
            do { _ = try catalog.check(expression: typed[side] ?? "") } catch QorganError.invalidExpression(
                _, let position, let reason)
            {
                problems.add(side, key: "expression", value: "\(position)", reason: reason)
            }
        }
        let importance = ValidationRule.Importance(rawValue: typed["importance"] ?? "")
        let op = ValidationRule.Operator(rawValue: typed["operator"] ?? "")
        let periodType = PeriodType(rawValue: typed["periodType"] ?? "")
        let leftMissing = ValidationRule.MissingValueStrategy(rawValue: typed["leftMissing"] ?? "")
        let rightMissing = ValidationRule.MissingValueStrategy(rawValue: typed["rightMissing"] ?? "")
        if importance == nil { problems.add("importance", key: "choose", reason: "choose one") }
        if op == nil { problems.add("operator", key: "choose", reason: "choose one") }
        if periodType == nil { problems.add("periodType", reason: "choose a period type") }
        if leftMissing == nil { problems.add("leftMissing", key: "choose", reason: "choose one") }
        if rightMissing == nil { problems.add("rightMissing", key: "choose", reason: "choose one") }
        let instruction = typed["instruction"] ?? ""
        var rule = ValidationRule(
            uid: current?.uid ?? "", code: ruleCode, name: typed["name"] ?? "", description: current?.description,
            instruction: instruction.isEmpty ? nil : instruction, importance: importance ?? .medium,
            operator: op ?? .lessThanOrEqualTo,
            leftSide: ValidationRule.Side(
                typed["left"] ?? "", missingValueStrategy: leftMissing ?? .skipIfAllValuesMissing,
                description: current?.leftSide.description),
            rightSide: ValidationRule.Side(
                typed["right"] ?? "", missingValueStrategy: rightMissing ?? .skipIfAllValuesMissing,
                description: current?.rightSide.description),
            periodType: periodType ?? .monthly, organisationUnitLevels: levels.compactMap { Int($0) }.sorted(),
            translations: Self.translations(typed, keeping: current?.translations))
        // A changed instruction drops its translations; one left as it was keeps them.
        rule.instructionTranslations = rule.instruction == current?.instruction ? current?.instructionTranslations : nil
        var doc = Catalog()
        doc.validationRules = [rule]
        let result = try applyMaintenance(
            doc, intent: intent, user: user, lang: c.language, problems: &problems,
            input: { ["leftSide": "left", "rightSide": "right", "organisationUnitLevels": "levels"][$0] ?? $0 })
        if result != nil, intent == .save {
            return HTTP.redirect(Self.editPath(kind: "validationRule", code: ruleCode) + "?saved=1")
        }
        return try ruleForm(
            r, c, user, code: current?.code, typed: typed, levels: levels, problems: problems, preview: result?.diff)
    }
}
