import Foundation
import QorganAnalytics
import QorganCore

/// Builds the programme report from the analytics engine: figures, generated sentences,
/// progress against the results framework, sections with tables and charts, and, for the
/// public edition, disclosure control. Every number comes from a query, which it keeps.
public struct ReportBuilder {
    public var snapshot: EngineState
    public var framework: ResultsFramework?
    public var periods: PeriodSelection
    public var unit: OrgUnit
    public var language: String
    public var edition: ReportDocument.Edition
    public var threshold: Double
    public var today: Day
    public var notice: String?
    /// The portal's edition: every count protected by the cell-key method (`ReportProtection`);
    /// set with `edition == .public`.
    public var protection: ReportProtection?
    /// The public edition's withheld counts (`Disclosure.key`), found by a first pass over the
    /// whole document, so that no sentence states what a table hides.
    var withheld: Set<String> = []

    public init(
        snapshot: EngineState, framework: ResultsFramework?, periods: PeriodSelection, unit: OrgUnit,
        language: String = "en",
        edition: ReportDocument.Edition = .full, threshold: Double = 5, today: Day, notice: String? = nil
    ) {
        self.snapshot = snapshot
        self.framework = framework
        self.periods = periods
        self.unit = unit
        self.language = language
        self.edition = edition
        self.threshold = threshold
        self.today = today
        self.notice = notice
    }

    var catalog: Catalog { snapshot.catalog }
    var t: [String: String] { ReportText.table(language) }
    /// A text of the report's language; its key when a catalogue lacks it (a test checks they do not).
    func text(_ key: String) -> String { t[key] ?? key }
    var years: [Period] { Period.periods(of: .yearly, within: periods.span) }
    var yearLabels: [String] { years.map(\.iso) }
    var regions: [OrgUnit] {
        let children = catalog.children(of: unit.uid, on: periods.span.end)
        return children.isEmpty ? [unit] : children
    }

    static func trace(dx: String, pe: String, ou: String) -> String { "dx=\(dx)&pe=\(pe)&ou=\(ou)" }

    /// One query; nil when the metadata lacks what it asks for.
    func run(_ dx: [String], pe: [String], ou: [String], co: Bool = false) -> AnalyticsResult? {
        var spec = QuerySpec(
            dx: dx.filter {
                catalog.indicator($0) != nil || catalog.element(String($0.split(separator: ".")[0])) != nil
            },
            pe: pe, ou: ou)
        guard !spec.dx.isEmpty else { return nil }
        spec.co = co
        guard let answer = (try? spec.resolve(in: catalog, today: today)).flatMap({ try? snapshot.run($0) }) else {
            return nil
        }
        guard let protection else { return answer }
        // The portal's edition: each count from its published years.
        let years = Set(
            pe.compactMap { (try? PeriodSelection($0)).flatMap { protection.publishedYears($0.span) } }.joined()
        ).sorted()
        var yearly = spec
        yearly.pe = years.map(String.init)
        yearly.includeNumeratorDenominator = true
        guard !years.isEmpty,
            let byYear = (try? yearly.resolve(in: catalog, today: today)).flatMap({ try? snapshot.run($0) })
        else { return nil }
        var protected = answer
        protected.rows = protection.protect(asked: answer, yearly: byYear)
        return protected
    }

    /// What the report's figures and progress are computed from: the engine, or for the portal
    /// its protected counts.
    var source: any IndicatorSource {
        protection.map { ProtectedIndicators(snapshot: snapshot, protection: $0) as any IndicatorSource } ?? snapshot
    }

    func name(_ ref: String) -> String {
        catalog.indicator(ref)?.name(in: language) ?? catalog.element(ref)?.name(in: language) ?? ref
    }

    func number(_ v: Double?, decimals: Int = 0) -> String { v.map { formatFigure($0, decimals: decimals) } ?? "–" }

    public func build() -> ReportDocument {
        var doc = document()
        guard edition == .public else {
            doc.summary = summary(doc)
            return doc
        }
        // The public edition: one disclosure pass over the whole document finds every count it
        // must withhold; the document is then written again knowing them, so that no sentence or
        // chart states what a table hides, and the pass applied to it before its summary is said.
        let withheld = Disclosure.protect(&doc, threshold: threshold, isCount: isCount)
        var builder = self
        builder.withheld = withheld
        doc = builder.document()
        _ = Disclosure.protect(&doc, threshold: threshold, withholding: withheld, isCount: isCount)
        doc.summary = builder.summary(doc)
        if protection != nil { Self.withoutTraces(&doc) }
        return doc
    }

    /// The summary, from what the document publishes.
    func summary(_ doc: ReportDocument) -> [String] {
        var summary = doc.figures.filter { !$0.values.isEmpty && $0.display != "–" }.compactMap(sentence)
        if let trend = involvementTrend() { summary.append(trend.sentence) }
        summary += findings()
        let judged = doc.progress.filter { $0.statusCode != "noTarget" && $0.statusCode != "suppressed" }
        if !judged.isEmpty {
            func n(_ code: String) -> String { String(judged.filter { $0.statusCode == code }.count) }
            summary.append(
                ReportText.fill(text("targetsSentence"), String(judged.count), n("met"), n("onTrack"), n("behind")))
        }
        return summary
    }

    /// Whether the public edition may state a count: not below the threshold, not withheld.
    func publishes(_ value: Double?, key: String) -> Bool {
        guard edition == .public, let value else { return true }
        return !(value > 0 && value < threshold) && !withheld.contains(key)
    }

    /// Whether `ref` (an element, `ELEMENT.COMBO`, or an indicator) counts people or events.
    func isCount(_ ref: String) -> Bool {
        let code = String(ref.split(separator: ".").first ?? "")
        if let ind = catalog.indicator(code) {
            return ind.denominator.trimmingCharacters(in: .whitespaces) == "1" && ind.factor == 1
        }
        guard let e = catalog.element(code) else { return false }
        return e.valueType.isNumeric && e.valueType != .percentage && e.valueType != .boolean
    }

    func document() -> ReportDocument {
        // Every figure for the report's unit: a region's report is the region's, traces included.
        let report = ProgrammeReport(aggregator: source, unit: unit.uid, language: language, within: periods)
        var figures = report.figures
        var traces: [String: String] = [:]
        for f in catalog.reportFigures {
            guard let ind = catalog.indicator(f.indicator) else { continue }
            let pe = (try? PeriodSelection(f.periods)).map { ProgrammeReport.periods(of: $0, within: periods) }
            traces[f.code] = Self.trace(dx: ind.code, pe: pe?.description ?? f.periods, ou: unit.code)
        }
        for i in figures.indices {
            if let ind = catalog.indicator(figures[i].indicator) {
                figures[i].label = ind.name(in: language) == ind.name ? figures[i].label : ind.name(in: language)
            }
        }
        if edition == .public { figures = figures.map(publicFigure) }
        var notes: [String] = []
        if let protection {
            // Nothing on the portal links to the signed-in trace.
            let m = protection.method
            notes.append(
                ReportText.fill(
                    text("protectedNote"), String(m.threshold), String(m.maxPerturbation),
                    String(PublicProtection.minimumDenominator(m))))
        } else {
            notes.append(text("traceNote"))
            if edition == .public {
                notes.append(ReportText.fill(text("publicNote"), formatFigure(threshold, decimals: 0)))
            }
        }
        if let notice { notes.append(notice) }
        let progress = self.progress()
        return ReportDocument(
            title: text("title"), programme: framework.map { $0.text($0.programme, in: language) } ?? "",
            unit: unit.code,
            unitName: unit.name(in: language),
            periods: periods.description, language: language, edition: edition, generated: today.description,
            summary: [], figures: figures, figureTraces: traces, progress: progress,
            sections: [
                incidents(), prevention(), travel(), prosecutions(), rehabilitation(), readiness(), sites(),
                involvement(),
            ].compactMap { $0 },
            notes: notes, labels: t)
    }

    /// The public edition shows no count below the threshold (above zero) in a figure either.
    func publicFigure(_ f: FigureResult) -> FigureResult {
        var f = f
        guard let figure = catalog.reportFigures.first(where: { $0.code == f.code }),
            let ind = catalog.indicator(figure.indicator),
            ind.denominator.trimmingCharacters(in: .whitespaces) == "1"
        else { return f }  // shares: their parts are large here
        if let items = f.breakdown, items.contains(where: { $0.value > 0 && $0.value < threshold }) {
            f.breakdown = nil
            f.display = f.values.first.flatMap { $0 }.map { formatFigure($0, decimals: 0) } ?? f.display
        }
        if let v = f.values.first.flatMap({ $0 }), v > 0, v < threshold {
            f.display = "–"
            f.values = [nil]
            f.breakdown = nil
        }
        return f
    }

    // MARK: Sentences

    func sentence(_ f: FigureResult) -> String? {
        guard let figure = catalog.reportFigures.first(where: { $0.code == f.code }) else { return nil }
        let name = catalog.indicator(figure.indicator)?.name(in: language) ?? f.label
        if figure.kind == .change, f.values.count == 2, let a = f.values[0], let b = f.values[1] {
            let parts = f.display.components(separatedBy: " → ")
            let verb = b > a ? "rose" : b < a ? "fell" : "same"
            return ReportText.fill(
                text("changeSentence"), name,
                ReportText.fill(text(verb), parts.first ?? "", parts.last ?? "", f.periods))
        }
        return ReportText.fill(text("valueSentence"), name, f.display, f.periods)
    }

    /// "rose from A to B (p → q)" for an item between two spans, or nil without data.
    func change(
        _ dx: String, label: String, _ a: PeriodSelection, _ b: PeriodSelection, decimals: Int, suffix: String = ""
    ) -> String? {
        guard let ra = run([dx], pe: [a.description], ou: [unit.uid])?.rows.first?.value,
            let rb = run([dx], pe: [b.description], ou: [unit.uid])?.rows.first?.value
        else { return nil }
        if isCount(dx)
            && !(publishes(ra, key: Disclosure.key(dx, a.description, unit.code))
                && publishes(rb, key: Disclosure.key(dx, b.description, unit.code)))
        {
            return nil
        }
        let verb = rb > ra ? "rose" : rb < ra ? "fell" : "same"
        return ReportText.fill(
            text("changeSentence"), label,
            ReportText.fill(
                text(verb), formatFigure(ra, decimals: decimals) + suffix,
                formatFigure(rb, decimals: decimals) + suffix, "\(a) → \(b)"))
    }

    /// The report's qualitative findings, each stated from the data: who is drawn in, where
    /// prevention grew, how the protection of sites changed after 2016.
    func findings() -> [String] {
        var out: [String] = []
        let first = years.first?.iso ?? ""
        let last = years.last?.iso ?? ""
        if let young = run(["IND_YOUNG_SHARE"], pe: [last], ou: [unit.uid])?.rows.first?.value,
            let drawn = run(["DRAWN_IN"], pe: [last], ou: [unit.uid], co: true), let el = catalog.element("DRAWN_IN")
        {
            let total = drawn.rows.map(\.value).reduce(0, +)
            let unemployed = catalog.optionCombos(of: el).filter { $0.code.hasPrefix("UNEMPLOYED") }.map(\.uid)
            let u = drawn.rows.filter { unemployed.contains($0.co ?? "") }.map(\.value).reduce(0, +)
            if total > 0, publishes(total, key: Disclosure.key("DRAWN_IN", last, unit.code)), publishes(u, key: "") {
                out.append(
                    ReportText.fill(
                        text("youngShare"), formatFigure(young, decimals: 1), last,
                        formatFigure(100 * u / total, decimals: 1)))
            }
        }
        if let events = catalog.element("PREV_EVENTS"), first != last, let a = try? PeriodSelection(first),
            let b = try? PeriodSelection(last)
        {
            for code in ["EDU", "WEB"] {
                guard let coc = catalog.optionCombo(code, of: events) else { continue }
                if let s = change(
                    "PREV_EVENTS.\(code)",
                    label: "\(events.name(in: language)) — \(catalog.name(of: coc, in: language))", a, b, decimals: 0)
                {
                    out.append(s)
                }
            }
        }
        if let y0 = years.first?.start.year, let y1 = years.last?.end.year, y0 < 2016, y1 >= 2016,
            let before = try? PeriodSelection("\(y0)..2015"), let after = try? PeriodSelection("2016..\(y1)"),
            let s = change(
                "IND_SITE_COMPLIANCE", label: name("IND_SITE_COMPLIANCE"), before, after, decimals: 1, suffix: " %")
        {
            out.append(s)
        }
        return out
    }

    public struct TrendStatement: Sendable {
        public var trend: Trend
        public var sentence: String
    }

    /// Whether involvement rises or falls, from the yearly national series: a fitted slope and
    /// its standard error, not an assertion.
    public func involvementTrend() -> TrendStatement? {
        guard let r = run(["DRAWN_IN"], pe: yearLabels, ou: [unit.uid]) else { return nil }
        // A slope with its error and the other years would give away a withheld year.
        if r.rows.contains(where: { !publishes($0.value, key: Disclosure.key("DRAWN_IN", $0.pe, unit.code)) }) {
            return nil
        }
        let points = r.rows.compactMap { row in Int(row.pe).map { (x: Double($0), y: row.value) } }.sorted {
            $0.x < $1.x
        }
        guard let trend = Trend.fit(points) else { return nil }
        let key =
            trend.direction == .rising ? "trendRising" : trend.direction == .falling ? "trendFalling" : "trendFlat"
        let slope = (trend.slope >= 0 ? "+" : "−") + formatFigure(abs(trend.slope), decimals: 1)
        return TrendStatement(
            trend: trend,
            sentence: ReportText.fill(
                text(key), slope, formatFigure(trend.standardError, decimals: 1), String(trend.points)))
    }

    // MARK: Tables

    /// Regions × years of one item's counts, with totals; the public edition suppresses.
    func countTable(_ dx: String, title: String) -> ReportDocument.Table? {
        guard let r = run([dx], pe: yearLabels, ou: regions.map(\.uid)) else { return nil }
        var grid = regions.map { _ in yearLabels.map { _ in 0.0 } }
        for row in r.rows {
            guard let ri = regions.firstIndex(where: { $0.uid == row.ou }), let yi = yearLabels.firstIndex(of: row.pe)
            else { continue }
            grid[ri][yi] = row.value
        }
        return matrix(
            grid, rowNames: regions.map { $0.name(in: language) }, rowCodes: regions.map(\.code), dx: dx, title: title)
    }

    /// Rows × years of counts with their totals. Every cell carries its key (`Disclosure.key`):
    /// `rowKeys` name rows whose codes are not queries of their own (a target group over several
    /// breakdowns); `totalsOf` names what the column totals count when the rows are items.
    func matrix(
        _ grid: [[Double]], rowNames: [String], rowCodes: [String], dx: String, title: String,
        codesAreData: Bool = false, rowKeys: [String]? = nil, totalsOf: String? = nil
    ) -> ReportDocument.Table {
        let control = edition == .public ? Disclosure.suppress(grid, threshold: threshold) : nil
        let shown: [[Double?]] = control?.cells ?? grid.map { $0.map { Optional($0) } }
        let columnDx = codesAreData ? totalsOf : dx
        func columnKey(_ pe: String) -> String { Disclosure.key(columnDx ?? "[\(title)]", pe, unit.code) }
        var rows: [[ReportDocument.Cell]] = []
        for (ri, name) in rowNames.enumerated() {
            var cells = [ReportDocument.Cell(text: name)]
            let d = codesAreData ? rowCodes[ri] : dx
            let ou = codesAreData ? unit.code : rowCodes[ri]
            let keyDx = rowKeys?[ri] ?? d
            for (yi, y) in yearLabels.enumerated() {
                let key = Disclosure.key(keyDx, y, ou)
                if let v = shown[ri][yi] {
                    cells.append(
                        .init(
                            text: formatFigure(v, decimals: 0), number: v, trace: Self.trace(dx: d, pe: y, ou: ou),
                            key: key))
                } else {
                    cells.append(.init(text: "–", suppressed: true, key: key))
                }
            }
            let total = grid[ri].reduce(0, +)
            let totalKey = Disclosure.key(keyDx, periods.description, ou)
            cells.append(
                control?.exposedRows.contains(ri) == true
                    ? .init(text: "–", suppressed: true, key: totalKey)
                    : totalCell(total, trace: Self.trace(dx: d, pe: periods.description, ou: ou), key: totalKey))
            rows.append(cells)
        }
        var totals = [ReportDocument.Cell(text: text("total"))]
        for (yi, y) in yearLabels.enumerated() {
            let v = grid.map { $0[yi] }.reduce(0, +)
            totals.append(
                control?.exposedColumns.contains(yi) == true
                    ? .init(text: "–", suppressed: true, key: columnKey(y))
                    : totalCell(
                        v, trace: columnDx.map { Self.trace(dx: $0, pe: y, ou: unit.code) }, key: columnKey(y)))
        }
        let all = grid.flatMap { $0 }.reduce(0, +)
        let exposedAll =
            (control.map { !$0.exposedRows.isEmpty || !$0.exposedColumns.isEmpty } ?? false) && grid.count == 1
        let allKey = columnKey(periods.description)
        totals.append(
            exposedAll
                ? .init(text: "–", suppressed: true, key: allKey)
                : totalCell(
                    all, trace: columnDx.map { Self.trace(dx: $0, pe: periods.description, ou: unit.code) }, key: allKey
                )
        )
        rows.append(totals)
        if protection != nil, let columnDx {
            // The portal's edition: each year's total is the count's own published cell, as the
            // portal's tables show it, not a sum of other published cells.
            protectedTotals(&rows[rows.count - 1], dx: columnDx)
        }
        return ReportDocument.Table(
            title: title, header: [codesAreData ? text("item") : text("region")] + yearLabels + [text("total")],
            rows: rows)
    }

    /// A total: in the public edition, itself a count, hidden below the threshold.
    func totalCell(_ v: Double, trace: String?, key: String) -> ReportDocument.Cell {
        if edition == .public && v > 0 && v < threshold { return .init(text: "–", suppressed: true, key: key) }
        return .init(text: formatFigure(v, decimals: 0), number: v, trace: trace, key: key)
    }

    /// Items (rows) × years of indicator values (percentages; not suppressed by count).
    func valueTable(_ dx: [String], ou: OrgUnit, title: String, decimals: Int = 1) -> ReportDocument.Table? {
        guard let r = run(dx, pe: yearLabels, ou: [ou.uid]) else { return nil }
        let rows = dx.compactMap { ref -> [ReportDocument.Cell]? in
            guard let id = catalog.indicator(ref)?.uid ?? catalog.element(ref)?.uid else { return nil }
            return [.init(text: name(ref))]
                + yearLabels.map { y in
                    guard let v = r.rows.first(where: { $0.dx == id && $0.pe == y })?.value else {
                        return .init(text: "")
                    }
                    return .init(
                        text: formatFigure(v, decimals: decimals), number: v,
                        trace: Self.trace(dx: ref, pe: y, ou: ou.code),
                        key: isCount(ref) ? Disclosure.key(ref, y, ou.code) : nil)
                }
        }
        return rows.isEmpty ? nil : ReportDocument.Table(title: title, header: [text("item")] + yearLabels, rows: rows)
    }

}
