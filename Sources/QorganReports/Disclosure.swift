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
