import Foundation
import QorganAnalytics
import QorganCore
import QorganStore

/// The report as the command line and the web application ask for it: options checked, the
/// framework and the demo's notice read from the store.
public enum ReportOptions {
    public static func build(
        store: SQLiteStore, snapshot: EngineState, periods: String?, unit: String?, language: String,
        edition: String, threshold: Double, today: Day = .today
    ) throws -> ReportDocument {
        let catalog = snapshot.catalog
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
            problems.append(Problem(field: "unit", value: unit, reason: "no organisation unit with this code or uid"))
        }
        if !["en", "ru", "kk"].contains(language) {
            problems.append(Problem(field: "language", value: language, reason: "en, ru or kk"))
        }
        let ed = ReportDocument.Edition(rawValue: edition)
        if ed == nil { problems.append(Problem(field: "edition", value: edition, reason: "full or public")) }
        if !(threshold >= 1) {
            problems.append(Problem(field: "threshold", value: String(threshold), reason: "a count of 1 or more"))
        }
        guard problems.isEmpty, let span, let u, let ed else {
            throw QorganError.invalidRequest(what: "the report", problems: problems)
        }
        if span.span.dayCount > 50 * 366 {
            throw QorganError.invalidRequest(
                what: "the report",
                problems: [Problem(field: "periods", value: periods, reason: "a report covers at most 50 years")])
        }
        var notice = try store.setting("demo.notice")
        if let text = notice { notice = ReportText.table(language)["illustrative"].map { $0 + " " + text } }
        return ReportBuilder(
            snapshot: snapshot, framework: try store.resultsFramework(), periods: span, unit: u, language: language,
            edition: ed, threshold: threshold, today: today, notice: notice
        ).build()
    }
}
