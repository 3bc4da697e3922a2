import ArgumentParser
import Foundation
import QorganCore
import QorganDemo
import QorganReports
import QorganStore

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Create a database holding the 2013–2017 demo programme.",
        discussion:
            "Regions and field offices, forms, indicators and five years of illustrative data whose report reproduces the programme's figures."
    )
    @OptionGroup var store: StoreOptions
    @Flag(help: "Replace the database file if it exists.") var force = false

    func run() throws {
        try guarded {
            let fm = FileManager.default
            if let path = store.path, fm.fileExists(atPath: path) {
                guard force else {
                    throw QorganError.conflict(
                        "'\(path)' already exists; use --force to replace it, or --database to write elsewhere")
                }
                for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: path + suffix) }
            }
            let started = Date()
            let s = try store.create()
            guard try s.isEmpty() else {
                throw QorganError.conflict(
                    "\(store.shown) already holds Qorgan's data; the demo goes into an empty database "
                        + "(for PostgreSQL: dropdb and createdb, then run this again)")
            }
            try DemoProgramme.install(into: s)
            let catalog = try s.catalog()
            print(
                "Created \(store.shown) with the demo programme in \(String(format: "%.1f", Date().timeIntervalSince(started))) s:"
            )
            print(
                "  \(catalog.organisationUnits.count) organisation units, \(catalog.dataElements.count) data elements, "
                    + "\(catalog.dataSets.count) forms, \(catalog.indicators.count) indicators, \(try s.valueCount()) data values."
            )
            print("")
            print(ProgrammeReport(aggregator: try s.referenceAggregator()).table(), terminator: "")
            print("")
            print(DemoProgramme.notice)
            print("Next: qorgan report, qorgan values set …, qorgan --help")
        }
    }
}
