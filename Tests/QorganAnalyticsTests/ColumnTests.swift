import Foundation
import QorganCore
import Testing

@testable import QorganAnalytics

/// The compact columns (periods once per run, values in 4 bytes with an escape for the rest)
/// against a plain dictionary, after random upserts, deletions, batch merges and periods
/// numbered anew; and the snapshot of a state taking its rollups as saved, or computing them
/// again when the hierarchy has changed since.
@Suite struct ColumnTests {
    /// Values of every kind a store can hold: counts, negatives, fractions, numbers beyond 32
    /// bits, −0 and text (NaN).
    static func value(_ g: inout SplitMix64) -> Double {
        switch Int.random(in: 0..<10, using: &g) {
        case 0: return Double(Int.random(in: -5...5, using: &g)) + 0.25
        case 1: return Double(Int.random(in: Int(Int32.min)...Int(Int32.max), using: &g))
        case 2:
            return [-0.0, .nan, 3e12, -1_073_741_824, -1_073_741_825, 2_147_483_647, 2_147_483_648].randomElement(
                using: &g)!
        default: return Double(Int.random(in: 0...500, using: &g))
        }
    }

    static func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    /// Every row's key, walking the runs.
    static func keys(_ p: Partition) -> [Partition.Key] {
        (0..<p.runs).flatMap { r in
            (Int(p.runStart[r])..<p.runEnd(r)).map { i in
                Partition.Key(period: p.runPeriod[r], unit: p.unit[i], coc: p.coc[i], aoc: p.aoc[i])
            }
        }
    }

    static func check(_ p: Partition, _ reference: [Partition.Key: Double]) {
        #expect(p.count == reference.count)
        let keys = reference.keys.sorted()
        #expect(Self.keys(p) == keys)
        for (i, k) in keys.enumerated() where i < p.count {
            #expect(same(p.value[i], reference[k] ?? 0), "\(k): \(p.value[i]) ≠ \(reference[k] ?? 0)")
            #expect(p.search(k) == (true, i))
        }
        #expect(Set(p.runPeriod).count == p.runs && p.runPeriod == p.runPeriod.sorted())
        #expect(Values(checking: p.value.narrow, wide: p.value.wide) != nil)
        #expect(EngineSnapshot.runsAreConsistent(p, periods: 1 << 20))
    }

    @Test(arguments: 1...8 as ClosedRange<UInt64>)
    func columnsKeepEveryValueExactly(seed: UInt64) {
        var g = SplitMix64(seed: seed)
        var p = Partition()
        var reference: [Partition.Key: Double] = [:]
        func key() -> Partition.Key {
            Partition.Key(
                period: UInt32.random(in: 0..<12, using: &g) * 2, unit: UInt32.random(in: 0..<20, using: &g),
                coc: UInt16.random(in: 0..<3, using: &g), aoc: UInt16.random(in: 0..<2, using: &g))
        }
        for round in 0..<30 {
            for _ in 0..<40 {
                let k = key()
                if Int.random(in: 0..<4, using: &g) == 0 {
                    p.remove(k)
                    reference[k] = nil
                } else {
                    let v = Self.value(&g)
                    p.upsert(k, v)
                    reference[k] = v
                }
            }
            var edits: [(Partition.Key, Double?)] = []
            for _ in 0..<60 {
                let k = key()
                let v: Double? = Int.random(in: 0..<3, using: &g) == 0 ? nil : Self.value(&g)
                edits.append((k, v))
                reference[k] = v
            }
            p.merge(edits)
            if round % 10 == 9 {
                // A period inserted before some: every later one numbered one higher.
                let at = UInt32.random(in: 0..<24, using: &g)
                p.shiftPeriods(from: at)
                reference = Dictionary(
                    uniqueKeysWithValues: reference.map { k, v in
                        var k = k
                        if k.period >= at { k.period += 1 }
                        return (k, v)
                    })
            }
            Self.check(p, reference)
        }
        var rows = reference.map { ($0.key, $0.value) }.shuffled(using: &g)
        Self.check(Partition.build(&rows), reference)
    }

    /// Counts take 12 bytes a value; replaced fractions do not pile up.
    @Test func countsTakeTwelveBytesAndReplacedFractionsAreFreed() {
        var p = Partition()
        for u in 0..<10_000 { p.upsert(Partition.Key(period: 3, unit: UInt32(u), coc: 0, aoc: 0), Double(u)) }
        #expect(p.bytes == 10_000 * 12 + 8)
        for round in 0..<50 {
            for u in 0..<10_000 where u % 7 == 0 {
                p.upsert(Partition.Key(period: 3, unit: UInt32(u), coc: 0, aoc: 0), Double(round) + 0.5)
            }
        }
        #expect(p.value.wide.count < 10_000 / 7 * 4)
        #expect(p.value[7] == 49.5 && p.value[8] == 8)
    }

    /// A snapshot keeps the columns and the rollups as they are in memory; a hierarchy that
    /// changed since has the rollups computed again, and both answer as the reference does.
    @Test func snapshotKeepsColumnsAndRollups() throws {
        var world = try DifferentialTests.generate(seed: 11)
        for (key, v) in world.values {
            if let d = Double(v.value) { world.values[key]?.value = String(Int(d.rounded())) }
        }
        let engine = AnalyticsEngine(catalog: world.catalog, values: Array(world.values.values))
        let state = engine.snapshot()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qorgan-columns-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("engine").path
        try EngineSnapshot.write(state, sequence: 7, identity: ("db", 1), to: path)
        let (read, sequence) = try EngineSnapshot.read(path, identity: ("db", 1), catalog: world.catalog)
        #expect(sequence == 7)
        #expect(read.columnBytes == state.columnBytes && read.valueCount == state.valueCount)
        for e in state.partitions.indices {
            #expect(read.partitions[e].unit == state.partitions[e].unit)
            #expect(read.partitions[e].runPeriod == state.partitions[e].runPeriod)
            #expect(read.partitions[e].value.narrow == state.partitions[e].value.narrow)
            #expect(read.rollups.inexact[e] == state.rollups.inexact[e])
            #expect(read.rollups.cells[e].map(\.sum) == state.rollups.cells[e].map(\.sum))
        }
        #expect(read.rollups.slot == state.rollups.slot)
        #expect(try RollupTests.compareExactly(world, engine: AnalyticsEngine(state: read, sequence: 7)) > 500)

        // Damaged anywhere (a length turned huge, keys beyond the lists), it is refused with a
        // reason, never trusted and never a crash: the walk over the columns runs before the
        // checksum is known.
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        let damagedPath = path + ".damaged"
        for at in stride(from: EngineSnapshot.headerSize, to: good.count - 8, by: max(8, good.count / 64)) {
            var bad = good
            bad.replaceSubrange(at..<at + 8, with: [UInt8](repeating: 0xFF, count: 8))
            try bad.write(to: URL(fileURLWithPath: damagedPath))
            let error = #expect(throws: EngineSnapshot.Unusable.self, "damaged at \(at)") {
                _ = try EngineSnapshot.read(damagedPath, identity: ("db", 1), catalog: world.catalog)
            }
            #expect(error?.description == "it is damaged (its checksum differs)", "damaged at \(at)")
        }

        // The same snapshot under a hierarchy with a district moved to another region.
        var moved = world
        moved.catalog = try #require(Self.moveADistrict(in: world.catalog))
        let (again, _) = try EngineSnapshot.read(path, identity: ("db", 1), catalog: moved.catalog)
        #expect(again.rollups.fingerprint != state.rollups.fingerprint)
        var rebuilt = again
        rebuilt.buildRollups()
        #expect(again.rollups.cells.map { $0.map(\.sum) } == rebuilt.rollups.cells.map { $0.map(\.sum) })
        #expect(try RollupTests.compareExactly(moved, engine: AnalyticsEngine(state: again, sequence: 7)) > 500)
    }

    /// The catalog with one district moved to another region from mid-2015.
    static func moveADistrict(in catalog: Catalog) -> Catalog? {
        var c = catalog
        let regions = c.organisationUnits.filter { $0.code.count == 2 && $0.code.hasPrefix("R") }
        guard let i = c.organisationUnits.firstIndex(where: { $0.code.contains("D") && $0.parents.count == 1 }),
            let other = regions.first(where: { $0.uid != c.organisationUnits[i].parents[0].parent }),
            let from = Day(year: 2015, month: 7, day: 1)
        else { return nil }
        c.organisationUnits[i].parents.append(ParentLink(parent: other.uid, from: from))
        c.reindex()
        return c
    }
}
