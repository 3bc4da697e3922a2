import Foundation
import QorganCore

/// The values of one data element, column by column, sorted by (period, unit, option
/// combination, attribute combination): a cell's rows stand together, and a key is found
/// by binary search. 20 bytes a value.
struct Partition: Sendable {
    var period: [UInt32] = []
    var unit: [UInt32] = []
    var coc: [UInt16] = []
    var aoc: [UInt16] = []
    /// NaN for a value that has no number (text).
    var value: [Double] = []

    var count: Int { value.count }

    struct Key: Comparable, Hashable {
        var period: UInt32, unit: UInt32, coc: UInt16, aoc: UInt16
        static func < (a: Key, b: Key) -> Bool {
            (a.period, a.unit, a.coc, a.aoc) < (b.period, b.unit, b.coc, b.aoc)
        }
    }

    func key(at i: Int) -> Key { Key(period: period[i], unit: unit[i], coc: coc[i], aoc: aoc[i]) }

    /// The index of `k`, or where it would be inserted.
    func search(_ k: Key) -> (found: Bool, index: Int) {
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if key(at: mid) < k { lo = mid + 1 } else { hi = mid }
        }
        return (lo < count && key(at: lo) == k, lo)
    }

    /// The first row whose period index is at least `p` (rows are in period order).
    func rows(periodAtLeast p: UInt32) -> Int {
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if period[mid] < p { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    mutating func upsert(_ k: Key, _ v: Double) {
        let (found, i) = search(k)
        if found {
            value[i] = v
            return
        }
        period.insert(k.period, at: i)
        unit.insert(k.unit, at: i)
        coc.insert(k.coc, at: i)
        aoc.insert(k.aoc, at: i)
        value.insert(v, at: i)
    }

    mutating func remove(_ k: Key) {
        let (found, i) = search(k)
        guard found else { return }
        period.remove(at: i)
        unit.remove(at: i)
        coc.remove(at: i)
        aoc.remove(at: i)
        value.remove(at: i)
    }

    /// Applies many edits at once (nil: delete) by one merge of sorted runs, instead of
    /// inserting row by row: a large import costs a pass over the partition, not one per row.
    mutating func merge(_ edits: [(Key, Double?)]) {
        var last: [Key: Double?] = [:]
        for (k, v) in edits { last[k] = v }  // the last edit of a key wins
        let sorted = last.sorted { $0.key < $1.key }
        var out = Partition()
        let n = count + sorted.count
        out.period.reserveCapacity(n)
        out.unit.reserveCapacity(n)
        out.coc.reserveCapacity(n)
        out.aoc.reserveCapacity(n)
        out.value.reserveCapacity(n)
        func append(_ k: Key, _ v: Double) {
            out.period.append(k.period)
            out.unit.append(k.unit)
            out.coc.append(k.coc)
            out.aoc.append(k.aoc)
            out.value.append(v)
        }
        var i = 0
        var j = 0
        while i < count || j < sorted.count {
            if j == sorted.count || (i < count && key(at: i) < sorted[j].key) {
                append(key(at: i), value[i])
                i += 1
            } else {
                let (k, v) = sorted[j]
                if i < count && key(at: i) == k { i += 1 }  // replaced or deleted
                if let v { append(k, v) }
                j += 1
            }
        }
        self = out
    }

    static func build(_ rows: inout [(Key, Double)]) -> Partition {
        // Rows read from the store usually come in key order already.
        if !rows.indices.dropFirst().allSatisfy({ rows[$0 - 1].0 < rows[$0].0 }) {
            rows.sort { $0.0 < $1.0 }
        }
        // Keys are unique in a store; should a caller give one twice, one of the rows is kept.
        if rows.count > 1 {
            var w = 0
            for r in 1..<rows.count {
                if rows[r].0 == rows[w].0 {
                    rows[w] = rows[r]
                } else {
                    w += 1
                    rows[w] = rows[r]
                }
            }
            rows.removeLast(rows.count - w - 1)
        }
        var p = Partition()
        p.period.reserveCapacity(rows.count)
        p.unit.reserveCapacity(rows.count)
        p.coc.reserveCapacity(rows.count)
        p.aoc.reserveCapacity(rows.count)
        p.value.reserveCapacity(rows.count)
        for (k, v) in rows {
            p.period.append(k.period)
            p.unit.append(k.unit)
            p.coc.append(k.coc)
            p.aoc.append(k.aoc)
            p.value.append(v)
        }
        return p
    }

    var bytes: Int { count * (4 + 4 + 2 + 2 + 8) }
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
