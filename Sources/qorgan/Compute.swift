import ArgumentParser
import Foundation
import QorganCore
import QorganReports
import QorganStore

struct Compute: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        abstract:
            "Compute one value with the reference aggregation: an element, ELEMENT.COMBO or an indicator, for a unit and periods.",
        discussion: "Example: qorgan compute IND_TG_COVERAGE --unit KZ --periods 2016")
    @OptionGroup var store: StoreOptions
    @Argument(help: "A data element, ELEMENT.COMBO operand, or indicator (code or uid).") var item: String
    @Option(help: "Organisation unit (code or uid); its whole subtree counts.") var unit: String
    @Option(help: "A period or range: 2016, 2013..2017, 2016Q2..2017Q1.") var periods: String

    func run() throws {
        try guarded {
            let s = try store.open()
            let agg = try s.referenceAggregator()
            let c = agg.catalog
            guard let u = c.unit(unit) else { throw QorganError.notFound(kind: "organisation unit", key: unit) }
            let sel = try PeriodSelection(periods)
            if let ind = c.indicator(item) {
                let r = agg.indicator(ind.uid, unit: u.uid, span: sel.span)
                let show = { (v: Double?) in v.map { formatFigure($0, decimals: ind.decimals) } ?? "no data" }
                print("\(ind.code) \(u.code) \(sel): \(show(r?.value))")
                print(
                    "  numerator \(r?.numerator.map(formatNumber) ?? "no data"), denominator \(r?.denominator.map(formatNumber) ?? "no data"), factor \(formatNumber(ind.factor))"
                )
                return
            }
            let parts = item.split(separator: ".", maxSplits: 1).map(String.init)
            guard let el = c.element(parts[0]) else {
                throw QorganError.notFound(kind: "data element or indicator", key: item)
            }
            if parts.count == 2, c.optionCombo(parts[1], of: el) == nil {
                throw QorganError.invalidArgument("data element '\(el.code)' has no option combination '\(parts[1])'")
            }
            let v = agg.value(
                parts.count == 2 ? .operand(element: el.uid, optionCombo: parts[1]) : .element(el.uid), unit: u.uid,
                periods: sel)
            print("\(item) \(u.code) \(sel) (\(el.aggregationType.rawValue)): \(v.map(formatNumber) ?? "no data")")
        }
    }
}
