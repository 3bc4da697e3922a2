import Foundation
import GRDB
import QorganAnalytics
import QorganCore
import QorganStore

/// `qorgan bench validation`: every validation rule × unit × period of a database (the demo's),
/// checked by the engine and by plain SQL in SQLite in the same run, with the answers compared;
/// and one region-year at a time on the engine, the interactive case.
public struct ValidationBench {
    public var path: String
    public var runs: Int
    public var print: (String) -> Void

    public init(path: String, runs: Int, print: @escaping (String) -> Void) {
        self.path = path
        self.runs = runs
        self.print = print
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    func measure(_ body: () throws -> Void) rethrows -> [Double] {
        try body()  // warm-up
        var times: [Double] = []
        for _ in 0..<runs {
            let t0 = Self.now()
            try body()
            times.append(Self.now() - t0)
        }
        return times
    }

    static func ms(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return .nan }
        return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))] * 1000
    }

    public func run() throws {
        let store = try Store(path: path)
        let (engine, _) = try AnalyticsEngine.open(store: store)
        let state = engine.snapshot()
        let catalog = state.catalog
        guard !catalog.validationRules.isEmpty else {
            throw QorganError.invalidArgument("the database has no validation rules (qorgan demo writes four)")
        }
        let values = state.valueCount
        let spans = try store.values().map(\.key.period)
        guard let first = spans.map(\.start).min(), let last = spans.map(\.end).max() else {
            throw QorganError.invalidArgument("the database has no values")
        }
        let span = DaySpan(
            start: Day.firstOfMonth(first.year, 1), end: Day.firstOfMonth(last.year, 12).adding(days: 30))
        let roots = catalog.roots(on: span.end).map(\.uid)
        print(
            "Qorgan validation benchmark: \(catalog.validationRules.count) rules over \(values) values, \(first.year)–\(last.year); \(runs) runs after a warm-up, \(ProcessInfo.processInfo.activeProcessorCount) cores"
        )

        // The engine: the whole database, then each region for the last year.
        var outcome: ValidationOutcome? = nil
        let whole = try measure { outcome = try state.validate(ValidationScope(units: roots, span: span)) }
        guard let outcome else { return }
        let level2 = catalog.organisationUnits.filter { catalog.level(of: $0.uid, on: span.end) == 2 }.map(\.uid)
        let lastYear = DaySpan(start: Day.firstOfMonth(last.year, 1), end: span.end)
        var regionTimes: [Double] = []
        for region in level2 {
            regionTimes += try measure { _ = try state.validate(ValidationScope(units: [region], span: lastYear)) }
        }

        // Plain SQL: sums per reference, rule unit and rule period from the store's own tables,
        // through a closure table of the hierarchy and a map of stored periods to rule periods
        // (built first, timed apart); then the same check of both sides.
        let queue = try DatabaseQueue(path: path)
        let prepareStart = Self.now()
        let plan = try SQLValidation.prepare(queue, catalog: catalog, span: span, roots: roots)
        let prepare = Self.now() - prepareStart
        var sqlViolations: [ValidationViolation] = []
        let sql = try measure { sqlViolations = try plan.evaluate(queue, catalog: catalog) }
        let agree = Set(sqlViolations) == Set(outcome.violations)

        func row(_ name: String, _ t: [Double], _ reference: [Double]? = nil) -> String {
            let ratio = reference.map { String(format: "%.1f×", Self.ms($0, 0.5) / Self.ms(t, 0.5)) } ?? ""
            return name.padding(toLength: 44, withPad: " ", startingAt: 0)
                + String(format: "%10.2f %10.2f", Self.ms(t, 0.5), Self.ms(t, 0.95)) + "  " + ratio
        }
        print(
            "checks: \(outcome.considered) rule × unit × period, \(outcome.checked) with data, \(outcome.violations.count) violations"
        )
        print("".padding(toLength: 44, withPad: " ", startingAt: 0) + "    p50 ms     p95 ms  engine faster by")
        print(row("engine, every rule × unit × period", whole))
        print(row("plain SQL (SQLite), the same", sql))
        print(row("engine, the same (beside SQL)", whole, sql))
        print(row("engine, one region × \(last.year) (each of \(level2.count))", regionTimes))
        print(String(format: "plain SQL preparation (closure and period map, once): %.1f ms", prepare * 1000))
        print("answers agree (the same violations): \(agree ? "yes" : "NO")")
    }
}

/// The rules checked with SQL: what `ValidationBench` compares the engine with. Sides must be
/// sums of element and operand references (the demo's are); sums are what the demo's rules read
/// at the levels they are checked (one value per unit and period for the other aggregation types).
struct SQLValidation {
    struct Check {
        var rule: ValidationRule
        var left: QorganCore.Expression
        var right: QorganCore.Expression
        /// (unit uid, period) pairs to check.
        var cells: [(unit: String, period: Period)]
    }
    var checks: [Check]
    var unitIds: [String: Int64]
    var elementIds: [String: Int64]
    var cocIds: [String: Int64]

    static func prepare(_ queue: DatabaseQueue, catalog: Catalog, span: DaySpan, roots: [String]) throws
        -> SQLValidation
    {
        var checks: [Check] = []
        for rule in catalog.validationRules {
            guard let left = try? QorganCore.Expression.parse(rule.leftSide.expression),
                let right = try? QorganCore.Expression.parse(rule.rightSide.expression)
            else { continue }
            var cells: [(String, Period)] = []
            for p in Period.periods(of: rule.periodType, within: span) {
                for u in catalog.units(of: rule, in: p)
                where roots.contains(where: { catalog.isInSubtree(u, of: $0, on: p.start) }) {
                    cells.append((u, p))
                }
            }
            checks.append(Check(rule: rule, left: left, right: right, cells: cells))
        }
        var unitIds: [String: Int64] = [:]
        var elementIds: [String: Int64] = [:]
        var cocIds: [String: Int64] = [:]
        try queue.write { db in
            for r in try Row.fetchAll(db, sql: "SELECT id, uid FROM org_unit") { unitIds[r["uid"]] = r["id"] }
            for r in try Row.fetchAll(db, sql: "SELECT id, uid FROM data_element") { elementIds[r["uid"]] = r["id"] }
            for r in try Row.fetchAll(db, sql: "SELECT id, uid FROM category_option_combo") {
                cocIds[r["uid"]] = r["id"]
            }
            try db.execute(
                sql: """
                    DROP TABLE IF EXISTS temp.vb_scope; DROP TABLE IF EXISTS temp.vb_bucket;
                    CREATE TEMP TABLE vb_scope (ancestor_id INTEGER NOT NULL, unit_id INTEGER NOT NULL);
                    CREATE TEMP TABLE vb_bucket (period_type TEXT NOT NULL, bucket TEXT NOT NULL, period_id INTEGER NOT NULL);
                    """)
            // The hierarchy as it stood at the end of the span (the demo has no move before it).
            for u in catalog.organisationUnits {
                guard let id = unitIds[u.uid] else { continue }
                var current: String? = u.uid
                while let a = current {
                    if let aid = unitIds[a] {
                        try db.execute(sql: "INSERT INTO vb_scope VALUES (?, ?)", arguments: [aid, id])
                    }
                    current = catalog.unit(a)?.parent(on: span.end)
                }
            }
            let types = Set(catalog.validationRules.map(\.periodType))
            for r in try Row.fetchAll(db, sql: "SELECT id, iso FROM period") {
                guard let stored = Period.parse(r["iso"]) else { continue }
                for t in types {
                    let p = Period.containing(stored.start, type: t)
                    if stored.rollsUp(into: p.span) {
                        try db.execute(
                            sql: "INSERT INTO vb_bucket VALUES (?, ?, ?)",
                            arguments: [t.rawValue, p.iso, r["id"] as Int64])
                    }
                }
            }
            try db.execute(
                sql: """
                    CREATE INDEX temp.vb_scope_unit ON vb_scope(unit_id, ancestor_id);
                    CREATE INDEX temp.vb_bucket_period ON vb_bucket(period_id, period_type);
                    """)
        }
        return SQLValidation(checks: checks, unitIds: unitIds, elementIds: elementIds, cocIds: cocIds)
    }

    func evaluate(_ queue: DatabaseQueue, catalog: Catalog) throws -> [ValidationViolation] {
        try queue.read { db in
            var out: [ValidationViolation] = []
            for check in checks {
                // One query per reference: its sum for every unit (through its subtree) and rule period.
                var sums: [String: [String: Double]] = [:]
                for r in check.left.references + check.right.references where r.kind == .element {
                    let key = "\(r.code).\(r.combo ?? "")"
                    if sums[key] != nil { continue }
                    guard let el = catalog.element(r.code), let eid = elementIds[el.uid] else {
                        sums[key] = [:]
                        continue
                    }
                    var sql = """
                        SELECT s.ancestor_id AS unit, b.bucket AS bucket, SUM(v.numeric) AS total
                        FROM data_value v
                        JOIN vb_bucket b ON b.period_id = v.period_id AND b.period_type = ?
                        JOIN vb_scope s ON s.unit_id = v.unit_id
                        WHERE v.element_id = ? AND v.deleted = 0 AND v.numeric IS NOT NULL
                        """
                    var args: [DatabaseValueConvertible] = [check.rule.periodType.rawValue, eid]
                    if let combo = r.combo, let coc = catalog.optionCombo(combo, of: el), let cid = cocIds[coc.uid] {
                        sql += " AND v.coc_id = ?"
                        args.append(cid)
                    }
                    sql += " GROUP BY s.ancestor_id, b.bucket"
                    var grid: [String: Double] = [:]
                    for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)) {
                        grid["\(row["unit"] as Int64)|\(row["bucket"] as String)"] = row["total"]
                    }
                    sums[key] = grid
                }
                for cell in check.cells {
                    guard let uid = unitIds[cell.unit] else { continue }
                    let resolve: (QorganCore.Expression.Reference) -> Double? = { r in
                        switch r.kind {
                        case .element: return sums["\(r.code).\(r.combo ?? "")"]?["\(uid)|\(cell.period.iso)"]
                        case .constant: return catalog.constant(r.code)?.value
                        case .indicator, .reportingRate: return nil
                        }
                    }
                    guard let result = check.rule.check(left: check.left, right: check.right, resolve), !result.holds
                    else { continue }
                    out.append(
                        ValidationViolation(
                            rule: check.rule.uid, unit: cell.unit, period: cell.period.iso, leftValue: result.left,
                            rightValue: result.right, importance: check.rule.importance))
                }
            }
            return out
        }
    }
}
