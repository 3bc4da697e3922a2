import QorganCore

/// The demo programme's results framework: one goal, three outcomes and their outputs, with
/// baselines (2013) and targets (2017). The targets are illustrative.
enum DemoFramework {
    typealias FI = ResultsFramework.FrameworkIndicator
    static func indicator(
        _ code: String, _ definition: String, baseline: Double, target: Double, verification: String,
        frequency: String = "yearly", higherIsBetter: Bool = true
    ) -> FI {
        FI(
            indicator: code, definition: definition, baseline: .init(value: baseline, period: "2013"),
            targets: [
                .init(period: "2015", value: baseline + (target - baseline) / 2), .init(period: "2017", value: target),
            ],
            meansOfVerification: verification, frequency: frequency, responsibleUnit: "KZ",
            higherIsBetter: higherIsBetter)
    }

    /// The framework's texts in Russian and Kazakh.
    static let texts: [String: (ru: String, kk: String)] = [
        "State programme to counter religious extremism and terrorism, 2013–2017": (
            "Государственная программа по противодействию религиозному экстремизму и терроризму на 2013–2017 годы",
            "Діни экстремизм мен терроризмге қарсы іс-қимыл жөніндегі 2013–2017 жылдарға арналған мемлекеттік бағдарлама"
        ),
        "Protect the population from terrorism and violent extremism": (
            "Защитить население от терроризма и насильственного экстремизма",
            "Халықты терроризм мен зорлық-зомбылық экстремизмінен қорғау"
        ),
        "Terrorist acts are prevented": ("Террористические акты предотвращаются", "Террорлық актілердің алдын алынады"),
        "Foiled plots recorded in the incident register in the year": (
            "Предотвращённые замыслы, внесённые в реестр инцидентов за год",
            "Жыл ішінде инциденттер тізіліміне енгізілген алдын алынған ниеттер"
        ),
        "Attacks that took place (completed or failed)": (
            "Состоявшиеся нападения (совершённые или неудавшиеся)", "Болған шабуылдар (жасалған немесе сәтсіз)"
        ),
        "Incident register": ("Реестр инцидентов", "Инциденттер тізілімі"),
        "Travel to conflict zones is stopped": (
            "Выезды в зоны конфликтов пресекаются", "Қақтығыс аймақтарына шығудың жолы кесіледі"
        ),
        "Citizens whose intention to join armed groups abroad was stopped": (
            "Граждане, чьё намерение примкнуть к вооружённым группам за рубежом пресечено",
            "Шетелдегі қарулы топтарға қосылу ниетінің жолы кесілген азаматтар"
        ),
        "Security form (monthly)": ("Форма безопасности (ежемесячно)", "Қауіпсіздік нысаны (ай сайын)"),
        "The target group is reached by preventive work": (
            "Профилактическая работа охватывает целевую группу", "Профилактикалық жұмыс нысаналы топты қамтиды"
        ),
        "Newly reached members of the target group over its size, %": (
            "Вновь охваченные члены целевой группы к её численности, %",
            "Нысаналы топтың жаңадан қамтылған мүшелері оның санына шаққанда, %"
        ),
        "Preventive-work form (monthly), target group form (yearly)": (
            "Форма профилактической работы (ежемесячно), форма целевой группы (ежегодно)",
            "Профилактикалық жұмыс нысаны (ай сайын), нысаналы топ нысаны (жыл сайын)"
        ),
        "Fewer people are drawn into destructive movements": (
            "Меньше людей вовлекается в деструктивные течения", "Деструктивті ағымдарға тартылатын адамдар азаяды"
        ),
        "People identified as drawn into destructive movements": (
            "Выявленные лица, вовлечённые в деструктивные течения",
            "Деструктивті ағымдарға тартылған деп анықталған адамдар"
        ),
        "Involvement form (quarterly)": ("Форма вовлечённости (ежеквартально)", "Тартылу нысаны (тоқсан сайын)"),
        "Offices and places are prepared": (
            "Подразделения и объекты подготовлены", "Бөлімшелер мен объектілер дайындалған"
        ),
        "Mean readiness of regional and field offices, from weighted checklists, %": (
            "Средняя готовность региональных и территориальных подразделений по взвешенным чек-листам, %",
            "Өңірлік және аумақтық бөлімшелердің салмақталған тексеру парақтары бойынша орташа дайындығы, %"
        ),
        "Readiness assessments": ("Оценки готовности", "Дайындықты бағалау"),
        "Protection measures in place at inspected sites, %": (
            "Принятые меры защиты на проверенных объектах, %", "Тексерілген объектілерде қабылданған қорғау шаралары, %"
        ),
        "Site registry inspections": ("Проверки по реестру объектов", "Объектілер тізілімі бойынша тексерулер"),
        "yearly": ("ежегодно", "жыл сайын"),
        "quarterly": ("ежеквартально", "тоқсан сайын"),
    ]

    static let framework = ResultsFramework(
        programme: "State programme to counter religious extremism and terrorism, 2013–2017",
        goals: [
            .init(
                code: "G1", name: "Protect the population from terrorism and violent extremism",
                outcomes: [
                    .init(
                        code: "O1", name: "Terrorist acts are prevented",
                        indicators: [
                            indicator(
                                "IND_ACTS_PREVENTED", "Foiled plots recorded in the incident register in the year",
                                baseline: 2, target: 2,
                                verification: "Incident register"),
                            indicator(
                                "IND_ACTS_COMMITTED", "Attacks that took place (completed or failed)", baseline: 0,
                                target: 0,
                                verification: "Incident register", higherIsBetter: false),
                        ],
                        outputs: [
                            .init(
                                code: "OP1", name: "Travel to conflict zones is stopped",
                                indicators: [
                                    indicator(
                                        "IND_TRAVEL_INTENT_STOPPED",
                                        "Citizens whose intention to join armed groups abroad was stopped",
                                        baseline: 12, target: 15,
                                        verification: "Security form (monthly)")
                                ])
                        ]),
                    .init(
                        code: "O2", name: "The target group is reached by preventive work",
                        indicators: [
                            indicator(
                                "IND_TG_COVERAGE", "Newly reached members of the target group over its size, %",
                                baseline: 7, target: 30,
                                verification: "Preventive-work form (monthly), target group form (yearly)")
                        ],
                        outputs: [
                            .init(
                                code: "OP2", name: "Fewer people are drawn into destructive movements",
                                indicators: [
                                    indicator(
                                        "IND_DRAWN_IN", "People identified as drawn into destructive movements",
                                        baseline: 352, target: 300,
                                        verification: "Involvement form (quarterly)", frequency: "quarterly",
                                        higherIsBetter: false)
                                ])
                        ]),
                    .init(
                        code: "O3", name: "Offices and places are prepared",
                        indicators: [
                            indicator(
                                "IND_READINESS",
                                "Mean readiness of regional and field offices, from weighted checklists, %",
                                baseline: 88, target: 91.5,
                                verification: "Readiness assessments"),
                            indicator(
                                "IND_SITE_COMPLIANCE", "Protection measures in place at inspected sites, %",
                                baseline: 60, target: 85,
                                verification: "Site registry inspections"),
                        ], outputs: []),
                ])
        ],
        translations: [
            "ru": texts.mapValues(\.ru), "kk": texts.mapValues(\.kk),
        ])
}
