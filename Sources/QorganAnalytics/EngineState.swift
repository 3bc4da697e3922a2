import Foundation
import QorganCore

/// An immutable view of all values and metadata: what a query reads. Writers replace it
/// whole (copy on write), so a query never sees half a change.
public struct EngineState: Sendable {
    public let catalog: Catalog
    var elementPartition: [String: Int] = [:]
    var partitions: [Partition] = []
    var periods: [Period] = []
    var periodIndex: [Period: UInt32] = [:]
    var unitIndex: [String: UInt32] = [:]
    var cocs: [String] = []
    var cocIndex: [String: UInt16] = [:]
    var hierarchy: HierarchyEpochs
    /// Each period's epoch.
    var periodEpoch: [Int] = []
    /// Forms registered complete, for reporting rates (`R{FORM.METRIC}`).
    public internal(set) var completions = CompletionIndex()
    /// Sums by year and quarter and by unit with units below it, kept with every change.
    var rollups = Rollups()

    init(catalog: Catalog) {
        self.catalog = catalog
        for (i, u) in catalog.organisationUnits.enumerated() { unitIndex[u.uid] = UInt32(i) }
        for (i, e) in catalog.dataElements.enumerated() { elementPartition[e.uid] = i }
        partitions = Array(repeating: Partition(), count: catalog.dataElements.count)
        for combo in catalog.categoryCombos {
            for coc in catalog.optionCombos[combo.uid] ?? [] where cocIndex[coc.uid] == nil {
                cocIndex[coc.uid] = UInt16(cocs.count)
                cocs.append(coc.uid)
            }
        }
        hierarchy = HierarchyEpochs(catalog: catalog, unitIndex: unitIndex)
    }

    public var valueCount: Int { partitions.reduce(0) { $0 + $1.count } }

    /// Sets the completions reporting rates read (a state built from values, not followed).
    public mutating func setCompletions(_ records: [CompletionRecord]) { completions = CompletionIndex(records) }
    /// Bytes held by the value columns.
    public var columnBytes: Int { partitions.reduce(0) { $0 + $1.bytes } }
    /// Bytes held by the rollups' cells.
    public var rollupBytes: Int { rollups.bytes }

    /// Periods are kept sorted by start (then end), so that a partition's rows are in time order.
    mutating func periodId(_ p: Period) -> UInt32 {
        if let i = periodIndex[p] { return i }
        let pos = periods.firstIndex { p < $0 } ?? periods.count
        if pos == periods.count {
            periods.append(p)
            periodEpoch.append(hierarchy.epoch(of: p.start))
            periodIndex[p] = UInt32(pos)
            return UInt32(pos)
        }
        // A period earlier than some known ones: renumber (rare: only when history is back-filled).
        periods.insert(p, at: pos)
        periodEpoch.insert(hierarchy.epoch(of: p.start), at: pos)
        periodIndex = Dictionary(uniqueKeysWithValues: periods.enumerated().map { ($1, UInt32($0)) })
        for i in partitions.indices { partitions[i].shiftPeriods(from: UInt32(pos)) }
        return UInt32(pos)
    }

    func key(_ k: DataValueKey, period: UInt32) -> Partition.Key? {
        guard let u = unitIndex[k.unit], let c = cocIndex[k.optionCombo], let a = cocIndex[k.attributeOptionCombo]
        else { return nil }
        return Partition.Key(period: period, unit: u, coc: c, aoc: a)
    }

    /// Builds the state from values (deleted ones are left out).
    public static func build(catalog: Catalog, values: [DataValue]) -> EngineState {
        var b = EngineBuilder(catalog: catalog)
        for v in values where !v.deleted {
            guard let e = b.element(v.key.element), let u = b.unit(v.key.unit),
                let c = b.optionCombo(v.key.optionCombo),
                let a = b.optionCombo(v.key.attributeOptionCombo)
            else { continue }
            b.add(
                element: e, period: b.period(v.key.period), unit: u, optionCombo: c, attributeOptionCombo: a,
                value: v.number ?? .nan)
        }
        return b.finish()
    }

    /// Applies committed changes; returns the partitions (elements) they touched.
    ///
    /// A save brings one change, an import hundreds of thousands: those are resolved with the
    /// last element, period, unit and combinations remembered (an import's rows share them in
    /// runs), sorted by partition and key, and merged into each partition in one pass that also
    /// tells the rollups each old value, so that no change is looked up twice.
    @discardableResult
    mutating func apply(_ changes: [ValueChange]) -> [Int] {
        // New periods first: numbering them may renumber the others.
        var known: Period? = nil
        for ch in changes where ch.number != nil && ch.key.period != known {
            if periodIndex[ch.key.period] == nil { _ = periodId(ch.key.period) }
            known = ch.key.period
        }
        if changes.count <= 32 {
            var touched: [Int] = []
            for ch in changes {
                guard let e = elementPartition[ch.key.element], let pid = periodIndex[ch.key.period],
                    let k = key(ch.key, period: pid)
                else { continue }
                let (found, i) = partitions[e].search(k)
                rollUp(element: e, key: k, old: found ? partitions[e].value[i] : nil, new: ch.number)
                if let v = ch.number { partitions[e].upsert(k, v) } else { partitions[e].remove(k) }
                if !touched.contains(e) { touched.append(e) }
            }
            return touched
        }
        var edits = resolved(changes)
        // By partition, then key; a key changed twice keeps its last change (the order given).
        edits.sort { ($0.element, $0.key, $0.order) < ($1.element, $1.key, $1.order) }
        var touched: [Int] = []
        var slots = SlotMemo()
        var start = 0
        while start < edits.count {
            let e = Int(edits[start].element)
            var end = start
            var last: [(Partition.Key, Double?)] = []
            while end < edits.count && Int(edits[end].element) == e {
                if end + 1 == edits.count || edits[end + 1].element != edits[end].element
                    || edits[end + 1].key != edits[end].key
                {
                    last.append((edits[end].key, edits[end].value))
                }
                end += 1
            }
            touched.append(e)
            if last.count <= 32 {
                for (k, v) in last {
                    let (found, i) = partitions[e].search(k)
                    rollUp(element: e, key: k, old: found ? partitions[e].value[i] : nil, new: v)
                    if let v { partitions[e].upsert(k, v) } else { partitions[e].remove(k) }
                }
            } else {
                var part = partitions[e]
                partitions[e] = Partition()  // the only reference while merging: no copy
                part.merge(sorted: last) { k, old, new in
                    let s = slots.slots(of: k.period, in: &self)
                    rollUp(element: e, key: k, slots: s, old: old, new: new)
                }
                partitions[e] = part
            }
            start = end
        }
        return touched
    }

    /// A change with its element's partition and its key in the columns; `order` is its place
    /// in the batch.
    struct Edit {
        var element: Int32
        var key: Partition.Key
        var value: Double?
        var order: Int32
    }

    /// The changes that name a known element, period, unit and combinations, numbered. Each
    /// name is looked up only when it differs from the change before's.
    func resolved(_ changes: [ValueChange]) -> [Edit] {
        var out: [Edit] = []
        out.reserveCapacity(changes.count)
        var element: (String, Int)? = nil
        var period: (Period, UInt32)? = nil
        var unit: (String, UInt32)? = nil
        var coc: (String, UInt16)? = nil
        var aoc: (String, UInt16)? = nil
        func remembered<K: Hashable, V>(_ k: K, _ memo: inout (K, V)?, _ table: [K: V]) -> V? {
            if let memo, memo.0 == k { return memo.1 }
            guard let v = table[k] else { return nil }
            memo = (k, v)
            return v
        }
        for (n, ch) in changes.enumerated() {
            guard let e = remembered(ch.key.element, &element, elementPartition),
                let p = remembered(ch.key.period, &period, periodIndex),
                let u = remembered(ch.key.unit, &unit, unitIndex),
                let c = remembered(ch.key.optionCombo, &coc, cocIndex),
                let a = remembered(ch.key.attributeOptionCombo, &aoc, cocIndex)
            else { continue }
            out.append(
                Edit(
                    element: Int32(e), key: Partition.Key(period: p, unit: u, coc: c, aoc: a), value: ch.number,
                    order: Int32(truncatingIfNeeded: n)))
        }
        return out
    }

    /// The same values under new metadata (units, elements or combinations added or changed;
    /// the hierarchy reorganised): indices are mapped through uids, no value is re-read.
    func rebuilt(with catalog: Catalog) -> EngineState {
        var next = Self.mapped(
            into: catalog, periods: periods, units: self.catalog.organisationUnits.map(\.uid), optionCombos: cocs,
            partitions: elementPartition.map { ($0.key, partitions[$0.value]) })
        next.completions = completions
        return next
    }

    /// Columns numbered by the lists given (periods, unit uids, combination uids), under `catalog`:
    /// each row mapped through uids; rows of elements, units or combinations it lacks are left out.
    static func mapped(
        into catalog: Catalog, periods: [Period], units: [String], optionCombos: [String],
        partitions: [(element: String, part: Partition)]
    ) -> EngineState {
        var b = EngineBuilder(catalog: catalog)
        let periodMap = periods.map { b.period($0) }
        let unitMap = units.map { b.unit($0) }
        let cocMap = optionCombos.map { b.optionCombo($0) }
        for (uid, part) in partitions {
            guard let e = b.element(uid) else { continue }
            b.reserve(element: e, part.count)
            for run in 0..<part.runs {
                let p = periodMap[Int(part.runPeriod[run])]
                for r in Int(part.runStart[run])..<part.runEnd(run) {
                    guard let u = unitMap[Int(part.unit[r])], let c = cocMap[Int(part.coc[r])],
                        let a = cocMap[Int(part.aoc[r])]
                    else { continue }
                    b.add(
                        element: e, period: p, unit: u, optionCombo: c, attributeOptionCombo: a,
                        value: part.value[r])
                }
            }
        }
        return b.finish()
    }
}

/// Builds an `EngineState` from rows in any order, without a `DataValue` each.
public struct EngineBuilder {
    private var state: EngineState
    private var rows: [[(Partition.Key, Double)]]
    private var periods: [Period] = []
    private var periodLocal: [Period: UInt32] = [:]

    public init(catalog: Catalog) {
        state = EngineState(catalog: catalog)
        rows = Array(repeating: [], count: state.partitions.count)
    }

    public func element(_ uid: String) -> Int? { state.elementPartition[uid] }
    public func unit(_ uid: String) -> UInt32? { state.unitIndex[uid] }
    public func optionCombo(_ uid: String) -> UInt16? { state.cocIndex[uid] }

    /// A period's number in this builder (renumbered in time order by `finish`).
    public mutating func period(_ p: Period) -> UInt32 {
        if let i = periodLocal[p] { return i }
        let i = UInt32(periods.count)
        periods.append(p)
        periodLocal[p] = i
        return i
    }

    public mutating func reserve(element: Int, _ n: Int) { rows[element].reserveCapacity(n) }

    /// Adds a value (NaN for text). Give each key once.
    public mutating func add(
        element: Int, period: UInt32, unit: UInt32, optionCombo: UInt16, attributeOptionCombo: UInt16, value: Double
    ) {
        rows[element].append(
            (Partition.Key(period: period, unit: unit, coc: optionCombo, aoc: attributeOptionCombo), value))
    }

    public mutating func finish() -> EngineState {
        let order = periods.indices.sorted { periods[$0] < periods[$1] }
        var remap = [UInt32](repeating: 0, count: periods.count)
        for (sorted, local) in order.enumerated() { remap[local] = UInt32(sorted) }
        state.periods = order.map { periods[$0] }
        state.periodEpoch = state.periods.map { state.hierarchy.epoch(of: $0.start) }
        for (i, p) in state.periods.enumerated() { state.periodIndex[p] = UInt32(i) }
        for e in rows.indices {
            for i in rows[e].indices { rows[e][i].0.period = remap[Int(rows[e][i].0.period)] }
            state.partitions[e] = Partition.build(&rows[e])
            rows[e] = []
        }
        state.buildRollups()
        return state
    }
}
