import Foundation
import QorganCore

/// The cell keys of public counts (`CellKeyMethod`): for each selector (an element, or one of its
/// option combinations), each unit and each year, the sum (mod 2³²) of the keys of the stored
/// values that add up to that count. A value counts for its unit and for every ancestor of its
/// unit as the hierarchy stood on its period's first day, in the year its period lies in, as the
/// engine counts it. A cell over several years or selectors adds their keys: the same stored
/// values always give the same cell key, however the cell is asked for.
public struct PublicCellKeys: Sendable {
    struct Bucket: Hashable {
        var selector: Int32
        var unit: UInt32
        var year: Int32
    }
    let selectorIndex: [CountSelector: Int32]
    let unitIndex: [String: UInt32]
    var keys: [Bucket: UInt32] = [:]
    /// Stored values read.
    public private(set) var leaves = 0

    /// Reads every stored value of the selectors' elements in `state`.
    public init(state: EngineState, selectors: Set<CountSelector>, leafKeys: LeafKeys) {
        var index: [CountSelector: Int32] = [:]
        for (i, s) in selectors.sorted().enumerated() { index[s] = Int32(i) }
        selectorIndex = index
        unitIndex = state.unitIndex
        let units = state.catalog.organisationUnits.map(\.uid)
        let byElement = Dictionary(grouping: index, by: { $0.key.element })
        for (element, wanted) in byElement {
            guard let p = state.elementPartition[element] else { continue }
            let partition = state.partitions[p]
            for k in 0..<partition.runs {
                let periodId = Int(partition.runPeriod[k])
                let period = state.periods[periodId]
                // A period that lies in no single year (a week across new year) counts in no year.
                guard let year = Period.year(period.start.year), period.rollsUp(into: year.span) else { continue }
                let iso = period.iso
                let parents = state.hierarchy.parent[state.periodEpoch[periodId]]
                for row in Int(partition.runStart[k])..<partition.runEnd(k) {
                    let coc = state.cocs[Int(partition.coc[row])]
                    let matching = wanted.filter { $0.key.optionCombo == nil || $0.key.optionCombo == coc }
                    guard !matching.isEmpty else { continue }
                    let unit = Int(partition.unit[row])
                    let key = leafKeys.key(
                        element: element, optionCombo: coc, attributeOptionCombo: state.cocs[Int(partition.aoc[row])],
                        unit: units[unit], period: iso, value: partition.value[row])
                    leaves += 1
                    for (_, s) in matching {
                        var u = Int32(unit)
                        var steps = 0
                        while u >= 0, steps <= units.count {
                            keys[Bucket(selector: s, unit: UInt32(u), year: Int32(period.start.year)), default: 0] &+=
                                key
                            u = parents[Int(u)]
                            steps += 1
                        }
                    }
                }
            }
        }
    }

    /// The cell key of the count `terms` (each selector added as often as given) for `unit` (a uid)
    /// over `years`.
    public func cellKey(_ terms: [CountSelector: Int], unit: String, years: ClosedRange<Int>) -> UInt32 {
        guard let u = unitIndex[unit] else { return 0 }
        var sum: UInt32 = 0
        for (selector, times) in terms {
            guard let s = selectorIndex[selector] else { continue }
            for y in years {
                let k = keys[Bucket(selector: s, unit: u, year: Int32(y))] ?? 0
                sum &+= k &* UInt32(truncatingIfNeeded: times)
            }
        }
        return sum
    }
}

/// The public portal's answers: every count protected by the cell-key method, shares and rates
/// computed from protected counts.
public enum PublicProtection {
    /// The smallest protected denominator a share is published over.
    public static func minimumDenominator(_ method: CellKeyMethod) -> Int { 2 * method.threshold }

    /// Replaces each row's value, numerator and denominator by the published ones; a row whose
    /// protected denominator is below `minimumDenominator` (or whose item is not a public count) is left out. Each row must
    /// be one cell: one item, one unit, one span of whole years (filters of one item each).
    public static func protect(
        _ result: inout AnalyticsResult, counts: [String: PublicCount], keys: PublicCellKeys, method: CellKeyMethod
    ) {
        let query = result.query
        var rows: [AnalyticsResult.Row] = []
        rows.reserveCapacity(result.rows.count)
        for var row in result.rows {
            guard let count = counts[row.dx] else { continue }
            let unit = query.filters.contains(.ou) ? query.units.first ?? row.ou : row.ou
            let selection =
                query.filters.contains(.pe)
                ? query.periods.first : (try? PeriodSelection(row.pe)) ?? query.periods.first
            guard let span = selection?.span else { continue }
            let years = span.start.year...span.end.year
            let numerator = row.numerator ?? (count.denominator == nil ? row.value / count.factor : nil)
            guard let n = numerator,
                let published = method.protect(n, cellKey: keys.cellKey(count.numerator, unit: unit, years: years))
            else { continue }
            if let terms = count.denominator {
                // A share of a handful says nothing reliable once its counts are protected: it is
                // published only over a protected denominator of twice the threshold or more.
                guard let d = row.denominator,
                    let publishedD = method.protect(d, cellKey: keys.cellKey(terms, unit: unit, years: years)),
                    publishedD >= Double(minimumDenominator(method))
                else { continue }
                row.denominator = publishedD
                row.value = published / publishedD * count.factor
            } else {
                row.denominator = 1
                row.value = published * count.factor
            }
            row.numerator = published
            row.factor = count.factor
            rows.append(row)
        }
        result.rows = rows
    }
}
