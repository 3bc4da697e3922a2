import Foundation
import Hummingbird
import QorganAnalytics
import QorganCore
import QorganReports

/// The map: an indicator for the units below a chosen one (the regions of the country, the
/// offices of a region) in one year, as a choropleth with its values as a table.
extension PageHandlers {
    func map(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let snapshot = state.engine.snapshot()
        let catalog = snapshot.catalog
        let lang = c.language
        let t = state.messages.table(lang)
        let years = years()
        let dxParam = HTTP.param(r, "dx")
        let indicator: Indicator?
        if let dxParam {
            guard let found = catalog.indicator(dxParam) else {
                throw APIError.badRequest("dx", dxParam, "no indicator with this code or uid")
            }
            indicator = found
        } else {
            indicator =
                catalog.reportFigures.lazy.compactMap { catalog.indicator($0.indicator) }.first
                ?? catalog.indicators.first
        }
        let year = try HTTP.year(r, "year") ?? defaultYears().upperBound
        guard years.contains(year) else {
            throw APIError.badRequest(
                "year", String(year), "a year from \(years.first ?? year) to \(years.last ?? year)")
        }
        let ou = HTTP.param(r, "ou") ?? user.units.first ?? ""
        var ctx: Ctx = [
            "indicators": catalog.indicators.map {
                ["code": $0.code, "name": $0.name(in: lang), "selected": $0.uid == indicator?.uid] as Ctx
            },
            "units": unitChoices(user, catalog, selected: ou, lang: lang),
            "years": years.map { ["year": $0, "selected": $0 == year] as Ctx },
        ]
        guard let indicator else {
            return render("map", c, r, title: t["map_title"] ?? "Map", active: "map", ctx)
        }
        let spec = QuerySpec(dx: [indicator.uid], pe: ["\(year)"], ou: ["CHILDREN:\(ou)"])
        let result = try Analytics.run(spec, user: user, snapshot: snapshot, today: state.today, language: lang)
        var values: [String: Double] = [:]
        for row in result.rows { values[row.ou] = row.value }
        let parent = catalog.unit(ou)
        let areas = catalog.children(of: parent?.uid ?? ou, on: state.today)
        let title =
            "\(indicator.name(in: lang)), \(parent?.name(in: lang) ?? ""), \(year)"
        ctx["map"] = mapContext(
            title: title, indicator: indicator, areas: areas, values: values, catalog: catalog, t: t, lang: lang)
        return render("map", c, r, title: t["map_title"] ?? "Map", active: "map", ctx)
    }

    /// The map and its table for a template (`map-figure.mustache`).
    func mapContext(
        title: String, indicator: Indicator, areas: [OrgUnit], values: [String: Double], catalog: Catalog,
        t: [String: String], lang: String
    ) -> Ctx {
        let unit = measureUnit(catalog.measure(of: indicator), t)
        let format: (Double) -> String = { Chart.format($0, indicator.decimals) + unit }
        let shaped = areas.compactMap { u -> ChoroplethMap.Area? in
            guard let g = u.geometry else { return nil }
            return ChoroplethMap.Area(code: u.code, name: u.name(in: lang), geometry: g, value: values[u.uid])
        }
        let svg = ChoroplethMap.svg(
            title: title, areas: shaped, format: format, noData: t["map_noData"] ?? "no data",
            schematicNote: t["map_schematic"] ?? "Schematic map")
        return [
            "title": title, "svg": svg.nilIfEmpty as Any, "noShapes": svg.isEmpty,
            "rows": areas.sorted { $0.name(in: lang) < $1.name(in: lang) }.map { u -> Ctx in
                ["name": u.name(in: lang), "value": values[u.uid].map(format) ?? "–"]
            },
        ]
    }
}
