import Foundation
import GRDB
import GRDBSQLite
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

extension AnalyticsBench {
    /// A Qorgan database at `path` with `values` generated values, filled directly: a cold start
    /// measures loading, not importing.
    static func fill(path: String, catalog: Catalog, values: Int) throws {
        for s in ["", "-wal", "-shm", ".engine"] { try? FileManager.default.removeItem(atPath: path + s) }
        do {
            let store = try Store(path: path)
            try store.importMetadata(catalog, user: "bench")
        }
        let q = try DatabaseQueue(path: path)
        // One transaction without a write-ahead log (it would hold every page twice), rows in the
        // order of the table's key so that each insert appends; the log is turned back on after.
        try q.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144")
            try db.execute(sql: "BEGIN IMMEDIATE")
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
            // Each row's place in the key order, packed with its number: rank of the element id
            // (8 bits), period (7), unit (12), combination (3), then the row (27 bits).
            func ranks(_ ids: [Int64]) -> [UInt64] {
                let sorted = ids.sorted()
                return ids.map { id in UInt64(sorted.firstIndex(of: id) ?? 0) }
            }
            precondition(values < 1 << 27 && BenchShape.elements <= 256 && BenchShape.months <= 128)
            precondition(BenchShape.districts <= 4096 && cocs.count <= 8)
            let (er, pr, ur, cr) = (ranks(elements), ranks(periods), ranks(units), ranks(cocs))
            var order = [UInt64](repeating: 0, count: values)
            for i in 0..<values {
                let r = BenchShape.row(i)
                order[i] =
                    er[r.element] << 49 | pr[r.month] << 42 | ur[r.district] << 30 | cr[r.combo] << 27 | UInt64(i)
            }
            order.sort()
            let stamp = Timestamp.millis(Date())
            var st: OpaquePointer? = nil
            let sql = """
                INSERT INTO data_value(element_id, period_id, unit_id, coc_id, aoc_id, value, numeric, stored_by, created_by, created, last_updated)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', 'bench', ?, ?)
                """
            guard sqlite3_prepare_v2(db.sqliteConnection, sql, -1, &st, nil) == SQLITE_OK else {
                throw QorganError.invalidArgument("bench: cannot prepare the insert")
            }
            defer { sqlite3_finalize(st) }
            for key in order {
                let r = BenchShape.row(Int(key & (1 << 27 - 1)))
                precondition(r.value == r.value.rounded(), "the bench's values are whole numbers")
                sqlite3_bind_int64(st, 1, elements[r.element])
                sqlite3_bind_int64(st, 2, periods[r.month])
                sqlite3_bind_int64(st, 3, units[r.district])
                sqlite3_bind_int64(st, 4, cocs[r.combo])
                sqlite3_bind_int64(st, 5, aoc)
                sqlite3_bind_int64(st, 6, Int64(r.value))  // stored as text, as the store writes it
                sqlite3_bind_double(st, 7, r.value)
                sqlite3_bind_int64(st, 8, stamp)
                sqlite3_bind_int64(st, 9, stamp)
                guard sqlite3_step(st) == SQLITE_DONE else {
                    throw QorganError.invalidArgument(
                        "bench: insert failed: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
                }
                sqlite3_reset(st)
            }
            try db.execute(sql: "COMMIT")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
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

        // The same start from the engine's snapshot (saved as a server saves it on stopping):
        // the columns and rollups read as they are kept, then the log after them.
        let snapshotPath = path + ".engine"
        t0 = Self.now()
        try engine.save(to: snapshotPath, store: store)
        let save = Self.now() - t0
        let size = (try? FileManager.default.attributesOfItem(atPath: snapshotPath)[.size] as? Int) ?? 0
        t0 = Self.now()
        let (fromSnapshot, opening) = try AnalyticsEngine.open(store: try Store(path: path), snapshot: snapshotPath)
        let snapshotRows = try fromSnapshot.run(query).rows.count
        let warm = Self.now() - t0
        precondition(opening.snapshotSequence != nil, "the snapshot was not used: \(opening.snapshotIgnored ?? "")")
        precondition(snapshotRows == rows, "the snapshot's engine answers differently")
        print(
            String(
                format:
                    "cold start from the snapshot (%.0f MB, %.1f bytes/value, saved in %.2f s) → first answer: %.2f s (%.3f × the start from the database)",
                Double(size) / 1e6, Double(size) / Double(max(1, values)), save, warm, warm / cold))

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
        // Five rounds, alternating, so that neither side always runs on a warmer machine; each
        // round's ratio is of two runs seconds apart, which a shared disk's slow moments
        // (both sides end with a synced commit) skew less than a ratio of medians.
        var qorganRates: [Double] = []
        var rawRates: [Double] = []
        var parseTimes: [Double] = []
        for round in 0..<5 {
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
        let ratios = zip(qorganRates, rawRates).map { $0 / $1 }
        print(
            String(
                format:
                    "import of %d CSV rows (median of 5 rounds): Qorgan (parse %.2f s, check every row, write, keep history) %.0f rows/s; raw SQLite insert of the parsed rows into a keyed table %.0f rows/s; ratio %.2f (each round's: %@)",
                n, Self.percentile(parseTimes, 0.5), qr, rr, Self.percentile(ratios, 0.5),
                ratios.map { String(format: "%.2f", $0) }.joined(separator: " ")))
    }
}
