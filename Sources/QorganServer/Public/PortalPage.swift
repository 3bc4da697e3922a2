import Foundation
import HTTPTypes
import Hummingbird
import QorganAnalytics
import QorganCore
import QorganReports

extension PortalData {
    /// Protected values of `indicators` × `years` × `units` (one year a column), by indicator, unit
    /// and year.
    func values(_ indicators: [String], years: [Int], units: [String]) throws -> [String: [String: [Int: Double]]] {
        let query = AnalyticsQuery(
            data: indicators.map { .indicator($0) },
            periods: years.compactMap { Period.year($0) }.map(PeriodSelection.init),
            units: units, includeNumeratorDenominator: true)
        var result = try state.run(query)
        PublicProtection.protect(&result, counts: counts, keys: keys, method: method)
        var out: [String: [String: [Int: Double]]] = [:]
        for row in result.rows {
            guard let year = Int(row.pe) else { continue }
            out[row.dx, default: [:]][row.ou, default: [:]][year] = row.value
        }
        return out
    }
}

extension PageHandlers {
    /// `/public`: the portal. Key indicators for the country with their targets, a table builder
    /// (indicator × units of a level × years) with its downloads, and how the figures are
    /// protected. For anyone; a page per language (`?lang=`), cacheable.
    func portal(_ r: Request, _ c: AppContext) async throws -> Response {
        let portal = try state.portalData()
        // The page is the same for everyone who asks it alike until anything it shows changes: it
        // is computed once (a refused choice is answered, never kept).
        // Keyed by what the page reads, not the raw query: extra parameters make no new page.
        let choices = ["dx", "level", "from", "to"].map { HTTP.param(r, $0) ?? "" }.joined(separator: "|")
        let key = "portal|\(portal.signature)|\(c.language)|\(state.today)|\(choices)"
        do {
            let answer = try await state.answers.answer(key) {
                let page = try portalPage(r, c, portal)
                guard page.status == .ok else { throw RefusedPage(html: page.html, status: page.status) }
                let body = Data(page.html.utf8)
                return .init(
                    body: body, contentType: "text/html; charset=utf-8", filename: nil, tag: Handlers.entityTag(body))
            }
            return Handlers.cacheable(
                HTTP.data(answer.body, type: answer.contentType), body: answer.body, tag: answer.tag, r)
        } catch let refused as RefusedPage {
            return HTTP.html(refused.html, status: refused.status)
        }
    }

    struct RefusedPage: Error {
        var html: String
        var status: HTTPResponse.Status
    }

    /// The portal's page and its status.
    func portalPage(_ r: Request, _ c: AppContext, _ portal: PortalData) throws -> (
        html: String, status: HTTPResponse.Status
    ) {
        let catalog = portal.state.catalog
        let today = state.today
        let lang = c.language
        let t = state.messages.table(lang)
        let years = portal.publication.years(today: today).map { Array($0) } ?? []
        var ctx = portalContext(r, c, portal, path: "/public", params: ["dx", "level", "from", "to"])
        guard !portal.order.isEmpty, let first = years.first, let last = years.last else {
            ctx["empty"] = true
            return respond(r, c, ctx, title: t["portal_title"] ?? "Public figures")
        }
        let method = portal.method
        ctx["protection"] = fill(
            t["portal_protection"] ?? "",
            [
                "threshold": "\(method.threshold)", "d": "\(method.maxPerturbation)",
                "max": "\(method.threshold + method.maxPerturbation - 1)",
            ])
        ctx["yearsText"] = first == last ? "\(first)" : "\(first)–\(last)"
        // Key indicators for the country (the first published level's units, when the country is not published).
        let levels = portal.publication.levels.sorted()
        let topUnits = catalog.units(atLevel: levels.first ?? 1, on: today)
        if let top = topUnits.first, topUnits.count == 1 {
            let values = try portal.values(portal.order, years: years, units: [top.uid])
            ctx["place"] = top.name(in: lang)
            ctx["cards"] = portal.order.compactMap { uid -> Ctx? in
                guard let ind = catalog.indicator(uid) else { return nil }
                let series = years.map { values[uid]?[top.uid]?[$0] }
                let lastIndex = series.lastIndex { $0 != nil }
                let unit = measureUnit(catalog.measure(of: ind), t)
                var card: Ctx = [
                    "code": ind.code, "name": ind.name(in: lang),
                    "latest": lastIndex.flatMap { series[$0] }.map { Chart.format($0, ind.decimals) + unit } ?? "–",
                    "year": lastIndex.map { "\(years[$0])" } ?? "",
                    "tableHref":
                        "/public?dx=\(ind.code)&level=\(levels.last ?? 1)&from=\(first)&to=\(last)&lang=\(lang)#table",
                ]
                if let target = ind.target { card["target"] = Chart.format(target, ind.decimals) + unit }
                card["chart"] = Chart.svg(
                    portal.counts[uid]?.denominator == nil ? .bar : .line, title: ind.name(in: lang),
                    labels: years.map(String.init), series: [Chart.Series(name: top.name(in: lang), values: series)],
                    target: ind.target, targetLabel: t["dashboard_target"] ?? "target", decimals: ind.decimals,
                    width: 460, height: 200, showTitle: false)
                return card
            }
        }
        // The table builder.
        let dxParam = HTTP.param(r, "dx")
        let chosen = dxParam.flatMap { catalog.indicator($0) }.flatMap { portal.counts[$0.uid] != nil ? $0 : nil }
        if let dxParam, chosen == nil {
            return respondError(r, c, ctx, t, field: "dx", value: dxParam, reason: t["portal_notPublished"] ?? "")
        }
        var level = levels.last ?? 1
        if let text = HTTP.param(r, "level") {
            guard let l = Int(text), levels.contains(l) else {
                return respondError(r, c, ctx, t, field: "level", value: text, reason: t["portal_notPublished"] ?? "")
            }
            level = l
        }
        var chosenYears: [Int] = []
        for (name, fallback) in [("from", max(first, last - 4)), ("to", last)] {
            guard let text = HTTP.param(r, name) else {
                chosenYears.append(fallback)
                continue
            }
            guard let y = Int(text), years.contains(y) else {
                return respondError(
                    r, c, ctx, t, field: name, value: text,
                    reason: fill(t["portal_yearsPublished"] ?? "", ["years": "\(first)–\(last)"]))
            }
            chosenYears.append(y)
        }
        let from = chosenYears[0]
        let to = chosenYears[1]
        let span = from <= to ? Array(from...to) : Array(to...from)
        let indicator = chosen ?? catalog.indicator(portal.order[0])
        ctx["indicators"] = portal.order.compactMap { uid -> Ctx? in
            guard let ind = catalog.indicator(uid) else { return nil }
            return ["code": ind.code, "name": ind.name(in: lang), "selected": ind.uid == indicator?.uid]
        }
        ctx["levels"] = levels.map { l -> Ctx in
            [
                "level": l, "selected": l == level,
                "name": catalog.organisationUnitLevels.first { $0.level == l }?.name(in: lang) ?? "\(l)",
            ]
        }
        ctx["fromYears"] = years.map { ["year": $0, "selected": $0 == from] as Ctx }
        ctx["toYears"] = years.map { ["year": $0, "selected": $0 == to] as Ctx }
        if let indicator {
            let units = catalog.units(atLevel: level, on: today).sorted { $0.name(in: lang) < $1.name(in: lang) }
            let values = try portal.values([indicator.uid], years: span, units: units.map(\.uid))
            let isCount = portal.counts[indicator.uid]?.denominator == nil
            ctx["table"] =
                [
                    "caption": indicator.name(in: lang) + ", "
                        + (span.count == 1 ? "\(span[0])" : "\(span[0])–\(span[span.count - 1])"),
                    "years": span.map { ["year": $0] as Ctx },
                    // A count's total over the years shown is the sum of its published years: it
                    // tells nothing the years do not (a share has no such total).
                    "hasTotal": isCount && span.count > 1,
                    "rows": units.map { u -> Ctx in
                        let row = span.map { values[indicator.uid]?[u.uid]?[$0] }
                        let present = row.compactMap { $0 }
                        return [
                            "name": u.name(in: lang),
                            "cells": row.map { v -> Ctx in
                                ["value": v.map { Chart.format($0, indicator.decimals) } ?? "–"]
                            },
                            "total": present.isEmpty ? "–" : Chart.format(present.reduce(0, +), indicator.decimals),
                        ]
                    },
                    "csv": downloadHref(indicator.code, span, level, "csv", lang),
                    "xlsx": downloadHref(indicator.code, span, level, "xlsx", lang),
                    "json": downloadHref(indicator.code, span, level, "json", lang),
                ] as Ctx
            // The map of the last year chosen, from the same protected values.
            let last = span[span.count - 1]
            var lastValues: [String: Double] = [:]
            for u in units { if let v = values[indicator.uid]?[u.uid]?[last] { lastValues[u.uid] = v } }
            ctx["map"] = mapContext(
                title: "\(indicator.name(in: lang)), \(last)", indicator: indicator, areas: units, values: lastValues,
                catalog: catalog, t: t, lang: lang)
        }
        return respond(r, c, ctx, title: t["portal_title"] ?? "Public figures")
    }

    private func downloadHref(_ dx: String, _ years: [Int], _ level: Int, _ format: String, _ lang: String) -> String {
        "/api/public/analytics\(format == "xlsx" ? "?format=xlsx&" : ".\(format)?")dimension=dx:\(dx)&dimension=pe:"
            + years.map(String.init).joined(separator: ";")
            + "&dimension=ou:LEVEL-\(level)&outputIdScheme=NAME&lang=\(lang)"
    }

    private func respondError(
        _ r: Request, _ c: AppContext, _ ctx: Ctx, _ t: [String: String], field: String, value: String, reason: String
    ) -> (html: String, status: HTTPResponse.Status) {
        var ctx = ctx
        ctx["error"] = (field.isEmpty ? "" : field + (value.isEmpty ? "" : " '\(value)'") + ": ") + reason
        return respond(r, c, ctx, title: t["portal_title"] ?? "Public figures", status: .badRequest)
    }

    private func respond(
        _ r: Request, _ c: AppContext, _ ctx: Ctx, title: String, status: HTTPResponse.Status = .ok
    ) -> (html: String, status: HTTPResponse.Status) {
        (renderPortal(ctx, c, template: "portal", title: title), status)
    }
}
