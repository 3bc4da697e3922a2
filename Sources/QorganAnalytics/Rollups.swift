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
    /// For each epoch and unit (`epoch * units + unit`), the hubs on its way to the root (itself
    /// included when it is one): `chainHubs[chainStart[i]..<chainStart[i + 1]]`.
    var chainStart: [Int] = [0]
    var chainHubs: [Int32] = []
    var units = 0
    /// The years and quarters values have rolled into, each with a slot.
    var slot: [Period: Int] = [:]
    /// Per element: cells `[slot * hubCount + hub]`.
    var cells: [[Cell]] = []
    /// Per element: stored numbers that are not whole (or too large to sum exactly).
    var inexact: [Int] = []

    init() {}

    init(elements: Int, units: Int, hierarchy: HierarchyEpochs) {
        self.units = units
        var hasChildren = [Bool](repeating: false, count: units)
        for parents in hierarchy.parent {
            for p in parents where p >= 0 { hasChildren[Int(p)] = true }
        }
        hub = [Int32](repeating: -1, count: units)
        for u in 0..<units where hasChildren[u] {
            hub[u] = Int32(hubCount)
            hubCount += 1
        }
        chainStart.reserveCapacity(hierarchy.parent.count * units + 1)
        for parent in hierarchy.parent {
            for u in 0..<units {
                var node = Int32(u)
                var steps = 0
                while node >= 0 && steps <= units {
                    if hub[Int(node)] >= 0 { chainHubs.append(hub[Int(node)]) }
                    node = parent[Int(node)]
                    steps += 1
                }
                chainStart.append(chainHubs.count)
            }
        }
        cells = Array(repeating: [], count: elements)
        inexact = Array(repeating: 0, count: elements)
    }

    /// The year or quarter (`type`) a stored period rolls up into, by the scan's rule, if any.
    static func target(of p: Period, type: PeriodType) -> Period? {
        let weekly = p.type.isWeekly
        let q = Period.containing(weekly ? p.start.adding(days: 3) : p.start, type: type)
        let inside =
            weekly
            ? (p.end.ordinal - p.start.ordinal <= q.end.ordinal - q.start.ordinal)
            : (q.start <= p.start && p.end <= q.end)
        return inside ? q : nil
    }

    /// The slots of the periods a stored period rolls up into, made (and every element's cells
    /// grown) when new.
    mutating func slots(of p: Period) -> [Int] {
        guard hubCount > 0 else { return [] }
        return Self.types.compactMap { Self.target(of: p, type: $0) }.map { q in
            if let s = slot[q] { return s }
            let s = slot.count
            slot[q] = s
            for e in cells.indices { cells[e].append(contentsOf: repeatElement(Cell(), count: hubCount)) }
            return s
        }
    }

    /// Where a period span is kept: `.some(slot)` for a year or quarter (slot nil: no value has
    /// rolled into it yet); nil when the span is neither.
    func locate(_ span: DaySpan) -> Int?? {
        for type in Self.types {
            let q = Period.containing(span.start, type: type)
            if q.span == span { return .some(slot[q]) }
        }
        return nil
    }

    /// Whether `v` is summed exactly.
    static func whole(_ v: Double) -> Int64? {
        v == v.rounded() && abs(v) <= Double(largest) ? Int64(v) : nil
    }

    /// Adds (`sign` 1) or takes out (-1) one stored value of element `e`, stored for unit `u` in a
    /// period of hierarchy epoch `epoch` whose slots are `slots`.
    mutating func add(element e: Int, slots: [Int], unit u: Int, epoch: Int, value v: Double, sign: Int32) {
        if !v.isNaN && Self.whole(v) == nil { inexact[e] += Int(sign) }
        let chain = epoch * units + u
        let hubs = chainHubs[chainStart[chain]..<chainStart[chain + 1]]
        let hubCount = self.hubCount
        cells[e].withUnsafeMutableBufferPointer { c in
            Self.update(c, slots: slots, hubCount: hubCount, hubs: hubs, value: v, sign: sign)
        }
    }

    /// The one cell update, for a change and for the build pass: the value counted (or taken out)
    /// in each of its periods' cells of each hub on its unit's way to the root.
    @inline(__always)
    static func update(
        _ c: UnsafeMutableBufferPointer<Cell>, slots: [Int], hubCount: Int, hubs: some Collection<Int32>,
        value v: Double, sign: Int32
    ) {
        let whole = v.isNaN ? nil : Self.whole(v)
        for s in slots {
            let base = s * hubCount
            for h in hubs {
                let i = base + Int(h)
                c[i].stored += sign
                if !v.isNaN {
                    c[i].numeric += sign
                    if let whole { c[i].sum += Int64(sign) * whole }
                }
            }
        }
    }

    /// A checksum of the hubs and of each unit's way to the root in each epoch: equal when
    /// the same cells mean the same sums.
    var fingerprint: UInt64 {
        var sum = EngineSnapshot.Checksum()
        for words in [hub.map(Int64.init), chainStart.map(Int64.init), chainHubs.map(Int64.init), [Int64(units)]] {
            words.withUnsafeBytes { sum.add($0) }
        }
        return sum.value
    }

    /// Bytes held by the cells.
    var bytes: Int { cells.reduce(0) { $0 + $1.count * MemoryLayout<Cell>.stride } }
}

extension EngineState {
    /// The rollups of every stored value, from the columns: one pass over them.
    mutating func buildRollups() {
        var r = Rollups(elements: partitions.count, units: catalog.organisationUnits.count, hierarchy: hierarchy)
        let slots = periods.map { r.slots(of: $0) }
        let units = r.units
        for e in partitions.indices where r.hubCount > 0 {
            let part = partitions[e]
            var cells = r.cells[e]
            var inexact = 0
            cells.withUnsafeMutableBufferPointer { c in
                r.chainStart.withUnsafeBufferPointer { start in
                    r.chainHubs.withUnsafeBufferPointer { hubs in
                        for run in 0..<part.runs {
                            let p = Int(part.runPeriod[run])
                            let base = periodEpoch[p] * units
                            for i in Int(part.runStart[run])..<part.runEnd(run) {
                                let v = part.value[i]
                                if !v.isNaN && Rollups.whole(v) == nil { inexact += 1 }
                                let chain = base + Int(part.unit[i])
                                Rollups.update(
                                    c, slots: slots[p], hubCount: r.hubCount,
                                    hubs: hubs[start[chain]..<start[chain + 1]], value: v, sign: 1)
                            }
                        }
                    }
                }
            }
            r.cells[e] = cells
            r.inexact[e] = inexact
        }
        rollups = r
    }

    /// Takes rollups saved in a snapshot when they were kept for the same hubs; false otherwise.
    mutating func takeRollups(_ saved: EngineSnapshot.SavedRollups) -> Bool {
        var r = Rollups(elements: partitions.count, units: catalog.organisationUnits.count, hierarchy: hierarchy)
        guard r.hubCount == saved.hubCount, r.fingerprint == saved.fingerprint,
            Set(saved.slots).count == saved.slots.count
        else { return false }
        for (i, p) in saved.slots.enumerated() { r.slot[p] = i }
        let empty = [Rollups.Cell](repeating: Rollups.Cell(), count: saved.slots.count * r.hubCount)
        for (uid, e) in elementPartition {
            if let kept = saved.elements[uid] {
                r.cells[e] = kept.cells
                r.inexact[e] = kept.inexact
            } else {
                guard partitions[e].count == 0 else { return false }
                r.cells[e] = empty
            }
        }
        rollups = r
        return true
    }

    /// Keeps the rollups up to date with a change of one stored value (`old` → `new`, nil: none).
    mutating func rollUp(element e: Int, key k: Partition.Key, old: Double?, new: Double?) {
        rollUp(element: e, key: k, slots: rollups.slots(of: periods[Int(k.period)]), old: old, new: new)
    }

    /// The same, with the slots of the key's period already found.
    mutating func rollUp(element e: Int, key k: Partition.Key, slots: [Int], old: Double?, new: Double?) {
        let epoch = periodEpoch[Int(k.period)]
        if let old { rollups.add(element: e, slots: slots, unit: Int(k.unit), epoch: epoch, value: old, sign: -1) }
        if let new { rollups.add(element: e, slots: slots, unit: Int(k.unit), epoch: epoch, value: new, sign: 1) }
    }

    /// The slots of the periods met in a batch, each found once.
    struct SlotMemo {
        var last: (UInt32, [Int])? = nil
        var seen: [UInt32: [Int]] = [:]

        mutating func slots(of period: UInt32, in state: inout EngineState) -> [Int] {
            if let last, last.0 == period { return last.1 }
            let s: [Int]
            if let known = seen[period] {
                s = known
            } else {
                s = state.rollups.slots(of: state.periods[Int(period)])
                seen[period] = s
            }
            last = (period, s)
            return s
        }
    }
}
