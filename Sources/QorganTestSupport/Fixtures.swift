import Foundation
import QorganCore
import QorganDemo
import QorganStore

/// Fixtures shared by the tests.
public enum Fixtures {
    /// A small programme: a country with two regions and their districts, one district
    /// moved from region A to region B on 2016-07-01; elements of every aggregation type.
    public static func smallCatalogDocument() -> Catalog {
        var c = Catalog()
        c.categoryCombos = []
        let open = Day.firstOfMonth(2010, 1)
        func unit(_ code: String, _ parent: String?, moves: [(String, Day)] = [], closing: Day? = nil) -> OrgUnit {
            OrgUnit(
                uid: "", code: code, name: "Unit \(code)", openingDate: open, closingDate: closing,
                parents: [ParentLink(parent: parent, from: open)]
                    + moves.map { ParentLink(parent: $0.0, from: $0.1) })
        }
        c.organisationUnits = [
            unit("C", nil), unit("A", "C"), unit("B", "C"),
            unit("A1", "A"), unit("A2", "A", moves: [("B", Day.firstOfMonth(2016, 7))]), unit("B1", "B"),
            unit("OLD", "B", closing: Day.lastOfYear(2015)),
        ]
        c.categories = [
            Category(
                uid: "", code: "SEX", name: "Sex",
                options: [
                    CategoryOption(uid: "", code: "M", name: "Male"),
                    CategoryOption(uid: "", code: "F", name: "Female"),
                ])
        ]
        c.categoryCombos = [CategoryCombo(uid: "", code: "SEXCC", name: "Sex", categories: ["SEX"])]
        func el(_ code: String, _ agg: AggregationType, _ type: ValueType = .number, combo: String = "default")
            -> DataElement
        {
            DataElement(
                uid: "", code: code, name: "Element \(code)", valueType: type, aggregationType: agg,
                categoryCombo: combo)
        }
        c.dataElements = [
            el("SUM", .sum, combo: "SEXCC"), el("AVG", .average), el("AVGSUM", .averageSumOrgUnit), el("LAST", .last),
            el("LASTIN", .lastInPeriod), el("MIN", .min), el("MAX", .max), el("COUNT", .count), el("NONE", .none),
            el("INT", .sum, .integer), el("POS", .sum, .integerZeroOrPositive), el("PCT", .average, .percentage),
            el("BOOL", .sum, .boolean), el("TEXT", .none, .text), el("YEARLY", .sum),
        ]
        c.dataSets = [
            DataSet(
                uid: "", code: "MONTHLY", name: "Monthly form", periodType: .monthly,
                dataElements: [
                    "SUM", "AVG", "AVGSUM", "LAST", "LASTIN", "MIN", "MAX", "COUNT", "NONE", "INT", "POS", "PCT",
                    "BOOL", "TEXT",
                ],
                organisationUnits: ["A", "B", "A1", "A2", "B1", "OLD", "C"]),
            DataSet(
                uid: "", code: "YEARLYFORM", name: "Yearly form", periodType: .yearly, dataElements: ["YEARLY"],
                organisationUnits: ["A1", "A2", "B1"]),
        ]
        c.constants = [Constant(uid: "", code: "HUNDRED", name: "Hundred", value: 100)]
        c.indicators = [
            Indicator(
                uid: "", code: "SHARE_M", name: "Share male", numerator: "#{SUM.M}", denominator: "#{SUM}", factor: 100),
            Indicator(uid: "", code: "DOUBLE", name: "Double", numerator: "N{SHARE_M} * 2"),
            Indicator(uid: "", code: "WITH_CONST", name: "Const", numerator: "#{SUM} + C{HUNDRED}"),
        ]
        return c
    }

    /// An in-memory store with the small catalog.
    public static func smallStore() throws -> Store {
        let s = try Store()
        try s.importMetadata(smallCatalogDocument(), user: "test")
        return s
    }

    /// An in-memory store with the demo programme.
    public static func demoStore() throws -> Store {
        let s = try Store()
        try DemoProgramme.install(into: s)
        return s
    }

    /// A fresh path in a temporary folder.
    public static func temporaryPath(_ name: String = "qorgan.sqlite") -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qorgan-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }
}
