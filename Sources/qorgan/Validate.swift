import ArgumentParser
import Foundation
import QorganAnalytics
import QorganCore
import QorganStore

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the validation rules on the data: every rule, unit and period in a scope.",
        discussion: """
            Examples:
              qorgan validate --unit KZ --periods 2017
              qorgan validate --unit ALA --periods 2016..2017 --rule MARGINALISED_WITHIN_DRAWN_IN --format json
            Exit status: 0 when every checked rule holds, 3 when there are violations, 1 on an error.
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "Organisation units (code or uid): each and its subtree.") var unit: [String] = []
    @Option(help: "A period or range whose days are checked: 2017, 2016..2017, 2017Q1.") var periods: String
    @Option(help: "Only these rules (code or uid).") var rule: [String] = []
    @Option(help: "Only the rules of this form (code or uid).") var dataSet: String?
    @Option(help: "Names in this language (en, ru, kk).") var language = "en"
    @Option(help: "table or json.") var format = "table"

    func run() throws {
        var violated = false
        try guarded {
            guard ["table", "json"].contains(format) else {
                throw QorganError.invalidArgument("--format is table or json, not '\(format)'")
            }
            let (_, engine) = try store.openWithEngine()
            let state = engine.snapshot()
            let catalog = state.catalog
            var problems: [Problem] = []
            let selection: PeriodSelection
            do { selection = try PeriodSelection(periods) } catch let e as QorganError {
                problems.append(Problem(field: "--periods", value: periods, reason: e.description))
                selection = PeriodSelection(.day(Day.firstOfMonth(2000, 1)))
            }
            let units =
                unit.isEmpty
                ? catalog.roots(on: selection.span.end).map(\.uid)
                : unit.compactMap { ref -> String? in
                    if let u = catalog.unit(ref) { return u.uid }
                    problems.append(
                        Problem(field: "--unit", value: ref, reason: "no organisation unit with this code or uid"))
                    return nil
                }
            let rules = rule.compactMap { ref -> String? in
                if let r = catalog.validationRule(ref) { return r.uid }
                problems.append(
                    Problem(field: "--rule", value: ref, reason: "no validation rule with this code or uid"))
                return nil
            }
            var form: String? = nil
            if let dataSet {
                if let ds = catalog.dataSet(dataSet) {
                    form = ds.uid
                } else {
                    problems.append(
                        Problem(field: "--data-set", value: dataSet, reason: "no data set with this code or uid"))
                }
            }
            if !problems.isEmpty { throw QorganError.invalidRequest(what: "the validation", problems: problems) }
            let outcome = try state.validate(
                ValidationScope(units: units, span: selection.span, rules: rules, dataSet: form))
            violated = !outcome.violations.isEmpty
            if format == "json" {
                print(String(decoding: outcome.json(catalog: catalog, language: language).data, as: UTF8.self))
                return
            }
            print(
                "\(outcome.rules.count) rules, \(outcome.checked) checks with data (of \(outcome.considered)), \(outcome.violations.count) violations"
            )
            if outcome.violations.isEmpty { return }
            var rows = [["importance", "rule", "period", "unit", "left", "", "right", "rule name"]]
            for v in outcome.violations {
                let r = catalog.validationRule(v.rule)
                rows.append([
                    v.importance.rawValue, r?.code ?? v.rule, v.period, catalog.unit(v.unit)?.code ?? v.unit,
                    v.leftValue.map(formatNumber) ?? "no data", r?.operator.symbol ?? "",
                    v.rightValue.map(formatNumber) ?? "no data", r?.name(in: language) ?? "",
                ])
            }
            let widths = (0..<rows[0].count).map { i in rows.map { $0[i].count }.max() ?? 0 }
            for row in rows {
                print(
                    row.enumerated().map { i, cell in
                        i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    }.joined(separator: "  "))
            }
        }
        if violated { throw ExitCode(3) }
    }
}
