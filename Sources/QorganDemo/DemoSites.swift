import QorganCore

/// An illustrative registry of places vulnerable to terrorism: a few sites per office, of
/// every category, inspected in 2014–2015 and again in 2016–2017, their protection improving
/// between the two (the programme's claim), with prescriptions closed, open and overdue.
enum DemoSites {
    static let kinds: [(category: String, names: [String], sector: String, occupancy: ClosedRange<Int>)] = [
        ("MASS", ["Shopping centre", "Stadium", "Concert hall", "Market", "Cinema"], "trade and leisure", 150...4000),
        ("TRANSPORT", ["Railway station", "Bus station", "Airport terminal"], "transport", 300...6000),
        ("EDUCATION", ["University", "College", "Hospital", "School"], "education and health", 100...2500),
        ("WORSHIP", ["Mosque", "Church"], "religion", 80...1500),
    ]

    /// The registry's texts in Russian and Kazakh: names of kinds, sectors, the responsible role.
    static let words: [String: (ru: String, kk: String)] = [
        "Shopping centre": ("Торговый центр", "Сауда орталығы"), "Stadium": ("Стадион", "Стадион"),
        "Concert hall": ("Концертный зал", "Концерт залы"), "Market": ("Рынок", "Базар"),
        "Cinema": ("Кинотеатр", "Кинотеатр"), "Railway station": ("Железнодорожный вокзал", "Теміржол вокзалы"),
        "Bus station": ("Автовокзал", "Автовокзал"), "Airport terminal": ("Терминал аэропорта", "Әуежай терминалы"),
        "University": ("Университет", "Университет"), "College": ("Колледж", "Колледж"),
        "Hospital": ("Больница", "Аурухана"), "School": ("Школа", "Мектеп"), "Mosque": ("Мечеть", "Мешіт"),
        "Church": ("Церковь", "Шіркеу"), "trade and leisure": ("торговля и досуг", "сауда және демалыс"),
        "transport": ("транспорт", "көлік"),
        "education and health": ("образование и здравоохранение", "білім беру және денсаулық сақтау"),
        "religion": ("религия", "дін"),
        "site security manager": ("руководитель службы безопасности объекта", "объект қауіпсіздігі қызметінің басшысы"),
    ]

    static func word(_ english: String) -> (ru: String, kk: String) { words[english] ?? (english, english) }

    static func registry() -> (sites: [Site], inspections: [Inspection]) {
        var rng = DemoRandom(seed: DemoProgramme.seed &+ 77)
        let config = SiteConfiguration.standard
        var sites: [Site] = []
        var inspections: [Inspection] = []
        var n = 0
        for region in Geography.regions {
            for office in [region.code] + region.offices.map(\.code) {
                let count = office == region.code ? 3 : 4 + rng.int(0...2)
                for k in 0..<count {
                    let kind = kinds[(n + k) % kinds.count]
                    n += 1
                    let uid = Uid.stable("demo:site:\(n)")
                    let registered = Day.firstOfMonth(2012 + rng.int(0...2), 1 + rng.int(0...11))
                    let occupancy = rng.int(kind.occupancy)
                    let planApproved = Day.firstOfMonth(2014 + rng.int(0...3), 1 + rng.int(0...11)).adding(days: 9)
                    let name = kind.names[rng.int(0...(kind.names.count - 1))]
                    let role = "site security manager"
                    sites.append(
                        Site(
                            uid: uid, name: "\(name) no. \(n) (illustrative)",
                            category: kind.category, sector: kind.sector, unit: office, peakOccupancy: occupancy,
                            responsibleRole: role, registered: registered, planStatus: .approved,
                            planDate: planApproved,
                            translations: RecordTranslations([
                                "ru": [
                                    "name": "\(word(name).ru) № \(n) (пример)", "sector": word(kind.sector).ru,
                                    "responsibleRole": word(role).ru,
                                ],
                                "kk": [
                                    "name": "№ \(n) \(word(name).kk) (мысал)", "sector": word(kind.sector).kk,
                                    "responsibleRole": word(role).kk,
                                ],
                            ])))
                    let measures = config.category(kind.category)?.measures ?? []
                    // Before 2016 about 60 % of the measures in place, after it about 85 %.
                    for (round, share) in [(2014, 0.6), (2016, 0.85)] {
                        let year = round + rng.int(0...1)
                        let date = Day.firstOfMonth(year, 3 + rng.int(0...8)).adding(days: rng.int(0...27))
                        guard date > registered else { continue }
                        var findings: [String: Finding] = [:]
                        var prescriptions: [Prescription] = []
                        for m in measures {
                            let x = rng.jitter(0, 1)
                            let f: Finding = x < share ? .inPlace : x < share + (1 - share) / 2 ? .partial : .missing
                            findings[m] = f
                            if f != .inPlace {
                                let due = date.adding(days: 90)
                                // Most are fixed; some late; a few still open.
                                let fate = rng.jitter(0, 1)
                                let planned: Day? =
                                    fate < 0.7
                                    ? date.adding(days: 30 + rng.int(0...50))
                                    : fate < 0.9 ? due.adding(days: 30 + rng.int(0...200)) : nil
                                // The demo ends with 2017: what was not fixed by then is still open.
                                let closed = planned.flatMap { $0 <= Day.lastOfYear(2017) ? $0 : nil }
                                let measure = config.measures.first { $0.code == m }
                                let named = { (lang: String) in measure?.name(in: lang) ?? m }
                                prescriptions.append(
                                    Prescription(
                                        text: "Bring '\(named("en"))' up to the requirement", due: due, closed: closed,
                                        translations: RecordTranslations([
                                            "ru": ["text": "Привести «\(named("ru"))» в соответствие с требованиями"],
                                            "kk": ["text": "«\(named("kk"))» талаптарға сәйкес келтіру"],
                                        ])))
                            }
                        }
                        inspections.append(
                            Inspection(
                                uid: Uid.stable("demo:inspection:\(n):\(round)"), site: uid, date: date,
                                kind: rng.jitter(0, 1) < 0.8 ? .planned : .unannounced,
                                findings: findings, prescriptions: prescriptions))
                    }
                }
            }
        }
        return (sites, inspections)
    }
}
