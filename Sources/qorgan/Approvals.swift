import ArgumentParser
import Foundation
import QorganCore
import QorganStore

struct Approvals: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Where the sign-off of a form's data stands, unit by unit and period by period.",
        discussion: """
            Steps are taken in the web application or through the API (POST /api/dataApprovals), where the signer's
            role and units decide; this command reads.
            Examples:
              qorgan approvals --data-set SECURITY --periods 2017
              qorgan approvals --data-set PREVENTION --periods 201709 --unit ALA --history
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "The form (code or uid).") var dataSet: String
    @Option(help: "A period or range: 2017, 2016..2017.") var periods: String
    @Option(help: "Organisation units (code or uid), each with its subtree; the whole hierarchy when absent.")
    var unit: [String] = []
    @Flag(help: "Every step of each form's approval too.") var history = false

    func run() throws {
        try guarded {
            let s = try store.open()
            let catalog = try s.catalog()
            var scope = ScopeOptions(catalog)
            let form = scope.form(dataSet)
            let span = scope.span(periods)
            let roots = scope.units(unit, rootsOn: span?.end)
            try scope.done("the approvals")
            guard let form, let span else { return }
            let approvals = Dictionary(
                try s.approvals(dataSet: form.uid).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
            let completions = Set(try s.completions(dataSet: form.uid).map { "\($0.period)|\($0.unit)" })
            let levelName = { (level: Int) in
                catalog.organisationUnitLevels.first { $0.level == level }?.name ?? "level \(level)"
            }
            var counts: [String: Int] = [:]
            var rows = [["period", "unit", "state", "by", "at"]]
            for p in Period.periods(of: form.periodType, within: span) {
                for u in form.organisationUnits {
                    guard let unit = catalog.unit(u), unit.isOpen(throughout: p.span),
                        roots.contains(where: { catalog.isInSubtree(u, of: $0, on: p.start) })
                    else { continue }
                    let a = approvals["\(form.uid)|\(p.iso)|\(u)"]
                    let state =
                        a.map { $0.level == 1 ? "approved: national" : "approved: \(levelName($0.level))" }
                        ?? (completions.contains("\(p.iso)|\(u)") ? "complete, not approved" : "not complete")
                    counts[state, default: 0] += 1
                    rows.append([
                        p.iso, unit.code, state, a?.by ?? "", a.map { Timestamp.display($0.at) } ?? "",
                    ])
                    if history, a != nil || completions.contains("\(p.iso)|\(u)") {
                        for e in try s.approvalHistory(dataSet: form.uid, period: p.iso, unit: u) {
                            rows.append([
                                "", "",
                                "  \(e.action.rawValue.lowercased())"
                                    + (e.level.map { " → \(levelName($0))" } ?? "")
                                    + (e.reason.map { ": \($0)" } ?? ""),
                                e.by, Timestamp.display(e.at),
                            ])
                        }
                    }
                }
            }
            print(
                "\(form.code) \(periods): "
                    + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            printTable(rows)
        }
    }
}
