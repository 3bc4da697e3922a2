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
    static func same(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): same(a, b)
        default: false
        }
    }

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
        #expect(Set(p.runPeriod).count == p.runs && Array(p.runPeriod) == p.runPeriod.sorted())
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
            // A merge takes edits sorted, one per key, and tells each one's old value.
            var last: [Partition.Key: Double?] = [:]
            for _ in 0..<60 {
                let k = key()
                last[k] = Int.random(in: 0..<3, using: &g) == 0 ? nil : Self.value(&g)
            }
            let edits = last.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            var told: [Partition.Key] = []
            p.merge(sorted: edits) { k, old, new in
                told.append(k)
                #expect(Self.same(old, reference[k]), "old value of \(k)")
                #expect(Self.same(new, last[k] ?? nil), "new value of \(k)")
            }
            #expect(told == edits.map(\.0))
            for (k, v) in edits { reference[k] = v }
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

    /// Merges that replace fractions with fractions keep every value (codes copied in blocks
    /// still point at their values) and free what they replace once the merge is over.
    @Test func mergesOfFractionsKeepValuesAndFreeRoom() {
        var p = Partition()
        let keys = (0..<20_000).map {
            Partition.Key(period: UInt32($0 / 5_000), unit: UInt32($0 % 5_000), coc: 0, aoc: 0)
        }
        var reference: [Partition.Key: Double] = [:]
        var rows = keys.map { ($0, Double($0.unit) + 0.25) }
        for (k, v) in rows { reference[k] = v }
        p = Partition.build(&rows)
        for round in 0..<12 {
            // Every third key replaced (a fraction, a count, or deleted and later written again).
            let edits: [(Partition.Key, Double?)] = keys.enumerated().compactMap { i, k in
                guard (i + round) % 3 == 0 else { return nil }
                switch (i / 3 + round) % 4 {
                case 0: return (k, nil)
                case 1: return (k, Double(i))
                default: return (k, Double(round) + Double(i) / 8)
                }
            }
            p.merge(sorted: edits) { _, _, _ in }
            for (k, v) in edits { reference[k] = v }
            Self.check(p, reference)
            #expect(p.value.wide.count <= p.value.live + max(4096, p.count / 8))
        }
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

    /// A start from a snapshot takes the columns over the mapped file; a change to an element
    /// gives that element columns of its own and leaves the others (and every copy) as they
    /// were; a new snapshot saved over the file leaves a running engine's values untouched.
    @Test func snapshotColumnsAreMappedUntilChanged() throws {
        let world = try DifferentialTests.generate(seed: 12)
        let engine = AnalyticsEngine(catalog: world.catalog, values: Array(world.values.values))
        let state = engine.snapshot()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qorgan-mapped-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("engine").path
        try EngineSnapshot.write(state, sequence: 3, identity: ("db", 1), to: path)
        let (read, _) = try EngineSnapshot.read(path, identity: ("db", 1), catalog: world.catalog)
        let filled = read.partitions.indices.filter { read.partitions[$0].count > 10 }
        #expect(filled.count >= 2)
        #expect(filled.allSatisfy { read.partitions[$0].unit.isMapped && read.partitions[$0].value.narrow.isMapped })

        // Edits on a copy of a mapped partition, against a dictionary of its keys.
        let e = try #require(filled.first)
        var edited = read.partitions[e]
        var reference: [Partition.Key: Double] = [:]
        for (i, k) in Self.keys(edited).enumerated() { reference[k] = edited.value[i] }
        let keys = Self.keys(edited)
        let replaced = keys[keys.count / 2]
        edited.upsert(replaced, 0.25)
        reference[replaced] = 0.25
        edited.remove(keys[0])
        reference[keys[0]] = nil
        let last = keys[keys.count - 1]
        let free = (0..<UInt32(world.catalog.organisationUnits.count)).first { u in
            reference[Partition.Key(period: last.period, unit: u, coc: last.coc, aoc: last.aoc)] == nil
        }
        let added = Partition.Key(period: last.period, unit: try #require(free), coc: last.coc, aoc: last.aoc)
        edited.upsert(added, 9)
        reference[added] = 9
        Self.check(edited, reference)
        #expect(!edited.unit.isMapped && !edited.value.narrow.isMapped)
        #expect(read.partitions[e].unit.isMapped && read.partitions[e].unit == state.partitions[e].unit)
        #expect(read.partitions[e].value.narrow == state.partitions[e].value.narrow)

        // A new snapshot renamed over the file, then the old engine's answers.
        var changed = state
        changed.partitions[e] = edited
        try EngineSnapshot.write(changed, sequence: 4, identity: ("db", 1), to: path)
        for f in filled {
            #expect(read.partitions[f].unit == state.partitions[f].unit)
            #expect(read.partitions[f].value.narrow == state.partitions[f].value.narrow)
        }
        // Fractions included: the engine over the mapped file answers bit for bit as the one it
        // was saved from.
        let query = AnalyticsQuery(
            data: world.catalog.dataElements.map { DataItem.element($0.uid) },
            periods: try ["2015", "2016Q3", "2017", "2019"].map { try PeriodSelection($0) },
            units: world.catalog.organisationUnits.filter { !$0.code.contains("D") }.map(\.uid))
        func answers(_ engine: AnalyticsEngine) throws -> [String: UInt64] {
            Dictionary(
                uniqueKeysWithValues: try engine.run(query).rows.map {
                    ("\($0.dx)|\($0.pe)|\($0.ou)", $0.value.bitPattern)
                })
        }
        let expected = try answers(engine)
        #expect(expected.count > 100)
        #expect(try answers(AnalyticsEngine(state: read, sequence: 3)) == expected)
        let (again, sequence) = try EngineSnapshot.read(path, identity: ("db", 1), catalog: world.catalog)
        #expect(sequence == 4 && again.partitions[e].unit == edited.unit && again.partitions[e].count == edited.count)
    }

    /// The checksum a writer sums piece by piece (pieces that split the four lanes anywhere)
    /// equals the one a reader folds from blocks summed apart; a word changed in any block, or
    /// two words swapped, changes it.
    @Test func checksumSummedInPiecesEqualsBlocksSummedApart() {
        let words = (2 * EngineSnapshot.Checksum.blockBytes + 24) / 8
        var g = SplitMix64(seed: 5)
        var body = (0..<words).map { _ in UInt64.random(in: 0...UInt64.max, using: &g) }
        func blocks(_ body: [UInt64]) -> UInt64 {
            body.withUnsafeBytes { raw in
                EngineSnapshot.Checksum.combine(
                    (0..<EngineSnapshot.Checksum.blocks(raw.count)).map { k in
                        let start = k * EngineSnapshot.Checksum.blockBytes
                        let end = min(raw.count, start + EngineSnapshot.Checksum.blockBytes)
                        return EngineSnapshot.Checksum.block(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                    })
            }
        }
        var streamed = EngineSnapshot.Checksum()
        body.withUnsafeBytes { raw in
            var at = 0
            for piece in [8, 24, 8 * 12_345, 40, 8 * 3_000_001] + Array(repeating: 8 * 1_000_003, count: 8) {
                let end = min(raw.count, at + piece)
                streamed.add(UnsafeRawBufferPointer(rebasing: raw[at..<end]))
                at = end
            }
            streamed.add(UnsafeRawBufferPointer(rebasing: raw[at...]))
        }
        let whole = blocks(body)
        #expect(streamed.value == whole)
        for word in [3, words / 2, words - 1] {
            body[word] ^= 1 << 17
            #expect(blocks(body) != whole, "word \(word) changed")
            body[word] ^= 1 << 17
        }
        body.swapAt(10, 11)
        #expect(blocks(body) != whole)
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
