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
        for i in partitions.indices {
            var rows: [(Partition.Key, Double)] = (0..<partitions[i].count).map { r in
                var k = partitions[i].key(at: r)
                if k.period >= UInt32(pos) { k.period += 1 }
                return (k, partitions[i].value[r])
            }
            partitions[i] = Partition.build(&rows)
        }
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

    /// Applies committed changes.
    mutating func apply(_ changes: [ValueChange]) {
        // New periods first: numbering them may renumber the others.
        for ch in changes where ch.number != nil && periodIndex[ch.key.period] == nil { _ = periodId(ch.key.period) }
        var byPartition: [Int: [(Partition.Key, Double?)]] = [:]
        for ch in changes {
            guard let e = elementPartition[ch.key.element], let pid = periodIndex[ch.key.period],
                let k = key(ch.key, period: pid)
            else { continue }
            byPartition[e, default: []].append((k, ch.number))
        }
        for (e, edits) in byPartition {
            if edits.count <= 32 {
                for (k, v) in edits {
                    if let v { partitions[e].upsert(k, v) } else { partitions[e].remove(k) }
                }
            } else {
                partitions[e].merge(edits)
            }
        }
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
            for r in 0..<part.count {
                guard let u = unitMap[Int(part.unit[r])], let c = cocMap[Int(part.coc[r])],
                    let a = cocMap[Int(part.aoc[r])]
                else { continue }
                b.add(
                    element: e, period: periodMap[Int(part.period[r])], unit: u, optionCombo: c,
                    attributeOptionCombo: a, value: part.value[r])
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
        return state
    }
}

/// The analytics engine: a columnar in-memory copy of every value. It follows the store's
/// change log (see `StoreObserver`): current the moment a write commits in this process, and
/// at the next `catchUp()` for commits of other processes. Queries read a snapshot; changes
/// swap in a new one.
public final class AnalyticsEngine: @unchecked Sendable {
    private let lock = NSLock()
    private var current: EngineState
    /// The change log's sequence number this engine reflects.
    private var applied: Int64

    public init(catalog: Catalog, values: [DataValue]) {
        current = EngineState.build(catalog: catalog, values: values)
        applied = 0
    }

    public init(state: EngineState, sequence: Int64 = 0) {
        current = state
        applied = sequence
    }

    /// Builds the state from every stored value: `scan` streams the rows, `ids` names their integer keys.
    static func build(
        catalog: Catalog, ids: StoredIds, scan: ((StoredValueRow) throws -> Void) throws -> Void
    ) rethrows -> EngineState {
        var b = EngineBuilder(catalog: catalog)
        func table<T>(_ d: [Int64: String], _ f: (String) -> T?) -> [T?] {
            var out = [T?](repeating: nil, count: Int(d.keys.max() ?? 0) + 1)
            for (id, uid) in d { out[Int(id)] = f(uid) }
            return out
        }
        let elements = table(ids.elements) { b.element($0) }
        let units = table(ids.units) { b.unit($0) }
        let cocs = table(ids.optionCombos) { b.optionCombo($0) }
        var periods = [UInt32?](repeating: nil, count: Int(ids.periods.keys.max() ?? 0) + 1)
        for (id, p) in ids.periods.sorted(by: { $0.key < $1.key }) { periods[Int(id)] = b.period(p) }
        try scan { r in
            guard let e = elements[Int(r.element)], let p = periods[Int(r.period)], let u = units[Int(r.unit)],
                let c = cocs[Int(r.optionCombo)], let a = cocs[Int(r.attributeOptionCombo)]
            else { return }
            b.add(element: e, period: p, unit: u, optionCombo: c, attributeOptionCombo: a, value: r.number ?? .nan)
        }
        return b.finish()
    }

    /// Loads every stored value (see `build`).
    public static func load(
        catalog: Catalog, ids: StoredIds, sequence: Int64 = 0,
        scan: ((StoredValueRow) throws -> Void) throws -> Void
    ) rethrows -> AnalyticsEngine {
        AnalyticsEngine(state: try build(catalog: catalog, ids: ids, scan: scan), sequence: sequence)
    }

    private var generation: UInt64 = 0
    /// The generation of the last metadata change, and of the last change to each element's values.
    private var catalogGeneration: UInt64 = 0
    private var elementGenerations: [String: UInt64] = [:]

    /// The state as of now; later writes do not change it.
    public func snapshot() -> EngineState { lock.withLock { current } }

    /// The change log's sequence number this engine reflects.
    public var sequence: Int64 { lock.withLock { applied } }

    /// The state and its generation, a number that every write or metadata change raises:
    /// two answers computed at the same generation are the same answer.
    public func versionedSnapshot() -> (state: EngineState, generation: UInt64) {
        lock.withLock { (current, generation) }
    }

    /// The state and the sequence it reflects, for saving.
    public func sequencedSnapshot() -> (state: EngineState, sequence: Int64) {
        lock.withLock { (current, applied) }
    }

    /// The state with the generations of the metadata and of each element's values: an answer
    /// that reads some elements stays right while neither the metadata nor those elements change.
    public func snapshotWithVersions() -> (state: EngineState, catalog: UInt64, elements: [String: UInt64]) {
        lock.withLock { (current, catalogGeneration, elementGenerations) }
    }

    /// Applies changes to values (for tests and benchmarks; the store's changes come through `committed`).
    public func apply(_ changes: [ValueChange]) {
        lock.withLock {
            current.apply(changes)
            generation &+= 1
            for ch in changes { elementGenerations[ch.key.element] = generation }
        }
    }

    /// Takes new metadata. The rebuild runs outside the lock, so queries go on meanwhile.
    public func replaceCatalog(_ catalog: Catalog) {
        let rebuilt = snapshot().rebuilt(with: catalog)
        lock.withLock {
            current = rebuilt
            generation &+= 1
            catalogGeneration = generation
        }
    }
}

extension AnalyticsEngine: StoreObserver {
    /// New metadata and values land together: a query sees all of a batch or none of it. The
    /// store calls one observer at a time, so nothing changes `current` during the rebuild.
    public func committed(_ changes: CommittedChanges) {
        var next = changes.catalog.map { snapshot().rebuilt(with: $0) }
        next?.apply(changes.values)
        lock.withLock {
            if let next { current = next } else { current.apply(changes.values) }
            if let completions = changes.completions { current.completions = CompletionIndex(completions) }
            generation &+= 1
            if changes.catalog != nil { catalogGeneration = generation }
            for ch in changes.values { elementGenerations[ch.key.element] = generation }
            applied = changes.sequence
        }
    }

    /// Replaces the completions reporting rates read (at opening; later the change log's).
    public func replaceCompletions(_ records: [CompletionRecord]) {
        lock.withLock {
            current.completions = CompletionIndex(records)
            generation &+= 1
        }
    }

    public func reload(
        catalog: Catalog, ids: StoredIds, sequence: Int64, completions: [CompletionRecord],
        scan: ((StoredValueRow) throws -> Void) throws -> Void
    ) throws {
        var state = try Self.build(catalog: catalog, ids: ids, scan: scan)
        state.completions = CompletionIndex(completions)
        lock.withLock {
            current = state
            generation &+= 1
            catalogGeneration = generation
            applied = sequence
        }
    }

    /// Runs a query on the current snapshot.
    public func run(_ query: AnalyticsQuery) throws -> AnalyticsResult {
        try QueryRunner(state: snapshot(), query: query).run()
    }
}

extension EngineState: IndicatorSource {
    /// One indicator for one unit and span, through the engine.
    public func indicator(_ ref: String, unit: String, span: DaySpan) -> IndicatorResult? {
        guard let ind = catalog.indicator(ref), let u = catalog.unit(unit) else { return nil }
        let selection = PeriodSelection(spanning: span)
        let runner = QueryRunner(
            state: self, query: AnalyticsQuery(data: [.indicator(ind.uid)], periods: [selection], units: [u.uid]))
        var memo: [String: [Double?]] = [:]
        guard let g = runner.indicatorGrid(ind.uid, memo: &memo) else { return nil }
        return IndicatorResult(
            numerator: g.numerator[0], denominator: g.denominator[0], factor: g.factor, value: g.value[0])
    }
}

extension EngineState {
    /// Runs a query on this snapshot.
    public func run(_ query: AnalyticsQuery) throws -> AnalyticsResult {
        try QueryRunner(state: self, query: query).run()
    }
}
