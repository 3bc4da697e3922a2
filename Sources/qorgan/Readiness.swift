import ArgumentParser
import Foundation
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

struct Readiness: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        commandName: "readiness",
        abstract: "Readiness assessments of offices against versioned, weighted checklists.",
        discussion: """
            An office's readiness = Σ weight × score / Σ weight × maximum over the applicable items, in percent;
            its latest assessment of a year is its READINESS_PCT for that year, and regions and the nation take
            the mean over their offices. Scales: yes-no (1/0), 0-4, PSMU (P 3, S 2, M 1, U 0); NA leaves an item out.
              qorgan readiness instruments                      # versions, and which are frozen
              qorgan readiness instrument-import checklist.json
              qorgan readiness derive OFFICE_READINESS           # a new, editable version of a frozen one
              qorgan readiness assess assessments.json           # one assessment or an array
              qorgan readiness gaps --before 2015 --after 2017
            """,
        subcommands: [
            Instruments.self, InstrumentImport.self, InstrumentExport.self, Derive.self, Assess.self, List.self,
            Delete.self, Gaps.self,
        ])

    struct Instruments: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "The checklists and their versions.")
        @OptionGroup var store: StoreOptions
        func run() throws {
            try guarded {
                for r in try store.open().instruments() {
                    print(
                        "\(r.instrument.label)\t\(r.instrument.items.count) items\t\(r.frozen ? "frozen (\(r.assessments) assessments)" : "editable")\t\(r.instrument.name)"
                    )
                }
            }
        }
    }

    struct InstrumentImport: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            commandName: "instrument-import",
            abstract: "Add or replace an instrument version from JSON (refused once it is used).")
        @OptionGroup var store: StoreOptions
        @Argument var file: String
        func run() throws {
            try guarded {
                let inst = try decodeJSON(Instrument.self, try readFile(file), source: file)
                try store.open().saveInstrument(inst, source: file, user: store.user)
                print("Saved \(inst.label) (\(inst.items.count) items).")
            }
        }
    }

    struct InstrumentExport: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            commandName: "instrument-export", abstract: "Write an instrument version as JSON.")
        @OptionGroup var store: StoreOptions
        @Argument var code: String
        @Option var version: Int?
        func run() throws {
            try guarded {
                let all = try store.open().instruments().map(\.instrument).filter { $0.code == code }
                guard let inst = all.first(where: { $0.version == (version ?? all.map(\.version).max() ?? 0) }) else {
                    throw QorganError.notFound(kind: "instrument", key: code)
                }
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                FileHandle.standardOutput.write(try e.encode(inst) + Data("\n".utf8))
            }
        }
    }

    struct Derive: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Create the next version of an instrument from one of its versions.")
        @OptionGroup var store: StoreOptions
        @Argument var code: String
        @Option(help: "The version to copy (default: the latest).") var fromVersion: Int?
        func run() throws {
            try guarded {
                let inst = try store.open().deriveInstrument(code: code, from: fromVersion, user: store.user)
                print(
                    "Created \(inst.label), derived from \(inst.derivedFrom ?? "?"); change it with instrument-import.")
            }
        }
    }

    struct Assess: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Record assessments from JSON (one or an array), all or nothing.")
        @OptionGroup var store: StoreOptions
        @Argument var file: String
        @Flag var dryRun = false
        func run() throws {
            try guarded {
                let data = try readFile(file)
                let list =
                    try (try? JSONDecoder().decode([Assessment].self, from: data)) ?? [
                        decodeJSON(Assessment.self, data, source: file)
                    ]
                let saved = try store.open().saveAssessments(
                    list.map { ($0, nil) }, source: file, user: store.user, dryRun: dryRun)
                for s in saved {
                    print(
                        "\(dryRun ? "Would record" : "Recorded") \(s.assessment.uid): \(s.assessment.unit) \(s.assessment.date) readiness \(String(format: "%.1f", s.readiness)) %"
                    )
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "Assessments, with their readiness.")
        @OptionGroup var store: StoreOptions
        @Option var unit: String?
        @Option var year: Int?
        func run() throws {
            try guarded {
                let s = try store.open()
                let catalog = try s.catalog()
                let units = try unitFilter(unit.map { [$0] } ?? [], catalog)
                let rows = try s.assessments(units: units, year: year).map {
                    [
                        $0.assessment.uid, $0.assessment.date.description, catalog.unit($0.assessment.unit)?.code ?? "",
                        "\($0.assessment.instrument) v\($0.assessment.version)",
                        String(format: "%.1f", $0.readiness), $0.assessment.assessorRole,
                    ]
                }
                print(
                    TextTable.render(
                        header: ["uid", "date", "office", "instrument", "readiness %", "assessor role"], rows: rows),
                    terminator: "")
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Delete an assessment (soft); the office's readiness for the year follows.")
        @OptionGroup var store: StoreOptions
        @Argument var uid: String
        func run() throws {
            try guarded {
                try store.open().deleteAssessment(uid: uid, user: store.user)
                print("Deleted \(uid).")
            }
        }
    }

    struct Gaps: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "The weakest items, and how each region moved between two rounds.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The earlier round (year).") var before: Int
        @Option(help: "The later round (year).") var after: Int
        @Option(help: "How many items to list.") var top = 5
        func run() throws {
            try guarded {
                for (name, year) in [("--before", before), ("--after", after)] where !Day.supportedYears.contains(year)
                {
                    throw QorganError.invalidArgument("\(name) is a year from 1900 to 2100, not \(year)")
                }
                let s = try store.open()
                let catalog = try s.catalog()
                let instruments = Dictionary(
                    try s.instruments().map { ($0.instrument.label, $0.instrument) }, uniquingKeysWith: { a, _ in a })
                let latest = try s.assessments(year: after)
                print("Weakest items in \(after):")
                let rows = ReadinessGaps.items(latest.map(\.assessment), instruments: instruments).prefix(top).map {
                    [$0.item, $0.section, $0.text, String(format: "%.1f", $0.meanPercent), String($0.offices)]
                }
                print(
                    TextTable.render(
                        header: ["item", "section", "text", "mean % of max", "offices"], rows: Array(rows)),
                    terminator: "")
                let all = try s.assessments().map { ($0.assessment, $0.readiness) }
                let day = Day.lastOfYear(after)
                let regions = catalog.units(atLevel: 2, on: day)
                print("\nReadiness by region, \(before) → \(after):")
                let changes = ReadinessGaps.regions(
                    all, before: before, after: after, catalog: catalog, regions: regions)
                print(
                    TextTable.render(
                        header: ["region", before.description, after.description, "change"],
                        rows: changes.map {
                            [
                                $0.name, $0.before.map { String(format: "%.1f", $0) } ?? "",
                                $0.after.map { String(format: "%.1f", $0) } ?? "",
                                $0.change.map { String(format: "%+.1f", $0) } ?? "",
                            ]
                        }), terminator: "")
            }
        }
    }
}

/// Decodes a JSON file, naming the place of a mistake.
func decodeJSON<T: Decodable>(_ type: T.Type, _ data: Data, source: String) throws -> T {
    do { return try JSONDecoder().decode(T.self, from: data) } catch {
        throw QorganError.rejected(source: source, problems: [Problem(reason: describe(error))])
    }
}
