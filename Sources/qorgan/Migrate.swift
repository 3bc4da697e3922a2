import ArgumentParser
import Foundation
import QorganAnalytics
import QorganCore
import QorganReports
import QorganStore

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Copy a whole database, history included, from SQLite to PostgreSQL or back, and verify the copy.",
        discussion: """
            Everything is copied: metadata, values with their audit trail, the registers, accounts, sessions, \
            tokens and the change log. The copy is all or nothing: a new SQLite file is written beside its \
            name and renamed when complete; a PostgreSQL database (made empty with createdb) is filled in one \
            transaction. Then the copy is verified: the counts of both, and the whole report computed from \
            each, must be identical. Stop the servers on the source first: writes after the copy began are \
            not in it.
              qorgan migrate --from qorgan.sqlite --to postgres://qorgan:SECRET@db.example:5432/qorgan
              qorgan migrate --from postgres://qorgan:SECRET@db.example:5432/qorgan --to copy.sqlite
            """)
    @Option(help: "The database to copy: an SQLite file's path or a postgres:// URL.") var from: String
    @Option(help: "The new database: a path that does not exist, or an empty PostgreSQL database's URL.") var to: String

    func validate() throws {
        do {
            let source = try DatabaseLocation(from)
            let target = try DatabaseLocation(to)
            if source == target { throw ValidationError("--from and --to are the same database") }
        } catch let e as QorganError { throw ValidationError(e.description) }
    }

    func run() throws {
        try guarded {
            let source = try DatabaseLocation(from)
            let target = try DatabaseLocation(to)
            if let path = source.path, !FileManager.default.fileExists(atPath: path) {
                throw QorganError.invalidArgument("no database at '\(path)'; nothing was copied")
            }
            let started = Date()
            let original = try Store(location: source)
            let before = try original.summary()
            print("Copying \(source): \(before)")
            let copy = try Store.migrate(from: original, to: target)
            let after = try copy.summary()
            print("Copied into \(target) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(after)")
            guard after == before else {
                throw QorganError.conflict(
                    "the copy at \(target) does not hold what \(source) holds (\(after) against \(before)); "
                        + "drop it and run migrate again")
            }
            let digest = try original.valuesDigest()
            guard try copy.valuesDigest() == digest else {
                throw QorganError.conflict(
                    "the values in \(target) differ from those in \(source); drop the copy and run migrate again")
            }
            // The report, where the database has one to compute (a programme's metadata).
            let report: String
            if let (a, figures) = try? Self.report(original) {
                guard let (b, _) = try? Self.report(copy), a == b else {
                    throw QorganError.conflict(
                        "the report computed from \(target) differs from the one computed from \(source); "
                            + "drop the copy and run migrate again")
                }
                report = "the whole report (\(figures) figures)"
            } else {
                report = "the report (none: the database defines no programme report)"
            }
            print("Verified: the counts of both, every value (\(digest)) and \(report) are identical.")
        }
    }

    /// The whole report computed from a database, as JSON, and its number of figures.
    static func report(_ store: Store) throws -> (Data, Int) {
        let (engine, _) = try AnalyticsEngine.open(store: store)
        let snapshot = engine.snapshot()
        let doc = try ReportOptions.build(
            store: store, snapshot: snapshot, periods: nil, unit: nil, language: "en", edition: "full", threshold: 5)
        return (try doc.json(), ProgrammeReport(aggregator: snapshot).figures.count)
    }
}
