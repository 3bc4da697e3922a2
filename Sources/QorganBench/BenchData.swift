import Foundation
import QorganCore

/// The benchmark's programme: 17 regions × 180 districts, 120 months (2011–2020),
/// 200 data elements with 6 option combinations each, and one indicator (E001 / E002 × 100).
/// Row `i` of N is a pure function of `i`, written the same way in SQL for DuckDB, so every
/// engine gets exactly the same data.
public struct BenchShape: Sendable {
    public static let regions = 17
    public static let districtsPerRegion = 180
    public static let districts = regions * districtsPerRegion
    public static let months = 120
    public static let elements = 200
    public static let combos = 6
    public static let firstYear = 2011

    public struct Row: Sendable {
        /// 0-based.
        public var element: Int, month: Int, district: Int, combo: Int
        public var value: Double
    }

    @inline(__always)
    public static func row(_ i: Int) -> Row {
        let e = i % elements
        let r1 = i / elements
        let c = r1 % combos
        let r2 = r1 / combos
        let m = r2 % months
        let r3 = r2 / months
        let d = (r3 * 7919 + e * 31 + m * 17) % districts
        return Row(element: e, month: m, district: d, combo: c, value: Double((i &* 2_654_435_761) % 1000 + 1))
    }

    /// The same rows, as DuckDB SQL over `range(N) t(i)` (1-based ids).
    public static let duckdbSelect = """
        SELECT (i % 200) + 1 AS element,
               ((i // 1200) % 120) + 1 AS period,
               (((i // 144000) * 7919 + (i % 200) * 31 + ((i // 1200) % 120) * 17) % 3060) + 1 AS unit,
               ((i // 200) % 6) + 1 AS coc,
               CAST(((i * 2654435761) % 1000) + 1 AS DOUBLE) AS value
        """

    public static func catalog() throws -> Catalog {
        var doc = Catalog()
        doc.categoryCombos = []
        let open = Day.firstOfMonth(2000, 1)
        func uid(_ s: String) -> String { Uid.stable("bench:" + s) }
        var units = [
            OrgUnit(
                uid: uid("NAT"), code: "NAT", name: "Nation", openingDate: open,
                parents: [ParentLink(parent: nil, from: open)])
        ]
        for r in 1...regions {
            units.append(
                OrgUnit(
                    uid: uid(regionCode(r - 1)), code: regionCode(r - 1), name: "Region \(r)", openingDate: open,
                    parents: [ParentLink(parent: "NAT", from: open)]))
        }
        for d in 0..<districts {
            units.append(
                OrgUnit(
                    uid: uid(districtCode(d)), code: districtCode(d), name: "District \(d + 1)", openingDate: open,
                    parents: [ParentLink(parent: regionCode(d / districtsPerRegion), from: open)]))
        }
        doc.organisationUnits = units
        doc.categories = [
            Category(
                uid: uid("SEX"), code: "SEX", name: "Sex",
                options: [
                    CategoryOption(uid: uid("M"), code: "M", name: "Male"),
                    CategoryOption(uid: uid("F"), code: "F", name: "Female"),
                ]),
            Category(
                uid: uid("AGE"), code: "AGE", name: "Age",
                options: ["A", "B", "C"].map { CategoryOption(uid: uid("AGE" + $0), code: $0, name: "Age \($0)") }),
        ]
        doc.categoryCombos = [
            CategoryCombo(uid: uid("SEXAGE"), code: "SEXAGE", name: "Sex and age", categories: ["SEX", "AGE"])
        ]
        doc.dataElements = (0..<elements).map {
            DataElement(
                uid: uid(elementCode($0)), code: elementCode($0), name: "Element \($0 + 1)", valueType: .number,
                aggregationType: .sum, categoryCombo: "SEXAGE")
        }
        doc.indicators = [
            Indicator(
                uid: uid("IND"), code: "IND", name: "E001 per E002", numerator: "#{E001}", denominator: "#{E002}",
                factor: 100)
        ]
        return try Catalog().merging(doc).0
    }

    public static func regionCode(_ r: Int) -> String { String(format: "R%02d", r + 1) }
    public static func districtCode(_ d: Int) -> String { String(format: "D%04d", d + 1) }
    public static func elementCode(_ e: Int) -> String { String(format: "E%03d", e + 1) }
    public static func comboCode(_ c: Int) -> String { ["M", "F"][c / 3] + "_" + ["A", "B", "C"][c % 3] }
    /// What the generated catalog must hold, or an error naming it.
    static func need<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw QorganError.conflict("the benchmark's catalog has no \(what)") }
        return value
    }

    public static func monthPeriod(_ m: Int) -> Period {
        Period.containing(.firstOfMonth(firstYear + m / 12, m % 12 + 1), type: .monthly)
    }
}
