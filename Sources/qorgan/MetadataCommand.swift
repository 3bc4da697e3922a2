import ArgumentParser
import Foundation
import QorganCore
import QorganInterop
import QorganStore

struct MetadataCommand: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        commandName: "metadata", abstract: "Import or export the metadata as one JSON document.",
        subcommands: [Import.self, Export.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Import a metadata document (all or nothing).",
            discussion:
                "Objects are matched by uid, else by code, and replaced whole; references may be codes or uids. Every problem is listed."
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The JSON document ('-' for standard input).") var file: String
        @Flag(help: "Check and report, change nothing.") var dryRun = false

        func run() throws {
            try guarded {
                let s = try store.open()
                let doc = try MetadataDocument.parse(try readFile(file), source: file)
                let changes = try s.importMetadata(doc, source: file, dryRun: dryRun, user: store.user)
                let count = { (a: MetadataChange.Action) in changes.filter { $0.action == a }.count }
                print(
                    "\(dryRun ? "Dry run, nothing changed: would create" : "Created") \(count(.created)), "
                        + "\(dryRun ? "update" : "updated") \(count(.updated)), unchanged \(count(.unchanged)).")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "Export all metadata as one JSON document.")
        @OptionGroup var store: StoreOptions
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

        func run() throws {
            try guarded {
                try write(try MetadataDocument.write(try store.open().catalog()) + Data("\n".utf8), to: output)
            }
        }
    }
}
