import QorganCore

/// Sums kept up to date on every commit, so that the widest queries (every element by region and
/// year, a region's every element by quarter) are lookups rather than scans: for each element,
/// each year and quarter that values roll up into, and each unit with units below it (a hub:
/// the nation, a region), the sum of the element's whole-number values in the hub's subtree as
/// the hierarchy stood in each value's period, with how many values are numbers and how many are
/// stored. A write costs at most two periods × the unit's ancestors cell updates.
///
/// Sums are exact (whole numbers in 64 bits), so a lookup equals the scan it replaces to the last
/// bit, in every process, however the values arrived. An element with a value that is not a
/// whole number (or beyond 2^40) is answered by the scan until no such value remains. Averages,
/// last values, min/max, a breakdown by option combination and any other grain are answered from
/// the columns, as are units without units below them.
struct Rollups: Sendable {
    static let types: [PeriodType] = [.yearly, .quarterly]
    static let largest = 1 << 40

    struct Cell: Sendable {
        var sum: Int64 = 0
        var numeric: Int32 = 0
        var stored: Int32 = 0
    }

    /// Unit index → hub slot (-1: a unit with no unit below it in any epoch).
    var hub: [Int32] = []
    var hubCount = 0
    /// Per type: the periods known, and their slots.
    var periods: [[Period]] = Array(repeating: [], count: types.count)
    var slot: [[Period: Int]] = Array(repeating: [:], count: types.count)
    /// Per element, per type: cells `[periodSlot * hubCount + hubSlot]`.
    var cells: [[[Cell]]] = []
    /// Per element: stored numbers that are not whole (or too large to sum exactly).
    var inexact: [Int] = []

    init() {}

    init(elements: Int, units: Int, hierarchy: HierarchyEpochs) {
        var hasChildren = [Bool](repeating: false, count: units)
        for parents in hierarchy.parent {
            for p in parents where p >= 0 { hasChildren[Int(p)] = true }
        }
        hub = hasChildren.map { _ in -1 }
        for u in 0..<units where hasChildren[u] {
            hub[u] = Int32(hubCount)
            hubCount += 1
        }
        cells = Array(repeating: Array(repeating: [], count: Self.types.count), count: elements)
        inexact = Array(repeating: 0, count: elements)
    }

    /// The period of `type` a stored period rolls up into (as the scan's roll-up rule reads it), if any.
    static func target(of p: Period, type: PeriodType) -> Period? {
        let weekly = p.type.isWeekly
        let anchor = p.start.adding(days: 3)
        let q = Period.containing(weekly ? anchor : p.start, type: type)
        let inside =
            weekly
            ? (p.end.ordinal - p.start.ordinal <= q.end.ordinal - q.start.ordinal)
            : (q.start <= p.start && p.end <= q.end)
        return inside ? q : nil
    }

    /// The slot of `q` among the periods of type `t`, made (and every element's cells grown) if new.
    mutating func slot(_ q: Period, type t: Int) -> Int {
        if let s = slot[t][q] { return s }
        let s = periods[t].count
        periods[t].append(q)
        slot[t][q] = s
        for e in cells.indices {
            cells[e][t].append(contentsOf: repeatElement(Cell(), count: hubCount))
        }
        return s
    }

    /// The slots (one per type, -1: none) a stored period rolls up into, made if new.
    mutating func slots(of p: Period) -> [Int] {
        Self.types.indices.map { t in Self.target(of: p, type: Self.types[t]).map { slot($0, type: t) } ?? -1 }
    }

    /// Adds (`sign` 1) or takes out (-1) one stored value of element `e`, stored for unit `u` in a
    /// period whose slots are `slots` and whose hierarchy is `parent`.
    mutating func add(element e: Int, slots: [Int], unit u: Int, parent: [Int32], value v: Double, sign: Int32) {
        var whole: Int64? = nil
        if !v.isNaN {
            if v == v.rounded(), abs(v) <= Double(Self.largest) { whole = Int64(v) } else { inexact[e] += Int(sign) }
        }
        guard hubCount > 0 else { return }
        for t in slots.indices where slots[t] >= 0 {
            let base = slots[t] * hubCount
            var node = Int32(u)
            var steps = 0
            while node >= 0 && steps <= parent.count {
                let h = hub[Int(node)]
                if h >= 0 {
                    let i = base + Int(h)
                    cells[e][t][i].stored += sign
                    if !v.isNaN {
                        cells[e][t][i].numeric += sign
                        if let whole { cells[e][t][i].sum += Int64(sign) * whole }
                    }
                }
                node = parent[Int(node)]
                steps += 1
            }
        }
    }

    /// Where a period span is kept: its type and slot (slot nil: no value has rolled into it
    /// yet); nil when the span is not a year or quarter.
    func locate(_ span: DaySpan) -> (type: Int, slot: Int?)? {
        for (t, type) in Self.types.enumerated() where Period.containing(span.start, type: type).span == span {
            return (t, slot[t][Period.containing(span.start, type: type)])
        }
        return nil
    }

    /// Bytes held by the cells.
    var bytes: Int { cells.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count * MemoryLayout<Cell>.stride } } }
}

extension EngineState {
    /// The rollups of every stored value, from the columns.
    mutating func buildRollups() {
        var r = Rollups(elements: partitions.count, units: catalog.organisationUnits.count, hierarchy: hierarchy)
        let slots = periods.map { r.slots(of: $0) }
        for e in partitions.indices {
            let part = partitions[e]
            for i in 0..<part.count {
                let p = Int(part.period[i])
                r.add(
                    element: e, slots: slots[p], unit: Int(part.unit[i]), parent: hierarchy.parent[periodEpoch[p]],
                    value: part.value[i], sign: 1)
            }
        }
        rollups = r
    }

    /// Keeps the rollups up to date with a change of one stored value (`old` → `new`, nil: none).
    mutating func rollUp(element e: Int, key k: Partition.Key, old: Double?, new: Double?) {
        let p = Int(k.period)
        let slots = rollups.slots(of: periods[p])
        let parent = hierarchy.parent[periodEpoch[p]]
        if let old { rollups.add(element: e, slots: slots, unit: Int(k.unit), parent: parent, value: old, sign: -1) }
        if let new { rollups.add(element: e, slots: slots, unit: Int(k.unit), parent: parent, value: new, sign: 1) }
    }
}
