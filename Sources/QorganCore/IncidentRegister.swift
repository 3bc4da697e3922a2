import Foundation

/// The data elements the register counts its events into, so that indicators, pivots and
/// the report see incidents like any other data. Their values are derived: nobody enters them.
public enum IncidentRegister {
    public static let eventsElement = "INC_EVENTS"
    public static let attackElement = "INC_ATTACK_TYPE"
    public static let targetElement = "INC_TARGET_TYPE"
    public static let killedElement = "INC_KILLED"
    public static let woundedElement = "INC_WOUNDED"
    public static let elements = [eventsElement, attackElement, targetElement, killedElement, woundedElement]
    public static let storedBy = "incident register"

    static func uid(_ s: String) -> String { Uid.stable("incident-register:\(s)") }

    public static func optionCode(outcome: IncidentOutcome) -> String { outcome.rawValue.uppercased() }
    public static func optionCode(attackType: Int) -> String { "AT\(attackType)" }
    public static func optionCode(targetType: Int) -> String { "TT\(targetType)" }

    /// The categories, combinations and elements of the register, to merge into any catalog.
    public static func metadata() -> Catalog {
        var c = Catalog()
        c.categoryCombos = []
        func category(
            _ code: String, _ name: String, _ options: [(String, String)],
            translations: [String: [String: String]] = [:]
        ) -> Category {
            Category(
                uid: uid("category:\(code)"), code: code, name: name,
                options: options.map {
                    CategoryOption(
                        uid: uid("option:\(code).\($0.0)"), code: $0.0, name: $0.1, translations: translations[$0.0])
                }, translations: translations[code])
        }
        c.categories = [
            category(
                "INC_OUTCOME", "Incident outcome",
                IncidentOutcome.allCases.map { (optionCode(outcome: $0), $0.rawValue.capitalized) },
                translations: [
                    "INC_OUTCOME": ["ru": "Исход инцидента", "kk": "Оқиға нәтижесі"],
                    "COMPLETED": ["ru": "Совершённый теракт", "kk": "Жасалған теракт"],
                    "FAILED": ["ru": "Неудавшийся теракт", "kk": "Сәтсіз шабуыл"],
                    "FOILED": ["ru": "Предотвращённый замысел", "kk": "Алдын алынған жоспар"],
                    "UNKNOWN": ["ru": "Неизвестно", "kk": "Белгісіз"],
                ]),
            category(
                "INC_ATTACK", "Attack type (GTD)",
                GTD.attackTypes.sorted { $0.key < $1.key }.map { (optionCode(attackType: $0.key), $0.value) },
                translations: GTD.optionTranslations("attack") { optionCode(attackType: $0) }.merging([
                    "INC_ATTACK": ["ru": "Тип нападения (GTD)", "kk": "Шабуыл түрі (GTD)"]
                ]) { $1 }),
            category(
                "INC_TARGET", "Target type (GTD)",
                GTD.targetTypes.sorted { $0.key < $1.key }.map { (optionCode(targetType: $0.key), $0.value) },
                translations: GTD.optionTranslations("target") { optionCode(targetType: $0) }.merging([
                    "INC_TARGET": ["ru": "Тип цели (GTD)", "kk": "Нысана түрі (GTD)"]
                ]) { $1 }),
        ]
        c.categoryCombos = [
            CategoryCombo(
                uid: uid("combo:INC_OUTCOME"), code: "INC_OUTCOME", name: "Incident outcome",
                categories: ["INC_OUTCOME"]),
            CategoryCombo(
                uid: uid("combo:INC_ATTACK"), code: "INC_ATTACK", name: "Attack type (GTD)", categories: ["INC_ATTACK"]),
            CategoryCombo(
                uid: uid("combo:INC_TARGET"), code: "INC_TARGET", name: "Target type (GTD)", categories: ["INC_TARGET"]),
        ]
        func element(_ code: String, _ name: String, combo: String, _ description: String, ru: String, kk: String)
            -> DataElement
        {
            DataElement(
                uid: uid("de:\(code)"), code: code, name: name, description: description,
                valueType: .integerZeroOrPositive,
                aggregationType: .sum, categoryCombo: combo, translations: ["ru": ru, "kk": kk],
                derivedFrom: "incident register")
        }
        c.dataElements = [
            element(
                eventsElement, "Incidents by outcome", combo: "INC_OUTCOME",
                "Events of the incident register, counted by outcome for the unit and month (or year) of the event. Derived.",
                ru: "Инциденты по исходу", kk: "Оқиғалар нәтижесі бойынша"),
            element(
                attackElement, "Incidents by attack type", combo: "INC_ATTACK",
                "Events of the incident register by GTD attack type. Derived.", ru: "Инциденты по типу нападения",
                kk: "Оқиғалар шабуыл түрі бойынша"),
            element(
                targetElement, "Incidents by target type", combo: "INC_TARGET",
                "Events of the incident register by GTD target type. Derived.", ru: "Инциденты по типу цели",
                kk: "Оқиғалар нысана түрі бойынша"),
            element(
                killedElement, "People killed in incidents", combo: CategoryCombo.defaultCode,
                "Sum of the known numbers of killed. Derived.", ru: "Погибшие в инцидентах",
                kk: "Оқиғаларда қаза тапқандар"),
            element(
                woundedElement, "People wounded in incidents", combo: CategoryCombo.defaultCode,
                "Sum of the known numbers of wounded. Derived.", ru: "Раненые в инцидентах",
                kk: "Оқиғаларда жараланғандар"),
        ]
        return c
    }

    /// The counts of one cell (unit and period) from the events in it: element code → option
    /// combination code (`default` for none) → value. Zero counts are absent.
    public static func counts(_ incidents: [Incident]) -> [String: [String: Double]] {
        var out: [String: [String: Double]] = [:]
        for i in incidents {
            out[eventsElement, default: [:]][optionCode(outcome: i.outcome), default: 0] += 1
            out[attackElement, default: [:]][optionCode(attackType: i.attackType), default: 0] += 1
            out[targetElement, default: [:]][optionCode(targetType: i.targetType), default: 0] += 1
            if let k = i.killed, k > 0 { out[killedElement, default: [:]]["default", default: 0] += Double(k) }
            if let w = i.wounded, w > 0 { out[woundedElement, default: [:]]["default", default: 0] += Double(w) }
        }
        return out
    }
}
