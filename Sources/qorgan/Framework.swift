import ArgumentParser
import Foundation
import QorganCore
import QorganStore

struct Framework: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        commandName: "framework",
        abstract:
            "The results framework: goals → outcomes → outputs → indicators with baselines and targets (one JSON document, every version kept).",
        subcommands: [Import.self, Export.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Replace the framework with a JSON document (checked against the metadata).")
        @OptionGroup var store: StoreOptions
        @Argument var file: String
        func run() throws {
            try guarded {
                let f = try decodeJSON(ResultsFramework.self, try readFile(file), source: file)
                let version = try store.open().setResultsFramework(f, source: file, user: store.user)
                print("Saved the results framework, version \(version): \(f.indicators.count) indicators.")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "Write the framework as JSON.")
        @OptionGroup var store: StoreOptions
        @Option var output: String?
        func run() throws {
            try guarded {
                guard let f = try store.open().resultsFramework() else {
                    throw QorganError.notFound(kind: "results framework", key: "-")
                }
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                try write(try e.encode(f) + Data("\n".utf8), to: output)
            }
        }
    }
}
