import QorganCore

/// The demo's readiness checklist and its two rounds of assessments (October 2015 and October
/// 2017) of every regional and field office, scored item by item so that the offices' mean is
/// 89.9 % and then 91.7 % (F10).
enum DemoReadiness {
    static let instrument = translated(
        Instrument(
            code: "OFFICE_READINESS", version: 1, name: "Readiness of an office to respond to terrorist threats",
            sections: [
                InstrumentSection(
                    code: "PLANS", name: "Plans and procedures",
                    items: [
                        InstrumentItem(
                            code: "P1", text: "A response plan is approved and current", weight: 3, scale: .yesNo),
                        InstrumentItem(
                            code: "P2", text: "Call-out lists are complete and tested", weight: 2, scale: .levels),
                        InstrumentItem(
                            code: "P3", text: "Coordination with regional bodies is agreed (regional offices)",
                            weight: 2,
                            scale: .levels),
                        InstrumentItem(
                            code: "P4", text: "Procedures for mass-gathering events exist", weight: 1, scale: .levels),
                    ]),
                InstrumentSection(
                    code: "STAFF", name: "Staff and training",
                    items: [
                        InstrumentItem(
                            code: "S1", text: "Staff trained in the last 12 months", weight: 3, scale: .levels),
                        InstrumentItem(
                            code: "S2", text: "Duty officers know the alert procedure", weight: 2, scale: .levels),
                        InstrumentItem(
                            code: "S3", text: "Specialists for negotiation are available", weight: 1, scale: .yesNo),
                    ]),
                InstrumentSection(
                    code: "EQUIPMENT", name: "Equipment and communication",
                    items: [
                        InstrumentItem(code: "E1", text: "Secure communication works", weight: 3, scale: .levels),
                        InstrumentItem(code: "E2", text: "Protective equipment is complete", weight: 2, scale: .levels),
                        InstrumentItem(code: "E3", text: "Vehicles are ready", weight: 1, scale: .levels),
                    ]),
                InstrumentSection(
                    code: "EXERCISES", name: "Exercises",
                    items: [
                        InstrumentItem(code: "X1", text: "Command-post exercise", weight: 3, scale: .exercise),
                        InstrumentItem(
                            code: "X2", text: "Field exercise with other services", weight: 3, scale: .exercise),
                        InstrumentItem(code: "X3", text: "Alert drill", weight: 2, scale: .exercise),
                    ]),
            ]))

    /// The checklist's texts in Russian and Kazakh.
    static let texts: [String: (ru: String, kk: String)] = [
        "Readiness of an office to respond to terrorist threats": (
            "Готовность подразделения к реагированию на террористические угрозы",
            "Бөлімшенің террорлық қатерлерге ден қоюға дайындығы"
        ),
        "Plans and procedures": ("Планы и процедуры", "Жоспарлар мен рәсімдер"),
        "A response plan is approved and current": (
            "План реагирования утверждён и актуален", "Ден қою жоспары бекітілген және өзекті"
        ),
        "Call-out lists are complete and tested": (
            "Списки оповещения полны и проверены", "Хабарлау тізімдері толық және тексерілген"
        ),
        "Coordination with regional bodies is agreed (regional offices)": (
            "Взаимодействие с региональными органами согласовано (региональные подразделения)",
            "Өңірлік органдармен өзара іс-қимыл келісілген (өңірлік бөлімшелер)"
        ),
        "Procedures for mass-gathering events exist": (
            "Есть процедуры для массовых мероприятий", "Жаппай іс-шараларға арналған рәсімдер бар"
        ),
        "Staff and training": ("Персонал и подготовка", "Қызметкерлер және даярлық"),
        "Staff trained in the last 12 months": (
            "Персонал обучен за последние 12 месяцев", "Қызметкерлер соңғы 12 айда оқытылған"
        ),
        "Duty officers know the alert procedure": (
            "Дежурные знают порядок оповещения", "Кезекшілер хабарлау тәртібін біледі"
        ),
        "Specialists for negotiation are available": (
            "Есть специалисты для переговоров", "Келіссөз жүргізетін мамандар бар"
        ),
        "Equipment and communication": ("Оснащение и связь", "Жабдықтар және байланыс"),
        "Secure communication works": ("Защищённая связь работает", "Қорғалған байланыс жұмыс істейді"),
        "Protective equipment is complete": ("Средства защиты укомплектованы", "Қорғаныс құралдары толық жинақталған"),
        "Vehicles are ready": ("Транспорт готов", "Көлік дайын"),
        "Exercises": ("Учения", "Жаттығулар"),
        "Command-post exercise": ("Командно-штабное учение", "Қолбасшылық-штабтық жаттығу"),
        "Field exercise with other services": (
            "Полевое учение с другими службами", "Басқа қызметтермен далалық жаттығу"
        ),
        "Alert drill": ("Тренировка по оповещению", "Хабарлау жаттығуы"),
    ]

    /// The checklist with its name, sections and items in Russian and Kazakh.
    static func translated(_ instrument: Instrument) -> Instrument {
        func both(_ english: String) -> [String: String]? { texts[english].map { ["ru": $0.ru, "kk": $0.kk] } }
        var out = instrument
        out.translations = both(instrument.name)
        for s in out.sections.indices {
            out.sections[s].translations = both(out.sections[s].name)
            for i in out.sections[s].items.indices {
                out.sections[s].items[i].translations = both(out.sections[s].items[i].text)
            }
        }
        return out
    }

    /// Answers whose readiness is as close as the items allow to `tenths`, lowering items from
    /// full marks in a seeded order; `na` items are not applicable.
    static func answers(towards tenths: Int, na: Set<String>, rng: inout DemoRandom) -> [String: Int] {
        let items = instrument.items
        var score = Dictionary(uniqueKeysWithValues: items.map { ($0.code, Int($0.scale.maximum)) })
        func pct() -> Double { readiness(score, na: na) }
        var guardSteps = 0
        while pct() * 10 > Double(tenths), guardSteps < 200 {
            let item = items[rng.int(0...(items.count - 1))]
            guard !na.contains(item.code), score[item.code, default: 0] > 0 else {
                guardSteps += 1
                continue
            }
            score[item.code, default: 0] -= 1
            guardSteps += 1
        }
        return score
    }

    static func readiness(_ score: [String: Int], na: Set<String>) -> Double {
        var got = 0.0
        var max = 0.0
        for item in instrument.items where !na.contains(item.code) {
            got += item.weight * Double(score[item.code, default: 0])
            max += item.weight * item.scale.maximum
        }
        return 100 * got / max
    }

    static func answerText(_ item: InstrumentItem, _ v: Int) -> String {
        switch item.scale {
        case .yesNo: v == 1 ? "yes" : "no"
        case .levels: String(v)
        case .exercise: ["U", "M", "S", "P"][v]
        }
    }

    static func assessments() -> [Assessment] {
        var rng = DemoRandom(seed: DemoProgramme.seed &+ 2015)
        let targets = DemoProgramme.readinessTargets()
        let regionCodes = Set(Geography.regions.map(\.code))
        var rounds: [[(office: String, score: [String: Int], na: Set<String>)]] = [[], []]
        for t in targets {
            // Coordination with regional bodies applies to regional offices only.
            let na: Set<String> = regionCodes.contains(t.office) ? [] : ["P3"]
            rounds[0].append((t.office, answers(towards: t.previous, na: na, rng: &rng), na))
            rounds[1].append((t.office, answers(towards: t.latest, na: na, rng: &rng), na))
        }
        // Nudge single items until the offices' mean shows as the report's figure.
        for (r, target) in [(0, 89.9), (1, 91.7)] {
            var i = 0
            // As the store keeps them: each office to a hundredth of a percent.
            func mean() -> Double {
                rounds[r].map { (readiness($0.score, na: $0.na) * 100).rounded() / 100 }.reduce(0, +)
                    / Double(rounds[r].count)
            }
            while abs(mean() - target) >= 0.04, i < 10_000 {
                let o = i % rounds[r].count
                let items = instrument.items.filter { !rounds[r][o].na.contains($0.code) }
                let item = items[(i / rounds[r].count) % items.count]
                let v = rounds[r][o].score[item.code, default: 0]
                if mean() < target, v < Int(item.scale.maximum) { rounds[r][o].score[item.code] = v + 1 }
                if mean() > target, v > 0 { rounds[r][o].score[item.code] = v - 1 }
                i += 1
            }
        }
        let dates = [Day.firstOfMonth(2015, 10).adding(days: 14), Day.firstOfMonth(2017, 10).adding(days: 15)]
        return rounds.enumerated().flatMap { r, round in
            round.map { o in
                Assessment(
                    unit: o.office, date: dates[r], instrument: instrument.code, version: instrument.version,
                    assessorRole: regionCodes.contains(o.office)
                        ? "national inspection team" : "regional inspection team",
                    scores: instrument.items.map { item in
                        o.na.contains(item.code)
                            ? ItemScore(item: item.code, answer: "NA", evidence: "Not a regional office")
                            : ItemScore(
                                item: item.code, answer: answerText(item, o.score[item.code, default: 0]),
                                evidence: o.score[item.code, default: 0] < Int(item.scale.maximum)
                                    ? "Illustrative finding" : nil)
                    },
                    translations: RecordTranslations(
                        regionCodes.contains(o.office)
                            ? [
                                "ru": ["assessorRole": "группа проверки национального уровня"],
                                "kk": ["assessorRole": "ұлттық деңгейдегі тексеру тобы"],
                            ]
                            : [
                                "ru": ["assessorRole": "группа проверки регионального уровня"],
                                "kk": ["assessorRole": "өңірлік деңгейдегі тексеру тобы"],
                            ]))
            }
        }
    }
}
