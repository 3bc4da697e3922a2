import Foundation
import QorganCore
import Testing

@testable import QorganAnalytics

/// The rollups (sums by year and quarter for units with units below them, kept on every commit)
/// against the reference aggregation, to the last bit: on generated programmes with
/// reorganisations and weekly to yearly data, after random edits, deletions, values that are not
/// whole numbers (the element falls back to the columns) and their removal (back to the rollups).
@Suite struct RollupTests {
    /// Every element by every hub (the root and regions) by years and quarters, SUM and COUNT.
    static func compareExactly(_ world: DifferentialTests.World, engine: AnalyticsEngine) throws -> Int {
        let c = world.catalog
        let reference = ReferenceAggregator(catalog: c, values: Array(world.values.values))
        let hubs = c.organisationUnits.filter { $0.code.count <= 4 && !$0.code.contains("D") }.map(\.uid)
        let periods = try ["2014", "2015", "2016", "2017", "2018", "2019", "2016Q1", "2016Q3", "2017Q4", "2019Q1"].map {
            try PeriodSelection($0)
        }
        var checked = 0
        for type in [AggregationType.sum, .count] {
            let items = c.dataElements.map { DataItem.element($0.uid) }
            let result = try engine.run(
                AnalyticsQuery(data: items, periods: periods, units: hubs, aggregationType: type))
            var got: [String: Double] = [:]
            for r in result.rows { got["\(r.dx)|\(r.pe)|\(r.ou)"] = r.value }
            for el in c.dataElements {
                for p in periods {
                    for u in hubs {
                        let expected = reference.value(.element(el.uid), unit: u, periods: p, aggregationType: type)
                        let value = got["\(el.uid)|\(p.description)|\(u)"]
                        #expect(expected == value, "\(el.code) \(p) \(c.unit(u)?.code ?? u) \(type)")
                        checked += 1
                    }
                }
            }
        }
        return checked
    }

    @Test(arguments: 1...6 as ClosedRange<UInt64>)
    func rollupsEqualTheReferenceAfterEveryKindOfWrite(seed: UInt64) throws {
        var world = try DifferentialTests.generate(seed: seed)
        // Counts, as most of a programme's figures are: every number whole.
        for (key, v) in world.values {
            if let d = Double(v.value) { world.values[key]?.value = String(Int(d.rounded())) }
        }
        let engine = AnalyticsEngine(catalog: world.catalog, values: Array(world.values.values))
        let state = engine.snapshot()
        #expect(state.rollups.hubCount > 1)
        #expect(state.rollups.inexact.allSatisfy { $0 == 0 })
        #expect(try Self.compareExactly(world, engine: engine) > 500)

        var g = SplitMix64(seed: seed &* 104_729)
        let keys = world.values.keys.sorted { "\($0)" < "\($1)" }
        // Edits and deletions, row by row and in batches (the merge path).
        for batch in [8, 200] {
            var changes: [ValueChange] = []
            for key in keys.shuffled(using: &g).prefix(batch) where world.values[key] != nil {
                if Int.random(in: 0...2, using: &g) == 0 {
                    world.values[key] = nil
                    changes.append(ValueChange(key: key, value: nil))
                } else {
                    let v = String(Int.random(in: -5...500, using: &g))
                    world.values[key]?.value = v
                    changes.append(ValueChange(key: key, value: v))
                }
            }
            // Some keys changed twice in one batch (a file that names a value twice): the
            // last change counts, whether it writes or deletes.
            for (n, key) in changes.map(\.key).prefix(batch / 8).enumerated() {
                if n % 3 == 0 {
                    world.values[key] = nil
                    changes.append(ValueChange(key: key, value: nil))
                } else {
                    let v = String(1000 + n)
                    world.values[key] = DataValue(key: key, value: v, storedBy: "t")
                    changes.append(ValueChange(key: key, value: v))
                }
            }
            engine.apply(changes)
            #expect(try Self.compareExactly(world, engine: engine) > 500)
        }
        // A value that is not a whole number: its element is answered from the columns...
        let exact = engine.snapshot()
        guard
            let key = world.values.keys.sorted(by: { "\($0)" < "\($1)" }).first(where: { k in
                exact.elementPartition[k.element].map { exact.rollups.inexact[$0] == 0 } ?? false
            }),
            let e = exact.elementPartition[key.element]
        else {
            Issue.record("no value to change")
            return
        }
        world.values[key]?.value = "2.5"
        engine.apply([ValueChange(key: key, value: "2.5")])
        #expect(engine.snapshot().rollups.inexact[e] == 1)
        _ = try Self.compareExactly(world, engine: engine)
        // ...and from the rollups again once it is gone.
        world.values[key]?.value = "3"
        engine.apply([ValueChange(key: key, value: "3")])
        #expect(engine.snapshot().rollups.inexact[e] == 0)
        _ = try Self.compareExactly(world, engine: engine)
        // A whole hierarchy reorganised (new metadata): the rollups are built afresh.
        var catalog = world.catalog
        if let i = catalog.organisationUnits.firstIndex(where: { $0.code == "R1D1" }),
            let other = catalog.organisationUnits.first(where: { $0.code == "R2" })
        {
            catalog.organisationUnits[i].parents.append(
                ParentLink(parent: other.uid, from: Day(year: 2018, month: 1, day: 1)!))
        }
        world.catalog = catalog
        engine.replaceCatalog(catalog)
        _ = try Self.compareExactly(world, engine: engine)
    }
}
