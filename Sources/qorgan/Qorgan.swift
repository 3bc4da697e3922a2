import ArgumentParser
import Foundation
import QorganAnalytics
import QorganCore
import QorganStore

@main
struct Qorgan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qorgan",
        abstract: "Qorgan: the information system of a programme that prevents terrorism and violent extremism.",
        discussion: """
            Qorgan keeps aggregate figures reported by regional and field offices, computes the \
            programme's indicators from them and prints its report. It holds no data about people.

            Start with 'qorgan serve --demo' (the web application on the 2013–2017 demo programme), \
            or 'qorgan demo' then 'qorgan report' (the programme's key figures, computed from the data).
            """,
        subcommands: [
            Init.self, Demo.self, Serve.self, Users.self, MetadataCommand.self, Values.self, Incidents.self,
            Readiness.self, Sites.self, Framework.self, Query.self, Compute.self, Validate.self,
            CompletenessCommand.self, Outliers.self, Approvals.self, Report.self, Periods.self, Backup.self,
            Restore.self, Bench.self,
        ]
    )
}

/// Where the database is: --database, else $QORGAN_DATABASE, else qorgan.sqlite here.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The database: an SQLite file's path or sqlite:PATH (default: $QORGAN_DATABASE, else ./qorgan.sqlite).")
    var database: String?

    /// The database as given, before its scheme is read.
    var given: String {
        database ?? ProcessInfo.processInfo.environment["QORGAN_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "qorgan.sqlite"
    }

    /// The SQLite file's path (`sqlite:` taken off).
    var path: String { (try? DatabaseLocation(given).path) ?? given }

    /// A location this build cannot open is refused before any command runs.
    func validate() throws {
        do { _ = try DatabaseLocation(given) } catch let e as QorganError { throw ValidationError(e.description) }
    }

    /// Opens an existing database; a missing file is an error, not a new empty database.
    func open() throws -> SQLiteStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw QorganError.invalidArgument(
                "no database at '\(path)': run 'qorgan demo' (demo programme) or 'qorgan init' (empty) first, or pass --database"
            )
        }
        return try SQLiteStore(path: path)
    }

    /// Opens the database and the analytics engine on it (from the server's snapshot beside the
    /// database when there is a usable one); the engine follows the store's change log.
    func openWithEngine() throws -> (SQLiteStore, AnalyticsEngine) {
        let store = try open()
        let (engine, _) = try AnalyticsEngine.open(store: store, snapshot: path + ".engine")
        return (store, engine)
    }

    /// Who is making the change, for the audit trail: $QORGAN_USER, else the system user.
    var user: String {
        let env = ProcessInfo.processInfo.environment
        return env["QORGAN_USER"].flatMap { $0.isEmpty ? nil : $0 } ?? env["USER"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "cli"
    }
}

/// Runs a command body; Qorgan's own errors go to stderr with exit code 1.
func guarded(_ body: () throws -> Void) throws {
    do { try body() } catch let e as QorganError {
        FileHandle.standardError.write(Data(("error: " + e.description + "\n").utf8))
        throw ExitCode(1)
    } catch {
        guard let plain = QorganError.plain(error, waited: 60) else { throw error }
        FileHandle.standardError.write(Data(("error: " + plain.description + "\n").utf8))
        throw ExitCode(1)
    }
}

func readFile(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let d = FileManager.default.contents(atPath: path) else {
        throw QorganError.invalidArgument("cannot read '\(path)': no such file, or not readable")
    }
    return d
}

func write(_ data: Data, to output: String?) throws {
    if let output, output != "-" {
        guard FileManager.default.createFile(atPath: output, contents: data) else {
            throw QorganError.invalidArgument("cannot write '\(output)'")
        }
    } else {
        FileHandle.standardOutput.write(data)
    }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create an empty database.")
    @OptionGroup var store: StoreOptions

    func run() throws {
        try guarded {
            if FileManager.default.fileExists(atPath: store.path) {
                throw QorganError.conflict("'\(store.path)' already exists; nothing was changed")
            }
            _ = try SQLiteStore(path: store.path)
            print("Created an empty database at \(store.path). Next: qorgan metadata import FILE")
        }
    }
}

/// The uids of the units named by `refs` (codes or uids), or nil when none is named: a filter.
func unitFilter(_ refs: [String], _ catalog: Catalog) throws -> [String]? {
    guard !refs.isEmpty else { return nil }
    return try refs.map { ref in
        guard let u = catalog.unit(ref) else { throw QorganError.notFound(kind: "organisation unit", key: ref) }
        return u.uid
    }
}
