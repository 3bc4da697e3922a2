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
                    "engine: built in %.2f s; %d values; columns %.1f bytes/value; resident memory +%.1f bytes/value",
                engineLoad, snapshot.valueCount, Double(snapshot.columnBytes) / Double(max(1, values)),
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

        // 2. SQL in SQLite, with a covering index.
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
                    sql: "INSERT INTO unit VALUES (?, ?)", arguments: [d + 1, d / BenchShape.districtsPerRegion + 1])
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
        var sqliteTimes: [[Double]] = []
        var sqliteSums: [Double] = []
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
            let s50 = Self.percentile(sqliteTimes[k], 0.5)
            var row = [
                name, ms(e50), ms(Self.percentile(engineTimes[k], 0.95)), ms(s50),
                ms(Self.percentile(sqliteTimes[k], 0.95)),
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
        var agree = zip(engineSums, sqliteSums).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0)) }
        if let duck {
            agree = agree && zip(engineSums, duck.checksums).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0)) }
        }
        print(
            "results agree across engines: \(agree ? "yes" : "NO") (checksums \(engineSums.map { formatNumber($0) }.joined(separator: ", ")))"
        )
        if let duck { print(String(format: "duckdb: generated and loaded the same rows in %.2f s", duck.load)) }
        print(
            String(
                format: "a change applied to the engine → visible to the next query (Q1): p50 %@, p95 %@",
                ms(Self.percentile(latencies, 0.5)), ms(Self.percentile(latencies, 0.95))))

        // 4. Cold start: a Qorgan database on disk → engine loaded → first answer.
        try coldStart(catalog: catalog, query: queries[1].1)

        // 5. Import: Qorgan's validating CSV import against a raw bulk insert of the same rows.
        try importRate(catalog: catalog)
        _ = agree
    }

    func ms(_ s: Double) -> String { String(format: "%.2f ms", s * 1000) }
    func times(_ r: Double) -> String { String(format: r >= 10 ? "%.0f×" : "%.1f×", r) }

    struct DuckResult {
        var load: Double
        var times: [[Double]]
        var checksums: [Double]
    }

    func runDuckDB(queries: [String]) throws -> DuckResult {
        let script = workDirectory + "/duckdb_bench.py"
        let source = """
            import duckdb, json, sys, time
            n, runs = int(sys.argv[1]), int(sys.argv[2])
            queries = json.loads(sys.stdin.read())
            con = duckdb.connect()
            con.execute("SET threads TO \(ProcessInfo.processInfo.activeProcessorCount)")
            t0 = time.perf_counter()
            con.execute("CREATE TABLE value AS \(BenchShape.duckdbSelect.replacingOccurrences(of: "\n", with: " ")) FROM range(?) t(i)", [n])
            con.execute("CREATE TABLE unit AS SELECT i AS id, (i - 1) // 180 + 1 AS region FROM range(1, 3061) t(i)")
            con.execute("CREATE TABLE period AS SELECT i AS id, 2011 + (i - 1) // 12 AS year, (i - 1) % 12 + 1 AS month FROM range(1, 121) t(i)")
            load = time.perf_counter() - t0
            out = {"load": load, "times": [], "checksums": []}
            for q in queries:
                rows = con.execute(q).fetchall()
                ts = []
                for _ in range(runs):
                    t = time.perf_counter()
                    rows = con.execute(q).fetchall()
                    ts.append(time.perf_counter() - t)
                out["times"].append(ts)
                out["checksums"].append(sum((r[-1] or 0) for r in rows))
            print(json.dumps(out))
            """
        try source.write(toFile: script, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, String(values), String(runs)]
        let input = Pipe()
        let output = Pipe()
        let err = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = err
        try p.run()
        input.fileHandleForWriting.write(try JSONEncoder().encode(queries))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw QorganError.invalidArgument("DuckDB failed (install it with: pip install duckdb):\n\(errText)")
        }
        struct Doc: Decodable {
            var load: Double
            var times: [[Double]]
            var checksums: [Double]
        }
        let doc = try JSONDecoder().decode(Doc.self, from: data)
        return DuckResult(load: doc.load, times: doc.times, checksums: doc.checksums)
    }

    /// A Qorgan database at `path` with `values` generated values, filled directly: a cold start
    /// measures loading, not importing.
    static func fill(path: String, catalog: Catalog, values: Int) throws {
        for s in ["", "-wal", "-shm", ".engine"] { try? FileManager.default.removeItem(atPath: path + s) }
        do {
            let store = try Store(path: path)
            try store.importMetadata(catalog, user: "bench")
        }
        let q = try DatabaseQueue(path: path)
        try q.write { db in
            func ids(_ table: String) throws -> [String: Int64] {
                var d: [String: Int64] = [:]
                for r in try Row.fetchAll(db, sql: "SELECT id, uid FROM \(table)") { d[r["uid"]] = r["id"] }
                return d
            }
            let el = try ids("data_element")
            let un = try ids("org_unit")
            let co = try ids("category_option_combo")
            var periods: [Int64] = []
            for m in 0..<BenchShape.months {
                let p = BenchShape.monthPeriod(m)
                try db.execute(
                    sql: "INSERT INTO period(iso, period_type, start_date, end_date) VALUES (?, ?, ?, ?)",
                    arguments: [p.iso, p.type.rawValue, p.start.description, p.end.description])
                periods.append(db.lastInsertedRowID)
            }
            let elements = try (0..<BenchShape.elements).map { n in
                try BenchShape.need(catalog.element(BenchShape.elementCode(n)).flatMap { el[$0.uid] }, "element \(n)")
            }
            let units = try (0..<BenchShape.districts).map { n in
                try BenchShape.need(catalog.unit(BenchShape.districtCode(n)).flatMap { un[$0.uid] }, "district \(n)")
            }
            let e001 = try BenchShape.need(catalog.element("E001"), "element E001")
            let cocs = try catalog.optionCombos(of: e001).map {
                try BenchShape.need(co[$0.uid], "combination \($0.code)")
            }
            let aoc = try BenchShape.need(co[CategoryOptionCombo.defaultUid], "default combination")
            let stamp = Timestamp.millis(Date())
            let st = try db.makeStatement(
                sql: """
                    INSERT INTO data_value(element_id, period_id, unit_id, coc_id, aoc_id, value, numeric, stored_by, created_by, created, last_updated)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', 'bench', ?, ?)
                    """)
            for i in 0..<values {
                let r = BenchShape.row(i)
                try st.execute(arguments: [
                    elements[r.element], periods[r.month], units[r.district], cocs[r.combo], aoc,
                    formatNumber(r.value), r.value, stamp, stamp,
                ])
            }
        }
    }

    func coldStart(catalog: Catalog, query: AnalyticsQuery) throws {
        let path = workDirectory + "/bench-qorgan.sqlite"
        var t0 = Self.now()
        try Self.fill(path: path, catalog: catalog, values: values)
        let fill = Self.now() - t0
        t0 = Self.now()
        let store = try Store(path: path)
        let (engine, _) = try AnalyticsEngine.open(store: store)
        let rows = try engine.run(query).rows.count
        let cold = Self.now() - t0
        print(
            String(
                format:
                    "cold start: Qorgan database on disk (%d values, filled in %.1f s) → engine loaded → first answer (%d cells): %.2f s",
                engine.snapshot().valueCount, fill, rows, cold))

        // A value saved through the store (checked, committed to SQLite, audited) → the next answer.
        var latencies: [Double] = []
        for k in 0..<20 {
            t0 = Self.now()
            try store.saveValues(
                [
                    DataValueInput(
                        element: "E001", period: "202012", unit: "D0001", optionCombo: "M_A",
                        value: String(1_000_000 + k))
                ], user: "bench")
            let answer = try engine.run(query)
            latencies.append(Self.now() - t0)
            precondition(!answer.rows.isEmpty)
        }
        print(
            String(
                format: "a value saved through the store → visible to the next answer (Q2): p50 %@, p95 %@",
                ms(Self.percentile(latencies, 0.5)), ms(Self.percentile(latencies, 0.95))))
    }

    func importRate(catalog: Catalog) throws {
        let n = min(importRows, values)
        var csv = DataValueCSV.columns.joined(separator: ",") + "\n"
        var raw: [[String]] = []
        raw.reserveCapacity(n)
        for i in 0..<n {
            let r = BenchShape.row(i)
            let fields = [
                BenchShape.elementCode(r.element), BenchShape.monthPeriod(r.month).iso,
                BenchShape.districtCode(r.district),
                BenchShape.comboCode(r.combo), "", formatNumber(r.value),
            ]
            raw.append(fields)
            csv += fields.joined(separator: ",") + ",,,,,\n"
        }
        // Three rounds, alternating, so that neither side always runs on a warmer machine.
        var qorganRates: [Double] = []
        var rawRates: [Double] = []
        var parseTimes: [Double] = []
        for round in 0..<3 {
            let path = workDirectory + "/bench-import-\(round).sqlite"
            for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) }
            let store = try Store(path: path)
            try store.importMetadata(catalog, user: "bench")
            var t0 = Self.now()
            let inputs = try DataValueCSV.parse(csv, source: "bench.csv")
            parseTimes.append(Self.now() - t0)
            let summary = try store.saveValues(inputs, source: "bench.csv", user: "bench")
            qorganRates.append(Double(n) / (Self.now() - t0))
            precondition(summary.imported == n)

            let rawPath = workDirectory + "/bench-raw-\(round).sqlite"
            for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: rawPath + s) }
            let q = try DatabaseQueue(path: rawPath)
            // The same settings as Qorgan's store: WAL, a 64 MiB page cache.
            try q.write { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try q.inDatabase { db in try db.execute(sql: "PRAGMA cache_size = -65536") }
            t0 = Self.now()
            try q.write { db in
                // The same rows, keyed as data values are (one value per element, period, unit and combinations).
                try db.execute(
                    sql: """
                        CREATE TABLE raw (dataelement TEXT, period TEXT, orgunit TEXT, coc TEXT, aoc TEXT, value TEXT,
                                          PRIMARY KEY (dataelement, period, orgunit, coc, aoc)) WITHOUT ROWID
                        """)
                let st = try db.makeStatement(sql: "INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?)")
                for f in raw { try st.execute(arguments: StatementArguments(f)) }
            }
            rawRates.append(Double(n) / (Self.now() - t0))
        }
        let qr = Self.percentile(qorganRates, 0.5)
        let rr = Self.percentile(rawRates, 0.5)
        print(
            String(
                format:
                    "import of %d CSV rows (median of 3 rounds): Qorgan (parse %.2f s, check every row, write, keep history) %.0f rows/s; raw SQLite insert of the parsed rows into a keyed table %.0f rows/s; ratio %.2f",
                n, Self.percentile(parseTimes, 0.5), qr, rr, qr / rr))
    }
}
