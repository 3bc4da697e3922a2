import Foundation
import QorganAnalytics
import QorganCore
import Synchronization

/// The portal's edition of the report (`ReportBuilder.protection`): every count it prints is a
/// cell of the cell-key method (`CellKeyMethod`) keyed by the portal's leaf keys, so that a
/// count has one published value in the report and in the portal's tables, however often and
/// wherever it is shown.
///
/// - A count for a unit and a year is the cell of its stored values (`PublicCellKeys`); a count
///   over several years is the sum (or, for an element averaged over periods, the mean) of its
///   published years, never a cell of its own: independent perturbations of the same values
///   would let an attacker average them away (docs/DISCLOSURE.md).
/// - A share or a rate is computed from published counts, and only over a published
///   denominator of twice the threshold or more.
/// - A value that reads no count (a score, a percentage entered as such) is printed as it is;
///   anything else that reads a count (a last value, a difference) is left out.
/// - Units outside the published levels and years outside the published ones are left out.
public final class ReportProtection: Sendable {
    public let method: CellKeyMethod
    let keys: PublicCellKeys
    let catalog: Catalog
    let units: Set<String>
    let years: ClosedRange<Int>?
    private let ledger = Mutex<[Published]>([])

    /// One count the document publishes, with the true count it protects.
    public struct Published: Hashable, Sendable {
        public var terms: [CountSelector: Int]
        public var unit: String
        public var year: Int
        public var trueCount: Double
        public var value: Double
    }

    /// What a data item is to the portal.
    enum Item {
        /// A count, a share or a rate of counts.
        case count(numerator: [CountSelector: Int], denominator: [CountSelector: Int]?, factor: Double)
        /// Reads no count: printed as it is.
        case plain
        /// Reads counts in a way that cannot be protected: left out.
        case withheld
    }

    /// `keys`: the cell keys of `state` (`Self.keys`), when they were computed already (they are
    /// the same for every language of one state).
    public init(
        state: EngineState, leafKeys: LeafKeys, publication: Publication, today: Day, keys: PublicCellKeys? = nil
    ) {
        let catalog = state.catalog
        self.catalog = catalog
        method = publication.method
        years = publication.years(today: today)
        units = Set(publication.levels.flatMap { catalog.units(atLevel: $0, on: today).map(\.uid) })
        self.keys = keys ?? Self.keys(state: state, leafKeys: leafKeys)
    }

    /// The cell keys of every count element and each of its option combinations in `state`.
    public static func keys(state: EngineState, leafKeys: LeafKeys) -> PublicCellKeys {
        var selectors = Set<CountSelector>()
        for e in state.catalog.dataElements where isCount(e) {
            selectors.insert(CountSelector(element: e.uid))
            for coc in state.catalog.optionCombos(of: e) {
                selectors.insert(CountSelector(element: e.uid, optionCombo: coc.uid))
            }
        }
        return PublicCellKeys(state: state, selectors: selectors, leafKeys: leafKeys)
    }

    /// Every count published so far, each once.
    public var published: [Published] { Array(Set(ledger.withLock { $0 })) }

    /// A count the cell-key method can protect: whole numbers summed over units and periods.
    static func isCount(_ e: DataElement) -> Bool {
        [.sum, .averageSumOrgUnit].contains(e.aggregationType)
            && [.integer, .integerZeroOrPositive].contains(e.valueType)
    }

    /// `dx` (an element's, an operand's `element.combo` or an indicator's uid) with the row's
    /// option combination `co`.
    func item(_ dx: String, co: String?) -> Item {
        let parts = dx.split(separator: ".", maxSplits: 1).map(String.init)
        if let e = catalog.element(parts[0]) {
            if Self.isCount(e) {
                let combo = co ?? (parts.count == 2 ? parts[1] : nil)
                return .count(
                    numerator: [CountSelector(element: e.uid, optionCombo: combo): 1], denominator: nil, factor: 1)
            }
            return [.integer, .integerZeroOrPositive].contains(e.valueType) ? .withheld : .plain
        }
        guard let ind = catalog.indicator(dx) else { return .withheld }
        if let count = try? PublicCount(ind, catalog: catalog) {
            return .count(numerator: count.numerator, denominator: count.denominator, factor: count.factor)
        }
        var visiting: Set<String> = []
        return readsCounts(ind, visiting: &visiting) ? .withheld : .plain
    }

    /// Whether `ind` reads an element that counts (or cannot be read at all).
    func readsCounts(_ ind: Indicator, visiting: inout Set<String>) -> Bool {
        guard visiting.insert(ind.uid).inserted else { return true }
        for text in [ind.numerator, ind.denominator] {
            guard let expression = try? Expression.parse(text) else { return true }
            for ref in expression.references {
                switch ref.kind {
                case .element:
                    guard let e = catalog.element(ref.code) else { return true }
                    if [.integer, .integerZeroOrPositive].contains(e.valueType) { return true }
                case .indicator:
                    guard let sub = catalog.indicator(ref.code), !readsCounts(sub, visiting: &visiting) else {
                        return true
                    }
                default:
                    continue
                }
            }
        }
        return false
    }

    /// The years of `span` when it is whole published years.
    func publishedYears(_ span: DaySpan) -> [Int]? {
        guard let years, let first = Period.year(span.start.year), let last = Period.year(span.end.year),
            first.start == span.start, last.end == span.end, span.start.year <= span.end.year,
            years.contains(span.start.year), years.contains(span.end.year)
        else { return nil }
        return Array(span.start.year...span.end.year)
    }

    func publishes(unit: String) -> Bool { units.contains(unit) }

    /// The published count of `terms` for `unit` in `year`, from its true count.
    func count(_ terms: [CountSelector: Int], _ trueCount: Double, unit: String, year: Int) -> Double? {
        guard publishes(unit: unit), years?.contains(year) == true,
            let value = method.protect(trueCount, cellKey: keys.cellKey(terms, unit: unit, years: year...year))
        else { return nil }
        ledger.withLock {
            $0.append(Published(terms: terms, unit: unit, year: year, trueCount: trueCount, value: value))
        }
        return value
    }

    /// A count over `years`: the sum of its published years, or their mean when every term is
    /// an element averaged over periods (as the engine combines them); nil when any is withheld.
    func count(_ terms: [CountSelector: Int], byYear: [Int: Double], unit: String, years: [Int]) -> Double? {
        var values: [Double] = []
        for y in years {
            guard let v = count(terms, byYear[y] ?? 0, unit: unit, year: y) else { return nil }
            values.append(v)
        }
        guard years.count > 1 else { return values.first }
        let averaged = terms.keys.map { catalog.element($0.element)?.aggregationType == .averageSumOrgUnit }
        if averaged.allSatisfy({ $0 }) {
            // The mean of the years that have values, as the engine averages.
            let present = years.indices.filter { byYear[years[$0]] != nil }.map { values[$0] }
            return present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
        }
        return averaged.contains(true) ? nil : values.reduce(0, +)
    }

    /// The published value, numerator and denominator of a count item for `unit` over `years`,
    /// from its true numerator and denominator in each year; nil when it is left out.
    func publish(
        numerator: [CountSelector: Int], denominator: [CountSelector: Int]?, factor: Double,
        parts: [Int: (numerator: Double, denominator: Double?)], unit: String, years: [Int]
    ) -> (value: Double, numerator: Double, denominator: Double?)? {
        guard
            let n = count(numerator, byYear: parts.mapValues(\.numerator), unit: unit, years: years)
        else { return nil }
        guard let denominator else { return (n * factor, n, nil) }
        guard
            let d = count(denominator, byYear: parts.compactMapValues(\.denominator), unit: unit, years: years),
            d >= Double(PublicProtection.minimumDenominator(method))
        else { return nil }
        return (n / d * factor, n, d)
    }

    /// Rows of a query over single years (`yearly`, with numerators and denominators) as the
    /// rows of the same query over `asked`'s periods, every count protected; rows of `asked` are
    /// kept as they are when they read no count.
    func protect(asked: AnalyticsResult, yearly: AnalyticsResult) -> [AnalyticsResult.Row] {
        struct Cell: Hashable {
            var dx: String
            var co: String?
            var ou: String
        }
        var byCell: [Cell: [Int: AnalyticsResult.Row]] = [:]
        for row in yearly.rows {
            guard let y = Int(row.pe) else { continue }
            byCell[Cell(dx: row.dx, co: row.co, ou: row.ou), default: [:]][y] = row
        }
        var out: [AnalyticsResult.Row] = []
        for var row in asked.rows {
            guard publishes(unit: row.ou), let span = (try? PeriodSelection(row.pe))?.span,
                let ys = publishedYears(span)
            else { continue }
            switch item(row.dx, co: row.co) {
            case .withheld: continue
            case .plain: out.append(row)
            case .count(let num, let den, let factor):
                let rows = byCell[Cell(dx: row.dx, co: row.co, ou: row.ou)] ?? [:]
                let parts = rows.mapValues { r in
                    (numerator: r.numerator ?? r.value / factor, denominator: den == nil ? nil : r.denominator)
                }
                guard
                    let p = publish(
                        numerator: num, denominator: den, factor: factor, parts: parts, unit: row.ou, years: ys)
                else { continue }
                row.value = p.value
                row.numerator = p.numerator
                row.denominator = p.denominator
                out.append(row)
            }
        }
        return out
    }
}

/// Indicators as the portal publishes them (`ReportProtection`), for the report's figures and
/// its progress against targets.
struct ProtectedIndicators: IndicatorSource {
    var snapshot: EngineState
    var protection: ReportProtection
    var catalog: Catalog { snapshot.catalog }

    func indicator(_ ref: String, unit: String, span: DaySpan) -> IndicatorResult? {
        guard let ind = catalog.indicator(ref), protection.publishes(unit: unit),
            let years = protection.publishedYears(span)
        else { return nil }
        switch protection.item(ind.uid, co: nil) {
        case .withheld: return nil
        case .plain: return snapshot.indicator(ref, unit: unit, span: span)
        case .count(let num, let den, let factor):
            var parts: [Int: (numerator: Double, denominator: Double?)] = [:]
            for y in years {
                guard let year = Period.year(y),
                    let r = snapshot.indicator(ref, unit: unit, span: year.span)
                else { continue }
                parts[y] = (r.numerator ?? (r.value ?? 0) / factor, r.denominator)
            }
            // Nothing in any year: no data, as the engine says.
            guard !parts.isEmpty,
                let p = protection.publish(
                    numerator: num, denominator: den, factor: factor, parts: parts, unit: unit, years: years)
            else { return nil }
            return IndicatorResult(numerator: p.numerator, denominator: p.denominator, factor: factor, value: p.value)
        }
    }
}

/// The portal's edition in the report: its totals and its links.
extension ReportBuilder {
    /// The portal's edition links to nothing a visitor cannot open (the trace is for signed-in users).
    static func withoutTraces(_ doc: inout ReportDocument) {
        doc.figureTraces = [:]
        for i in doc.progress.indices { doc.progress[i].trace = nil }
        for s in doc.sections.indices {
            for t in doc.sections[s].tables.indices {
                for r in doc.sections[s].tables[t].rows.indices {
                    for c in doc.sections[s].tables[t].rows[r].indices {
                        doc.sections[s].tables[t].rows[r][c].trace = nil
                    }
                }
            }
        }
    }

    /// The totals row as the published counts of `dx` for the report's unit in each year, and
    /// their sum over the years.
    func protectedTotals(_ totals: inout [ReportDocument.Cell], dx: String) {
        guard let protection, case .count = protection.item(dx, co: nil) else { return }
        let answer = run([dx], pe: yearLabels, ou: [unit.uid])
        var all = 0.0
        for (yi, y) in yearLabels.enumerated() {
            let key = Disclosure.key(dx, y, unit.code)
            // No row: nothing recorded (a count of none is published as 0), or the query failed.
            guard let v = answer?.rows.first(where: { $0.pe == y })?.value ?? (answer == nil ? nil : 0) else {
                totals[yi + 1] = .init(text: "–", suppressed: true, key: key)
                continue
            }
            all += v
            totals[yi + 1] = .init(text: formatFigure(v, decimals: 0), number: v, key: key)
        }
        let allKey = Disclosure.key(dx, periods.description, unit.code)
        totals[totals.count - 1] = .init(text: formatFigure(all, decimals: 0), number: all, key: allKey)
    }
}
