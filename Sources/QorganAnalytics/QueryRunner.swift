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
        let pmap = periodMap(type == .last ? .lastValue : type == .none ? .exact : .rollUp)
        let umap = unitMap(selfOnly: type == .none)
        if type == .sum, let fast = sumFast(part, cocFilter, pmap, umap) { return fast }
        return generic(part, cocFilter, type, pmap, umap)
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
        part.period.withUnsafeBufferPointer { per in
            part.unit.withUnsafeBufferPointer { uni in
                part.coc.withUnsafeBufferPointer { cc in
                    part.value.withUnsafeBufferPointer { val in
                        // Rows are in period order: skip the periods that count nowhere.
                        var r = 0
                        let n = val.count
                        while r < n {
                            let p = Int(per[r])
                            let b = pb[p]
                            if b < 0 {
                                r = part.rows(periodAtLeast: UInt32(p + 1))
                                continue
                            }
                            let base = epochOf[p] * units
                            var end = r
                            while end < n && Int(per[end]) == p { end += 1 }
                            for i in r..<end {
                                if let c = cocFilter, cc[i] != c { continue }
                                let u = ub[base + Int(uni[i])]
                                if u < 0 { continue }
                                let v = val[i]
                                if v.isNaN { continue }
                                let cell = Int(u) * periodCount + Int(b)
                                sum[cell] += v
                                has[cell] = true
                            }
                            r = end
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
        let rows = part.count
        while r < rows {
            let p = Int(part.period[r])
            let u = part.unit[r]
            var end = r
            var cell = 0.0
            var numeric = false
            var stored = 0
            while end < rows && Int(part.period[end]) == p && part.unit[end] == u {
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

    // MARK: Indicators

    struct IndicatorGrid {
        var numerator: [Double?], denominator: [Double?], value: [Double?], factor: Double
    }

    func indicatorGrid(_ uid: String, memo: inout [String: [Double?]], depth: Int = 0) -> IndicatorGrid? {
        guard depth < 32, let ind = state.catalog.indicator(uid),
            let num = try? Expression.parse(ind.numerator), let den = try? Expression.parse(ind.denominator)
        else { return nil }
        let grids = referenceGrids(num.references + den.references, memo: &memo, depth: depth)
        var out = IndicatorGrid(numerator: [], denominator: [], value: [], factor: ind.factor)
        for b in 0..<(unitCount * periodCount) {
            let resolve: (Expression.Reference) -> Double? = { r in grids[Self.key(r)]?[b] ?? nil }
            let n = num.evaluate(resolve)
            let d = den.evaluate(resolve)
            out.numerator.append(n)
            out.denominator.append(d)
            if let n, let d, d != 0 { out.value.append(n / d * ind.factor) } else { out.value.append(nil) }
        }
        return out
    }

    /// How a reference is found among `referenceGrids`.
    static func key(_ r: Expression.Reference) -> String {
        "\(r.kind.rawValue){\(r.code)\(r.combo.map { ".\($0)" } ?? "")}"
    }

    /// The grid (units × periods) of each reference of an expression, by `key(_:)`; unknown
    /// references have no data.
    func referenceGrids(
        _ references: [Expression.Reference], memo: inout [String: [Double?]], depth: Int = 0
    ) -> [String: [Double?]] {
        var grids: [String: [Double?]] = [:]
        let empty = [Double?](repeating: nil, count: unitCount * periodCount)
        for r in references {
            let key = Self.key(r)
            if grids[key] != nil { continue }
            switch r.kind {
            case .element:
                guard let el = state.catalog.element(r.code) else {
                    grids[key] = empty
                    continue
                }
                let coc = r.combo.flatMap { state.catalog.optionCombo($0, of: el)?.uid }
                let memoKey = el.uid + "." + (coc ?? "")
                if let g = memo[memoKey] {
                    grids[key] = g
                } else {
                    let g = (r.combo != nil && coc == nil) ? empty : elementGrid(el.uid, coc: coc)
                    memo[memoKey] = g
                    grids[key] = g
                }
            case .indicator:
                guard let other = state.catalog.indicator(r.code) else {
                    grids[key] = empty
                    continue
                }
                grids[key] = indicatorGrid(other.uid, memo: &memo, depth: depth + 1)?.value ?? empty
            case .constant:
                grids[key] = Array(repeating: state.catalog.constant(r.code)?.value, count: unitCount * periodCount)
            case .reportingRate:
                guard let form = state.catalog.dataSet(r.code), let metric = ReportingMetric(rawValue: r.combo ?? "")
                else {
                    grids[key] = empty
                    continue
                }
                grids[key] = reportingGrid(form, metric)
            }
        }
        return grids
    }

    /// A form's reporting metric for every unit bucket × period bucket, from the completions the
    /// engine follows (counts add up over the units and spans of a filter).
    func reportingGrid(_ form: DataSet, _ metric: ReportingMetric) -> [Double?] {
        let units = state.catalog.organisationUnits
        var out = [Double?](repeating: nil, count: unitCount * periodCount)
        for (ui, bucket) in unitBuckets.enumerated() {
            for (pi, spans) in periodBuckets.enumerated() {
                var total = Completeness.Counts()
                for index in bucket where Int(index) < units.count {
                    let c = state.completions.counts(
                        form: form, catalog: state.catalog, unit: units[Int(index)].uid, spans: spans)
                    total.expected += c.expected
                    total.reported += c.reported
                    total.complete += c.complete
                    total.onTime += c.onTime
                }
                out[ui * periodCount + pi] = metric.value(total)
            }
        }
        return out
    }

    // MARK: The result

    func run() throws -> AnalyticsResult {
        let catalog = state.catalog
        var result = AnalyticsResult(query: query)
        var memo: [String: [Double?]] = [:]
        let periodIds =
            query.filters.contains(.pe)
            ? [query.periods.map(\.description).joined(separator: ";")] : query.periods.map(\.description)
        let unitIds = query.filters.contains(.ou) ? [query.units.joined(separator: ";")] : query.units
        for p in query.periods { result.names[p.description] = p.description }
        for u in query.units {
            if let unit = catalog.unit(u) {
                result.names[u] = unit.name
                result.codes[u] = unit.code
            }
        }
        for item in query.data {
            // A request whose client went away (or a server shutting down) stops here.
            try Task.checkCancellation()
            var lines: [(co: String?, values: [Double?], num: [Double?]?, den: [Double?]?, factor: Double?)] = []
            let dxId: String
            switch item {
            case .indicator(let uid):
                dxId = uid
                guard let ind = catalog.indicator(uid), let g = indicatorGrid(uid, memo: &memo) else { continue }
                result.names[uid] = ind.name
                result.codes[uid] = ind.code
                result.decimals[uid] = ind.decimals
                lines.append((nil, g.value, g.numerator, g.denominator, g.factor))
            case .element(let uid):
                dxId = uid
                guard let el = catalog.element(uid) else { continue }
                result.names[uid] = el.name
                result.codes[uid] = el.code
                if query.disaggregate {
                    for coc in catalog.optionCombos(of: el) {
                        result.names[coc.uid] = coc.name
                        result.codes[coc.uid] = coc.code
                        lines.append((coc.uid, elementGrid(uid, coc: coc.uid), nil, nil, nil))
                    }
                } else {
                    lines.append((nil, elementGrid(uid, coc: nil), nil, nil, nil))
                }
            case .operand(let e, let c):
                guard let el = catalog.element(e), let coc = catalog.optionCombo(c, of: el) else { continue }
                dxId = "\(el.uid).\(coc.uid)"
                result.names[dxId] = "\(el.name) (\(coc.name))"
                result.codes[dxId] = "\(el.code).\(coc.code)"
                lines.append((nil, elementGrid(el.uid, coc: coc.uid), nil, nil, nil))
            }
            for line in lines {
                try Task.checkCancellation()
                for (ui, u) in unitIds.enumerated() {
                    for (pi, p) in periodIds.enumerated() {
                        let b = ui * periodCount + pi
                        guard let v = line.values[b] else { continue }
                        result.rows.append(
                            AnalyticsResult.Row(
                                dx: dxId, co: line.co, pe: p, ou: u, value: v,
                                numerator: line.num?[b] ?? nil, denominator: line.den?[b] ?? nil,
                                factor: line.factor))
                    }
                }
            }
        }
        return result
    }
}
