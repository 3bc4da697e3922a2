import Foundation
import QorganCore

/// The values of one data element, column by column, sorted by (period, unit, option
/// combination, attribute combination): a cell's rows stand together, and a key is found by
/// binary search. Periods are kept once per run of rows that share one (a partition has a few
/// hundred periods and millions of rows), values in 4 bytes (`Values`): 12 bytes a value.
struct Partition: Sendable {
    /// The periods present, in time order, and the row each one's run begins at: the rows of
    /// `runPeriod[k]` are `runStart[k]..<runEnd(k)`.
    var runPeriod = Column<UInt32>()
    var runStart = Column<UInt32>()
    var unit = Column<UInt32>()
    var coc = Column<UInt16>()
    var aoc = Column<UInt16>()
    var value = Values()

    var count: Int { unit.count }
    var runs: Int { runPeriod.count }

    func runEnd(_ k: Int) -> Int { k + 1 < runStart.count ? Int(runStart[k + 1]) : count }

    struct Key: Comparable, Hashable {
        var period: UInt32, unit: UInt32, coc: UInt16, aoc: UInt16
        static func < (a: Key, b: Key) -> Bool {
            (a.period, a.unit, a.coc, a.aoc) < (b.period, b.unit, b.coc, b.aoc)
        }
    }

    /// The run of period `p`, or where its run would be inserted.
    func run(of p: UInt32) -> (found: Bool, index: Int) {
        var lo = 0
        var hi = runPeriod.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if runPeriod[mid] < p { lo = mid + 1 } else { hi = mid }
        }
        return (lo < runPeriod.count && runPeriod[lo] == p, lo)
    }

    /// Where `k` is or would go: its row, and its period's run (`runFound` false: where that run
    /// would be inserted).
    private func place(_ k: Key) -> (found: Bool, index: Int, run: Int, runFound: Bool) {
        let (has, r) = run(of: k.period)
        guard has else { return (false, r < runStart.count ? Int(runStart[r]) : count, r, false) }
        var lo = Int(runStart[r])
        var hi = runEnd(r)
        let end = hi
        let target = (k.unit, k.coc, k.aoc)
        while lo < hi {
            let mid = (lo + hi) / 2
            if (unit[mid], coc[mid], aoc[mid]) < target { lo = mid + 1 } else { hi = mid }
        }
        return (lo < end && (unit[lo], coc[lo], aoc[lo]) == target, lo, r, true)
    }

    /// The row index of `k`, or where it would be inserted.
    func search(_ k: Key) -> (found: Bool, index: Int) {
        let at = place(k)
        return (at.found, at.index)
    }

    mutating func upsert(_ k: Key, _ v: Double) {
        let at = place(k)
        if at.found {
            value[at.index] = v
            return
        }
        if !at.runFound {
            runPeriod.insert(k.period, at: at.run)
            runStart.insert(UInt32(at.index), at: at.run)
        }
        for j in (at.run + 1)..<runStart.count { runStart[j] += 1 }
        unit.insert(k.unit, at: at.index)
        coc.insert(k.coc, at: at.index)
        aoc.insert(k.aoc, at: at.index)
        value.insert(v, at: at.index)
    }

    mutating func remove(_ k: Key) {
        let at = place(k)
        guard at.found else { return }
        let (i, r) = (at.index, at.run)
        unit.remove(at: i)
        coc.remove(at: i)
        aoc.remove(at: i)
        value.remove(at: i)
        for j in (r + 1)..<runStart.count { runStart[j] -= 1 }
        if runEnd(r) == Int(runStart[r]) {
            runPeriod.remove(at: r)
            runStart.remove(at: r)
        }
    }

    /// Numbers every period from `p` on one higher (a period inserted before them).
    mutating func shiftPeriods(from p: UInt32) {
        for k in runPeriod.indices where runPeriod[k] >= p { runPeriod[k] += 1 }
    }

    mutating func reserveCapacity(_ n: Int) {
        unit.reserveCapacity(n)
        coc.reserveCapacity(n)
        aoc.reserveCapacity(n)
        value.reserveCapacity(n)
    }

    /// Appends a row whose key comes after every key already here.
    mutating func append(_ k: Key, _ v: Double, compacting: Bool = true) {
        if runPeriod.last != k.period {
            runPeriod.append(k.period)
            runStart.append(UInt32(count))
        }
        unit.append(k.unit)
        coc.append(k.coc)
        aoc.append(k.aoc)
        value.append(v, compacting: compacting)
    }

    /// Applies many edits at once (nil: delete) by one merge of sorted runs, instead of
    /// inserting row by row: a large import costs a copy of the partition, not a shift per row.
    /// The rows between two edits are copied column by column in blocks, codes of values kept
    /// elsewhere included (the new partition starts from the same `wide`). `edits` are sorted by
    /// key, one per key; `each` is told every edit's key with the value it replaces (nil: none)
    /// and the new one, in key order.
    mutating func merge(sorted edits: [(Key, Double?)], each: (Key, Double?, Double?) -> Void) {
        var out = Partition()
        out.reserveCapacity(count + edits.count)
        out.value.startMerge(from: value)
        var row = 0
        var run = 0
        /// Copies the rows from `row` up to `end`, run by run.
        func copy(upTo end: Int) {
            while row < end {
                while runEnd(run) <= row { run += 1 }
                let stop = Swift.min(end, runEnd(run))
                out.appendRows(period: runPeriod[run], from: self, row..<stop)
                row = stop
            }
        }
        for (k, v) in edits {
            let at = place(k)
            copy(upTo: at.index)
            if at.found {
                each(k, value[at.index], v)
                out.value.dropCode(value.narrow[at.index])
                row = at.index + 1
            } else {
                each(k, nil, v)
            }
            if let v { out.append(k, v, compacting: false) }
        }
        copy(upTo: count)
        out.value.finishMerge()
        self = out
    }

    /// Appends rows `range` of `source`, all of period `period`, after every row here.
    private mutating func appendRows(period: UInt32, from source: Partition, _ range: Range<Int>) {
        if runPeriod.last != period {
            runPeriod.append(period)
            runStart.append(UInt32(count))
        }
        unit.append(from: source.unit, range)
        coc.append(from: source.coc, range)
        aoc.append(from: source.aoc, range)
        value.appendCodes(from: source.value, range)
    }

    static func build(_ rows: inout [(Key, Double)]) -> Partition {
        // Rows read from the store usually come in key order already.
        if !rows.indices.dropFirst().allSatisfy({ rows[$0 - 1].0 < rows[$0].0 }) {
            rows.sort { $0.0 < $1.0 }
        }
        var p = Partition()
        p.reserveCapacity(rows.count)
        var previous: Key? = nil
        for (k, v) in rows {
            // Keys are unique in a store; should a caller give one twice, the later row is kept.
            if k == previous {
                p.value[p.count - 1] = v
                continue
            }
            p.append(k, v)
            previous = k
        }
        return p
    }

    var bytes: Int {
        count * (4 + 2 + 2 + 4) + runs * 8 + value.wide.count * 8
    }
}

/// An element's values, 4 bytes each: a whole number from −2^30 to 2^31 − 1 is kept as itself;
/// any other (a fraction, a larger number, −0, NaN for a text value) as a code below −2^30 that
/// points into `wide`. Counts, the bulk of a prevention programme's data, take no more room.
struct Values: Sendable {
    static let escapes = 1 << 30
    static let lowest = Int32(Int(Int32.min) + escapes)
    var narrow = Column<Int32>()
    var wide = Column<Double>()
    /// Codes in `narrow` that point into `wide` (the rest of `wide` is left by replaced values).
    private(set) var live = 0

    init() {}

    /// Values as saved; nil when a code points beyond `wide`.
    init?(checking narrow: Column<Int32>, wide: Column<Double>) {
        var live = 0
        var highest = -1
        narrow.withUnsafeBufferPointer { codes in
            for raw in codes where raw < Self.lowest {
                live += 1
                highest = Swift.max(highest, Int(raw) - Int(Int32.min))
            }
        }
        guard highest < wide.count else { return nil }
        self.narrow = narrow
        self.wide = wide
        self.live = live
    }

    var count: Int { narrow.count }

    /// `v` as kept inline, if it is a whole number in range.
    @inline(__always)
    static func inline(_ v: Double) -> Int32? {
        guard v >= Double(lowest), v <= Double(Int32.max), v == v.rounded(.towardZero) else { return nil }
        if v == 0 && v.sign == .minus { return nil }
        return Int32(v)
    }

    @inline(__always)
    static func decode(_ raw: Int32, _ wide: UnsafeBufferPointer<Double>) -> Double {
        raw >= lowest ? Double(raw) : wide[Int(raw) - Int(Int32.min)]
    }

    subscript(i: Int) -> Double {
        get {
            let raw = narrow[i]
            return raw >= Self.lowest ? Double(raw) : wide[Int(raw) - Int(Int32.min)]
        }
        set {
            release(narrow[i])
            narrow[i] = encode(newValue)
        }
    }

    mutating func append(_ v: Double, compacting: Bool = true) { narrow.append(encode(v, compacting: compacting)) }

    /// The start of a merge into an empty column from `source`: `wide` is shared, so that codes
    /// copied from `source` point where they did. Until `finishMerge`, nothing is compacted.
    mutating func startMerge(from source: Values) {
        narrow = Column()
        wide = source.wide
        live = source.live
    }

    /// Rows `range` of `source` (whose merge started this column), code by code.
    mutating func appendCodes(from source: Values, _ range: Range<Int>) { narrow.append(from: source.narrow, range) }

    /// A code of the merge's source that is not copied (its row replaced or deleted).
    mutating func dropCode(_ raw: Int32) { release(raw) }

    /// Compacts once the merge is over, if replaced values left too much room unused.
    mutating func finishMerge() { if wide.count - live > Swift.max(4096, narrow.count / 8) { compact() } }

    mutating func insert(_ v: Double, at i: Int) { narrow.insert(encode(v), at: i) }

    mutating func remove(at i: Int) { release(narrow.remove(at: i)) }

    mutating func reserveCapacity(_ n: Int) { narrow.reserveCapacity(n) }

    private mutating func release(_ raw: Int32) { if raw < Self.lowest { live -= 1 } }

    private mutating func encode(_ v: Double, compacting: Bool = true) -> Int32 {
        if let i = Self.inline(v) { return i }
        // (Not in a merge: rows still to be copied point into `wide` as it is.)
        if compacting && (wide.count - live > Swift.max(4096, narrow.count / 8) || wide.count == Self.escapes) {
            compact()
        }
        precondition(wide.count < Self.escapes, "an element holds at most 2^30 values that are not whole numbers")
        wide.append(v)
        live += 1
        return Int32(Int(Int32.min) + wide.count - 1)
    }

    /// Drops the wide values no code points to.
    private mutating func compact() {
        var kept: [Double] = []
        kept.reserveCapacity(live)
        for i in narrow.indices where narrow[i] < Self.lowest {
            kept.append(wide[Int(narrow[i]) - Int(Int32.min)])
            narrow[i] = Int32(Int(Int32.min) + kept.count - 1)
        }
        wide = Column(kept)
    }
}

/// The hierarchy as arrays: for each epoch (a stretch of days in which no unit changes
/// parent), each unit's parent index (-1 for a root).
struct HierarchyEpochs: Sendable {
    var starts: [Day]
    var parent: [[Int32]]

    init(catalog: Catalog, unitIndex: [String: UInt32]) {
        let days = Set(catalog.organisationUnits.flatMap { $0.parents.map(\.from) }).sorted()
        starts = [Day.firstOfMonth(1, 1)] + days
        parent = starts.map { day in
            catalog.organisationUnits.map { u in u.parent(on: day).flatMap { unitIndex[$0] }.map(Int32.init) ?? -1 }
        }
    }

    func epoch(of day: Day) -> Int {
        var lo = 0
        var hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= day { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}
