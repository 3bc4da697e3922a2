import ArgumentParser
import Foundation
import QorganAnalytics
import QorganCore
import QorganReports
import QorganStore

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the programme's key figures, computed from the data by the indicator machinery.")
    @OptionGroup var store: StoreOptions
    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }
    @Option(help: "table or json.") var format: Format = .table

    func run() throws {
        try guarded {
            let (s, engine) = try store.openWithEngine()
            let report = ProgrammeReport(aggregator: engine.snapshot())
            switch format {
            case .table:
                if report.figures.isEmpty { print("The database defines no report figures (qorgan demo writes a programme that does)."); return }
                print(report.table(), terminator: "")
                if let notice = try s.setting("demo.notice") { print("\n" + notice) }
            case .json:
                FileHandle.standardOutput.write(try report.json() + Data("\n".utf8))
            }
        }
    }
}
