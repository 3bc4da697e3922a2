import QorganCore
import Synchronization

/// The demo's incident register: the two public attacks of 2016 as completed events, and
/// twelve illustrative foiled plots over 2013–2017 (marked illustrative), so that acts
/// prevented (F1) and not prevented (F9) come out of events.
enum DemoIncidents {
    static let attacks: [Incident] = [
        Incident(
            date: IncidentDate(day: Day.firstOfMonth(2016, 6).adding(days: 4)), unit: "AKT_AKTOBE",
            placeName: "Aktobe: two gun shops and a National Guard unit",
            outcome: .completed, attackType: 2, targetType: 4, weaponType: 5, propertyDamage: .yes, propertyExtent: 3,
            claimed: .no,
            summary:
                "Armed attackers seized weapons at two gun shops and attacked a National Guard military unit in Aktobe. "
                + "Casualty figures differ between sources and are left unknown here.",
            sources: ["Press reports of 5–7 June 2016", "Statements of the authorities of Kazakhstan, June 2016"],
            translations: RecordTranslations([
                "ru": [
                    "placeName": "Актобе: два оружейных магазина и воинская часть Национальной гвардии",
                    "summary":
                        "Вооружённые нападавшие захватили оружие в двух оружейных магазинах и напали на воинскую часть "
                        + "Национальной гвардии в Актобе. " + casualtiesRu,
                    "sources": "Сообщения прессы 5–7 июня 2016 г.\nЗаявления властей Казахстана, июнь 2016 г.",
                ],
                "kk": [
                    "placeName": "Ақтөбе: екі қару-жарақ дүкені және Ұлттық ұланның әскери бөлімі",
                    "summary":
                        "Қарулы шабуылдаушылар екі қару-жарақ дүкенінен қару тартып алып, Ақтөбедегі Ұлттық ұланның "
                        + "әскери бөліміне шабуыл жасады. " + casualtiesKk,
                    "sources":
                        "2016 жылғы 5–7 маусымдағы баспасөз хабарлары\nҚазақстан билігінің мәлімдемелері, 2016 жылғы маусым",
                ],
            ])),
        Incident(
            date: IncidentDate(day: Day.firstOfMonth(2016, 7).adding(days: 17)), unit: "ALA",
            placeName: "Almaty: a district police department",
            outcome: .completed, attackType: 2, targetType: 3, weaponType: 5, propertyDamage: .unknown, claimed: .no,
            summary:
                "A gunman attacked a district police department and nearby buildings of the security services in Almaty. "
                + "Casualty figures differ between sources and are left unknown here.",
            sources: ["Press reports of 18–19 July 2016", "Statements of the authorities of Kazakhstan, July 2016"],
            translations: RecordTranslations([
                "ru": [
                    "placeName": "Алматы: районное управление полиции",
                    "summary":
                        "Вооружённый человек напал на районное управление полиции и соседние здания спецслужб в Алматы. "
                        + casualtiesRu,
                    "sources": "Сообщения прессы 18–19 июля 2016 г.\nЗаявления властей Казахстана, июль 2016 г.",
                ],
                "kk": [
                    "placeName": "Алматы: аудандық полиция басқармасы",
                    "summary":
                        "Қарулы адам Алматыдағы аудандық полиция басқармасына және маңайдағы арнаулы қызметтердің "
                        + "ғимараттарына шабуыл жасады. " + casualtiesKk,
                    "sources":
                        "2016 жылғы 18–19 шілдедегі баспасөз хабарлары\nҚазақстан билігінің мәлімдемелері, 2016 жылғы шілде",
                ],
            ])),
    ]

    static let casualtiesRu = "Данные о погибших и раненых в источниках расходятся, поэтому здесь они не указаны."
    static let casualtiesKk =
        "Қаза тапқандар мен жараланғандар туралы деректер дереккөздерде әртүрлі, сондықтан мұнда көрсетілмеген."

    /// Kinds of plots, in turn: attack, target and weapon types, and the summary in English,
    /// Russian and Kazakh.
    static let plotKinds: [(attack: Int, target: Int, weapon: Int, en: String, ru: String, kk: String)] = [
        (
            3, 3, 6,
            "Illustrative: a planned bombing of a police building, stopped while explosives were being prepared.",
            "Иллюстративный пример: готовившийся взрыв здания полиции, предотвращённый при изготовлении взрывчатки.",
            "Иллюстрациялық мысал: полиция ғимаратын жаруға дайындық, жарылғыш зат дайындалып жатқанда тоқтатылды."
        ),
        (
            2, 14, 5,
            "Illustrative: a planned armed attack on a crowded public place, stopped after weapons were acquired.",
            "Иллюстративный пример: готовившееся вооружённое нападение на многолюдное общественное место, "
                + "предотвращённое после приобретения оружия.",
            "Иллюстрациялық мысал: адам көп жиналатын қоғамдық орынға жоспарланған қарулы шабуыл, қару сатып "
                + "алынғаннан кейін тоқтатылды."
        ),
        (
            3, 15, 6, "Illustrative: a planned bombing of a place of worship, stopped at the planning stage.",
            "Иллюстративный пример: готовившийся взрыв в месте отправления культа, предотвращённый на стадии "
                + "планирования.",
            "Иллюстрациялық мысал: ғибадат орнын жаруға жоспар, жоспарлау кезеңінде тоқтатылды."
        ),
        (
            7, 21, 8, "Illustrative: a planned arson attack on a utility facility, stopped before it was carried out.",
            "Иллюстративный пример: готовившийся поджог объекта коммунального хозяйства, предотвращённый до его "
                + "совершения.",
            "Иллюстрациялық мысал: коммуналдық шаруашылық нысанын өртеу жоспары, жүзеге асырылмай тұрып тоқтатылды."
        ),
        (
            1, 2, 5, "Illustrative: a planned assassination of a local official, stopped at the planning stage.",
            "Иллюстративный пример: готовившееся убийство местного должностного лица, предотвращённое на стадии "
                + "планирования.",
            "Иллюстрациялық мысал: жергілікті лауазымды тұлғаны өлтіру жоспары, жоспарлау кезеңінде тоқтатылды."
        ),
        (
            3, 19, 6,
            "Illustrative: a planned bombing on public transport, stopped while explosives were being prepared.",
            "Иллюстративный пример: готовившийся взрыв в общественном транспорте, предотвращённый при изготовлении "
                + "взрывчатки.",
            "Иллюстрациялық мысал: қоғамдық көлікте жарылыс жасау жоспары, жарылғыш зат дайындалып жатқанда "
                + "тоқтатылды."
        ),
    ]
    static let plotSource = (
        en: "Illustrative record of the demo programme (not a real event)",
        ru: "Иллюстративная запись демонстрационной программы (не реальное событие)",
        kk: "Демо бағдарламаның иллюстрациялық жазбасы (нақты оқиға емес)"
    )

    static func all() -> [Incident] {
        let places = DemoProgramme.foiledPlotPlaces()
        let plots = places.enumerated().map { n, p -> Incident in
            let kind = plotKinds[n % plotKinds.count]
            return Incident(
                date: IncidentDate(monthOf: Day.firstOfMonth(p.year, p.month)), unit: p.region, outcome: .foiled,
                attackType: kind.attack, targetType: kind.target, weaponType: kind.weapon, killed: 0, wounded: 0,
                propertyDamage: .no, claimed: .no, summary: kind.en, sources: [plotSource.en], illustrative: true,
                translations: RecordTranslations([
                    "ru": ["summary": kind.ru, "sources": plotSource.ru],
                    "kk": ["summary": kind.kk, "sources": plotSource.kk],
                ]))
        }
        return (attacks + plots).sorted { $0.date < $1.date }
    }

    /// Stable uids for the demo's incidents, so that the demo database is reproducible.
    static func uidSequence() -> @Sendable () -> String {
        let counter = Counter()
        return { Uid.stable("demo:incident:\(counter.next())") }
    }

    final class Counter: Sendable {
        private let n = Mutex(0)
        func next() -> Int {
            n.withLock {
                $0 += 1
                return $0
            }
        }
    }
}

extension DemoProgramme {
    /// The demo's incidents: two public attacks, twelve illustrative foiled plots.
    public static func incidents() -> [Incident] { DemoIncidents.all() }
}
