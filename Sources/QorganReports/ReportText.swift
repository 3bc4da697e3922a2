/// The report's own words in English, Russian and Kazakh.
public enum ReportText {
    static let en: [String: String] = [
        "title": "Programme report", "summary": "Summary", "figures": "Key figures",
        "progress": "Progress against targets",
        "incidents": "Incidents: acts prevented and not prevented", "prevention": "Preventive work and its reach",
        "travel": "Travel to conflict zones and returns", "prosecutions": "Prosecutions",
        "rehabilitation": "The rehabilitation centre",
        "readiness": "Readiness of offices", "sites": "Protection of places vulnerable to terrorism",
        "involvement": "Involvement in destructive movements",
        "prevented": "Acts prevented by region and year", "committed": "Acts not prevented by region and year",
        "coverage": "Coverage of the target group by group and year, %", "travelTable": "Travel and returns by year",
        "convictions": "Convictions by region and year", "rehabTable": "Rehabilitation centre by year",
        "readinessTable": "Readiness by region, %", "sitesTable": "Inspections and protection by year",
        "drawnTable": "People drawn in by target group and year",
        "total": "Total", "region": "Region", "item": "Item", "code": "Code", "target": "Target",
        "baseline": "Baseline",
        "latest": "Latest", "status": "Status",
        "met": "met", "onTrack": "on track", "behind": "behind", "noData": "no data", "notes": "Notes",
        "noTarget": "no target", "noTargetFor": "no target set for %1",
        "rose": "rose from %1 to %2 (%3)", "fell": "fell from %1 to %2 (%3)", "same": "stayed at %1 (%3)",
        "valueSentence": "%1: %2 (%3).", "changeSentence": "%1 %2.",
        "trendRising":
            "The number of people drawn into destructive movements is rising: %1 a year (± %2, %3 years), more than twice its uncertainty.",
        "trendFalling":
            "The number of people drawn into destructive movements is falling: %1 a year (± %2, %3 years), more than twice its uncertainty.",
        "trendFlat":
            "The number of people drawn into destructive movements shows no clear trend: %1 a year (± %2, %3 years).",
        "targetsSentence": "Of %1 framework indicators, %2 met their target, %3 are on track and %4 are behind.",
        "protectedNote":
            "Public edition on the portal: every count is protected by the cell-key method — counts from 1 to %1 − 1 are published as 0 or %1, larger ones moved by at most %2, and the same count has the same value in every table of the portal; totals over several years add the published years; shares and rates are computed from published counts, and only over a denominator of %3 or more.",
        "publicNote":
            "Public edition: counts below %1 are not shown (–), and further cells are hidden so that none can be worked out from the totals of its row, its column or the whole; shares whose numerator or denominator is below %1 are not shown either.",
        "traceNote":
            "Every figure links to the query that produced it, and from there to the values behind it and their history.",
        "illustrative": "Illustrative data of the demo programme.",
        "approvedOnly": "Built only from data approved to the national level:",
        "approvedLeft": "values awaiting approval were left out.", "edition": "Edition", "full": "full",
        "public": "public",
        "periods": "Periods", "unit": "Unit", "generated": "Generated", "chartDrawn": "People drawn in, by year",
        "chartPrevented": "Acts prevented by region",
        "chartCoverage": "Coverage by target group", "definition": "Definition",
        "verification": "Means of verification", "frequency": "Frequency", "responsible": "Responsible",
        "framework": "Results framework", "year": "Year", "value": "Value",
        "youngShare":
            "Young people, students and school pupils make up %1 % of those drawn into destructive movements (%2); the unemployed %3 %.",
        "drawnByRegion": "People drawn in by region and year",
        "eventsByChannel": "Preventive events by channel and year",
    ]
    static let ru: [String: String] = [
        "title": "Отчёт о реализации программы", "summary": "Краткие итоги", "figures": "Ключевые показатели",
        "progress": "Достижение целевых значений",
        "incidents": "Инциденты: предотвращённые и непредотвращённые акты",
        "prevention": "Профилактическая работа и охват",
        "travel": "Выезды в зоны конфликтов и возвращения", "prosecutions": "Уголовное преследование",
        "rehabilitation": "Реабилитационный центр",
        "readiness": "Готовность подразделений", "sites": "Защищённость уязвимых объектов",
        "involvement": "Вовлечённость в деструктивные течения",
        "prevented": "Предотвращённые акты по регионам и годам",
        "committed": "Непредотвращённые акты по регионам и годам",
        "coverage": "Охват целевой группы по группам и годам, %", "travelTable": "Выезды и возвращения по годам",
        "convictions": "Осуждённые по регионам и годам", "rehabTable": "Реабилитационный центр по годам",
        "readinessTable": "Готовность по регионам, %", "sitesTable": "Проверки и защищённость по годам",
        "drawnTable": "Вовлечённые по целевым группам и годам",
        "total": "Итого", "region": "Регион", "item": "Показатель", "code": "Код", "target": "Цель",
        "baseline": "Исходное значение",
        "latest": "Последнее", "status": "Статус",
        "met": "достигнута", "onTrack": "в графике", "behind": "отставание", "noData": "нет данных",
        "noTarget": "нет цели", "noTargetFor": "для «%1» цель не установлена",
        "notes": "Примечания",
        "rose": "выросла с %1 до %2 (%3)", "fell": "снизилась с %1 до %2 (%3)", "same": "осталась на уровне %1 (%3)",
        "valueSentence": "%1: %2 (%3).", "changeSentence": "%1 %2.",
        "trendRising":
            "Число вовлечённых в деструктивные течения растёт: %1 в год (± %2, лет: %3) — более чем вдвое больше погрешности.",
        "trendFalling":
            "Число вовлечённых в деструктивные течения снижается: %1 в год (± %2, лет: %3) — более чем вдвое больше погрешности.",
        "trendFlat":
            "Число вовлечённых в деструктивные течения не показывает явной тенденции: %1 в год (± %2, лет: %3).",
        "targetsSentence":
            "Из %1 индикаторов рамки результатов цель достигнута по %2, в графике — %3, отставание — %4.",
        "protectedNote":
            "Публичная версия на портале: каждое число защищено методом ключей ячеек — числа от 1 до %1 − 1 публикуются как 0 или %1, большие сдвинуты не более чем на %2, и одно и то же число имеет одно значение во всех таблицах портала; итоги за несколько лет складываются из опубликованных лет; доли и коэффициенты вычисляются из опубликованных чисел и только при знаменателе не меньше %3.",
        "publicNote":
            "Публичная версия: значения меньше %1 не показываются (–), а также скрыты другие ячейки, чтобы ни одно значение нельзя было вычислить из итогов строки, столбца или всей таблицы; доли с числителем или знаменателем меньше %1 также не показываются.",
        "traceNote":
            "Каждый показатель ведёт к запросу, который его дал, а оттуда — к исходным значениям и их истории.",
        "illustrative": "Иллюстративные данные демонстрационной программы.",
        "approvedOnly": "Построено только по данным, утверждённым на национальном уровне:",
        "approvedLeft": "значений, ожидающих утверждения, не учтено.", "edition": "Версия", "full": "полная",
        "public": "публичная",
        "periods": "Периоды", "unit": "Подразделение", "generated": "Сформирован", "chartDrawn": "Вовлечённые по годам",
        "chartPrevented": "Предотвращённые акты по регионам",
        "chartCoverage": "Охват по целевым группам", "definition": "Определение", "verification": "Источник проверки",
        "frequency": "Периодичность", "responsible": "Ответственный",
        "framework": "Рамка результатов", "year": "Год", "value": "Значение",
        "youngShare":
            "Молодёжь, студенты и школьники составляют %1 % вовлечённых в деструктивные течения (%2); безработные — %3 %.",
        "drawnByRegion": "Вовлечённые по регионам и годам",
        "eventsByChannel": "Профилактические мероприятия по каналам и годам",
    ]
    static let kk: [String: String] = [
        "title": "Бағдарламаның іске асырылуы туралы есеп", "summary": "Қысқаша қорытынды",
        "figures": "Негізгі көрсеткіштер", "progress": "Мақсатты мәндерге қол жеткізу",
        "incidents": "Оқиғалар: алдын алынған және алдын алынбаған актілер",
        "prevention": "Алдын алу жұмысы және қамту",
        "travel": "Қақтығыс аймақтарына шығу және оралу", "prosecutions": "Қылмыстық қудалау",
        "rehabilitation": "Оңалту орталығы",
        "readiness": "Бөлімшелердің дайындығы", "sites": "Осал объектілердің қорғалуы",
        "involvement": "Деструктивті ағымдарға тартылу",
        "prevented": "Алдын алынған актілер өңірлер мен жылдар бойынша",
        "committed": "Алдын алынбаған актілер өңірлер мен жылдар бойынша",
        "coverage": "Нысаналы топты қамту топтар мен жылдар бойынша, %",
        "travelTable": "Шығулар мен оралулар жылдар бойынша",
        "convictions": "Сотталғандар өңірлер мен жылдар бойынша", "rehabTable": "Оңалту орталығы жылдар бойынша",
        "readinessTable": "Өңірлер бойынша дайындық, %", "sitesTable": "Тексерулер мен қорғалу жылдар бойынша",
        "drawnTable": "Тартылғандар нысаналы топтар мен жылдар бойынша",
        "total": "Барлығы", "region": "Өңір", "item": "Көрсеткіш", "code": "Код", "target": "Мақсат",
        "baseline": "Бастапқы мән",
        "latest": "Соңғы", "status": "Күйі",
        "met": "орындалды", "onTrack": "кесте бойынша", "behind": "артта қалу", "noData": "деректер жоқ",
        "noTarget": "мақсат жоқ", "noTargetFor": "«%1» үшін мақсат белгіленбеген",
        "notes": "Ескертпелер",
        "rose": "%1-дан %2-ға дейін өсті (%3)", "fell": "%1-дан %2-ға дейін төмендеді (%3)",
        "same": "%1 деңгейінде қалды (%3)",
        "valueSentence": "%1: %2 (%3).", "changeSentence": "%1 %2.",
        "trendRising":
            "Деструктивті ағымдарға тартылғандар саны өсуде: жылына %1 (± %2, жылдар: %3) — қателіктен екі еседен артық.",
        "trendFalling":
            "Деструктивті ағымдарға тартылғандар саны азаюда: жылына %1 (± %2, жылдар: %3) — қателіктен екі еседен артық.",
        "trendFlat": "Деструктивті ағымдарға тартылғандар санында айқын үрдіс жоқ: жылына %1 (± %2, жылдар: %3).",
        "targetsSentence":
            "Нәтижелер шеңберінің %1 индикаторының %2-і мақсатқа жетті, %3-і кесте бойынша, %4-і артта қалуда.",
        "protectedNote":
            "Порталдағы жария нұсқа: әр сан ұяшық кілттері әдісімен қорғалған — 1-ден %1 − 1-ге дейінгі сандар 0 немесе %1 болып жарияланады, үлкендері ең көбі %2-ге жылжытылады, ал бір сан порталдың барлық кестесінде бірдей мәнге ие; бірнеше жылдың қорытындысы жарияланған жылдардың қосындысы; үлестер мен коэффициенттер жарияланған сандардан және бөлімі кемінде %3 болғанда ғана есептеледі.",
        "publicNote":
            "Жария нұсқа: %1-дан кіші мәндер көрсетілмейді (–), сондай-ақ жол, баған немесе бүкіл кесте қорытындысынан бірде-бір мәнді есептеп шығаруға болмайтындай басқа ұяшықтар жасырылады; алымы не бөлімі %1-дан кіші үлестер де көрсетілмейді.",
        "traceNote": "Әр көрсеткіш оны берген сұрауға, ал одан бастапқы мәндер мен олардың тарихына апарады.",
        "illustrative": "Демо бағдарламаның иллюстрациялық деректері.",
        "approvedOnly": "Тек ұлттық деңгейде бекітілген деректер бойынша құрылған:",
        "approvedLeft": "бекітуді күтіп тұрған мән есепке алынбады.", "edition": "Нұсқа", "full": "толық",
        "public": "жария",
        "periods": "Кезеңдер", "unit": "Бөлімше", "generated": "Жасалды", "chartDrawn": "Тартылғандар жылдар бойынша",
        "chartPrevented": "Алдын алынған актілер өңірлер бойынша",
        "chartCoverage": "Нысаналы топтар бойынша қамту", "definition": "Анықтамасы", "verification": "Тексеру көзі",
        "frequency": "Кезеңділігі", "responsible": "Жауапты",
        "framework": "Нәтижелер шеңбері", "year": "Жыл", "value": "Мәні",
        "youngShare":
            "Жастар, студенттер мен оқушылар деструктивті ағымдарға тартылғандардың %1 %-ын құрайды (%2); жұмыссыздар — %3 %.",
        "drawnByRegion": "Тартылғандар өңірлер мен жылдар бойынша",
        "eventsByChannel": "Алдын алу іс-шаралары арналар мен жылдар бойынша",
    ]

    public static func table(_ language: String) -> [String: String] {
        switch language {
        case "ru": ru
        case "kk": kk
        default: en
        }
    }

    /// A text with its %1, %2, … filled in.
    static func fill(_ text: String, _ args: String...) -> String {
        var out = text
        for (i, a) in args.enumerated().reversed() { out = out.replacingOccurrences(of: "%\(i + 1)", with: a) }
        return out
    }
}
