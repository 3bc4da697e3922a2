import ArgumentParser
import Foundation
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// Names one value: element (with option combination), period, unit.
struct ValueKeyOptions: ParsableArguments {
    @Option(help: "Data element, by code or uid.") var element: String
    @Option(help: "Organisation unit, by code or uid.") var unit: String
    @Option(help: "Period identifier, e.g. 2016, 2016Q2, 201606.") var period: String
    @Option(help: "Option combination (code or uid) for a disaggregated element, e.g. STUDENTS.") var combo: String = ""

    func input(value: String = "", deleted: Bool = false, comment: String? = nil, followUp: Bool = false)
        -> DataValueInput
    {
        DataValueInput(
            element: element, period: period, unit: unit, optionCombo: combo, value: value, comment: comment,
            followUp: followUp ? "true" : nil, deleted: deleted ? "true" : nil)
    }

    /// The key of an existing (or possible) value; errors name the unknown part.
    func key(in catalog: Catalog) throws -> DataValueKey {
        guard let el = catalog.element(element) else { throw QorganError.notFound(kind: "data element", key: element) }
        guard let u = catalog.unit(unit) else { throw QorganError.notFound(kind: "organisation unit", key: unit) }
        let p = try Period(period)
        guard let coc = catalog.optionCombo(combo, of: el) else {
            throw QorganError.invalidArgument(
                "data element '\(el.code)' has no option combination '\(combo)' (it has: "
                    + catalog.optionCombos(of: el).map(\.code).joined(separator: ", ") + ")")
        }
        return DataValueKey(element: el.uid, period: p, unit: u.uid, optionCombo: coc.uid)
    }
}

/// An administrator's named override of a completed form (DHIS2's `force`), logged.
struct ForceOption: ParsableArguments {
    @Flag(
        help: """
            Change values of a form marked complete without marking it incomplete (an administrator's \
            override, written to the security log). Approved data stay locked.
            """)
    var force = false

    var rules: FormRules { .commandLine(force: force) }
}

struct Values: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Set, show, delete, import and export data values; show a value's history.",
        subcommands: [Set.self, Show.self, Delete.self, History.self, Import.self, Export.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Store one value (checked like an import row; audited).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var key: ValueKeyOptions
        @Option(help: "The value.") var value: String
        @Option(help: "A short comment (not for personal data).") var comment: String?
        @Flag(help: "Mark the value for follow-up.") var followUp = false
        @OptionGroup var force: ForceOption

        func run() throws {
            try guarded {
                let s = try store.open()
                let r = try s.saveValues(
                    [key.input(value: value, comment: comment, followUp: followUp)],
                    source: "the value", user: store.user, rules: force.rules)
                print(
                    r.imported > 0
                        ? "Stored." : r.updated > 0 ? "Updated." : "Unchanged: the value was already \(value).")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "Show one stored value.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var key: ValueKeyOptions

        func run() throws {
            try guarded {
                let s = try store.open()
                let k = try key.key(in: try s.catalog())
                guard let v = try s.value(k) else {
                    throw QorganError.notFound(
                        kind: "value for \(key.element) \(key.period) \(key.unit)",
                        key: key.combo.isEmpty ? "default" : key.combo)
                }
                print("value:        \(v.value)\(v.deleted ? " (deleted)" : "")")
                print("stored by:    \(v.storedBy)")
                print("last updated: \(Timestamp.string(v.lastUpdated))")
                if let c = v.comment { print("comment:      \(c)") }
                if v.followUp { print("follow-up:    yes") }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "Delete one value (soft: it stays in the history).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var key: ValueKeyOptions
        @OptionGroup var force: ForceOption

        func run() throws {
            try guarded {
                let r = try store.open().saveValues(
                    [key.input(deleted: true)], source: "the deletion", user: store.user, rules: force.rules)
                print(r.deleted > 0 ? "Deleted (kept in the history)." : "Nothing to delete: no such value is stored.")
            }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Show every change to one value: who, when, old, new.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var key: ValueKeyOptions

        func run() throws {
            try guarded {
                let s = try store.open()
                let entries = try s.history(try key.key(in: try s.catalog()))
                if entries.isEmpty {
                    print("No history: this value was never stored.")
                    return
                }
                print(
                    TextTable.render(
                        header: ["When", "Who", "Action", "Old", "New", "Comment"],
                        rows: entries.map {
                            [
                                Timestamp.string($0.changedAt), $0.changedBy, $0.action.rawValue, $0.oldValue ?? "",
                                $0.newValue ?? "", $0.newComment ?? "",
                            ]
                        }), terminator: "")
            }
        }
    }

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json, adx }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Import values from CSV (DHIS2 columns), a JSON data value set or ADX: all or nothing.",
            discussion:
                "One bad row rejects the whole file; every problem is listed by line and column, and the database is unchanged."
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The file ('-' for standard input).") var file: String
        @Option(help: "csv, json or adx (default: from the file name, .json, .adx or .xml, else csv).")
        var format: Format?
        @Flag(help: "Report what would change (imported / updated / unchanged / deleted), change nothing.") var dryRun =
            false
        @OptionGroup var force: ForceOption

        func run() throws {
            try guarded {
                let s = try store.open()
                let data = try readFile(file)
                let lower = file.lowercased()
                let fmt =
                    format
                    ?? (lower.hasSuffix(".json")
                        ? .json : lower.hasSuffix(".adx") || lower.hasSuffix(".xml") ? .adx : .csv)
                let inputs: [DataValueInput]
                switch fmt {
                case .csv:
                    guard let text = String(data: data, encoding: .utf8) else {
                        throw QorganError.rejected(
                            source: file, problems: [Problem(reason: "the file is not UTF-8 text")])
                    }
                    inputs = try DataValueCSV.parse(text, source: file)
                case .json: inputs = try DataValueSetJSON.parse(data, source: file)
                case .adx: inputs = try ADX.parse(data, catalog: try s.catalog(), source: file)
                }
                let r = try s.saveValues(
                    inputs, source: file, user: store.user, dryRun: dryRun, rules: force.rules, skipDerived: true)
                let derived =
                    r.derived == 0
                    ? "" : ", skipped \(r.derived) derived (counted from the registers, never imported)"
                print(
                    "\(dryRun ? "Dry run, nothing changed. Would import" : "Imported") \(r.imported), updated \(r.updated), "
                        + "unchanged \(r.unchanged), deleted \(r.deleted)\(derived) (\(inputs.count) rows).")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Export values as CSV (DHIS2 columns), a JSON data value set or ADX.")
        @OptionGroup var store: StoreOptions
        @Option(help: "csv, json or adx.") var format: Format = .csv
        @Option(help: "Write references as uid (DHIS2's default; ADX: code), code or name.") var idScheme: String?
        @Option(help: "Only these data elements (code or uid; repeatable).") var element: [String] = []
        @Flag(help: "Include deleted values (flagged deleted=true).") var includeDeleted = false
        @Flag(
            help: """
                Include derived values (counted from the incident register, the readiness assessments and the \
                sites registry); 'values import' skips them.
                """)
        var includeDerived = false
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

        func run() throws {
            try guarded {
                let s = try store.open()
                let catalog = try s.catalog()
                let schemeName = idScheme ?? (format == .adx ? "code" : "uid")
                guard let scheme = IdScheme(rawValue: schemeName) else {
                    throw QorganError.invalidArgument("--id-scheme is uid, code or name, not '\(schemeName)'")
                }
                let elements = try element.map { ref in
                    guard let e = catalog.element(ref) else {
                        throw QorganError.notFound(kind: "data element", key: ref)
                    }
                    return e.uid
                }
                // By default what 'values import' takes back: the values people enter.
                let chosen =
                    !elements.isEmpty
                    ? elements
                    : includeDerived ? nil : catalog.dataElements.filter { $0.derivedFrom == nil }.map(\.uid)
                let values = try s.values(elements: chosen, includeDeleted: includeDeleted)
                switch format {
                case .csv:
                    try write(
                        Data(DataValueCSV.write(values, catalog: catalog, idSchemes: IdSchemes(scheme)).utf8),
                        to: output)
                case .json:
                    try write(
                        try DataValueSetJSON.write(values, catalog: catalog, idSchemes: IdSchemes(scheme))
                            + Data("\n".utf8),
                        to: output)
                case .adx: try write(ADX.write(values, catalog: catalog, idSchemes: IdSchemes(scheme)), to: output)
                }
            }
        }
    }
}
