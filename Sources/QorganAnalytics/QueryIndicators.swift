import QorganCore

extension QueryRunner {
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
