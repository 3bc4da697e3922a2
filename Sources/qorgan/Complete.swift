import ArgumentParser
import Foundation
import QorganAnalytics
import QorganCore
import QorganStore

/// Marks a form complete for a unit and period, or incomplete again: the same rules as the entry
/// page's *Mark complete* (a high importance rule broken refuses it; a medium or low one needs a
/// comment; approved data are locked).
struct Complete: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract: "Mark a form complete for a unit and period, or (--incomplete) open it again.",
        discussion: """
            A completed form is read-only on every surface until it is marked incomplete again.
            Examples:
              qorgan complete --data-set SECURITY --unit ZKO --period 201711 --incomplete
              qorgan complete --data-set SECURITY --unit ZKO --period 201711
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "The form (code or uid).") var dataSet: String
    @Option(help: "The organisation unit (code or uid).") var unit: String
    @Option(help: "The period of the form's type, e.g. 201711.") var period: String
    @Flag(help: "Mark the form incomplete, so that its values can change again.") var incomplete = false
    @Option(help: "Why it is complete although a medium or low importance rule is broken.") var comment: String?

    func run() throws {
        try guarded {
            let (s, engine) = try store.openWithEngine()
            let catalog = try s.catalog()
            var scope = ScopeOptions(catalog)
            let form = scope.form(dataSet)
            let u = catalog.unit(unit)
            scope.check(u != nil, "--unit", unit, "no organisation unit with this code or uid")
            let p = Period.parse(period)
            scope.check(p != nil, "--period", period, Period.problem(with: period))
            if let form, let p {
                scope.check(
                    p.type == form.periodType, "--period", period,
                    "\(form.code) is reported \(form.periodType.rawValue), not \(p.type.rawValue)")
            }
            if let c = comment { scope.check(c.count <= 1_000, "--comment", nil, "at most 1000 characters") }
            try scope.done("the completion")
            guard let form, let u, let p else { return }
            if !incomplete {
                let violations = try engine.snapshot().validate(
                    ValidationScope(units: [u.uid], span: p.span, dataSet: form.uid, exactUnits: true)
                ).violations
                let names = Set(violations.compactMap { catalog.validationRule($0.rule)?.name }).sorted()
                if violations.contains(where: { $0.importance == .high }) {
                    throw QorganError.conflict(
                        "\(form.code) for \(p.iso) breaks a high importance rule (\(names.joined(separator: "; "))): correct the data first; nothing was changed"
                    )
                }
                if !violations.isEmpty && (comment ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                    throw QorganError.conflict(
                        "\(form.code) for \(p.iso) breaks a rule (\(names.joined(separator: "; "))): give --comment to say why it is complete; nothing was changed"
                    )
                }
            }
            try s.setCompletion(
                dataSet: form.uid, period: p.iso, unit: u.uid, complete: !incomplete,
                comment: incomplete ? nil : comment, by: store.user)
            print(
                incomplete
                    ? "\(form.code) \(p.iso) \(u.code) is incomplete: its values can change."
                    : "\(form.code) \(p.iso) \(u.code) is complete: its values are read-only until it is marked incomplete."
            )
        }
    }
}
