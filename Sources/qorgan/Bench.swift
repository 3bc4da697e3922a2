import ArgumentParser
import Foundation
import QorganBench

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (figures printed side by side with reference runs, never asserted).",
        subcommands: [Analytics.self])

    struct Analytics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "The analytics engine against SQL in SQLite (covering index) and DuckDB, on the same generated values.",
            discussion:
                "Build in release mode first: swift build -c release; DuckDB comes from PyPI: pip install duckdb. See bench/analytics."
        )
        @Option(help: "How many values to generate (100000, 1000000, 10000000).") var values: Int = 1_000_000
        @Option(help: "Timed runs per query (after one warm-up).") var runs: Int = 20
        @Option(help: "Where the benchmark's databases go.") var work: String = ".bench"
        @Flag(help: "Leave DuckDB out.") var noDuckdb = false
        @Option(help: "Rows for the import comparison.") var importRows: Int = 200_000

        func run() throws {
            try guarded {
                try AnalyticsBench(
                    values: values, runs: runs, workDirectory: work, duckdb: !noDuckdb, importRows: importRows,
                    print: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
                ).run()
            }
        }
    }
}
