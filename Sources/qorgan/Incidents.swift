import ArgumentParser
import Foundation
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

struct Incidents: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        commandName: "incidents",
        abstract: "The incident register: attacks and foiled plots, as events (no people).",
        discussion: """
            Incidents are counted into data elements (INC_EVENTS by outcome, INC_ATTACK_TYPE, INC_TARGET_TYPE,
            INC_KILLED, INC_WOUNDED) for the unit and month of the event, the moment they are saved, so indicators
            such as acts prevented (foiled plots) follow at once. Codes are the GTD's: 'qorgan incidents codes'.
              qorgan incidents add --date 2017-11 --unit MAN --outcome foiled --attack-type 3 --target-type 3 --weapon-type 6
              qorgan incidents list --from 2016 --to 2016 --unit AKT
              qorgan incidents import gtd.csv --country Kazakhstan --mapping provstate.csv
            """,
        subcommands: [Add.self, Edit.self, Delete.self, List.self, Show.self, Import.self, Export.self, Codes.self])

    /// The fields of an incident, as options (all optional, for editing).
    struct Fields: ParsableArguments {
        @Option(help: "When: YYYY, YYYY-MM or YYYY-MM-DD (as precisely as known).") var date: String?
        @Option(help: "Where: a unit of any level (code or uid).") var unit: String?
        @Option(help: "A place name within the unit (no personal data).") var place: String?
        @Option(help: "Latitude (with --longitude).") var latitude: Double?
        @Option(help: "Longitude.") var longitude: Double?
        @Option(help: "completed, failed, foiled or unknown.") var outcome: String?
        @Option(help: "GTD attack type, 1–9.") var attackType: Int?
        @Option(help: "GTD target type, 1–22.") var targetType: Int?
        @Option(help: "GTD weapon type, 1–13.") var weaponType: Int?
        @Option(help: "People killed (leave out when not known).") var killed: Int?
        @Option(help: "People wounded (leave out when not known).") var wounded: Int?
        @Option(help: "Property damaged: yes, no or unknown.") var property: String?
        @Option(help: "GTD property extent, 1–4.") var propertyExtent: Int?
        @Option(help: "Claimed: yes, no or unknown.") var claimed: String?
        @Option(help: "A short summary of what happened: not for personal data.") var summary: String?
        @Option(help: "A source (citation); repeat for more.") var source: [String] = []
        @Flag(help: "Mark it as an invented example.") var illustrative = false

        func apply(to i: inout Incident) throws {
            if let date {
                guard let d = IncidentDate(date) else {
                    throw QorganError.invalidArgument("--date: '\(date)' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
                }
                i.date = d
            }
            if let unit { i.unit = unit }
            if let place { i.placeName = place.isEmpty ? nil : place }
            if let latitude { i.latitude = latitude }
            if let longitude { i.longitude = longitude }
            if let outcome {
                guard let o = IncidentOutcome(rawValue: outcome.lowercased()) else {
                    throw QorganError.invalidArgument(
                        "--outcome is completed, failed, foiled or unknown, not '\(outcome)'")
                }
                i.outcome = o
            }
            if let attackType { i.attackType = attackType }
            if let targetType { i.targetType = targetType }
            if let weaponType { i.weaponType = weaponType }
            if let killed { i.killed = killed }
            if let wounded { i.wounded = wounded }
            func tri(_ s: String, _ name: String) throws -> TriState {
                guard let t = TriState(rawValue: s.lowercased()) else {
                    throw QorganError.invalidArgument("--\(name) is yes, no or unknown, not '\(s)'")
                }
                return t
            }
            if let property { i.propertyDamage = try tri(property, "property") }
            if let propertyExtent { i.propertyExtent = propertyExtent }
            if let claimed { i.claimed = try tri(claimed, "claimed") }
            if let summary { i.summary = summary }
            if !source.isEmpty { i.sources = source }
            if illustrative { i.illustrative = true }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "Record an incident.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var fields: Fields
        func run() throws {
            try guarded {
                guard fields.date != nil, fields.unit != nil, fields.outcome != nil else {
                    throw QorganError.invalidArgument("an incident needs at least --date, --unit and --outcome")
                }
                var i = Incident(date: .placeholder, unit: "", outcome: .unknown)
                try fields.apply(to: &i)
                let s = try store.open()
                let saved = try s.saveIncidents([(i, nil)], user: store.user)
                print("Recorded incident \(saved[0].incident.uid).")
            }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "Change an incident (the fields given).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The incident's uid.") var uid: String
        @OptionGroup var fields: Fields
        @Flag(help: "Forget the numbers of killed and wounded (not known).") var casualtiesUnknown = false
        func run() throws {
            try guarded {
                let s = try store.open()
                guard var i = try s.incident(uid: uid)?.incident else {
                    throw QorganError.notFound(kind: "incident", key: uid)
                }
                try fields.apply(to: &i)
                if casualtiesUnknown {
                    i.killed = nil
                    i.wounded = nil
                }
                try s.saveIncidents([(i, nil)], user: store.user)
                print("Changed incident \(uid).")
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "Delete an incident (soft: it stays in its history).")
        @OptionGroup var store: StoreOptions
        @Argument var uid: String
        func run() throws {
            try guarded {
                try store.open().deleteIncident(uid: uid, user: store.user)
                print("Deleted incident \(uid).")
            }
        }
    }

    struct Filter: ParsableArguments {
        @Option(help: "From this period or date (2016, 2016Q2, 201606, 2016-06-05).") var from: String?
        @Option(help: "To this period or date.") var to: String?
        @Option(help: "Within this unit's subtree; repeat for more.") var unit: [String] = []
        @Option var outcome: String?
        @Option var attackType: Int?
        @Option var targetType: Int?
        @Flag(help: "Include deleted incidents.") var deleted = false

        func filter(_ catalog: Catalog) throws -> IncidentFilter {
            func day(_ s: String, end: Bool) throws -> Day {
                if let d = IncidentDate(s) { return end ? d.latest : d.earliest }
                guard let p = Period.parse(s) else { throw QorganError.invalidPeriod(s) }
                return end ? p.end : p.start
            }
            var f = IncidentFilter(includeDeleted: deleted)
            if let from { f.from = try day(from, end: false) }
            if let to { f.to = try day(to, end: true) }
            f.units = try unitFilter(unit, catalog)
            if let outcome {
                guard let o = IncidentOutcome(rawValue: outcome.lowercased()) else {
                    throw QorganError.invalidArgument("--outcome is completed, failed, foiled or unknown")
                }
                f.outcome = o
            }
            f.attackType = attackType
            f.targetType = targetType
            return f
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "List incidents, with filters.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var filter: Filter
        @Option(help: "table, csv (GTD columns) or uids (one a line, for scripts).") var format = "table"
        func run() throws {
            try guarded {
                let s = try store.open()
                let catalog = try s.catalog()
                let records = try s.incidents(try filter.filter(catalog))
                if format == "uids" {
                    for r in records { print(r.incident.uid) }
                    return
                }
                if format == "csv" {
                    print(
                        GTDFile.write(records.map(\.incident), catalog: catalog, country: "Kazakhstan"), terminator: "")
                    return
                }
                guard format == "table" else {
                    throw QorganError.invalidArgument("--format is table, csv or uids, not '\(format)'")
                }
                let rows = records.map { r -> [String] in
                    let i = r.incident
                    return [
                        i.uid, i.date.description, catalog.unit(i.unit)?.code ?? i.unit, i.outcome.rawValue,
                        GTD.attackTypes[i.attackType] ?? "", GTD.targetTypes[i.targetType] ?? "",
                        i.killed.map(String.init) ?? "?", i.wounded.map(String.init) ?? "?",
                        (i.illustrative ? "[illustrative] " : "") + (r.deleted ? "[deleted] " : "")
                            + String(i.summary.prefix(60)),
                    ]
                }
                if rows.isEmpty {
                    print("No incidents.")
                    return
                }
                print(
                    TextTable.render(
                        header: ["uid", "date", "unit", "outcome", "attack", "target", "killed", "wounded", "summary"],
                        rows: rows), terminator: "")
                print("\(rows.count) incident\(rows.count == 1 ? "" : "s").")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "One incident and its history.")
        @OptionGroup var store: StoreOptions
        @Argument var uid: String
        func run() throws {
            try guarded {
                let s = try store.open()
                let catalog = try s.catalog()
                guard let r = try s.incident(uid: uid) else { throw QorganError.notFound(kind: "incident", key: uid) }
                let i = r.incident
                print(
                    """
                    incident:     \(i.uid)\(r.deleted ? " (deleted)" : "")\(i.illustrative ? " (illustrative)" : "")
                    date:         \(i.date) (\(i.date.precision.rawValue) known)
                    unit:         \(catalog.unit(i.unit).map { "\($0.code) \($0.name)" } ?? i.unit)\(i.placeName.map { ", \($0)" } ?? "")
                    outcome:      \(i.outcome.rawValue)
                    attack type:  \(i.attackType) \(GTD.attackTypes[i.attackType] ?? "")
                    target type:  \(i.targetType) \(GTD.targetTypes[i.targetType] ?? "")
                    weapon type:  \(i.weaponType) \(GTD.weaponTypes[i.weaponType] ?? "")
                    killed:       \(i.killed.map(String.init) ?? "not known")
                    wounded:      \(i.wounded.map(String.init) ?? "not known")
                    property:     \(i.propertyDamage.rawValue)\(i.propertyExtent.map { " (\(GTD.propertyExtents[$0] ?? ""))" } ?? "")
                    claimed:      \(i.claimed.rawValue)
                    summary:      \(i.summary)
                    sources:      \(i.sources.joined(separator: "; "))
                    history:
                    """)
                for h in try s.incidentHistory(uid: uid) {
                    print("  \(Timestamp.string(h.changedAt))  \(h.action)  \(h.changedBy)")
                }
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Import a GTD CSV file: the rows of one country, all or nothing.",
            discussion:
                "provstate is matched to units by code, name or translation ('Aktobe' → 'Aktobe region'); a mapping file (provstate,unit) settles names that differ. Rows seen before (the same eventid) are updated."
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The CSV file (- for standard input).") var file: String
        @Option(help: "The country whose rows to keep (country_txt).") var country = "Kazakhstan"
        @Option(help: "A CSV file of provstate,unit lines.") var mapping: String?
        @Flag(help: "Check and count, change nothing.") var dryRun = false
        func run() throws {
            try guarded {
                let s = try store.open()
                try s.ensureIncidentRegister(user: store.user)
                let map =
                    try mapping.map {
                        try GTDFile.mapping(String(decoding: try readFile($0), as: UTF8.self), source: $0)
                    } ?? [:]
                let result = try GTDFile.parse(
                    String(decoding: try readFile(file), as: UTF8.self), source: file, country: country,
                    mapping: map, catalog: try s.catalog())
                let saved = try s.saveIncidents(
                    result.incidents.map { ($0.incident, $0.line) }, source: file, user: store.user, dryRun: dryRun)
                print(
                    "\(dryRun ? "Would import" : "Imported") \(saved.count) incident\(saved.count == 1 ? "" : "s") of \(country); \(result.skipped) row\(result.skipped == 1 ? "" : "s") of other countries left out."
                )
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Export incidents as CSV with the GTD's column names.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var filter: Filter
        @Option(help: "The country_txt to write.") var country = "Kazakhstan"
        @Option(help: "The file to write (default: standard output).") var output: String?
        func run() throws {
            try guarded {
                let s = try store.open()
                let catalog = try s.catalog()
                let text = GTDFile.write(
                    try s.incidents(try filter.filter(catalog)).map(\.incident), catalog: catalog, country: country)
                try write(Data(text.utf8), to: output)
            }
        }
    }

    struct Codes: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "The GTD code lists: attack, target and weapon types, property extent.")
        func run() throws {
            for (title, list) in [
                ("attack types (attacktype1)", GTD.attackTypes), ("target types (targtype1)", GTD.targetTypes),
                ("weapon types (weaptype1)", GTD.weaponTypes), ("property extent (propextent)", GTD.propertyExtents),
            ] {
                print(title + ":")
                for (k, label) in list.sorted(by: { $0.key < $1.key }) { print("  \(k)\t\(label)") }
            }
            print("outcomes: " + IncidentOutcome.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }
}
