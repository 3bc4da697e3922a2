import ArgumentParser
import Foundation
import QorganCore
import QorganStore

struct Outliers: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Values far from their own history: the largest outliers of a scope, or min-max bounds generated.",
        discussion: """
            Each value is judged against its series: the same unit, element and combination over the periods of its type.
            Examples:
              qorgan outliers --periods 2017 --unit ALA
              qorgan outliers --periods 2013..2017 --algorithm Z_SCORE --threshold 3 --max 20 --format json
              qorgan outliers --generate-bounds --data-set PREVENTION --unit ALA    # then --algorithm MIN_MAX_VALUES
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "A period or range whose values are judged: 2017, 2016..2017.") var periods: String?
    @Option(help: "Organisation units (code or uid), each with its subtree; the whole hierarchy when absent.")
    var unit: [String] = []
    @Option(help: "Only the elements of this form (code or uid).") var dataSet: String?
    @Option(help: "MOD_Z_SCORE (default), Z_SCORE or MIN_MAX_VALUES.") var algorithm = "MOD_Z_SCORE"
    @Option(help: "Scores above it are outliers (default 3.5, or 3 for Z_SCORE).") var threshold: Double?
    @Option(help: "At most this many, the largest first.") var max = 50
    @Option(help: "table or json.") var format = "table"
    @Flag(help: "Generate min-max bounds from the history for --data-set in each --unit's subtree.")
    var generateBounds = false

    func run() throws {
        try guarded {
            let s = try store.open()
            let catalog = try s.catalog()
            var scope = ScopeOptions(catalog)
            let alg = OutlierAlgorithm(name: algorithm)
            scope.check(
                alg != nil, "--algorithm", algorithm, OutlierAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))
            if let threshold {
                scope.check(threshold > 0 && threshold <= 99, "--threshold", String(threshold), "above 0, at most 99")
            }
            scope.check((1...10_000).contains(max), "--max", String(max), "from 1 to 10000")
            scope.check(["table", "json"].contains(format), "--format", format, "table or json")
            let form = scope.form(dataSet)
            let span = scope.span(periods, required: !generateBounds)
            var roots = scope.units(unit, rootsOn: nil)
            scope.check(
                !generateBounds || (form != nil && !roots.isEmpty), "--generate-bounds", nil,
                "needs --data-set and --unit")
            try scope.done("the outlier search")
            guard let alg else { return }
            if generateBounds, let form {
                var all: [MinMaxBounds] = []
                for root in roots { all += try s.generatedBounds(catalog, form: form, root: root) }
                try s.saveBounds(all, by: store.user)
                print("Generated min-max bounds for \(all.count) series of \(form.code).")
                if span == nil { return }
            }
            guard let span else { return }
            if roots.isEmpty { roots = catalog.roots(on: span.end).map(\.uid) }
            let elements = (form?.dataElements.compactMap { catalog.element($0) } ?? catalog.dataElements).filter {
                $0.valueType.isNumeric && $0.derivedFrom == nil
            }
            let values = try s.values(elements: elements.map(\.uid)).filter { v in
                roots.contains { catalog.isInSubtree(v.key.unit, of: $0, on: v.key.period.start) }
            }
            let found = OutlierDetection.detect(
                values, inScope: { span.contains($0.period.span) }, algorithm: alg,
                threshold: threshold ?? alg.defaultThreshold,
                bounds: alg == .minMax ? try s.minMaxBounds(elements: elements.map(\.uid)) : [:], limit: max)
            func fmt(_ d: Double?) -> String { d.map { formatNumber(($0 * 100).rounded() / 100) } ?? "-" }
            if format == "json" {
                let rows: [JSONValue] = found.map { o in
                    .object([
                        ("de", .string(catalog.element(o.key.element)?.code ?? o.key.element)),
                        ("coc", .string(catalog.optionCombo(uid: o.key.optionCombo)?.code ?? o.key.optionCombo)),
                        ("ou", .string(catalog.unit(o.key.unit)?.code ?? o.key.unit)),
                        ("pe", .string(o.key.period.iso)),
                        ("value", .number(o.value)), ("median", o.statistics.map { .number($0.median) } ?? .null),
                        ("mean", o.statistics.map { .number(($0.mean * 1000).rounded() / 1000) } ?? .null),
                        ("score", o.score.map { .number(($0 * 1000).rounded() / 1000) } ?? .null),
                        ("followup", .bool(o.followUp)),
                    ])
                }
                print(String(decoding: JSONValue.array(rows).data, as: UTF8.self))
                return
            }
            print(
                "\(found.count) outlier\(found.count == 1 ? "" : "s") (\(alg.rawValue), threshold \(fmt(threshold ?? alg.defaultThreshold)))"
            )
            var rows = [
                ["element", "combination", "unit", "period", "value", "median", "score", "bounds", "follow-up"]
            ]
            for o in found {
                rows.append([
                    catalog.element(o.key.element)?.code ?? o.key.element,
                    catalog.optionCombo(uid: o.key.optionCombo)?.code ?? "",
                    catalog.unit(o.key.unit)?.code ?? o.key.unit,
                    o.key.period.iso, fmt(o.value), fmt(o.statistics?.median),
                    o.score.map { String(format: "%.1f", $0) } ?? "-",
                    o.bounds.map { "\(fmt($0.min))-\(fmt($0.max))" } ?? "-", o.followUp ? "yes" : "",
                ])
            }
            printTable(rows)
        }
    }
}
