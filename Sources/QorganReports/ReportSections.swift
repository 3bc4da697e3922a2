import Foundation
import QorganAnalytics
import QorganCore

/// The report's sections: tables and charts of each part of the programme.
extension ReportBuilder {
    // MARK: Sections

    func incidents() -> ReportDocument.Section? {
        let tables = [
            countTable("IND_ACTS_PREVENTED", title: text("prevented")),
            countTable("IND_ACTS_COMMITTED", title: text("committed")),
        ].compactMap { $0 }
        guard !tables.isEmpty else { return nil }
        var charts: [String] = []
        if let prevented = tables.first {
            let rows = prevented.rows.dropLast().filter { ($0.last?.number ?? 0) > 0 }
            charts.append(
                Chart.svg(
                    .bar, title: text("chartPrevented"), labels: rows.map { String($0[0].text.prefix(14)) },
                    series: [Chart.Series(name: text("total"), values: rows.map { $0.last?.number })], decimals: 0,
                    width: 760, height: 260))
        }
        return .init(
            code: "incidents", title: text("incidents"), paragraphs: [], tables: tables,
            charts: edition == .public ? [] : charts)
    }

    func prevention() -> ReportDocument.Section? {
        guard let reached = run(["TG_REACHED"], pe: yearLabels, ou: [unit.uid], co: true),
            let size = run(["TG_SIZE"], pe: yearLabels, ou: [unit.uid], co: true),
            let el = catalog.element("TG_REACHED")
        else { return nil }
        let combos = catalog.optionCombos(of: el)
        var rows: [[ReportDocument.Cell]] = []
        var latest: [Double?] = []
        for coc in combos {
            var cells = [ReportDocument.Cell(text: catalog.name(of: coc, in: language))]
            for y in yearLabels {
                let n = reached.rows.first { $0.co == coc.uid && $0.pe == y }?.value
                let sizeCoc = catalog.element("TG_SIZE").flatMap { catalog.optionCombo(coc.code, of: $0) }?.uid
                let d = size.rows.first { $0.co == sizeCoc && $0.pe == y }?.value
                var v = n.flatMap { n in d.flatMap { $0 > 0 ? 100 * n / $0 : nil } }
                if edition == .public {
                    v = Disclosure.percentage(v, numerator: n, denominator: d, threshold: threshold)
                }
                cells.append(
                    v.map {
                        .init(
                            text: formatFigure($0, decimals: 1), number: $0,
                            trace: Self.trace(dx: "TG_REACHED.\(coc.code)", pe: y, ou: unit.code))
                    }
                        ?? .init(text: "–", suppressed: n != nil))
            }
            latest.append(cells.last?.number)
            rows.append(cells)
        }
        let coverage = valueTable(["IND_TG_COVERAGE"], ou: unit, title: text("coverage"))
        var channels: [ReportDocument.Table] = []
        if let events = catalog.element("PREV_EVENTS"),
            let r = run(["PREV_EVENTS"], pe: yearLabels, ou: [unit.uid], co: true)
        {
            let combos = catalog.optionCombos(of: events)
            let grid = combos.map { coc in
                yearLabels.map { y in r.rows.first { $0.co == coc.uid && $0.pe == y }?.value ?? 0 }
            }
            channels.append(
                matrix(
                    grid, rowNames: combos.map { catalog.name(of: $0, in: language) },
                    rowCodes: combos.map { "PREV_EVENTS.\($0.code)" },
                    dx: "PREV_EVENTS",
                    title: text("eventsByChannel"), codesAreData: true, totalsOf: "PREV_EVENTS"))
        }
        let chart = Chart.svg(
            .bar, title: text("chartCoverage") + " " + (yearLabels.last ?? ""),
            labels: combos.map { catalog.name(of: $0, in: language) },
            series: [Chart.Series(name: yearLabels.last ?? "", values: latest)], decimals: 1, width: 760, height: 240)
        return .init(
            code: "prevention", title: text("prevention"), paragraphs: [],
            tables: [
                ReportDocument.Table(
                    title: text("coverage"), header: [text("item")] + yearLabels, rows: rows + (coverage?.rows ?? []))
            ] + channels,
            charts: [chart])
    }

    func travel() -> ReportDocument.Section? {
        let items = ["DEPARTURES_STOPPED", "TRAVEL_INTENT_STOPPED", "STUDENTS_RETURNED", "THEOLOGY_DIVERTED"].filter {
            catalog.element($0) != nil
        }
        guard !items.isEmpty, let r = run(items, pe: yearLabels, ou: [unit.uid]) else { return nil }
        let grid = items.map { ref in
            yearLabels.map { y in r.rows.first { $0.dx == catalog.element(ref)?.uid && $0.pe == y }?.value ?? 0 }
        }
        return .init(
            code: "travel", title: text("travel"), paragraphs: [],
            tables: [
                matrix(
                    grid, rowNames: items.map(name), rowCodes: items, dx: "", title: text("travelTable"),
                    codesAreData: true)
            ], charts: [])
    }

    func prosecutions() -> ReportDocument.Section? {
        guard let table = countTable("CONVICTIONS", title: text("convictions")) else { return nil }
        return .init(code: "prosecutions", title: text("prosecutions"), paragraphs: [], tables: [table], charts: [])
    }

    func rehabilitation() -> ReportDocument.Section? {
        guard
            let table = valueTable(
                ["REHAB_ADMISSIONS", "REHAB_COMPLETIONS", "REHAB_CASELOAD", "IND_REHAB_COMPLETION_RATE"], ou: unit,
                title: text("rehabTable"), decimals: 0)
        else { return nil }
        var table2 = table
        if edition == .public {
            for i in table2.rows.indices {
                for j in table2.rows[i].indices.dropFirst()
                where (table2.rows[i][j].number ?? threshold) < threshold && (table2.rows[i][j].number ?? 0) > 0 {
                    table2.rows[i][j] = .init(text: "–", suppressed: true)
                }
            }
        }
        return .init(
            code: "rehabilitation", title: text("rehabilitation"), paragraphs: [], tables: [table2], charts: [])
    }

    func readiness() -> ReportDocument.Section? {
        guard let r = run(["IND_READINESS"], pe: yearLabels, ou: regions.map(\.uid) + [unit.uid]) else { return nil }
        let withData = yearLabels.filter { y in r.rows.contains { $0.pe == y } }
        guard withData.count >= 1 else { return nil }
        let shown = Array(withData.suffix(2))
        let rows = (regions + [unit]).map { u -> [ReportDocument.Cell] in
            [.init(text: u.uid == unit.uid ? text("total") : u.name(in: language))]
                + shown.map { y in
                    guard let v = r.rows.first(where: { $0.ou == u.uid && $0.pe == y })?.value else {
                        return .init(text: "")
                    }
                    return .init(
                        text: formatFigure(v, decimals: 1), number: v,
                        trace: Self.trace(dx: "IND_READINESS", pe: y, ou: u.code))
                }
        }
        let figure = catalog.reportFigures.first {
            $0.indicator == catalog.indicator("IND_READINESS")?.uid && $0.kind == .change
        }
        let paragraph = figure.flatMap { f in ProgrammeReport(aggregator: source).figure(f.code) }.flatMap(sentence)
        return .init(
            code: "readiness", title: text("readiness"), paragraphs: paragraph.map { [$0] } ?? [],
            tables: [ReportDocument.Table(title: text("readinessTable"), header: [text("region")] + shown, rows: rows)],
            charts: [])
    }

    func sites() -> ReportDocument.Section? {
        guard
            let table = valueTable(
                ["IND_SITES_INSPECTED", "IND_SITE_COMPLIANCE", "PRESCRIPTIONS_OVERDUE"], ou: unit,
                title: text("sitesTable"))
        else { return nil }
        return .init(
            code: "sites", title: text("sites"),
            paragraphs: findings().filter { $0.hasPrefix(name("IND_SITE_COMPLIANCE")) }, tables: [table], charts: [])
    }

    func involvement() -> ReportDocument.Section? {
        guard let r = run(["DRAWN_IN"], pe: yearLabels, ou: [unit.uid], co: true), let el = catalog.element("DRAWN_IN")
        else { return nil }
        // By target group: the first category of the breakdown, summed over the others.
        let combos = catalog.optionCombos(of: el)
        var groups: [String: [String]] = [:]
        var order: [String] = []
        for coc in combos {
            let group = coc.options.first ?? coc.uid
            if groups[group] == nil { order.append(group) }
            groups[group, default: []].append(coc.uid)
        }
        let optionNames = Dictionary(
            catalog.categories.flatMap { $0.options.map { ($0.uid, $0.name(in: language)) } },
            uniquingKeysWith: { a, _ in a })
        let grid = order.map { g in
            yearLabels.map { y in
                r.rows.filter { $0.pe == y && groups[g]?.contains($0.co ?? "") == true }.map(\.value).reduce(0, +)
            }
        }
        let table = matrix(
            grid, rowNames: order.map { optionNames[$0] ?? $0 }, rowCodes: order.map { _ in "DRAWN_IN" },
            dx: "DRAWN_IN",
            title: text("drawnTable"), codesAreData: true, rowKeys: order.map { "DRAWN_IN[\($0)]" },
            totalsOf: "DRAWN_IN")
        var paragraphs: [String] = []
        if let trend = involvementTrend() { paragraphs.append(trend.sentence) }
        // The chart draws what the table publishes: a withheld year is a gap.
        let totals: [Double?] =
            protection != nil
            ? (table.rows.last.map { Array($0.dropFirst().dropLast()).map(\.number) } ?? [])
            : yearLabels.indices.map { yi in
                let v = grid.map { $0[yi] }.reduce(0, +)
                return publishes(v, key: Disclosure.key("DRAWN_IN", yearLabels[yi], unit.code)) ? v : nil
            }
        let chart = Chart.svg(
            .line, title: text("chartDrawn"), labels: yearLabels,
            series: [Chart.Series(name: unit.name(in: language), values: totals)],
            decimals: 0, width: 760, height: 240)
        let shares = valueTable(
            ["IND_MARGINALISED_SHARE", "IND_YOUNG_SHARE"], ou: unit, title: name("IND_MARGINALISED_SHARE"))
        let byRegion = countTable("DRAWN_IN", title: text("drawnByRegion"))
        paragraphs += findings().prefix(1)
        return .init(
            code: "involvement", title: text("involvement"), paragraphs: paragraphs,
            tables: [table] + (byRegion.map { [$0] } ?? []) + (shares.map { [$0] } ?? []), charts: [chart])
    }
}
