import QorganCore

/// The regions of 2017 and some of their field offices (public geography).
struct Region {
    let code: String
    let name: String
    /// Population in thousands (about 2017): shapes the illustrative data.
    let population: Double
    /// Extra weight for security events (illustrative).
    let risk: Double
    let offices: [(code: String, name: String)]
}

enum Geography {
    static let national = (code: "KZ", name: "Republic of Kazakhstan")

    static let regions: [Region] = [
        Region(
            code: "AST", name: "Astana city", population: 1030, risk: 1.0,
            offices: [
                ("AST_ALMATY_D", "Almaty district (Astana)"), ("AST_YESIL", "Yesil district"),
                ("AST_SARYARKA", "Saryarka district"),
            ]),
        Region(
            code: "ALA", name: "Almaty city", population: 1800, risk: 1.6,
            offices: [
                ("ALA_ALATAU", "Alatau district"), ("ALA_AUEZOV", "Auezov district"),
                ("ALA_BOSTANDYK", "Bostandyk district"), ("ALA_MEDEU", "Medeu district"),
            ]),
        Region(
            code: "AKM", name: "Akmola region", population: 740, risk: 0.6,
            offices: [
                ("AKM_KOKSHETAU", "Kokshetau"), ("AKM_STEPNOGORSK", "Stepnogorsk"), ("AKM_SHCHUCHINSK", "Shchuchinsk"),
            ]),
        Region(
            code: "AKT", name: "Aktobe region", population: 860, risk: 1.8,
            offices: [("AKT_AKTOBE", "Aktobe"), ("AKT_KHROMTAU", "Khromtau"), ("AKT_KANDYAGASH", "Kandyagash")]),
        Region(
            code: "ALM", name: "Almaty region", population: 2010, risk: 1.1,
            offices: [("ALM_TALDYKORGAN", "Taldykorgan"), ("ALM_KAPCHAGAY", "Kapchagay"), ("ALM_TEKELI", "Tekeli")]),
        Region(
            code: "ATY", name: "Atyrau region", population: 620, risk: 1.7,
            offices: [("ATY_ATYRAU", "Atyrau"), ("ATY_KULSARY", "Kulsary")]),
        Region(
            code: "VKO", name: "East Kazakhstan region", population: 1390, risk: 0.7,
            offices: [("VKO_OSKEMEN", "Ust-Kamenogorsk"), ("VKO_SEMEY", "Semey"), ("VKO_RIDDER", "Ridder")]),
        Region(
            code: "ZHA", name: "Jambyl region", population: 1110, risk: 1.0,
            offices: [("ZHA_TARAZ", "Taraz"), ("ZHA_SHU", "Shu"), ("ZHA_KARATAU", "Karatau")]),
        Region(
            code: "KAR", name: "Karaganda region", population: 1380, risk: 0.9,
            offices: [
                ("KAR_KARAGANDA", "Karaganda"), ("KAR_TEMIRTAU", "Temirtau"), ("KAR_ZHEZKAZGAN", "Zhezkazgan"),
                ("KAR_BALKHASH", "Balkhash"),
            ]),
        Region(
            code: "KUS", name: "Kostanay region", population: 880, risk: 0.6,
            offices: [("KUS_KOSTANAY", "Kostanay"), ("KUS_RUDNY", "Rudny"), ("KUS_LISAKOVSK", "Lisakovsk")]),
        Region(
            code: "KZY", name: "Kyzylorda region", population: 780, risk: 1.0,
            offices: [("KZY_KYZYLORDA", "Kyzylorda"), ("KZY_ARALSK", "Aralsk"), ("KZY_KAZALY", "Kazaly")]),
        Region(
            code: "MAN", name: "Mangystau region", population: 660, risk: 1.9,
            offices: [("MAN_AKTAU", "Aktau"), ("MAN_ZHANAOZEN", "Zhanaozen")]),
        Region(
            code: "PAV", name: "Pavlodar region", population: 750, risk: 0.6,
            offices: [("PAV_PAVLODAR", "Pavlodar"), ("PAV_EKIBASTUZ", "Ekibastuz"), ("PAV_AKSU", "Aksu")]),
        Region(
            code: "SKO", name: "North Kazakhstan region", population: 560, risk: 0.5,
            offices: [("SKO_PETROPAVL", "Petropavlovsk"), ("SKO_BULAYEVO", "Bulayevo")]),
        Region(
            code: "YUK", name: "South Kazakhstan region", population: 2840, risk: 1.5,
            offices: [
                ("YUK_SHYMKENT", "Shymkent"), ("YUK_TURKESTAN", "Turkestan"), ("YUK_KENTAU", "Kentau"),
                ("YUK_SARYAGASH", "Saryagash"),
            ]),
        Region(
            code: "ZKO", name: "West Kazakhstan region", population: 640, risk: 1.5,
            offices: [("ZKO_ORAL", "Oral"), ("ZKO_AKSAI", "Aksai")]),
    ]

    /// Shymkent became a city of republican significance on 19 June 2018: a reorganisation
    /// after the programme, so 2013–2017 still roll up to South Kazakhstan.
    static let shymkentCode = "YUK_SHYMKENT"
    /// 19 June 2018.
    static let shymkentReorganisation = Day.firstOfMonth(2018, 6).adding(days: 18)

    /// A tile-grid map of the regions of 2018 on (Shymkent city among them): each region one tile
    /// in its relative position (column west to east, row north to south), as statistics offices
    /// draw them where boundaries may not be shown. The tiles are schematic, not boundaries: no
    /// boundary data with a licence that allows shipping them could be installed here.
    static let tiles: [String: (column: Int, row: Int)] = [
        "SKO": (3, 0),
        "ZKO": (0, 1), "KUS": (2, 1), "AKM": (3, 1), "AST": (4, 1), "PAV": (5, 1),
        "ATY": (0, 2), "AKT": (1, 2), "KAR": (4, 2), "VKO": (5, 2),
        "MAN": (0, 3), "KZY": (2, 3), "YUK": (3, 3), "ZHA": (4, 3), "ALM": (5, 3),
        shymkentCode: (3, 4), "ALA": (5, 4),
    ]

    /// A region's tile, in degrees near its place (about square on a map of Kazakhstan's latitudes).
    static func tile(_ code: String) -> Geometry? {
        guard let t = tiles[code] else { return nil }
        let west = 50 + Double(t.column) * 5
        let north = 55 - Double(t.row) * 3.3
        return .rectangle(west: west, south: north - 3, east: west + 4.5, north: north, schematic: true)
    }

    static let rehabilitationCentre = (code: "REHAB_CENTRE", name: "Rehabilitation centre", parent: "AST")
}
