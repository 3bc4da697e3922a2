import Foundation

/// Disclosure control for the public edition of a table of counts published with its row,
/// column and grand totals. Counts below the threshold (and above zero) are suppressed; then
/// more cells are suppressed (the smallest first) until no suppressed cell can be worked out
/// from the totals: in the graph whose vertices are rows and columns and whose edges are the
/// suppressed cells, every edge must lie on a cycle (a cell on no cycle is fixed by the sums).
public enum Disclosure {
    public struct Result: Sendable, Equatable {
        /// nil where suppressed.
        public var cells: [[Double?]]
        public var primary: Set<Cell>
        public var complementary: Set<Cell>
        /// Rows and columns whose totals must not be published either: in a table too narrow to
        /// hide a cell among others (one row or one column), only hiding the total protects it.
        public var exposedRows: Set<Int>
        public var exposedColumns: Set<Int>
    }

    public struct Cell: Hashable, Sendable, Comparable {
        public var row: Int, column: Int
        public init(_ row: Int, _ column: Int) {
            self.row = row
            self.column = column
        }
        public static func < (a: Cell, b: Cell) -> Bool { (a.row, a.column) < (b.row, b.column) }
    }

    public static func suppress(_ table: [[Double]], threshold: Double) -> Result {
        let rows = table.count
        let cols = table.first?.count ?? 0
        var suppressed = Set<Cell>()
        for r in 0..<rows {
            for c in 0..<cols where table[r][c] > 0 && table[r][c] < threshold { suppressed.insert(Cell(r, c)) }
        }
        let primary = suppressed
        var guardRounds = 0
        while let bridge = bridges(suppressed, rows: rows, cols: cols).min(), guardRounds < rows * cols {
            guardRounds += 1
            // Close a rectangle through the bridge with the cheapest cells not yet suppressed
            // (non-zero ones first: a suppressed zero gives little cover).
            var best: (cost: Double, cells: [Cell])? = nil
            for r2 in 0..<rows where r2 != bridge.row {
                for c2 in 0..<cols where c2 != bridge.column {
                    let candidates = [Cell(bridge.row, c2), Cell(r2, bridge.column), Cell(r2, c2)]
                    let cost = candidates.filter { !suppressed.contains($0) }.map { cell -> Double in
                        let v = table[cell.row][cell.column]
                        return v == 0 ? 1e9 : v
                    }.reduce(0, +)
                    if best.map({ cost < $0.cost }) ?? true { best = (cost, candidates) }
                }
            }
            guard let best else { break }  // a single row or column: nothing can hide it but the total
            suppressed.formUnion(best.cells)
        }
        let cells = (0..<rows).map { r in (0..<cols).map { c in suppressed.contains(Cell(r, c)) ? nil : table[r][c] } }
        let exposed = bridges(suppressed, rows: rows, cols: cols)
        return Result(
            cells: cells, primary: primary, complementary: suppressed.subtracting(primary),
            exposedRows: Set(exposed.map(\.row)), exposedColumns: Set(exposed.map(\.column)))
    }

    /// The suppressed cells that lie on no cycle of the row–column graph.
    static func bridges(_ edges: Set<Cell>, rows: Int, cols: Int) -> [Cell] {
        // Vertices: rows 0..<rows, columns rows..<rows+cols. An edge is a bridge iff removing it
        // disconnects its ends.
        var adjacency: [Int: [Int]] = [:]
        for e in edges {
            adjacency[e.row, default: []].append(rows + e.column)
            adjacency[rows + e.column, default: []].append(e.row)
        }
        return edges.filter { e in
            var seen: Set<Int> = [e.row]
            var stack = [e.row]
            while let v = stack.popLast() {
                for w in adjacency[v] ?? [] {
                    if (v == e.row && w == rows + e.column) || (v == rows + e.column && w == e.row) { continue }
                    if seen.insert(w).inserted { stack.append(w) }
                }
            }
            return !seen.contains(rows + e.column)
        }
    }

    /// The identity of a published count across the whole document: what it counts (an element,
    /// operand or indicator code), over which periods, for which unit (codes). The same count in
    /// two places has the same key.
    public static func key(_ dx: String, _ pe: String, _ ou: String) -> String { "\(dx)|\(pe)|\(ou)" }

    /// The key of a trace (`dx=…&pe=…&ou=…`).
    public static func key(trace: String) -> String? {
        var parts: [String: String] = [:]
        for pair in trace.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { parts[kv[0]] = kv[1] }
        }
        guard let dx = parts["dx"], let pe = parts["pe"], let ou = parts["ou"] else { return nil }
        return key(dx, pe, ou)
    }

    /// The public edition's pass over the whole document: every count it prints anywhere — key
    /// figures and their breakdowns, every table cell and total, the progress table — is
    /// withheld where it is below the threshold (and above zero), where a table suppressed it
    /// (small or complementary), or where `withholding` names it; and a count withheld in one
    /// place is withheld in every place it appears, so that no table, total, figure or progress
    /// line gives away what another hides. Returns every key withheld. A withheld cell keeps no
    /// number and no trace. Counts are what carry a key (cells) or an indicator without a
    /// denominator (figures, progress: `isCount`).
    @discardableResult
    public static func protect(
        _ doc: inout ReportDocument, threshold: Double, withholding: Set<String> = [],
        isCount: (String) -> Bool = { _ in true }
    ) -> Set<String> {
        func small(_ v: Double?) -> Bool { v.map { $0 > 0 && $0 < threshold } ?? false }
        var withheld = withholding
        for section in doc.sections {
            for table in section.tables {
                for row in table.rows {
                    for cell in row {
                        guard let key = cell.key else { continue }
                        if cell.suppressed || small(cell.number) { withheld.insert(key) }
                    }
                }
            }
        }
        func figureKey(_ f: FigureResult) -> String? {
            doc.figureTraces[f.code].flatMap { key(trace: $0) }
        }
        for f in doc.figures where f.denominator == nil && isCount(f.indicator) {
            guard let k = figureKey(f) else { continue }
            if f.display == "–" || f.values.contains(where: small) { withheld.insert(k) }
        }
        for p in doc.progress where p.latestValue != nil && isCount(p.indicator) {
            if let t = p.trace, let k = key(trace: t), small(p.latestValue) { withheld.insert(k) }
        }
        // Withhold each withheld count wherever it stands.
        for s in doc.sections.indices {
            for t in doc.sections[s].tables.indices {
                for r in doc.sections[s].tables[t].rows.indices {
                    for c in doc.sections[s].tables[t].rows[r].indices {
                        let cell = doc.sections[s].tables[t].rows[r][c]
                        guard let k = cell.key, withheld.contains(k) else { continue }
                        doc.sections[s].tables[t].rows[r][c] = ReportDocument.Cell(text: "–", suppressed: true, key: k)
                    }
                }
            }
        }
        for i in doc.figures.indices where doc.figures[i].denominator == nil && isCount(doc.figures[i].indicator) {
            var f = doc.figures[i]
            if let k = figureKey(f), withheld.contains(k) {
                f.display = "–"
                f.values = f.values.map { _ in nil }
                f.numerator = nil
                f.breakdown = nil
            }
            if let items = f.breakdown, items.contains(where: { small($0.value) }) {
                f.breakdown = nil
                f.display = f.values.first.flatMap { $0 }.map { formatFigure($0, decimals: 0) } ?? f.display
            }
            doc.figures[i] = f
        }
        for i in doc.progress.indices where isCount(doc.progress[i].indicator) {
            // The baseline is an observation of the same count: withheld by the same rule.
            let p = doc.progress[i]
            if let value = p.baselineValue, let period = p.baselinePeriod, let t = p.trace,
                let ou = t.split(separator: "&").first(where: { $0.hasPrefix("ou=") })?.dropFirst(3),
                small(value) || withheld.contains(key(p.indicator, period, String(ou)))
            {
                doc.progress[i].baseline = "–"
                doc.progress[i].baselineValue = nil
            }
            guard let t = doc.progress[i].trace, let k = key(trace: t), withheld.contains(k) else { continue }
            doc.progress[i].latest = "–"
            doc.progress[i].latestValue = nil
            doc.progress[i].status = "–"
            doc.progress[i].statusCode = "suppressed"
            doc.progress[i].trace = nil
        }
        return withheld
    }

    /// A share whose numerator or denominator is below the threshold is suppressed.
    public static func percentage(_ value: Double?, numerator: Double?, denominator: Double?, threshold: Double)
        -> Double?
    {
        guard let value else { return nil }
        if let n = numerator, n > 0, n < threshold { return nil }
        if let d = denominator, d < threshold { return nil }
        return value
    }
}

/// A straight line through a series: its slope, the slope's standard error, and what can be said.
public struct Trend: Sendable, Equatable, Codable {
    public var slope: Double
    public var standardError: Double
    public var points: Int
    public enum Direction: String, Sendable, Codable { case rising, falling, flat }
    /// Rising or falling only when the slope is at least twice its standard error.
    public var direction: Direction {
        if slope > 2 * standardError { return .rising }
        if slope < -2 * standardError { return .falling }
        return .flat
    }

    /// Least squares on (x, y); nil with fewer than three points.
    public static func fit(_ points: [(x: Double, y: Double)]) -> Trend? {
        let n = Double(points.count)
        guard points.count >= 3 else { return nil }
        let mx = points.map { $0.x }.reduce(0.0, +) / n
        let my = points.map { $0.y }.reduce(0.0, +) / n
        var sxx = 0.0
        var sxy = 0.0
        for p in points {
            sxx += (p.x - mx) * (p.x - mx)
            sxy += (p.x - mx) * (p.y - my)
        }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        let intercept = my - slope * mx
        var residual = 0.0
        for p in points {
            let e = p.y - (intercept + slope * p.x)
            residual += e * e
        }
        let se = (residual / (n - 2) / sxx).squareRoot()
        return Trend(slope: slope, standardError: se, points: points.count)
    }
}
