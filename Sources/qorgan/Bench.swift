import ArgumentParser
import Foundation
import QorganBench
import QorganCore
import QorganStore

struct Bench: ParsableCommand {
    /// A benchmark's line, straight to standard output (not buffered behind a long run).
    static let printLine: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }

    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Benchmarks (figures printed side by side with reference runs, never asserted).",
        subcommands: [Analytics.self, ColdStart.self, EngineLoad.self, Propagation.self, Validation.self])

    struct Validation: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Every validation rule × unit × period on the engine and in plain SQL, and one region-year.",
            discussion: "Build in release mode first; run on the demo (qorgan demo). See bench/validation.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Timed runs of each (after one warm-up).") var runs: Int = 20

        func run() throws {
            try guarded {
                guard (1...10_000).contains(runs) else {
                    throw QorganError.invalidArgument("--runs is from 1 to 10000, not \(runs)")
                }
                guard let path = store.path else {
                    throw QorganError.invalidArgument("bench validation compares with plain SQL on an SQLite file")
                }
                try ValidationBench(path: path, runs: runs, print: Bench.printLine).run()
            }
        }
    }

    struct Analytics: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
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
                    print: Bench.printLine
                ).run()
            }
        }
    }

    struct ColdStart: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "The engine's cold start with and without its snapshot, from a cold page cache.",
            discussion: "Build in release mode first. See bench/follow.")
        @Option(help: "Sizes, comma-separated.") var values: String = "1000000,10000000"
        @Option(help: "Where the benchmark's databases go.") var work: String = ".bench"
        @Flag(help: "Keep the largest database and its snapshot (to time a real server's start on it).") var keep =
            false

        func run() throws {
            try guarded {
                let sizes = values.split(separator: ",").compactMap { Int($0) }
                guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 && $0 <= 50_000_000 }) else {
                    throw QorganError.invalidArgument("--values takes sizes from 1 to 50000000, comma-separated")
                }
                try ColdStartBench(
                    sizes: sizes, workDirectory: work, keep: keep,
                    print: Bench.printLine
                ).run()
            }
        }
    }

    struct EngineLoad: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            commandName: "engine-load",
            abstract: "The engine's load of every value from one database beside another (no snapshot).",
            discussion: """
                Opens the analytics engine on --database and on --against in turn, --runs times each, and prints \
                the seconds of each load, the best and the ratio. Build in release mode first. See bench/postgres.
                """)
        @OptionGroup var store: StoreOptions
        @Option(help: "The database to compare with (the reference): a path or a postgres:// URL.") var against: String
        @Option(help: "Loads of each (alternating).") var runs: Int = 3

        func run() throws {
            try guarded {
                guard (1...20).contains(runs) else { throw QorganError.invalidArgument("--runs is from 1 to 20") }
                let reference = try DatabaseLocation(against)
                try EngineLoadBench(
                    subject: try store.location, reference: reference, runs: runs, print: Bench.printLine
                ).run()
            }
        }
    }

    struct Propagation: AsyncParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "A write by this process → visible in a running server's next answer (p50/p99).",
            discussion: "Start 'qorgan serve' on the same database first. See bench/follow.")
        @Option(help: "The server, e.g. http://127.0.0.1:8099.") var url: String
        @Option(help: "An API token of an administrator.") var token: String
        @OptionGroup var store: StoreOptions
        @Option(help: "How many writes.") var writes: Int = 200
        @Option(help: "Write through this server's API (another server on the database) instead of the store.")
        var writeUrl: String?

        func run() async throws {
            do {
                guard (1...100_000).contains(writes) else {
                    throw QorganError.invalidArgument("--writes is from 1 to 100000, not \(writes)")
                }
                for given in [url] + (writeUrl.map { [$0] } ?? []) {
                    guard let u = URL(string: given), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
                        throw QorganError.invalidArgument(
                            "a server's address is like http://127.0.0.1:8080; not '\(given)'")
                    }
                }
                try await PropagationBench(
                    url: url, token: token, database: try store.location, writes: writes, writeURL: writeUrl,
                    print: Bench.printLine
                ).run()
            } catch let e as QorganError {
                FileHandle.standardError.write(Data(("error: " + e.description + "\n").utf8))
                throw ExitCode(1)
            }
        }
    }
}
