import Foundation
import QorganAnalytics
import QorganCore
import QorganStore

/// The report as the command line and the web application ask for it: options checked, the
/// framework and the demo's notice read from the store.
public enum ReportOptions {
    public static func build(
        store: Store, snapshot given: EngineState, periods: String?, unit: String?, language: String,
        edition: String, threshold: Double, approvedOnly: Bool = false, today: Day = .today
    ) throws -> ReportDocument {
        let catalog = given.catalog
        var snapshot = given
        var problems: [Problem] = []
        let span: PeriodSelection? = {
            if let periods { return try? PeriodSelection(periods) }
            let spans = catalog.reportFigures.compactMap { try? PeriodSelection($0.periods).span }
            guard let start = spans.map(\.start).min(), let end = spans.map(\.end).max() else { return nil }
            return try? PeriodSelection("\(start.year)..\(end.year)")
        }()
        if span == nil {
            problems.append(Problem(field: "periods", value: periods, reason: "a period or range (2013..2017)"))
        }
        let u = unit.map { catalog.unit($0) } ?? catalog.roots(on: today).first
        if u == nil {
            problems.append(Problem(field: "unit", value: unit, reason: unit.map(catalog.noUnit) ?? "no root unit"))
        }
        if !["en", "ru", "kk"].contains(language) {
            problems.append(Problem(field: "language", value: language, reason: "en, ru or kk"))
        }
        let ed = ReportDocument.Edition(rawValue: edition)
        if ed == nil { problems.append(Problem(field: "edition", value: edition, reason: "full or public")) }
        if !(threshold >= 1 && threshold <= 1_000_000) {
            problems.append(
                Problem(field: "threshold", value: String(threshold), reason: "a count from 1 to 1 000 000"))
        }
        guard problems.isEmpty, let span, let u, let ed else {
            throw QorganError.invalidRequest(what: "the report", problems: problems)
        }
        if span.span.dayCount > 50 * 366 {
            throw QorganError.invalidRequest(
                what: "the report",
                problems: [Problem(field: "periods", value: periods, reason: "a report covers at most 50 years")])
        }
        var notice = try store.setting("demo.notice.\(language)") ?? store.setting("demo.notice")
        if let text = notice { notice = ReportText.table(language)["illustrative"].map { $0 + " " + text } }
        if approvedOnly {
            let approved = try approvedSnapshot(store: store, catalog: catalog)
            snapshot = approved.state
            let text = ReportText.table(language)
            let sentence =
                (text["approvedOnly"] ?? "Built only from data approved to the national level;") + " "
                + "\(approved.left) " + (text["approvedLeft"] ?? "values awaiting approval were left out.")
            notice = notice.map { sentence + " " + $0 } ?? sentence
        }
        return ReportBuilder(
            snapshot: snapshot, framework: try store.resultsFramework(), periods: span, unit: u, language: language,
            edition: ed, threshold: threshold, today: today, notice: notice
        ).build()
    }
}

extension ReportOptions {
    /// The portal's edition (`Publication.report`): the country's report over the published
    /// years, in `language`, every count protected as the portal's tables are; nil when the
    /// publication does not include it. The protection keeps what the document published.
    public static func portal(
        store: Store, snapshot: EngineState, publication: Publication, leafKeys: LeafKeys, language: String,
        today: Day, keys: PublicCellKeys? = nil
    ) throws -> (document: ReportDocument, protection: ReportProtection)? {
        guard publication.report, let years = publication.years(today: today),
            let country = snapshot.catalog.roots(on: today).first,
            let span = try? PeriodSelection(
                years.count == 1 ? "\(years.lowerBound)" : "\(years.lowerBound)..\(years.upperBound)")
        else { return nil }
        var notice = try store.setting("demo.notice.\(language)") ?? store.setting("demo.notice")
        if let text = notice { notice = ReportText.table(language)["illustrative"].map { $0 + " " + text } }
        let protection = ReportProtection(
            state: snapshot, leafKeys: leafKeys, publication: publication, today: today, keys: keys)
        var builder = ReportBuilder(
            snapshot: snapshot, framework: try store.resultsFramework(), periods: span, unit: country,
            language: language, edition: .public, threshold: Double(publication.threshold), today: today,
            notice: notice)
        builder.protection = protection
        return (builder.build(), protection)
    }

    /// The engine's state built from the values approved to the national level only (and the
    /// registers' derived values, which no form approves), with the completions; and how many
    /// values were left out.
    public static func approvedSnapshot(store: Store, catalog: Catalog) throws -> (state: EngineState, left: Int) {
        let approved = Set(try store.approvals().filter { $0.level == 1 }.map(\.key))
        var kept: [DataValue] = []
        var left = 0
        for v in try store.values() {
            let derived = catalog.element(v.key.element)?.derivedFrom != nil
            let forms = ApprovalRules.forms(
                locking: v.key.element, unit: v.key.unit, period: v.key.period, in: catalog)
            if derived || forms.contains(where: { approved.contains("\($0.uid)|\(v.key.period.iso)|\(v.key.unit)") }) {
                kept.append(v)
            } else {
                left += 1
            }
        }
        var state = EngineState.build(catalog: catalog, values: kept)
        state.setCompletions(try store.completions())
        return (state, left)
    }
}
