import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// The pivot table: data, rows, columns and filters chosen on the page, with totals and charts.
extension PageHandlers {
    /// What the pivot page is asked: data, periods, unit, layout and chart. Parsed once, from the
    /// page's query or a favourite's, so a favourite shows exactly what the pivot showed.
    struct PivotChoice {
        var dx: [String]
        var from: Int
        var to: Int
        var periodType: String
        var ou: String
        var children: Bool
        var showEmpty: Bool
        var rows: String
        var columns: String
        var chart: String

        init(_ q: Parameters, defaultUnit: String, years: ClosedRange<Int>) throws {
            dx = HTTP.params(q, "dx")
            from = try HTTP.year(q, "from") ?? years.lowerBound
            to = try HTTP.year(q, "to") ?? years.upperBound
            periodType = HTTP.param(q, "periodType") ?? "Yearly"
            ou = HTTP.param(q, "ou") ?? defaultUnit
            children = try HTTP.flag(q, "children")
            showEmpty = try HTTP.flag(q, "empty")
            rows = HTTP.param(q, "rows") ?? "ou"
            columns = HTTP.param(q, "columns") ?? "pe"
            chart = HTTP.param(q, "chart") ?? "bar"
            guard let rowDim = AnalyticsDimension(rawValue: rows), let colDim = AnalyticsDimension(rawValue: columns),
                rowDim != colDim
            else {
                throw APIError.badRequest("rows", rows, "rows and columns are two different dimensions of dx, pe, ou")
            }
            guard from <= to, to - from < 50 else {
                throw APIError.badRequest("from", String(from), "the first year must not be after the last")
            }
        }

        init(_ f: SavedPivot, viewer: Principal) {
            dx = f.dx
            from = f.from
            to = f.to
            periodType = f.periodType
            ou = f.unit ?? viewer.units.first ?? ""
            children = f.children
            showEmpty = false
            rows = f.rows
            columns = f.columns
            chart = f.chart
        }

        var rowDim: AnalyticsDimension { AnalyticsDimension(rawValue: rows) ?? .ou }
        var colDim: AnalyticsDimension { AnalyticsDimension(rawValue: columns) ?? .pe }
        var kind: Chart.Kind { Chart.Kind(rawValue: chart) ?? .bar }

        /// The pivot page's query that shows this choice.
        var query: String {
            var items = dx.map { URLQueryItem(name: "dx", value: $0) }
            items += [
                URLQueryItem(name: "ou", value: ou), URLQueryItem(name: "from", value: String(from)),
                URLQueryItem(name: "to", value: String(to)), URLQueryItem(name: "periodType", value: periodType),
                URLQueryItem(name: "rows", value: rows), URLQueryItem(name: "columns", value: columns),
                URLQueryItem(name: "chart", value: chart),
            ]
            if children { items.append(URLQueryItem(name: "children", value: "1")) }
            if showEmpty { items.append(URLQueryItem(name: "empty", value: "1")) }
            var c = URLComponents()
            c.queryItems = items
            return c.percentEncodedQuery ?? ""
        }
    }

    func pivot(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let snapshot = state.engine.snapshot()
        let catalog = snapshot.catalog
        let lang = c.language
        let t = state.messages.table(lang)
        let choice = try PivotChoice(r.uri.queryParameters, defaultUnit: user.units.first ?? "", years: defaultYears())
        let dx = choice.dx
        let (from, to, periodType, ou) = (choice.from, choice.to, choice.periodType, choice.ou)
        let (rows, columns) = (choice.rows, choice.columns)
        var ctx: Ctx = [
            "indicators": catalog.indicators.map {
                ["uid": $0.uid, "name": $0.name(in: lang), "selected": dx.contains($0.uid) || dx.contains($0.code)]
                    as Ctx
            },
            "elements": catalog.dataElements.filter { $0.valueType.isNumeric }.map {
                ["uid": $0.uid, "name": $0.name(in: lang), "selected": dx.contains($0.uid) || dx.contains($0.code)]
                    as Ctx
            },
            "units": unitChoices(user, catalog, selected: ou, lang: lang),
            "years": years().map { ["year": $0, "from": $0 == from, "to": $0 == to] as Ctx },
            "periodTypes": ["Yearly", "Quarterly", "Monthly"].map {
                ["name": $0, "label": t["periodType_" + $0] ?? $0, "selected": $0 == periodType] as Ctx
            },
            "dims": ["dx", "pe", "ou"].map {
                ["name": $0, "label": t["dim_" + $0] ?? $0, "rows": $0 == rows, "columns": $0 == columns] as Ctx
            },
            "charts": ["bar", "line", "stacked"].map {
                ["name": $0, "label": t["chart_" + $0] ?? $0, "selected": $0 == choice.chart] as Ctx
            },
            "children": choice.children, "showEmpty": choice.showEmpty,
        ]
        guard !dx.isEmpty else {
            return render("pivot", c, r, title: t["nav_pivot"] ?? "Pivot", active: "pivot", ctx)
        }
        let output = try pivotOutput(choice, user: user, snapshot: snapshot, lang: lang, t: t)
        let (table, header, rowDims) = (output.table, output.header, output.rowDims)
        switch HTTP.param(r, "format") {
        case "csv":
            let csv =
                ([header] + table.rows).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
            // A byte-order mark first: Excel then reads the file as UTF-8, and Cyrillic names stay readable.
            return HTTP.data(
                Data(("\u{FEFF}" + csv).utf8), type: "text/csv; charset=utf-8", filename: "qorgan-pivot.csv")
        case "xlsx":
            let labelColumns = rowDims.count
            let cells = table.rows.map { row in
                row.enumerated().map { i, s -> XLSX.Cell in
                    i >= labelColumns
                        ? (Double(s).map { XLSX.Cell.number($0) } ?? (s.isEmpty ? .empty : .text(s))) : .text(s)
                }
            }
            return HTTP.data(
                XLSX.workbook(sheets: [XLSX.Sheet(name: t["nav_pivot"] ?? "Pivot", header: header, rows: cells)]),
                type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename: "qorgan-pivot.xlsx"
            )
        case nil, "html": break
        case let f?: throw APIError.badRequest("format", f, "html, csv or xlsx")
        }
        ctx.merge(output.ctx) { $1 }
        ctx["main"] = true
        ctx["tableId"] = "pivot-table"
        ctx["emptyHref"] = "/pivot?" + (r.uri.query ?? "") + "&empty=1"
        let query = r.uri.query ?? ""
        ctx["query"] = choice.query
        ctx["csvHref"] = "/pivot?" + query + "&format=csv"
        ctx["xlsxHref"] = "/pivot?" + query + "&format=xlsx"
        return render("pivot", c, r, title: t["nav_pivot"] ?? "Pivot", active: "pivot", ctx)
    }

    struct PivotOutput {
        var table: (header: [String], rows: [[String]])
        var header: [String]
        var rowDims: [AnalyticsDimension]
        var ctx: Ctx
    }

    /// The pivot's table and chart for a choice, computed with the viewer's rights.
    func pivotOutput(
        _ choice: PivotChoice, user: Principal, snapshot: EngineState, lang: String, t: [String: String]
    ) throws -> PivotOutput {
        let catalog = snapshot.catalog
        let (dx, from, to, periodType, ou) = (choice.dx, choice.from, choice.to, choice.periodType, choice.ou)
        let (rowDim, colDim, children, showEmpty, chartKind) = (
            choice.rowDim, choice.colDim, choice.children, choice.showEmpty, choice.kind
        )
        var ctx: Ctx = [:]
        guard let pt = PeriodType(name: periodType) else {
            throw APIError.badRequest("periodType", periodType, "not a period type")
        }
        var spec = QuerySpec(dx: dx, pe: ["\(from)..\(to)"], ou: [children ? "CHILDREN:\(ou)" : ou])
        spec.periodType = pt
        // The dimension on neither axis is a filter when it has a single item.
        let third = Set<AnalyticsDimension>([.dx, .pe, .ou]).subtracting([rowDim, colDim]).first ?? .ou
        let result = try Analytics.run(spec, user: user, snapshot: snapshot, today: state.today, language: lang)
        let rowDims = [third, rowDim].filter { $0 != third || result.axes.contains(third) }
        let table = result.pivot(rows: rowDims, columns: [colDim], showEmpty: showEmpty)
        let header = table.header.map { h in t["dim_" + h] ?? h }
        // The chart: the column dimension along the x axis, one series per row.
        let labelCount = rowDims.count
        let xLabels = Array(table.header.dropFirst(labelCount))
        let series = table.rows.map { row in
            Chart.Series(
                name: row.prefix(labelCount).joined(separator: " · "),
                values: row.dropFirst(labelCount).map { Double($0) })
        }
        let decimals = result.decimals.values.max() ?? 0
        let title = dx.compactMap { ref in
            catalog.indicator(ref)?.name(in: lang) ?? catalog.element(ref)?.name(in: lang)
        }.joined(separator: ", ")
        // Counts add up; percentages, rates and averages do not: no totals and no stacking for them.
        let additive = result.items(.dx).allSatisfy { catalog.measure(ofItem: $0).isAdditive }
        // Never a sum across different data items: one count of acts and another of people.
        let mixed = result.items(.dx).count > 1
        let rowTotals = additive && !(colDim == .dx && mixed) && !table.rows.isEmpty
        let columnTotals = additive && !(rowDims.contains(.dx) && mixed) && table.rows.count > 1
        func total(_ cells: [String]) -> String {
            let values = cells.compactMap { Double($0) }
            return values.isEmpty ? "" : Chart.format(values.reduce(0, +), decimals)
        }
        var notices: [String] = []
        if !additive { notices.append(t["pivot_noTotals"] ?? "") }
        var kind = chartKind
        if chartKind == .stacked && !additive {
            kind = .bar
            notices.append(t["pivot_notStacked"] ?? "")
        }
        // Rows and columns without data are left out unless asked for, and the page says how many.
        let full = rowDims.reduce(1) { $0 * result.items($1).count }
        let hiddenRows = showEmpty ? 0 : max(0, full - table.rows.count)
        let hiddenColumns = showEmpty ? 0 : max(0, result.items(colDim).count - xLabels.count)
        ctx["result"] = true
        ctx["header"] = Array(header.prefix(labelCount))
        ctx["columns"] = Array(header.dropFirst(labelCount))
        ctx["rowTotals"] = rowTotals
        ctx["rowsData"] = table.rows.map { row in
            let cells = Array(row.dropFirst(labelCount))
            return [
                "labels": Array(row.prefix(labelCount)), "cells": cells,
                "total": rowTotals ? total(cells) : "",
            ] as Ctx
        }
        if columnTotals {
            let width = table.header.count - labelCount
            let sums = (0..<width).map { i in total(table.rows.map { $0[labelCount + i] }) }
            ctx["totals"] =
                [
                    "padding": Array(repeating: "", count: max(0, labelCount - 1)), "cells": sums,
                    "total": rowTotals ? total(table.rows.flatMap { $0.dropFirst(labelCount) }) : "",
                ] as Ctx
        }
        ctx["notices"] = notices
        ctx["hidden"] =
            hiddenRows + hiddenColumns > 0
            ? fill(t["pivot_hidden"] ?? "", ["rows": String(hiddenRows), "columns": String(hiddenColumns)]) : nil
        ctx["empty"] = table.rows.isEmpty
        // The chart draws at most 24 lines or bar groups, and says so; the table has every row.
        ctx["chartCut"] =
            series.count > Self.chartSeries
            ? fill(t["pivot_chartCut"] ?? "", ["shown": String(Self.chartSeries), "total": String(series.count)])
            : nil
        ctx["chart"] =
            table.rows.isEmpty
            ? ""
            : Chart.svg(
                kind, title: title, labels: xLabels, series: Array(series.prefix(Self.chartSeries)), decimals: decimals,
                width: 900, height: 360)
        return PivotOutput(table: (table.header, table.rows), header: header, rowDims: rowDims, ctx: ctx)
    }
}
