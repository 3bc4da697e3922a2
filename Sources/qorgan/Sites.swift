import ArgumentParser
import Foundation
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

struct Sites: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        commandName: "sites",
        abstract: "The registry of places vulnerable to terrorism, their protection measures and inspections.",
        discussion: """
            No site plans, floor plans or utility schemes are kept, by design. Sites and inspections are counted
            into yearly data (SITES_BY_CATEGORY, SITES_BY_TIER, SITES_INSPECTED, SITE_MEASURES_REQUIRED/IN_PLACE,
            PRESCRIPTIONS_ISSUED/CLOSED/OVERDUE) at every change.
              qorgan sites list --unit AKT
              qorgan sites import sites.csv           # name,category,sector,unit,peak_occupancy,responsible_role,registered,plan_status,plan_date
              qorgan sites inspect inspection.json    # {"site", "date", "kind", "findings": {"ACCESS": "in-place", …}, "prescriptions": […]}
              qorgan sites flags --on 2017-12-31
              qorgan sites config > config.json; qorgan sites config --set config.json
            """,
        subcommands: [List.self, Import.self, Inspect.self, Flags.self, Config.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "The registry, with filters.")
        @OptionGroup var store: StoreOptions
        @Option var unit: String?
        @Option var category: String?
        func run() throws {
            try guarded {
                let s = try store.open()
                let catalog = try s.catalog()
                let units = try unitFilter(unit.map { [$0] } ?? [], catalog)
                let rows = try s.sites(units: units, category: category).map {
                    [
                        $0.site.uid, $0.site.name, $0.site.category, $0.tier ?? "",
                        catalog.unit($0.site.unit)?.code ?? "", String($0.site.peakOccupancy),
                        $0.site.planStatus.rawValue, $0.lastInspection?.description ?? "never",
                    ]
                }
                print(
                    TextTable.render(
                        header: [
                            "uid", "name", "category", "tier", "unit", "peak", "protection passport", "last inspection",
                        ], rows: rows), terminator: "")
                print("\(rows.count) sites.")
            }
        }
    }

    static let columns = [
        "uid", "name", "category", "sector", "unit", "peak_occupancy", "responsible_role", "registered", "closed",
        "plan_status", "plan_date",
    ]

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Import the registry from CSV, all or nothing (errors by line).")
        @OptionGroup var store: StoreOptions
        @Argument var file: String
        @Flag var dryRun = false
        func run() throws {
            try guarded {
                let s = try store.open()
                let sites = try SiteCSV.parse(String(decoding: try readFile(file), as: UTF8.self), source: file)
                let saved = try s.saveSites(
                    sites.map { ($0.site, $0.line) }, source: file, user: store.user, dryRun: dryRun)
                print("\(dryRun ? "Would import" : "Imported") \(saved.count) sites.")
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Record inspections from JSON (one or an array), all or nothing.")
        @OptionGroup var store: StoreOptions
        @Argument var file: String
        func run() throws {
            try guarded {
                let data = try readFile(file)
                let list =
                    try (try? JSONDecoder().decode([Inspection].self, from: data)) ?? [
                        decodeJSON(Inspection.self, data, source: file)
                    ]
                let saved = try store.open().saveInspections(list.map { ($0, nil) }, source: file, user: store.user)
                print("Recorded \(saved.count) inspection\(saved.count == 1 ? "" : "s").")
            }
        }
    }

    struct Flags: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Sites not inspected within the interval, and prescriptions past due.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The day to judge on (default today).") var on: String?
        @Option var unit: String?
        func run() throws {
            try guarded {
                let s = try store.open()
                let catalog = try s.catalog()
                guard let day = on.map({ Day(iso: $0) }) ?? Day.today else {
                    throw QorganError.invalidArgument("--on takes YYYY-MM-DD")
                }
                let units = unit.flatMap { catalog.unit($0).map { [$0.uid] } }
                let flags = try s.siteFlags(on: day, units: units)
                print(
                    "Not inspected within \(try s.siteConfiguration().inspectionIntervalMonths) months of \(day): \(flags.notInspected.count)"
                )
                for f in flags.notInspected.prefix(50) {
                    print(
                        "  \(f.site.name) (\(catalog.unit(f.site.unit)?.code ?? "")): last \(f.lastInspection?.description ?? "never")"
                    )
                }
                print("Prescriptions past due: \(flags.overdue.count)")
                for f in flags.overdue.prefix(50) {
                    print("  \(f.site.name): due \(f.prescription.due) — \(f.prescription.text)")
                }
            }
        }
    }

    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Print the registry's configuration, or --set one from JSON.")
        @OptionGroup var store: StoreOptions
        @Option(help: "A configuration file to apply.") var set: String?
        func run() throws {
            try guarded {
                let s = try store.open()
                if let set {
                    try s.setSiteConfiguration(
                        try decodeJSON(SiteConfiguration.self, try readFile(set), source: set), user: store.user)
                    print("Applied \(set).")
                } else {
                    let e = JSONEncoder()
                    e.outputFormatting = [.prettyPrinted, .sortedKeys]
                    FileHandle.standardOutput.write(try e.encode(try s.siteConfiguration()) + Data("\n".utf8))
                }
            }
        }
    }
}
