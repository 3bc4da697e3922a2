import Foundation
import QorganCore

/// A query's answer: one row per cell that has a value ("no data" cells are left out),
/// with the names and codes of every item for display.
public struct AnalyticsResult: Sendable {
    public struct Row: Hashable, Sendable, Codable {
        public var dx: String
        public var co: String?
        public var pe: String
        public var ou: String
        public var value: Double
        public var numerator: Double?
        public var denominator: Double?
        public var factor: Double?
    }

    public let query: AnalyticsQuery
    public var rows: [Row] = []
    /// Display name of every id in the rows.
    public var names: [String: String] = [:]
    public var codes: [String: String] = [:]
    /// Decimals of indicators (elements show their values as they are).
    public var decimals: [String: Int] = [:]

    init(query: AnalyticsQuery) { self.query = query }

    /// The dimensions that are axes, in DHIS2's order.
    public var axes: [AnalyticsDimension] {
        var d: [AnalyticsDimension] = []
        if !query.filters.contains(.dx) { d.append(.dx) }
        if query.disaggregate { d.append(.co) }
        if !query.filters.contains(.pe) { d.append(.pe) }
        if !query.filters.contains(.ou) { d.append(.ou) }
        return d
    }

    /// A row's item of one dimension (its id; the option combination is empty when there is none).
    public func item(_ row: Row, _ d: AnalyticsDimension) -> String {
        switch d {
        case .dx: return row.dx
        case .co: return row.co ?? ""
        case .pe: return row.pe
        case .ou: return row.ou
        }
    }

    public func label(_ id: String) -> String { names[id] ?? codes[id] ?? id }

    public func format(_ row: Row) -> String {
        if let d = decimals[row.dx] { return String(format: "%.\(d)f", row.value) }
        return formatNumber((row.value * 1e6).rounded() / 1e6)
    }

    var includeParts: Bool { query.includeNumeratorDenominator }

    /// Header and rows of the flat table, with codes (or ids) and names.
    public func table(names useNames: Bool = true) -> (header: [String], rows: [[String]]) {
        var header = axes.map(\.rawValue) + ["value"]
        if includeParts { header += ["numerator", "denominator", "factor"] }
        let body = rows.map { r -> [String] in
            var cells = axes.map { d -> String in
                let id = item(r, d)
                return useNames ? label(id) : (codes[id] ?? id)
            }
            cells.append(format(r))
            if includeParts {
                cells += [
                    r.numerator.map(formatNumber) ?? "", r.denominator.map(formatNumber) ?? "",
                    r.factor.map(formatNumber) ?? "",
                ]
            }
            return cells
        }
        return (header, body)
    }

    public func csv() -> String {
        // Written straight into bytes, each item's field made once: joining arrays of strings was
        // most of a large answer's time (34 000 rows: 30 ms of 60).
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 32 + 64)
        var header = axes.map(\.rawValue) + ["value"]
        if includeParts { header += ["numerator", "denominator", "factor"] }
        out.append(contentsOf: header.map(csvField).joined(separator: ",").utf8)
        out.append(UInt8(ascii: "\n"))
        let axes = self.axes
        var fields: [String: [UInt8]] = [:]
        for r in rows {
            for d in axes {
                let id = item(r, d)
                if let f = fields[id] {
                    out.append(contentsOf: f)
                } else {
                    let f = Array(csvField(codes[id] ?? id).utf8)
                    fields[id] = f
                    out.append(contentsOf: f)
                }
                out.append(UInt8(ascii: ","))
            }
            out.append(contentsOf: csvField(format(r)).utf8)
            if includeParts {
                for part in [r.numerator, r.denominator, r.factor] {
                    out.append(UInt8(ascii: ","))
                    if let part { out.append(contentsOf: formatNumber(part).utf8) }
                }
            }
            out.append(UInt8(ascii: "\n"))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `{"headers": [...], "metaData": {id: {"code", "name"}}, "rows": [{"dx", "co"?, "pe", "ou", "value", …}]}`,
    /// written directly (Foundation's encoder was most of an API request's time).
    public func json() throws -> Data {
        var j = JSONText(capacity: 128 * rows.count + 64 * names.count + 256)
        j.raw("{\"headers\":[")
        var header = axes.map(\.rawValue) + ["value"]
        if includeParts { header += ["numerator", "denominator", "factor"] }
        for (i, h) in header.enumerated() {
            if i > 0 { j.raw(",") }
            j.string(h)
        }
        j.raw("],\"metaData\":{")
        for (i, id) in names.keys.sorted().enumerated() {
            j.key(id, first: i == 0)
            j.raw("{")
            if let code = codes[id] {
                j.key("code", first: true)
                j.string(code)
                j.key("name")
            } else {
                j.key("name", first: true)
            }
            j.string(names[id] ?? id)
            j.raw("}")
        }
        j.raw("},\"rows\":[")
        for (i, r) in rows.enumerated() {
            j.raw(i == 0 ? "{" : ",{")
            // Keys in sorted order; absent parts are left out.
            if let co = r.co {
                j.key("co", first: true)
                j.string(co)
                j.key("dx")
            } else {
                j.key("dx", first: true)
            }
            j.string(r.dx)
            if let d = r.denominator {
                j.key("denominator")
                j.number(d)
            }
            if let f = r.factor {
                j.key("factor")
                j.number(f)
            }
            if let n = r.numerator {
                j.key("numerator")
                j.number(n)
            }
            j.key("ou")
            j.string(r.ou)
            j.key("pe")
            j.string(r.pe)
            j.key("value")
            j.number(r.value)
            j.raw("}")
        }
        j.raw("]}")
        return Data(j.bytes)
    }

    /// Every item the query asked for on an axis, with or without data: the data items, the
    /// periods, the units (the option combinations only as far as the rows have them).
    public func items(_ d: AnalyticsDimension) -> [String] {
        switch d {
        case .dx: return query.filters.contains(.dx) ? [] : query.data.map(\.description)
        case .pe: return query.filters.contains(.pe) ? [] : query.periods.map(\.description)
        case .ou: return query.filters.contains(.ou) ? [] : query.units
        case .co:
            var seen = Set<String>()
            return rows.compactMap(\.co).filter { seen.insert($0).inserted }
        }
    }

    /// A pivot: `rows` dimensions down, `columns` across; cells hold the formatted value. Rows and
    /// columns without any value are left out unless `showEmpty` asks for every item queried.
    public func pivot(
        rows rowDims: [AnalyticsDimension], columns colDims: [AnalyticsDimension], showEmpty: Bool = false
    ) -> (header: [String], rows: [[String]]) {
        func key(_ r: Row, _ dims: [AnalyticsDimension]) -> [String] { dims.map { item(r, $0) } }
        var rowKeys: [[String]] = []
        var colKeys: [[String]] = []
        var seenRows = Set<[String]>()
        var seenCols = Set<[String]>()
        var cells: [[String]: String] = [:]
        if showEmpty {
            func product(_ dims: [AnalyticsDimension]) -> [[String]] {
                dims.reduce([[]]) { keys, d in keys.flatMap { k in items(d).map { k + [$0] } } }
            }
            rowKeys = product(rowDims)
            colKeys = product(colDims)
            seenRows = Set(rowKeys)
            seenCols = Set(colKeys)
        }
        for r in rows {
            let rk = key(r, rowDims)
            let ck = key(r, colDims)
            if seenRows.insert(rk).inserted { rowKeys.append(rk) }
            if seenCols.insert(ck).inserted { colKeys.append(ck) }
            cells[rk + ["|"] + ck] = format(r)
        }
        // Periods in time order and units in the query's order; the rest as they first came.
        let unitOrder = Dictionary(query.units.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        func ordered(_ keys: [[String]], _ dims: [AnalyticsDimension]) -> [[String]] {
            let first = Dictionary(keys.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            return keys.sorted { a, b in
                for (i, d) in dims.enumerated() where a[i] != b[i] {
                    switch d {
                    case .pe:
                        if let p = Period.parse(a[i]), let q = Period.parse(b[i]) {
                            return (p.start, p.end) < (q.start, q.end)
                        }
                    case .ou:
                        if let x = unitOrder[a[i]], let y = unitOrder[b[i]] { return x < y }
                    default: break
                    }
                    return (first[a] ?? Int.max) < (first[b] ?? Int.max)
                }
                return false
            }
        }
        rowKeys = ordered(rowKeys, rowDims)
        colKeys = ordered(colKeys, colDims)
        let header = rowDims.map(\.rawValue) + colKeys.map { $0.map(label).joined(separator: " / ") }
        let body = rowKeys.map { rk in rk.map(label) + colKeys.map { cells[rk + ["|"] + $0] ?? "" } }
        return (header, body)
    }
}
