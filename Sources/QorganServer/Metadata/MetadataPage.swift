import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// The programme's metadata as a page: units, elements, forms and indicators.
extension PageHandlers {
    /// The most lines (or bar groups) a pivot's chart draws.
    static let chartSeries = 24

    func metadata(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let today = state.today
        var units: [Ctx] = []
        func add(_ u: OrgUnit, _ depth: Int) {
            units.append([
                "code": u.code, "name": u.name(in: lang), "level": depth + 1,
                "href": Self.editPath(kind: "organisationUnit", code: u.code),
                "opening": u.openingDate.description, "closing": u.closingDate?.description ?? "",
            ])
            for ch in catalog.children(of: u.uid, on: today) { add(ch, depth + 1) }
        }
        for uid in user.units { if let u = catalog.unit(uid) { add(u, 0) } }
        let canMaintain = user.role.canManageUsers
        let national = canMaintain && user.isNational(in: catalog, on: today)
        return render(
            "metadata", c, r, title: t["nav_metadata"] ?? "Metadata", active: "metadata",
            [
                "canMaintain": canMaintain, "national": national,
                "units": units,
                "elements": catalog.dataElements.map { e -> Ctx in
                    [
                        "code": e.code, "name": e.name(in: lang),
                        "href": Self.editPath(kind: "dataElement", code: e.code),
                        "valueType": t["valueType_" + e.valueType.rawValue] ?? e.valueType.rawValue,
                        "aggregation": e.aggregationType.rawValue,
                        "combos": catalog.optionCombos(of: e).filter { $0.code != "default" }.map {
                            catalog.name(of: $0, in: lang)
                        }.joined(
                            separator: ", "),
                    ]
                },
                "dataSets": catalog.dataSets.map { d -> Ctx in
                    [
                        "code": d.code, "name": d.name(in: lang),
                        "href": Self.editPath(kind: "dataSet", code: d.code),
                        "periodType": t["periodType_" + d.periodType.rawValue] ?? d.periodType.rawValue,
                        "elements": d.dataElements.compactMap { catalog.element($0)?.code }.joined(separator: ", "),
                        "expiry": d.expiryDays,
                        "units": d.organisationUnits.filter { user.canSee($0, in: catalog, on: today) }.count,
                    ]
                },
                "rules": catalog.validationRules.map { v -> Ctx in
                    [
                        "code": v.code, "name": v.name(in: lang),
                        "href": Self.editPath(kind: "validationRule", code: v.code),
                        "importance": t["validation_importance_" + v.importance.rawValue] ?? v.importance.rawValue,
                        "periodType": t["maintain_period_" + v.periodType.rawValue] ?? v.periodType.rawValue,
                    ]
                },
                "indicators": catalog.indicators.map { i -> Ctx in
                    [
                        "code": i.code, "name": i.name(in: lang),
                        "href": Self.editPath(kind: "indicator", code: i.code), "numerator": i.numerator,
                        "denominator": i.denominator,
                        "factor": Chart.format(i.factor, 0),
                        "target": i.target.map { Chart.format($0, i.decimals) } ?? "",
                    ]
                },
            ])
    }
}
