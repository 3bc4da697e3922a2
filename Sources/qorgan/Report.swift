import ArgumentParser
import Foundation
import QorganAnalytics
import QorganCore
import QorganReports
import QorganStore

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "The programme report, computed from the data: key figures, summary, progress, sections.",
        discussion: """
            table (default): the key figures F1–F11. json: the whole report as data. md, html, pdf (HTML printed by
            headless Chromium), xlsx (a sheet per section, real numbers). The public edition suppresses small counts
            so that none can be worked out from the totals.
              qorgan report --format html --output report.html --periods 2013..2017 --unit KZ --language ru
              qorgan report --format pdf --output report.pdf --edition public --threshold 5
            """)
    @OptionGroup var store: StoreOptions
    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, md, html, pdf, xlsx }
    @Option(help: "table, json, md, html, pdf or xlsx.") var format: Format = .table
    @Option(help: "The periods the report covers (default: those of its figures, e.g. 2013..2017).") var periods:
        String?
    @Option(help: "The unit it is about (default: the root).") var unit: String?
    @Option(help: "en, ru or kk.") var language = "en"
    @Option(help: "full or public.") var edition = "full"
    @Option(help: "Public edition: counts below this are suppressed.") var threshold: Double = 5
    @Flag(help: "Only data approved to the national level (and the registers'); the report says so.")
    var approvedOnly = false
    @Option(help: "Where figures link to (default /trace?, as in the web application).") var traceBase = "/trace?"
    @Option(help: "The file to write (default: standard output; required for pdf and xlsx).") var output: String?

    func run() throws {
        try guarded {
            let (s, engine) = try store.openWithEngine()
            if format == .table && engine.snapshot().catalog.reportFigures.isEmpty {
                print("The database defines no report figures (qorgan demo writes a programme that does).")
                return
            }
            // Every format, the table included, is the one document built from the options read once.
            let doc = try ReportOptions.build(
                store: s, snapshot: engine.snapshot(), periods: periods, unit: unit, language: language,
                edition: edition, threshold: threshold, approvedOnly: approvedOnly)
            switch format {
            case .table: try write(Data(doc.table().utf8), to: output)
            case .json: try write(try doc.json() + Data("\n".utf8), to: output)
            case .md: try write(Data(doc.markdown().utf8), to: output)
            case .html: try write(Data(doc.html(traceBase: traceBase).utf8), to: output)
            case .xlsx:
                guard let output, output != "-" else {
                    throw QorganError.invalidArgument("--format xlsx needs --output FILE.xlsx")
                }
                try write(doc.workbook(), to: output)
            case .pdf:
                guard let output, output != "-" else {
                    throw QorganError.invalidArgument("--format pdf needs --output FILE.pdf")
                }
                do {
                    try write(try PDF.data(html: doc.html(traceBase: traceBase)), to: output)
                } catch let e as PDF.Failure {
                    throw QorganError.invalidArgument(e.message)
                }
            }
        }
    }
}
