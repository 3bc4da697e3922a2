import ArgumentParser
import Foundation
import QorganCore
import QorganStore

struct CompletenessCommand: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        commandName: "completeness",
        abstract: "How completely and how timely a form was reported: by unit, by period, and who has not reported.",
        discussion: """
            Expected: units assigned to the form, open throughout the period. Reported: completed, or with a value.
            Complete on time: completed no later than the form's timelyDays after the period ended.
            Examples:
              qorgan completeness --data-set PREVENTION --unit ZKO --periods 2017
              qorgan completeness --data-set SECURITY --periods 2013..2017 --by period --format json
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "The form (code or uid).") var dataSet: String
    @Option(help: "Organisation units (code or uid): each and its subtree; the whole hierarchy when absent.")
    var unit: [String] = []
    @Option(help: "A period or range: 2017, 2013..2017, 2017Q1..2017Q2.") var periods: String
    @Option(help: "Rows by unit or by period.") var by = "unit"
    @Option(help: "Names in this language (en, ru, kk).") var language = "en"
    @Option(help: "table or json.") var format = "table"

    func run() throws {
        try guarded {
            let s = try store.open()
            let catalog = try s.catalog()
            var scope = ScopeOptions(catalog)
            scope.check(["table", "json"].contains(format), "--format", format, "table or json")
            scope.check(["unit", "period"].contains(by), "--by", by, "unit or period")
            let form = scope.form(dataSet)
            let span = scope.span(periods)
            let roots = scope.units(unit, rootsOn: span?.end)
            try scope.done("the completeness")
            guard let form, let span else { return }
            let result = try s.completeness(of: form, roots: roots, span: span, catalog: catalog)
            if format == "json" {
                print(String(decoding: result.json(catalog: catalog, language: language).data, as: UTF8.self))
                return
            }
            func pct(_ r: Double?) -> String { r.map { String(format: "%.1f %%", $0) } ?? "–" }
            let total = result.total
            print(
                "\(form.code) \(periods): \(total.complete) of \(total.expected) reports complete (\(pct(total.reportingRate))), \(total.onTime) on time (\(pct(total.onTimeRate))), \(total.expected - total.reported) not reported"
            )
            var rows = [[by, "expected", "reported", "complete", "on time", "rate", "on-time rate"]]
            func row(_ label: String, _ c: Completeness.Counts) -> [String] {
                [
                    label, String(c.expected), String(c.reported), String(c.complete), String(c.onTime),
                    pct(c.reportingRate), pct(c.onTimeRate),
                ]
            }
            if by == "unit" {
                let counts = result.byUnit
                for u in result.units {
                    rows.append(row(catalog.unit(u)?.code ?? u, counts[u] ?? Completeness.Counts()))
                }
            } else {
                let counts = result.byPeriod
                for p in result.periods { rows.append(row(p.iso, counts[p] ?? Completeness.Counts())) }
            }
            printTable(rows, right: Set(1..<rows[0].count))
            let missing = result.missing
            if !missing.isEmpty {
                print("not reported (\(missing.count)):")
                for m in missing.prefix(50) { print("  \(m.period.iso)  \(catalog.unit(m.unit)?.code ?? m.unit)") }
                if missing.count > 50 { print("  … and \(missing.count - 50) more (--format json lists all)") }
            }
        }
    }
}
