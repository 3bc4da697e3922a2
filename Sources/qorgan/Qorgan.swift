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
        version: "qorgan \(QorganVersion.current)",
        subcommands: [
            Init.self, Demo.self, Serve.self, Users.self, MetadataCommand.self, Values.self, Incidents.self,
            Readiness.self, Sites.self, Framework.self, PublicationCommand.self, Query.self, Compute.self,
            Validate.self,
            CompletenessCommand.self, Complete.self, Outliers.self, Approvals.self, Report.self, Periods.self,
            Backup.self,
            Restore.self, Migrate.self, Bench.self,
        ]
    )

    /// As ArgumentParser's own entry point, after a mistyped command is told the closest one.
    static func main() async {
        if let mistake = CommandSuggestion.check(Array(CommandLine.arguments.dropFirst()), root: Self.self) {
            FileHandle.standardError.write(Data((mistake + "\n").utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// "Did you mean": a word where a subcommand belongs that names none, answered with the closest.
enum CommandSuggestion {
    static func check(_ arguments: [String], root: ParsableCommand.Type) -> String? {
        var command = root
        var path = [root.configuration.commandName ?? "qorgan"]
        for argument in arguments {
            if argument.hasPrefix("-") { return nil }
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty else { return nil }
            let name = { (c: ParsableCommand.Type) in c.configuration.commandName ?? c._commandName }
            if let next = subcommands.first(where: { name($0) == argument }) {
                command = next
                path.append(argument)
                continue
            }
            let names = subcommands.map(name)
            let hint =
                Suggestion.closest(to: argument, among: names).map {
                    " Did you mean '\(path.joined(separator: " ")) \($0)'?"
                } ?? ""
            return "Error: '\(argument)' is not a command of '\(path.joined(separator: " "))'.\(hint)\n"
                + "  Its commands: \(names.joined(separator: ", ")). See '\(path.joined(separator: " ")) --help'."
        }
        return nil
    }
}

/// Where the database is: --database, else $QORGAN_DATABASE, else qorgan.sqlite here.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            The database: an SQLite file's path or sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DATABASE \
            (default: $QORGAN_DATABASE, else ./qorgan.sqlite).
            """)
    var database: String?

    /// The database as given, before its scheme is read.
    var given: String {
        database ?? ProcessInfo.processInfo.environment["QORGAN_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "qorgan.sqlite"
    }

    /// Where the database is (checked by `validate` before any command runs).
    var location: DatabaseLocation {
        get throws { try DatabaseLocation(given) }
    }

    /// The SQLite file's path (`sqlite:` taken off); nil for PostgreSQL.
    var path: String? { (try? DatabaseLocation(given))?.path }

    /// The database as it may be shown: a path, or a URL with its password as `***`.
    var shown: String { (try? DatabaseLocation(given))?.description ?? DatabaseLocation.redacted(given) }

    /// A location this build cannot open is refused before any command runs.
    func validate() throws {
        do { _ = try DatabaseLocation(given) } catch let e as QorganError { throw ValidationError(e.description) }
    }

    /// Whether an SQLite file is there already; a PostgreSQL database always is (its server made it).
    var exists: Bool { path.map { FileManager.default.fileExists(atPath: $0) } ?? true }

    /// Opens an existing database; a missing SQLite file is an error, not a new empty database.
    /// A PostgreSQL database with no tables gets Qorgan's (in one transaction).
    func open(concurrentReads: Bool = false) throws -> Store {
        if let path, !FileManager.default.fileExists(atPath: path) {
            throw QorganError.invalidArgument(
                "no database at '\(path)': run 'qorgan demo' (demo programme) or 'qorgan init' (empty) first, or pass --database"
            )
        }
        return try Store(location: try location, concurrentReads: concurrentReads)
    }

    /// Opens the database, making it when it is not there (a new SQLite file; Qorgan's tables in
    /// an empty PostgreSQL database).
    func create() throws -> Store {
        if let path {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw QorganError.invalidArgument(
                    "cannot create '\(path)': the folder '\(folder)' does not exist (create it first: install -d -m 700 \(folder))"
                )
            }
            guard FileManager.default.isWritableFile(atPath: folder) else {
                throw QorganError.invalidArgument("cannot create '\(path)': the folder '\(folder)' is not writable")
            }
        }
        return try Store(location: try location)
    }

    /// Where the engine's snapshot is kept: beside an SQLite file. A PostgreSQL database has none
    /// on this machine: each server loads its engine from the database.
    var snapshot: String? { path.map { $0 + ".engine" } }

    /// Opens the database and the analytics engine on it (from the snapshot beside the database
    /// when there is a usable one); the engine follows the store's change log.
    func openWithEngine() throws -> (Store, AnalyticsEngine) {
        let store = try open()
        let (engine, _) = try AnalyticsEngine.open(store: store, snapshot: snapshot)
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
    } catch let e as AccessDenied {
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

/// Writes `data` to `output`, or to standard output when it is nil or `-`. A file is written
/// beside its name and renamed into place, so that a reader never sees half of it and a failure
/// leaves what was there; a directory, a device, a pipe or a symbolic link is refused (only `-`
/// means standard output), and nothing is written.
func write(_ data: Data, to output: String?) throws {
    guard let output, output != "-" else {
        FileHandle.standardOutput.write(data)
        return
    }
    let fm = FileManager.default
    if let attributes = try? fm.attributesOfItem(atPath: output), let type = attributes[.type] as? FileAttributeType {
        switch type {
        case .typeRegular: break
        case .typeDirectory:
            throw QorganError.invalidArgument("--output '\(output)' is a directory; name a file in it")
        case .typeSymbolicLink:
            throw QorganError.invalidArgument(
                "--output '\(output)' is a symbolic link; name the file itself (or '-' for standard output)")
        default:
            throw QorganError.invalidArgument(
                "--output '\(output)' is not a regular file (a device, pipe or socket); use '-' for standard output")
        }
    }
    let target = URL(fileURLWithPath: output)
    let directory = target.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw QorganError.invalidArgument(
            "cannot write '\(output)': the folder '\(directory.path)' does not exist (create it first)")
    }
    let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).part")
    guard fm.createFile(atPath: temporary.path, contents: data) else {
        throw QorganError.invalidArgument("cannot write '\(output)': the folder '\(directory.path)' is not writable")
    }
    guard rename(temporary.path, target.path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? fm.removeItem(at: temporary)
        throw QorganError.invalidArgument("cannot write '\(output)': \(reason)")
    }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self, abstract: "Create an empty database.")
    @OptionGroup var store: StoreOptions

    func run() throws {
        try guarded {
            if store.path != nil && store.exists {
                throw QorganError.conflict("'\(store.shown)' already exists; nothing was changed")
            }
            guard try store.create().isEmpty() else {
                throw QorganError.conflict("\(store.shown) already holds Qorgan's data; nothing was changed")
            }
            // The same database as this command's: its path, or the URL's place (no password).
            let next = store.database == nil ? "" : " --database \(store.path ?? "URL")"
            print("Created an empty database at \(store.shown). Next: qorgan metadata import FILE\(next)")
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
