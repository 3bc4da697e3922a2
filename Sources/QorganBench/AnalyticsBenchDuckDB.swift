import Foundation
import GRDB
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

extension AnalyticsBench {
    struct DuckResult {
        var load: Double
        var times: [[Double]]
        var checksums: [Double]
        /// The whole pivot as numpy's bincount over a key precomputed per row: the limit of a
        /// full scan in memory (nil without numpy).
        var numpyPivot: [Double]?
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
            out["numpy"] = None
            try:
                import numpy as np
                cols = con.execute("SELECT v.element, u.region, p.year, v.value FROM value v JOIN unit u ON u.id = v.unit JOIN period p ON p.id = v.period").fetchnumpy()
                key = (((cols["element"].astype(np.int64) - 1) * 17 + (cols["region"] - 1)) * 10 + (cols["year"] - 2011)).astype(np.int32)
                val = np.ascontiguousarray(cols["value"], dtype=np.float64)
                np.bincount(key, weights=val, minlength=200 * 17 * 10)
                ts = []
                for _ in range(runs):
                    t = time.perf_counter()
                    np.bincount(key, weights=val, minlength=200 * 17 * 10)
                    ts.append(time.perf_counter() - t)
                out["numpy"] = ts
            except ImportError:
                pass
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
            var numpy: [Double]?
        }
        let doc = try JSONDecoder().decode(Doc.self, from: data)
        return DuckResult(load: doc.load, times: doc.times, checksums: doc.checksums, numpyPivot: doc.numpy)
    }
}
