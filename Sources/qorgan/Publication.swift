import ArgumentParser
import Foundation
import QorganCore
import QorganStore

struct PublicationCommand: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        commandName: "publication",
        abstract:
            "What the public portal publishes: indicators, levels, years and the threshold of its protection (one JSON document, audited).",
        subcommands: [Import.self, Export.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract:
                "Replace the publication with a JSON document (checked against the metadata: only sums of counts can be published)."
        )
        @OptionGroup var store: StoreOptions
        @Argument var file: String
        func run() throws {
            try guarded {
                let p = try decodeJSON(Publication.self, try readFile(file), source: file)
                let version = try store.open().setPublication(p, source: file, user: store.user)
                print(
                    "Saved the publication, version \(version): \(p.indicators.count) indicators, levels "
                        + p.levels.map(String.init).joined(separator: ", ") + ", threshold \(p.threshold).")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "Write the publication as JSON.")
        @OptionGroup var store: StoreOptions
        @Option var output: String?
        func run() throws {
            try guarded {
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                try write(try e.encode(try store.open().publication()) + Data("\n".utf8), to: output)
            }
        }
    }
}
