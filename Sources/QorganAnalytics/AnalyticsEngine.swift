import Foundation
import QorganCore

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
            let touched = current.apply(changes)
            generation &+= 1
            for e in touched { elementGenerations[current.catalog.dataElements[e].uid] = generation }
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
        var touched = next?.apply(changes.values) ?? []
        lock.withLock {
            if let next { current = next } else { touched = current.apply(changes.values) }
            if let completions = changes.completions { current.completions = CompletionIndex(completions) }
            generation &+= 1
            if changes.catalog != nil { catalogGeneration = generation }
            for e in touched { elementGenerations[current.catalog.dataElements[e].uid] = generation }
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
    /// A numerator over a denominator, times a factor, for one unit and span, computed as an
    /// indicator is: what the indicator editor shows before the indicator exists.
    public func evaluate(
        numerator: QorganCore.Expression, denominator: QorganCore.Expression, factor: Double, unit: String,
        span: DaySpan
    ) -> IndicatorResult? {
        guard let u = catalog.unit(unit) else { return nil }
        let runner = QueryRunner(
            state: self, query: AnalyticsQuery(data: [], periods: [PeriodSelection(spanning: span)], units: [u.uid]))
        var memo: [String: [Double?]] = [:]
        let grids = runner.referenceGrids(numerator.references + denominator.references, memo: &memo)
        let resolve: (QorganCore.Expression.Reference) -> Double? = { r in grids[QueryRunner.key(r)]?.first ?? nil }
        let n = numerator.evaluate(resolve)
        let d = denominator.evaluate(resolve)
        let value = n.flatMap { n in d.flatMap { $0 == 0 ? nil : n / $0 * factor } }
        return IndicatorResult(numerator: n, denominator: d, factor: factor, value: value)
    }

    /// Runs a query on this snapshot.
    public func run(_ query: AnalyticsQuery) throws -> AnalyticsResult {
        try QueryRunner(state: self, query: query).run()
    }
}
