import QorganCore

/// The demo's validation rules: checks a programme would really run on its forms, in three
/// languages. The demo's data satisfy them but for a few deliberate slips (`DemoData.slips`).
enum DemoValidation {
    static func rule(
        _ code: String, _ name: (en: String, ru: String, kk: String), _ importance: ValidationRule.Importance,
        _ left: ValidationRule.Side, _ op: ValidationRule.Operator, _ right: ValidationRule.Side,
        _ periodType: PeriodType, levels: [Int] = [], instruction: (en: String, ru: String, kk: String)
    ) -> ValidationRule {
        ValidationRule(
            uid: Uid.stable("demo:vr:\(code)"), code: code, name: name.en, instruction: instruction.en,
            importance: importance, operator: op, leftSide: left, rightSide: right, periodType: periodType,
            organisationUnitLevels: levels, translations: ["ru": name.ru, "kk": name.kk],
            instructionTranslations: ["ru": instruction.ru, "kk": instruction.kk])
    }

    static var rules: [ValidationRule] {
        [
            rule(
                "MARGINALISED_WITHIN_DRAWN_IN",
                (
                    "Marginalised people drawn in cannot exceed everyone drawn in",
                    "Маргинализированных вовлечённых не может быть больше, чем всех вовлечённых",
                    "Тартылған маргиналдар барлық тартылғандардан көп бола алмайды"
                ), .high, .init("#{DRAWN_IN_MARGINALISED}"), .lessThanOrEqualTo, .init("#{DRAWN_IN}"), .quarterly,
                instruction: (
                    "Those from the marginalised part of society are counted among everyone drawn in: correct whichever of the two figures is wrong.",
                    "Лица из маргинализированной части общества входят в число всех вовлечённых: исправьте ту из двух цифр, которая неверна.",
                    "Қоғамның маргиналды бөлігінен шыққандар барлық тартылғандардың қатарына кіреді: екі санның қайсысы қате болса, соны түзетіңіз."
                )),
            rule(
                "EVENTS_AND_REACH_TOGETHER",
                (
                    "Preventive events and people newly reached are reported together",
                    "Профилактические мероприятия и впервые охваченные указываются вместе",
                    "Алдын алу іс-шаралары мен алғаш қамтылғандар бірге көрсетіледі"
                ), .medium, .init("#{PREV_EVENTS}"), .compulsoryPair, .init("#{TG_REACHED}"), .monthly,
                instruction: (
                    "An office that held preventive events reports how many people it newly reached (0 if nobody new), and the other way round.",
                    "Отделение, проводившее мероприятия, указывает, скольких людей оно впервые охватило (0, если никого), и наоборот.",
                    "Іс-шара өткізген бөлімше қанша адамды алғаш қамтығанын көрсетеді (ешкім болмаса, 0), және керісінше."
                )),
            rule(
                "REACHED_WITHIN_TARGET_GROUP",
                (
                    "People newly reached in a year cannot exceed the target group",
                    "Впервые охваченных за год не может быть больше целевой группы",
                    "Бір жылда алғаш қамтылғандар нысаналы топтан көп бола алмайды"
                ), .medium, .init("#{TG_REACHED}"), .lessThanOrEqualTo, .init("#{TG_SIZE}"), .yearly, levels: [1],
                instruction: (
                    "Each person is counted once, in the month first reached: check the offices' monthly figures and the region's target group size.",
                    "Каждый человек учитывается один раз, в месяце первого охвата: проверьте месячные данные отделений и численность целевой группы области.",
                    "Әр адам бір рет, алғаш қамтылған айында есептеледі: бөлімшелердің айлық деректерін және облыстың нысаналы тобының санын тексеріңіз."
                )),
            rule(
                "REHAB_COMPLETIONS_WITHIN_CASELOAD",
                (
                    "Completed programmes cannot exceed admissions plus the caseload",
                    "Завершивших программу не может быть больше поступивших и состоящих на учёте",
                    "Бағдарламаны аяқтағандар түскендер мен есептегілерден көп бола алмайды"
                ), .low, .init("#{REHAB_COMPLETIONS}"), .lessThanOrEqualTo,
                .init("#{REHAB_ADMISSIONS} + #{REHAB_CASELOAD}", missingValueStrategy: .neverSkip), .quarterly,
                instruction: (
                    "Everyone who completes a programme was admitted this quarter or was in the caseload: check the three figures.",
                    "Каждый завершивший программу поступил в этом квартале или состоял на учёте: проверьте три цифры.",
                    "Бағдарламаны аяқтаған әр адам осы тоқсанда түскен немесе есепте болған: үш санды тексеріңіз."
                )),
        ]
    }
}
