import ArgumentParser
import Foundation
import QorganAnalytics
import QorganCore
import QorganStore

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
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
            var scope = ScopeOptions(catalog)
            let span = scope.span(periods)
            let units = scope.units(unit, rootsOn: span?.end)
            var rules: [String] = []
            for ref in rule {
                if let r = catalog.validationRule(ref) {
                    rules.append(r.uid)
                } else {
                    scope.check(false, "--rule", ref, "no validation rule with this code or uid")
                }
            }
            let form = scope.form(dataSet)?.uid
            try scope.done("the validation")
            guard let span else { return }
            let outcome = try state.validate(
                ValidationScope(units: units, span: span, rules: rules, dataSet: form))
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
            printTable(rows)
        }
        if violated { throw ExitCode(3) }
    }
}
