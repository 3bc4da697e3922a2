import Foundation
import QorganAnalytics
import QorganCore
import Testing

/// The analytics engine against the reference aggregation, on generated programmes:
/// random hierarchies with reorganisations, every aggregation type, weekly to yearly
/// periods, disaggregations, deletions and edits. Every cell must agree.
@Suite struct DifferentialTests {
    struct World {
        var catalog: Catalog
        var values: [DataValueKey: DataValue]
    }

    static func generate(seed: UInt64) throws -> World {
        var g = SplitMix64(seed: seed)
        func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &g) }
        var doc = Catalog()
        doc.categoryCombos = []
        let open = Day(year: 2010, month: 1, day: 1)!
        var units = [
            OrgUnit(
                uid: "", code: "ROOT", name: "Root", openingDate: open, parents: [ParentLink(parent: nil, from: open)])
        ]
        let regions = (1...int(2...4)).map { "R\($0)" }
        for r in regions {
            units.append(
                OrgUnit(uid: "", code: r, name: r, openingDate: open, parents: [ParentLink(parent: "ROOT", from: open)])
            )
        }
        var leaves: [String] = []
        for r in regions {
            for d in 1...int(1...4) {
                let code = "\(r)D\(d)"
                var parents = [ParentLink(parent: r, from: open)]
                if int(0...2) == 0 {  // a reorganisation
                    let other = regions.randomElement(using: &g)!
                    if other != r {
                        parents.append(
                            ParentLink(parent: other, from: Day(year: int(2014...2017), month: int(1...12), day: 1)!))
                    }
                }
                units.append(OrgUnit(uid: "", code: code, name: code, openingDate: open, parents: parents))
                leaves.append(code)
            }
        }
        doc.organisationUnits = units
        doc.categories = [
            Category(
                uid: "", code: "SEX", name: "Sex",
                options: [CategoryOption(uid: "", code: "M", name: "M"), CategoryOption(uid: "", code: "F", name: "F")]),
            Category(
                uid: "", code: "AGE", name: "Age",
                options: [CategoryOption(uid: "", code: "Y", name: "Y"), CategoryOption(uid: "", code: "O", name: "O")]),
        ]
        doc.categoryCombos = [CategoryCombo(uid: "", code: "SEXAGE", name: "Sex and age", categories: ["SEX", "AGE"])]
        var sets: [PeriodType: [String]] = [:]
        var elements: [(String, PeriodType, Bool)] = []
        for (i, agg) in AggregationType.allCases.enumerated() {
            for type in [PeriodType.monthly, .quarterly, .weekly, .yearly] where int(0...1) == 0 || type == .monthly {
                let code = "E\(i)_\(type.rawValue)"
                let disaggregated = int(0...1) == 0
                doc.dataElements.append(
                    DataElement(
                        uid: "", code: code, name: code, valueType: .number, aggregationType: agg,
                        categoryCombo: disaggregated ? "SEXAGE" : "default"))
                sets[type, default: []].append(code)
                elements.append((code, type, disaggregated))
            }
        }
        doc.dataElements.append(
            DataElement(uid: "", code: "TXT", name: "TXT", valueType: .text, aggregationType: .count))
        sets[.monthly, default: []].append("TXT")
        doc.dataSets = sets.map {
            DataSet(
                uid: "", code: "DS_\($0.key.rawValue)", name: $0.key.rawValue, periodType: $0.key,
                dataElements: $0.value, organisationUnits: units.map(\.code))
        }
        doc.constants = [Constant(uid: "", code: "K", name: "K", value: 3)]
        let sumEl = elements.first { $0.0.hasPrefix("E0_") }!.0
        let avgEl = elements.first { $0.0.hasPrefix("E1_") }!.0
        doc.indicators = [
            Indicator(
                uid: "", code: "I1", name: "I1", numerator: "#{\(sumEl)}", denominator: "#{\(avgEl)} + C{K}",
                factor: 100),
            Indicator(uid: "", code: "I2", name: "I2", numerator: "N{I1} * 2 + if(isNull(#{\(sumEl)}), 1, 0)"),
        ]
        let (catalog, _) = try Catalog().merging(doc)

        var values: [DataValueKey: DataValue] = [:]
        let stamp = Date(timeIntervalSince1970: 0)
        for (code, type, _) in elements {
            let el = catalog.element(code)!
            let cocs = catalog.optionCombos(of: el)
            let span = DaySpan(start: Day(year: 2014, month: 1, day: 1)!, end: Day(year: 2017, month: 12, day: 31)!)
            let periods = Period.periods(of: type, within: span)
            for _ in 0..<int(20...80) {
                let unit = int(0...4) == 0 ? regions.randomElement(using: &g)! : leaves.randomElement(using: &g)!
                let key = DataValueKey(
                    element: el.uid, period: periods.randomElement(using: &g)!, unit: catalog.unit(unit)!.uid,
                    optionCombo: cocs.randomElement(using: &g)!.uid)
                let v = int(0...5) == 0 ? String(Double(int(0...400)) / 4) : String(int(0...100))
                values[key] = DataValue(key: key, value: v, storedBy: "gen", created: stamp, lastUpdated: stamp)
            }
        }
        let txt = catalog.element("TXT")!
        for _ in 0..<10 {
            let key = DataValueKey(
                element: txt.uid, period: Period.month(int(2014...2017), int(1...12))!,
                unit: catalog.unit(leaves.randomElement(using: &g)!)!.uid)
            values[key] = DataValue(key: key, value: "note", storedBy: "gen", created: stamp, lastUpdated: stamp)
        }
        return World(catalog: catalog, values: values)
    }

    static let periodItems = [
        "2014", "2015", "2016", "2017", "2016Q1", "2016Q3", "201607", "201612", "2014..2017",
        "2015Q2..2016Q1", "2016S2", "2016April", "2016W27", "201603B",
    ]

    func close(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?): return abs(x - y) <= 1e-9 * max(1, abs(x), abs(y))
        default: return false
        }
    }

    /// Every cell of two queries: all units × overlapping periods (cells share rows), and the
    /// regions × the years (disjoint cells: the single-pass SUM path).
    func compare(_ world: World, engine: AnalyticsEngine, aggregationType: AggregationType? = nil) throws -> Int {
        let c = world.catalog
        let regions = c.organisationUnits.filter { $0.code.count == 2 }.map(\.uid)
        return try compare(
            world, engine: engine, aggregationType: aggregationType, periodItems: Self.periodItems,
            units: c.organisationUnits.map(\.uid))
            + compare(
                world, engine: engine, aggregationType: aggregationType, periodItems: ["2014", "2015", "2016", "2017"],
                units: regions)
    }

    func compare(
        _ world: World, engine: AnalyticsEngine, aggregationType: AggregationType?, periodItems: [String],
        units: [String]
    ) throws -> Int {
        let c = world.catalog
        let reference = ReferenceAggregator(catalog: c, values: Array(world.values.values))
        var items: [DataItem] = c.indicators.map { .indicator($0.uid) }
        for el in c.dataElements {
            items.append(.element(el.uid))
            for coc in c.optionCombos(of: el) where coc.code != "default" {
                items.append(.operand(element: el.uid, optionCombo: coc.uid))
            }
        }
        let periods = try periodItems.map { try PeriodSelection($0) }
        let result = try engine.run(
            AnalyticsQuery(data: items, periods: periods, units: units, aggregationType: aggregationType))
        var got: [String: Double] = [:]
        for r in result.rows { got["\(r.dx)|\(r.pe)|\(r.ou)"] = r.value }
        var checked = 0
        for item in items {
            let dx: String
            switch item {
            case .element(let u), .indicator(let u): dx = u
            case .operand(let e, let co): dx = "\(e).\(co)"
            }
            // Indicators follow each element's own aggregation type; the override applies to elements.
            let override: AggregationType? = {
                if case .indicator = item { return nil } else { return aggregationType }
            }()
            if case .indicator = item, aggregationType != nil { continue }
            for p in periods {
                for u in units {
                    let expected = reference.value(item, unit: u, periods: p, aggregationType: override)
                    let value = got["\(dx)|\(p.description)|\(u)"]
                    #expect(
                        close(expected, value),
                        "\(c.element(dx)?.code ?? c.indicator(dx)?.code ?? dx) \(p) \(c.unit(u)!.code): reference \(String(describing: expected)), engine \(String(describing: value))"
                    )
                    checked += 1
                }
            }
        }
        return checked
    }

    @Test(arguments: 1...12 as ClosedRange<UInt64>)
    func engineAgreesWithTheReferenceInEveryCell(seed: UInt64) throws {
        var world = try Self.generate(seed: seed)
        let engine = AnalyticsEngine(catalog: world.catalog, values: Array(world.values.values))
        let checked = try compare(world, engine: engine)
        #expect(checked > 1000)

        // Edits and deletions through the write path.
        var g = SplitMix64(seed: seed &* 7919)
        var changes: [ValueChange] = []
        // Enough edits that some elements take the batch merge, others the row-by-row path.
        for key in world.values.keys.sorted(by: { $0.hashValue < $1.hashValue }).prefix(400) {
            if Int.random(in: 0...1, using: &g) == 0 {
                world.values[key] = nil
                changes.append(ValueChange(key: key, value: nil))
            } else {
                let v = String(Int.random(in: 0...50, using: &g))
                world.values[key]!.value = v
                changes.append(ValueChange(key: key, value: v))
            }
        }
        // A value in a period the engine has never seen, earlier than all others.
        let el =
            world.catalog.dataElements.first {
                $0.code.hasSuffix("_Monthly") && $0.categoryCombo == CategoryCombo.defaultUid
            }
            ?? world.catalog.dataElements[0]
        let early = DataValueKey(
            element: el.uid, period: try Period("201212"), unit: world.catalog.unit("R1")!.uid,
            optionCombo: world.catalog.optionCombos(of: el)[0].uid)
        world.values[early] = DataValue(key: early, value: "5", storedBy: "t")
        changes.append(ValueChange(key: early, value: "5"))
        engine.apply(changes)
        _ = try compare(world, engine: engine)

        // A large batch on one element (the merge path): every value of the busiest element
        // changes or goes, and some new ones arrive.
        let busiest = Dictionary(grouping: world.values.keys, by: \.element).max { $0.value.count < $1.value.count }!
        #expect(busiest.value.count > 32)
        changes = []
        for (n, key) in busiest.value.enumerated() {
            if n % 3 == 0 {
                world.values[key] = nil
                changes.append(ValueChange(key: key, value: nil))
            } else {
                world.values[key]!.value = String(n)
                changes.append(ValueChange(key: key, value: String(n)))
            }
        }
        let sample = busiest.value[0]
        for m in 1...12 {
            let key = DataValueKey(
                element: sample.element,
                period: Period.containing(Day(year: 2019, month: m, day: 1)!, type: sample.period.type),
                unit: sample.unit, optionCombo: sample.optionCombo)
            world.values[key] = DataValue(key: key, value: String(m), storedBy: "t")
            changes.append(ValueChange(key: key, value: String(m)))
        }
        engine.apply(changes)
        _ = try compare(world, engine: engine)
    }

    @Test(arguments: [AggregationType.sum, .average, .max, .count, .last, .none])
    func aggregationTypeOverridesAgree(_ type: AggregationType) throws {
        let world = try Self.generate(seed: 99)
        let engine = AnalyticsEngine(catalog: world.catalog, values: Array(world.values.values))
        _ = try compare(world, engine: engine, aggregationType: type)
    }

    @Test func aSnapshotIsNotChangedByALaterWrite() throws {
        let world = try Self.generate(seed: 5)
        let engine = AnalyticsEngine(catalog: world.catalog, values: Array(world.values.values))
        let before = engine.snapshot()
        let key = world.values.keys.first!
        engine.apply([ValueChange(key: key, value: "123456")])
        let after = engine.snapshot()
        let el = world.catalog.element(key.element)!
        let unit = key.unit
        // The engine's own view of that one stored cell, before and after.
        let q = AnalyticsQuery(
            data: [.operand(element: el.uid, optionCombo: key.optionCombo)], periods: [PeriodSelection(key.period)],
            units: [unit], aggregationType: .sum)
        let old = try before.run(q).rows.first?.value
        let new = try after.run(q).rows.first?.value
        #expect(old != new)
        #expect(new == 123456 + (old ?? 0) - (Double(world.values[key]!.value) ?? 0))
    }
}
