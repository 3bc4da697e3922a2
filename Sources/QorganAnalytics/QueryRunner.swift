import QorganCore

/// Evaluates one query on one snapshot. Each element is aggregated by the rules of the
/// reference aggregation (see `ReferenceAggregator`), over every cell of the query at once.
final class QueryRunner {
    let state: EngineState
    let query: AnalyticsQuery
    /// Period buckets: each a set of spans (one span on an axis; all of them as a filter).
    let periodBuckets: [[DaySpan]]
    /// Unit buckets: each a set of unit indices (one on an axis; all as a filter).
    let unitBuckets: [[UInt32]]
    let periodCount: Int
    let unitCount: Int

    init(state: EngineState, query: AnalyticsQuery) {
        self.state = state
        self.query = query
        let spans = query.periods.map(\.span)
        periodBuckets = query.filters.contains(.pe) ? [spans] : spans.map { [$0] }
        let units = query.units.compactMap { state.unitIndex[$0] }
        unitBuckets = query.filters.contains(.ou) ? [units] : units.map { [$0] }
        periodCount = periodBuckets.count
        unitCount = unitBuckets.count
    }

    enum PeriodRule: Hashable { case rollUp, lastValue, exact }

    /// Computed at most once per query: which buckets each stored period and unit count in.
    private var periodMaps: [PeriodRule: [[Int32]]] = [:]

    func periodMap(_ rule: PeriodRule) -> [[Int32]] {
        if let m = periodMaps[rule] { return m }
        // Day numbers, computed once: the comparisons below are on integers.
        let buckets = periodBuckets.map { $0.map { (start: $0.start.ordinal, end: $0.end.ordinal) } }
        let m = state.periods.map { p -> [Int32] in
            let start = p.start.ordinal
            let end = p.end.ordinal
            let length = end - start + 1
            let weekly = p.type.isWeekly
            let anchor = start + 3  // a week rolls up by its fourth day (an ISO week by its Thursday)
            var out: [Int32] = []
            for (b, spans) in buckets.enumerated() {
                let hit = spans.contains { span in
                    switch rule {
                    case .rollUp:
                        return weekly
                            ? (span.start <= anchor && anchor <= span.end && length <= span.end - span.start + 1)
                            : (span.start <= start && end <= span.end)
                    case .lastValue: return (weekly ? anchor : end) <= span.end
                    case .exact: return start == span.start && end == span.end
                    }
                }
                if hit { out.append(Int32(b)) }
            }
            return out
        }
        periodMaps[rule] = m
        return m
    }

    /// For each epoch and unit, the unit buckets it counts in (itself or an ancestor is in the
    /// bucket): `first` holds one bucket (-1: none) in a flat array; the rare units that count in
    /// more than one bucket (overlapping selections) keep the rest in `more`.
    struct UnitMap {
        var units: Int
        var first: [Int32]
        var more: [Int: [Int32]] = [:]
        var isSingle: Bool { more.isEmpty }

        func buckets(epoch: Int, unit: Int, _ body: (Int32) -> Void) {
            let i = epoch * units + unit
            let f = first[i]
            if f < 0 { return }
            body(f)
            if let m = more[i] { for b in m { body(b) } }
        }
    }

    private var unitMaps: [Bool: UnitMap] = [:]

    func unitMap(selfOnly: Bool) -> UnitMap {
        if let m = unitMaps[selfOnly] { return m }
        let n = state.catalog.organisationUnits.count
        var bucketOf = [Int32](repeating: -1, count: n)
        var extraOf: [Int: [Int32]] = [:]
        for (b, units) in unitBuckets.enumerated() {
            for u in Set(units) {
                if bucketOf[Int(u)] < 0 {
                    bucketOf[Int(u)] = Int32(b)
                } else {
                    extraOf[Int(u), default: []].append(Int32(b))
                }
            }
        }
        var map = UnitMap(units: n, first: [Int32](repeating: -1, count: n * state.hierarchy.parent.count))
        for (e, parent) in state.hierarchy.parent.enumerated() {
            for u in 0..<n {
                var first: Int32 = -1
                var rest: [Int32] = []  // allocated only for overlapping selections
                var current = Int32(u)
                var steps = 0
                while current >= 0 && steps <= n {
                    let c = Int(current)
                    if bucketOf[c] >= 0 {
                        let b = bucketOf[c]
                        if first < 0 { first = b } else if b != first && !rest.contains(b) { rest.append(b) }
                        if !extraOf.isEmpty, let extra = extraOf[c] {
                            for b in extra where b != first && !rest.contains(b) { rest.append(b) }
                        }
                    }
                    if selfOnly { break }
                    current = parent[c]
                    steps += 1
                }
                map.first[e * n + u] = first
                if !rest.isEmpty { map.more[e * n + u] = rest }
            }
        }
        unitMaps[selfOnly] = map
        return map
    }

    /// The aggregated value of an element (optionally one option combination) in every cell,
    /// indexed `unitBucket * periodCount + periodBucket`.
    func elementGrid(_ elementUid: String, coc: String?) -> [Double?] {
        guard let pIndex = state.elementPartition[elementUid], let el = state.catalog.element(elementUid) else {
            return Array(repeating: nil, count: unitCount * periodCount)
        }
        let part = state.partitions[pIndex]
        var cocFilter: UInt16? = nil
        if let coc {
            guard let c = state.cocIndex[coc] else { return Array(repeating: nil, count: unitCount * periodCount) }
            cocFilter = c
        }
        let type = query.aggregationType ?? el.aggregationType
        if cocFilter == nil, type == .sum || type == .count, let grid = fromRollups(pIndex, count: type == .count) {
            return grid
        }
        let pmap = periodMap(type == .last ? .lastValue : type == .none ? .exact : .rollUp)
        let umap = unitMap(selfOnly: type == .none)
        if type == .sum, let fast = sumFast(part, cocFilter, pmap, umap) { return fast }
        return generic(part, cocFilter, type, pmap, umap)
    }

    /// Where each cell of the query is kept in the rollups: each period bucket's type and slot,
    /// each unit bucket's hub; nil when some cell is not at a rollup's grain. Computed once.
    private lazy var rollupPlan: (slots: [Int?], hubs: [Int])? = {
        let r = state.rollups
        guard periodBuckets.allSatisfy({ $0.count == 1 }), unitBuckets.allSatisfy({ $0.count == 1 }) else {
            return nil
        }
        var slots: [Int?] = []
        for spans in periodBuckets {
            guard let at = r.locate(spans[0]) else { return nil }
            slots.append(at)
        }
        var hubs: [Int] = []
        for units in unitBuckets {
            let u = Int(units[0])
            guard u < r.hub.count, r.hub[u] >= 0 else { return nil }
            hubs.append(Int(r.hub[u]))
        }
        return (slots, hubs)
    }()

    /// SUM or COUNT from the rollups, when every cell is one year or quarter of one unit with units
    /// below it and the element's sums are exact; nil otherwise (the columns answer).
    private func fromRollups(_ e: Int, count: Bool) -> [Double?]? {
        guard let plan = rollupPlan, state.rollups.inexact[e] == 0 else { return nil }
        let hubCount = state.rollups.hubCount
        var grid = [Double?](repeating: nil, count: unitCount * periodCount)
        state.rollups.cells[e].withUnsafeBufferPointer { cells in
            for (pb, slot) in plan.slots.enumerated() {
                guard let slot else { continue }
                for (ub, hub) in plan.hubs.enumerated() {
                    let cell = cells[slot * hubCount + hub]
                    if count {
                        if cell.stored > 0 { grid[ub * periodCount + pb] = Double(cell.stored) }
                    } else if cell.numeric > 0 {
                        grid[ub * periodCount + pb] = Double(cell.sum)
                    }
                }
            }
        }
        return grid
    }

    /// SUM when every period and unit counts in at most one bucket: one pass over flat arrays.
    private func sumFast(_ part: Partition, _ cocFilter: UInt16?, _ pmap: [[Int32]], _ umap: UnitMap) -> [Double?]? {
        guard umap.isSingle, pmap.allSatisfy({ $0.count <= 1 }) else { return nil }
        let pb = pmap.map { $0.first ?? -1 }
        let units = umap.units
        let ub = umap.first
        let epochOf = state.periodEpoch
        var sum = [Double](repeating: 0, count: unitCount * periodCount)
        var has = [Bool](repeating: false, count: unitCount * periodCount)
        let periodCount = self.periodCount
        part.unit.withUnsafeBufferPointer { uni in
            part.coc.withUnsafeBufferPointer { cc in
                part.value.narrow.withUnsafeBufferPointer { val in
                    part.value.wide.withUnsafeBufferPointer { wide in
                        // Rows are in runs of one period each: a period that counts nowhere is skipped whole.
                        for run in 0..<part.runs {
                            let p = Int(part.runPeriod[run])
                            let b = pb[p]
                            if b < 0 { continue }
                            let base = epochOf[p] * units
                            for i in Int(part.runStart[run])..<part.runEnd(run) {
                                if let c = cocFilter, cc[i] != c { continue }
                                let u = ub[base + Int(uni[i])]
                                if u < 0 { continue }
                                let v = Values.decode(val[i], wide)
                                if v.isNaN { continue }
                                let cell = Int(u) * periodCount + Int(b)
                                sum[cell] += v
                                has[cell] = true
                            }
                        }
                    }
                }
            }
        }
        return (0..<(unitCount * periodCount)).map { has[$0] ? sum[$0] : nil }
    }

    /// Every aggregation type: rows are grouped into cells (unit, period) first.
    private func generic(
        _ part: Partition, _ cocFilter: UInt16?, _ type: AggregationType,
        _ pmap: [[Int32]], _ umap: UnitMap
    ) -> [Double?] {
        let n = unitCount * periodCount
        var acc = [Double](repeating: 0, count: n)
        var cnt = [Int](repeating: 0, count: n)
        var perUnit: [Int: [UInt32: (sum: Double, n: Int, period: Int)]] = [:]
        var r = 0
        var run = 0
        let rows = part.count
        while r < rows {
            while part.runEnd(run) <= r { run += 1 }
            let p = Int(part.runPeriod[run])
            let runEnd = part.runEnd(run)
            let u = part.unit[r]
            var end = r
            var cell = 0.0
            var numeric = false
            var stored = 0
            while end < runEnd && part.unit[end] == u {
                if cocFilter == nil || part.coc[end] == cocFilter {
                    stored += 1
                    let v = part.value[end]
                    if !v.isNaN {
                        cell += v
                        numeric = true
                    }
                }
                end += 1
            }
            r = end
            guard stored > 0 else { continue }
            let pbs = pmap[p]
            if pbs.isEmpty { continue }
            umap.buckets(epoch: state.periodEpoch[p], unit: Int(u)) { ub in
                for pb in pbs {
                    let b = Int(ub) * periodCount + Int(pb)
                    if type == .count {
                        acc[b] += Double(stored)
                        cnt[b] += 1
                        continue
                    }
                    guard numeric else { continue }
                    switch type {
                    case .sum, .average, .none:
                        acc[b] += cell
                        cnt[b] += 1
                    case .min:
                        acc[b] = cnt[b] == 0 ? cell : Swift.min(acc[b], cell)
                        cnt[b] += 1
                    case .max:
                        acc[b] = cnt[b] == 0 ? cell : Swift.max(acc[b], cell)
                        cnt[b] += 1
                    case .averageSumOrgUnit:
                        var e = perUnit[b, default: [:]][u] ?? (0, 0, 0)
                        e.sum += cell
                        e.n += 1
                        perUnit[b, default: [:]][u] = e
                    case .last, .lastInPeriod:
                        let e = perUnit[b, default: [:]][u]
                        let newer =
                            e.map { old in
                                let a = state.periods[old.period]
                                let c = state.periods[p]
                                return (a.end, a.start) < (c.end, c.start)
                            } ?? true
                        if newer { perUnit[b, default: [:]][u] = (cell, 1, p) }
                    case .count: break
                    }
                }
            }
        }
        // Units are added in the order of their keys, not the dictionary's (which differs from one
        // process to the next): the same figure, to the last bit, in every process.
        return (0..<n).map { b -> Double? in
            switch type {
            case .averageSumOrgUnit:
                guard let units = perUnit[b], !units.isEmpty else { return nil }
                return units.sorted { $0.key < $1.key }.map { $0.value.sum / Double($0.value.n) }.reduce(0, +)
            case .last, .lastInPeriod:
                guard let units = perUnit[b], !units.isEmpty else { return nil }
                return units.sorted { $0.key < $1.key }.map(\.value.sum).reduce(0, +)
            case .average:
                return cnt[b] == 0 ? nil : acc[b] / Double(cnt[b])
            default:
                return cnt[b] == 0 ? nil : acc[b]
            }
        }
    }
}
