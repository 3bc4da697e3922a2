import Foundation
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

/// The demo's form completions: every expected report of 2013–2017 completed, most within the
/// form's timely days, some late, and a few never completed, so completeness and timeliness have
/// something to show: West Kazakhstan's offices did not complete November and December 2017 of
/// the preventive work form, Mangystau and Kyzylorda the December 2017 security outcomes (which
/// left nothing stored: not reported at all), and Almaty city the fourth quarter of 2017 of
/// the involvement form; and the forms of the two slips the validation rules find are not
/// complete either.
enum DemoCompletions {
    static var gaps: [(form: String, periods: [String], units: [String])] {
        let westOffices = Geography.regions.first { $0.code == "ZKO" }?.offices.map(\.code) ?? []
        return [
            ("PREVENTION", ["201711", "201712"], westOffices), ("SECURITY", ["201712"], ["MAN", "KZY"]),
            ("INVOLVEMENT", ["2017Q4"], ["ALA"]),
            // The two slips the validation rules find stopped their forms' completion.
            ("PREVENTION", ["201703"], ["ALA_ALATAU"]), ("INVOLVEMENT", ["2017Q1"], ["AST"]),
        ]
    }

    static func records(catalog: Catalog) -> [(record: CompletionRecord, at: Date)] {
        var rng = DemoRandom(seed: DemoProgramme.seed &+ 15)
        var skip = Set<String>()
        for gap in gaps {
            guard let form = catalog.dataSet(gap.form) else { continue }
            for p in gap.periods {
                for code in gap.units { if let u = catalog.unit(code) { skip.insert("\(form.uid)|\(u.uid)|\(p)") } }
            }
        }
        guard let span = try? PeriodSelection("2013..2017").span else { return [] }
        var out: [(CompletionRecord, Date)] = []
        for form in catalog.dataSets {
            // Forms filled by the registers (readiness, incidents, sites) are not typed in.
            guard catalog.isEntered(form) else { continue }
            for p in Period.periods(of: form.periodType, within: span) {
                for u in form.organisationUnits {
                    guard catalog.unit(u)?.isOpen(throughout: p.span) ?? false,
                        !skip.contains("\(form.uid)|\(u)|\(p.iso)")
                    else { continue }
                    // One report in twelve comes late; earlier years a little more often.
                    let lateOdds = p.start.year < 2015 ? 8 : 12
                    let days =
                        rng.int(1...lateOdds) == 1
                        ? form.timelyDays + rng.int(1...30) : rng.int(1...max(1, form.timelyDays))
                    let day = p.end.adding(days: days)
                    let at = Date(timeIntervalSince1970: Double(day.ordinal) * 86_400 + Double(rng.int(8...17)) * 3_600)
                    out.append(
                        (
                            CompletionRecord(
                                dataSet: form.uid, period: p.iso, unit: u, completedOn: day,
                                completedBy: DemoProgramme.user), at
                        ))
                }
            }
        }
        return out
    }
}

/// The demo's approvals: every completed form of 2013–2016 approved to the national level; of
/// 2017, January to June approved by the regions (the offices' forms accepted by their region,
/// the regions' own forms approved by them) and not yet by the nation; the rest not approved.
enum DemoApprovals {
    static func records(catalog: Catalog, completions: [(record: CompletionRecord, at: Date)])
        -> [(record: ApprovalRecord, from: Int)]
    {
        var out: [(ApprovalRecord, Int)] = []
        for (c, at) in completions {
            guard let p = Period.parse(c.period), p.start.year <= 2017 else { continue }
            let unitLevel = catalog.level(of: c.unit, on: p.start)
            let level: Int
            if p.start.year <= 2016 {
                level = 1
            } else if p.end <= Day.firstOfMonth(2017, 6).addingMonths(1).adding(days: -1) {
                level = min(2, unitLevel)
            } else {
                continue
            }
            // Signed a week after completion (a few hours in the demo's clock), level by level.
            out.append(
                (
                    ApprovalRecord(
                        dataSet: c.dataSet, period: c.period, unit: c.unit, level: level, by: DemoProgramme.user,
                        at: at.addingTimeInterval(7 * 86_400)), unitLevel
                ))
        }
        return out
    }
}
