import Foundation
import GRDB
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

#if canImport(Glibc)
    import Glibc
#endif

/// `qorgan bench analytics`: the same queries, in the same run, on the engine, on SQL in
/// SQLite with a covering index, and on DuckDB; load times, p50/p95, ratios, memory per value.
public struct AnalyticsBench {
    public var values: Int
    public var runs: Int
    public var workDirectory: String
    public var duckdb: Bool
    public var importRows: Int
    public var print: (String) -> Void

    public init(
        values: Int, runs: Int, workDirectory: String, duckdb: Bool, importRows: Int, print: @escaping (String) -> Void
    ) {
        self.values = values
        self.runs = runs
        self.workDirectory = workDirectory
        self.duckdb = duckdb
        self.importRows = importRows
        self.print = print
    }

    /// Above this many values the SQLite comparison is left out.
    public static let sqliteLimit = 20_000_000

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    static func residentBytes() -> Int {
        #if canImport(Glibc)
            // Give freed heap back to the system first, so the figure is what stays in use.
            typealias Trim = @convention(c) (Int) -> Int32
            if let sym = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") { _ = unsafeBitCast(sym, to: Trim.self)(0) }
        #endif
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = s.split(separator: " ")
        return (Int(fields.count > 1 ? fields[1] : "0") ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    struct Timing {
        var name: String
        var times: [Double]
    }

    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return .nan }
        return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))]
    }

    func measure(_ runs: Int, _ body: () throws -> Double) rethrows -> (times: [Double], checksum: Double) {
        var times: [Double] = []
        var checksum = 0.0
        checksum = try body()  // warm-up
        for _ in 0..<runs {
            let t0 = Self.now()
            checksum = try body()
            times.append(Self.now() - t0)
        }
        return (times, checksum)
    }

    public func run() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        print(
            "Qorgan analytics benchmark: \(values) values (17 regions × 180 districts, 120 months, 200 elements × 6 combinations)"
        )
        print(
            "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB; \(runs) runs per query after a warm-up"
        )
        let catalog = try BenchShape.catalog()

        // 1. The engine, built in process.
        let rssBefore = Self.residentBytes()
        var t0 = Self.now()
        var b = EngineBuilder(catalog: catalog)
        let periodIds = (0..<BenchShape.months).map { b.period(BenchShape.monthPeriod($0)) }
        let elementIx = try (0..<BenchShape.elements).map { n in
            try BenchShape.need(
                catalog.element(BenchShape.elementCode(n)).flatMap { b.element($0.uid) }, "element \(n)")
        }
        for e in elementIx { b.reserve(element: e, values / BenchShape.elements + 1) }
        let districtIx = try (0..<BenchShape.districts).map { n in
            try BenchShape.need(catalog.unit(BenchShape.districtCode(n)).flatMap { b.unit($0.uid) }, "district \(n)")
        }
        let e001 = try BenchShape.need(catalog.element("E001"), "element E001")
        let cocs = catalog.optionCombos(of: e001)
        let comboIx = try cocs.map { try BenchShape.need(b.optionCombo($0.uid), "combination \($0.code)") }
        let aoc = try BenchShape.need(b.optionCombo(CategoryOptionCombo.defaultUid), "default combination")
        for i in 0..<values {
            let r = BenchShape.row(i)
            b.add(
                element: elementIx[r.element], period: periodIds[r.month], unit: districtIx[r.district],
                optionCombo: comboIx[r.combo], attributeOptionCombo: aoc, value: r.value)
        }
        let engine = AnalyticsEngine(state: b.finish())
        let engineLoad = Self.now() - t0
        let rssAfter = Self.residentBytes()
        let snapshot = engine.snapshot()
        print(
            String(
                format:
                    "engine: built in %.2f s; %d values; columns %.1f bytes/value, rollups %.2f bytes/value; resident memory +%.1f bytes/value",
                engineLoad, snapshot.valueCount, Double(snapshot.columnBytes) / Double(max(1, values)),
                Double(snapshot.rollupBytes) / Double(max(1, values)),
                Double(rssAfter - rssBefore) / Double(max(1, values))))

        let today = Day.firstOfMonth(2021, 1)
        let years = (0..<10).map { String(BenchShape.firstYear + $0) }
        func spec(_ dx: [String], _ pe: [String], _ ou: [String], co: Bool = false) throws -> AnalyticsQuery {
            var s = QuerySpec(dx: dx, pe: pe, ou: ou)
            s.co = co
            return try s.resolve(in: catalog, today: today)
        }
        let queries: [(String, AnalyticsQuery, String)] = [
            (
                "Q1 national total of one element by year", try spec(["E001"], years, ["NAT"]),
                """
                SELECT p.year, SUM(v.value) FROM value v JOIN period p ON p.id = v.period WHERE v.element = 1 GROUP BY p.year
                """
            ),
            (
                "Q2 indicator × region × year", try spec(["IND"], years, ["LEVEL-2"]),
                """
                SELECT u.region, p.year, SUM(CASE WHEN v.element = 1 THEN v.value END) * 100.0 / SUM(CASE WHEN v.element = 2 THEN v.value END)
                FROM value v JOIN unit u ON u.id = v.unit JOIN period p ON p.id = v.period
                WHERE v.element IN (1, 2) GROUP BY u.region, p.year
                """
            ),
            (
                "Q3 element × district × month, one region",
                try spec(["E003"], (0..<120).map { BenchShape.monthPeriod($0).iso }, ["LEVEL-3:R05"]),
                """
                SELECT v.unit, v.period, SUM(v.value) FROM value v JOIN unit u ON u.id = v.unit
                WHERE v.element = 3 AND u.region = 5 GROUP BY v.unit, v.period
                """
            ),
            (
                "Q4 disaggregation of one element, 2020", try spec(["E004"], ["2020"], ["NAT"], co: true),
                """
                SELECT v.coc, SUM(v.value) FROM value v JOIN period p ON p.id = v.period
                WHERE v.element = 4 AND p.year = 2020 GROUP BY v.coc
                """
            ),
            (
                "Q5 whole pivot: every element × region × year",
                try spec((0..<BenchShape.elements).map { BenchShape.elementCode($0) }, years, ["LEVEL-2"]),
                """
                SELECT v.element, u.region, p.year, SUM(v.value) FROM value v JOIN unit u ON u.id = v.unit
                JOIN period p ON p.id = v.period GROUP BY v.element, u.region, p.year
                """
            ),
        ]
        var engineTimes: [[Double]] = []
        var engineSums: [Double] = []
        for (_, q, _) in queries {
            let m = try measure(runs) { try snapshot.run(q).rows.reduce(0) { $0 + $1.value } }
            engineTimes.append(m.times)
            engineSums.append(m.checksum)
        }

        // A saved value is visible to the next query: apply a change, then ask.
        let probeKey = DataValueKey(
            element: e001.uid, period: BenchShape.monthPeriod(119),
            unit: try BenchShape.need(catalog.unit("D0001"), "district D0001").uid,
            optionCombo: try BenchShape.need(cocs.first, "combination of E001").uid)
        var latencies: [Double] = []
        for k in 0..<max(5, runs) {
            t0 = Self.now()
            engine.apply([ValueChange(key: probeKey, value: String(1_000_000 + k))])
            let r = try engine.run(queries[0].1)
            latencies.append(Self.now() - t0)
            precondition(r.rows.contains { $0.pe == "2020" }, "the saved value must be visible")
        }
        engine.apply([ValueChange(key: probeKey, value: nil)])
        let batch = try batchApply(snapshot: snapshot, catalog: catalog, cocs: cocs.map(\.uid))

        // 2. SQL in SQLite, with a covering index (up to `sqliteLimit` values: beyond, its
        // queries take minutes and the comparison at 10 M has been made in the same script).
        var sqliteTimes: [[Double]] = []
        var sqliteSums: [Double] = []
        if values <= Self.sqliteLimit {
            let sqlitePath = workDirectory + "/bench-sql.sqlite"
            for s in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: sqlitePath + s) }
            let q = try DatabaseQueue(path: sqlitePath)
            t0 = Self.now()
            try q.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE unit (id INTEGER PRIMARY KEY, region INTEGER NOT NULL);
                        CREATE TABLE period (id INTEGER PRIMARY KEY, year INTEGER NOT NULL, month INTEGER NOT NULL);
                        CREATE TABLE value (element INTEGER NOT NULL, period INTEGER NOT NULL, unit INTEGER NOT NULL, coc INTEGER NOT NULL, value REAL NOT NULL);
                        """)
                for d in 0..<BenchShape.districts {
                    try db.execute(
                        sql: "INSERT INTO unit VALUES (?, ?)",
                        arguments: [d + 1, d / BenchShape.districtsPerRegion + 1])
                }
                for m in 0..<BenchShape.months {
                    try db.execute(
                        sql: "INSERT INTO period VALUES (?, ?, ?)",
                        arguments: [m + 1, BenchShape.firstYear + m / 12, m % 12 + 1])
                }
                let st = try db.makeStatement(sql: "INSERT INTO value VALUES (?, ?, ?, ?, ?)")
                for i in 0..<values {
                    let r = BenchShape.row(i)
                    try st.execute(arguments: [r.element + 1, r.month + 1, r.district + 1, r.combo + 1, r.value])
                }
            }
            let sqliteInsert = Self.now() - t0
            t0 = Self.now()
            try q.write { db in
                try db.execute(sql: "CREATE INDEX value_cover ON value(element, unit, period, coc, value); ANALYZE")
            }
            let sqliteIndex = Self.now() - t0
            print(
                String(
                    format: "sqlite: bulk insert %.2f s (%.0f rows/s), covering index %.2f s", sqliteInsert,
                    Double(values) / sqliteInsert, sqliteIndex))
            let sqlRuns = values >= 5_000_000 ? min(runs, 5) : runs
            for (_, _, sql) in queries {
                let m = try measure(sqlRuns) {
                    try q.read { db in
                        try Row.fetchAll(db, sql: sql).reduce(0.0) { $0 + (($1[$1.count - 1] as Double?) ?? 0) }
                    }
                }
                sqliteTimes.append(m.times)
                sqliteSums.append(m.checksum)
            }
        } else {
            print("sqlite: not measured above \(Self.sqliteLimit) values (bench/analytics measures it at 10 M)")
        }

        // 3. DuckDB, from PyPI, on the same rows.
        var duck: DuckResult? = nil
        if duckdb {
            duck = try runDuckDB(queries: queries.map(\.2))
        }

        // The table.
        print("")
        var header = ["query", "engine p50", "engine p95", "sqlite p50", "sqlite p95"]
        if duck != nil {
            header += ["duckdb p50", "duckdb p95", "engine/duckdb", "sqlite/engine"]
        } else {
            header += ["sqlite/engine"]
        }
        var rows: [[String]] = []
        for (k, (name, _, _)) in queries.enumerated() {
            let e50 = Self.percentile(engineTimes[k], 0.5)
            let s50 = sqliteTimes.isEmpty ? Double.nan : Self.percentile(sqliteTimes[k], 0.5)
            var row = [
                name, ms(e50), ms(Self.percentile(engineTimes[k], 0.95)), ms(s50),
                ms(sqliteTimes.isEmpty ? .nan : Self.percentile(sqliteTimes[k], 0.95)),
            ]
            if let duck {
                let d50 = Self.percentile(duck.times[k], 0.5)
                row += [
                    ms(d50), ms(Self.percentile(duck.times[k], 0.95)), String(format: "%.3f", e50 / d50),
                    times(s50 / e50),
                ]
            } else {
                row += [times(s50 / e50)]
            }
            rows.append(row)
        }
        print(TextTable.render(header: header, rows: rows).trimmingCharacters(in: .newlines))
        var agree =
            sqliteSums.isEmpty || zip(engineSums, sqliteSums).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0)) }
        if let duck {
            agree = agree && zip(engineSums, duck.checksums).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0)) }
        }
        print(
            "results agree across engines: \(agree ? "yes" : "NO") (checksums \(engineSums.map { formatNumber($0) }.joined(separator: ", ")))"
        )
        if let duck { print(String(format: "duckdb: generated and loaded the same rows in %.2f s", duck.load)) }
        if let duck, let pivot = queries.firstIndex(where: { $0.0.hasPrefix("Q5") }) {
            let e50 = Self.percentile(engineTimes[pivot], 0.5)
            let d50 = Self.percentile(duck.times[pivot], 0.5)
            var line =
                "whole pivot (Q5, \(BenchShape.elements * BenchShape.regions * years.count) cells, fresh): engine \(ms(e50)), DuckDB \(ms(d50)) (\(String(format: "%.3f", e50 / d50)) ×)"
            if let np = duck.numpyPivot {
                let n50 = Self.percentile(np, 0.5)
                line +=
                    ", numpy bincount on a precomputed key \(ms(n50)) (engine \(String(format: "%.3f", e50 / n50)) × the scan limit)"
            }
            print(line)
        }
        print(
            String(
                format: "a change applied to the engine → visible to the next query (Q1): p50 %@, p95 %@",
                ms(Self.percentile(latencies, 0.5)), ms(Self.percentile(latencies, 0.95))))

        print(
            String(
                format:
                    "a batch of %d changes (an import: half updates, half new values) reaching the engine: p50 %@ (%.2f µs a change; the bulk build above %.2f µs a value)",
                batch.count, ms(Self.percentile(batch.times, 0.5)),
                Self.percentile(batch.times, 0.5) / Double(max(1, batch.count)) * 1e6,
                engineLoad / Double(max(1, values)) * 1e6))

        // 4. Cold start: a Qorgan database on disk → engine loaded → first answer.
        try coldStart(catalog: catalog, query: queries[1].1)

        // 5. Import: Qorgan's validating CSV import against a raw bulk insert of the same rows.
        try importRate(catalog: catalog)
        _ = agree
    }

    /// A batch of changes as a large import brings them (half updates of stored values, half new
    /// values in later months), applied to an engine that shares its columns with `snapshot`, as
    /// a server's engine does with the queries running: the times of `runs` applications.
    func batchApply(snapshot: EngineState, catalog: Catalog, cocs: [String]) throws -> (count: Int, times: [Double]) {
        let n = min(200_000, values)
        let elements = try (0..<BenchShape.elements).map {
            try BenchShape.need(catalog.element(BenchShape.elementCode($0)), "element \($0)").uid
        }
        let districts = try (0..<BenchShape.districts).map {
            try BenchShape.need(catalog.unit(BenchShape.districtCode($0)), "district \($0)").uid
        }
        var changes: [ValueChange] = []
        changes.reserveCapacity(n)
        for i in 0..<n {
            let r = BenchShape.row(i / 2)
            let month = i % 2 == 0 ? r.month : BenchShape.months + r.month % 12
            let key = DataValueKey(
                element: elements[r.element], period: BenchShape.monthPeriod(month), unit: districts[r.district],
                optionCombo: cocs[r.combo % cocs.count])
            changes.append(ValueChange(key: key, number: r.value + 1))
        }
        var times: [Double] = []
        for _ in 0..<max(3, runs) {
            let engine = AnalyticsEngine(state: snapshot)
            let t0 = Self.now()
            engine.apply(changes)
            times.append(Self.now() - t0)
            precondition(engine.snapshot().valueCount == snapshot.valueCount + n / 2, "every new value must be kept")
        }
        return (n, times)
    }

    /// A time, or "—" for one not measured (NaN).
    func ms(_ s: Double) -> String { s.isNaN ? "—" : String(format: "%.2f ms", s * 1000) }
    func times(_ r: Double) -> String { r.isNaN ? "—" : String(format: r >= 10 ? "%.0f×" : "%.1f×", r) }
}
