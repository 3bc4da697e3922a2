import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// The dashboard: the programme's key figures for a unit and years, as cards with charts.
extension PageHandlers {
    func dashboard(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let (snapshot, generation) = state.engine.versionedSnapshot()
        let catalog = snapshot.catalog
        let lang = c.language
        let t = state.messages.table(lang)
        let unitRef = HTTP.param(r, "ou") ?? user.units.first ?? ""
        guard let unit = catalog.unit(unitRef) else {
            throw APIError.unknown("ou", unitRef, "no organisation unit with this code or uid")
        }
        guard user.canSee(unit.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(unitRef) }
        let range = defaultYears()
        let from = try HTTP.year(r, "from") ?? range.lowerBound
        let to = try HTTP.year(r, "to") ?? range.upperBound
        guard from <= to, to - from < 30 else {
            throw APIError.badRequest(
                "from", String(from), "the first year must not be after the last (at most 30 years)")
        }
        let labels = (from...to).map(String.init)
        // The cards depend on the unit, the years, the language and the engine's state only.
        let cacheKey = "\(unit.uid)|\(from)|\(to)|\(lang)"
        let cardsHTML: String
        if let hit = state.dashboards.get(cacheKey, generation: generation) {
            cardsHTML = String(decoding: hit.body, as: UTF8.self)
        } else {
            let cards = try dashboardCards(
                unit: unit, labels: labels, from: from, to: to, user: user, snapshot: snapshot, lang: lang, t: t)
            cardsHTML =
                state.templates.render(Self.dropNils(["cards": cards, "t": t] as Ctx), withTemplate: "dashboard-cards")
                ?? ""
            state.dashboards.put(
                cacheKey, generation: generation,
                .init(body: Data(cardsHTML.utf8), contentType: "text/html", filename: nil))
        }
        return render(
            "dashboard", c, r, title: t["nav_dashboard"] ?? "Dashboard", active: "dashboard",
            [
                "unitName": unit.name(in: lang), "units": unitChoices(user, catalog, selected: unit.uid, lang: lang),
                "years": years().map { ["year": $0, "from": $0 == from, "to": $0 == to] as Ctx },
                "from": from, "to": to, "cardsHTML": cardsHTML, "empty": catalog.reportFigures.isEmpty,
                // The user's own dashboards and the shared ones, beside the programme's.
                "kept": try state.store.dashboards(visibleTo: user.username).map {
                    ["href": "/dashboards/\($0.uid)", "name": $0.name] as Ctx
                },
            ])
    }

    /// One card per key indicator (those of the report's figures): latest value, change, target, chart.
    func dashboardCards(
        unit: OrgUnit, labels: [String], from: Int, to: Int, user: Principal, snapshot: EngineState,
        lang: String, t: [String: String]
    ) throws -> [Ctx] {
        let catalog = snapshot.catalog
        var seen = Set<String>()
        let indicators = catalog.reportFigures.compactMap { catalog.indicator($0.indicator) }.filter {
            seen.insert($0.uid).inserted
        }
        // The programme's targets are the results framework's (the report's): the one for the last
        // year shown, else its last; an indicator outside the framework keeps its own.
        var framed: [String: ResultsFramework.FrameworkIndicator] = [:]
        for (_, fi) in try state.store.resultsFramework()?.indicators ?? [] {
            if let uid = catalog.indicator(fi.indicator)?.uid, framed[uid] == nil { framed[uid] = fi }
        }
        func target(_ ind: Indicator) -> (value: Double, higherIsBetter: Bool)? {
            guard let fi = framed[ind.uid], !fi.targets.isEmpty else { return ind.target.map { ($0, true) } }
            let upTo = fi.targets.filter { (Int($0.period.prefix(4)) ?? Int.max) <= to }
            return ((upTo.last ?? fi.targets.last)?.value ?? 0, fi.higherIsBetter ?? true)
        }
        var cards: [Ctx] = []
        if !indicators.isEmpty {
            var spec = QuerySpec(dx: indicators.map(\.uid), pe: labels, ou: [unit.uid])
            spec.filters = []
            let result = try Analytics.run(spec, user: user, snapshot: snapshot, today: state.today, language: lang)
            var values: [String: [String: Double]] = [:]
            for row in result.rows { values[row.dx, default: [:]][row.pe] = row.value }
            for ind in indicators {
                let series = labels.map { values[ind.uid]?[$0] }
                let lastIndex = series.lastIndex { $0 != nil }
                let latest = lastIndex.flatMap { series[$0] }
                let previous = lastIndex.flatMap { i in series[..<i].last { $0 != nil } ?? nil }
                // Values with their unit: "20.7 %", a change in percentage points.
                let measure = catalog.measure(of: ind)
                let unitText = measureUnit(measure, t)
                var card: Ctx = [
                    "code": ind.code, "name": ind.name(in: lang), "uid": ind.uid,
                    "latest": latest.map { Chart.format($0, ind.decimals) } ?? "–",
                    "unit": (latest == nil ? nil : unitText.nilIfEmpty) as Any,
                    "latestYear": lastIndex.map { labels[$0] } ?? "",
                    "pivotHref": "/pivot?dx=\(ind.uid)&from=\(from)&to=\(to)&ou=\(unit.uid)&children=1",
                ]
                // A headline from an earlier year says that the later years shown have no data.
                if let i = lastIndex, i < labels.count - 1 {
                    let after = labels[i + 1] == labels[labels.count - 1] ? labels[i + 1] : "\(labels[i + 1])–\(to)"
                    card["stale"] = fill(t["dashboard_noDataFor"] ?? "", ["years": after])
                } else if lastIndex == nil {
                    card["stale"] = fill(
                        t["dashboard_noDataFor"] ?? "", ["years": from == to ? "\(from)" : "\(from)–\(to)"])
                }
                if let latest, let previous {
                    let d = latest - previous
                    card["change"] =
                        (d > 0 ? "+" : d < 0 ? "−" : "±") + Chart.format(abs(d), ind.decimals)
                        + (measure == .percent ? " " + (t["unit_points"] ?? "pp") : unitText)
                    card["trend"] = d > 0 ? "up" : d < 0 ? "down" : "flat"
                }
                let goal = target(ind)
                if let goal {
                    card["target"] = Chart.format(goal.value, ind.decimals) + unitText
                    if let latest {
                        card["targetMet"] = goal.higherIsBetter ? latest >= goal.value : latest <= goal.value
                    }
                }
                // Counts as bars (a missing year reads as none), rates and percentages as a line.
                let isCount = measure == .count
                card["chart"] = Chart.svg(
                    isCount ? .bar : .line, title: ind.name(in: lang), labels: labels,
                    series: [Chart.Series(name: unit.name(in: lang), values: series)],
                    target: goal?.value, targetLabel: t["dashboard_target"] ?? "target", decimals: ind.decimals,
                    width: 460, height: 200, showTitle: false)
                cards.append(card)
            }
        }
        return cards
    }
}
