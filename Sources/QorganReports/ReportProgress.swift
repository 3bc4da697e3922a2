import Foundation
import QorganAnalytics
import QorganCore

/// Progress against the results framework's targets.
extension ReportBuilder {
    // MARK: Progress

    func progress() -> [ReportDocument.Progress] {
        guard let framework else { return [] }
        // The year the report ends in: its "latest".
        let reportYear = Period.periods(of: .yearly, within: periods.span).last
        return framework.indicators.compactMap { path, fi in
            guard let ind = catalog.indicator(fi.indicator) else { return nil }
            // The responsible unit's value when it lies within the report's unit; the report's unit's otherwise
            // (a region's report measures the region, not the nation).
            let responsibleUnit = catalog.unit(fi.responsibleUnit)
            let responsible =
                responsibleUnit.flatMap { r in catalog.isInSubtree(r.uid, of: unit.uid, on: today) ? r : nil } ?? unit
            // The unit is judged against its own targets: the indicator's for its responsible unit, a
            // target naming the unit for any other; none, and the report says so.
            let own = responsible.uid == responsibleUnit?.uid
            let targets = fi.targets.compactMap { t -> (ResultsFramework.Target, PeriodSelection)? in
                let forUnit = t.unit.flatMap { catalog.unit($0)?.uid }
                guard own ? forUnit == nil || forUnit == responsible.uid : forUnit == responsible.uid else {
                    return nil
                }
                return (try? PeriodSelection(t.period)).map { (t, $0) }
            }
            // The target the report's span heads for: the first ending at or after its end, else the last.
            let target = targets.first(where: { $0.1.span.end >= periods.span.end }) ?? targets.last
            let baselineEnd = (try? PeriodSelection(fi.baseline.period))?.span.end ?? periods.span.start
            let yearly = target.map { $0.1.isSingle && $0.1.first.type == .yearly } ?? true
            // A yearly target is measured in the report's last year; a range from the baseline on.
            let measuredSpan =
                yearly
                ? (reportYear?.span ?? periods.span)
                : DaySpan(
                    start: max(periods.span.start, baselineEnd.adding(days: 1)),
                    end: min(periods.span.end, target?.1.span.end ?? periods.span.end))
            var latest =
                measuredSpan.start <= measuredSpan.end
                ? source.indicator(ind.uid, unit: responsible.uid, span: measuredSpan)?.value : nil
            // A count with nothing recorded is zero (no act was recorded), not missing.
            // (On the portal, a unit it does not publish has no value, not zero.)
            if latest == nil && ind.denominator.trimmingCharacters(in: .whitespaces) == "1" && ind.factor == 1
                && protection?.publishes(unit: responsible.uid) != false
            {
                latest = 0
            }
            let higher = fi.higherIsBetter ?? true
            var status = target == nil ? "noTarget" : "noData"
            if let v = latest, let target {
                let reached = higher ? v >= target.0.value : v <= target.0.value
                if !own {
                    // A unit's own target has no baseline of its own to measure the way from.
                    status = reached ? "met" : "behind"
                } else {
                    let gap = target.0.value - fi.baseline.value
                    let done = gap == 0 ? 1 : (v - fi.baseline.value) / gap
                    let elapsed =
                        Double(min(periods.span.end, target.1.span.end).ordinal - baselineEnd.ordinal)
                        / Double(max(1, target.1.span.end.ordinal - baselineEnd.ordinal))
                    status = reached ? "met" : done >= elapsed - 1e-9 ? "onTrack" : "behind"
                }
            }
            let measured =
                measuredSpan.start.year == measuredSpan.end.year
                ? String(measuredSpan.end.year) : "\(measuredSpan.start.year)..\(measuredSpan.end.year)"
            return ReportDocument.Progress(
                path: path, indicator: ind.code, name: ind.name(in: language),
                definition: framework.text(fi.definition, in: language),
                baseline: own
                    ? "\(formatFigure(fi.baseline.value, decimals: ind.decimals)) (\(fi.baseline.period))" : "–",
                target: target.map { "\(formatFigure($0.0.value, decimals: ind.decimals)) (\($0.0.period))" }
                    ?? ReportText.fill(text("noTargetFor"), responsible.name(in: language)),
                latest: latest.map { "\(formatFigure($0, decimals: ind.decimals)) (\(measured))" } ?? text("noData"),
                status: text(status), statusCode: status,
                verification: framework.text(fi.meansOfVerification, in: language),
                frequency: framework.text(fi.frequency, in: language),
                responsible: responsible.name(in: language),
                trace: Self.trace(dx: ind.code, pe: measured, ou: responsible.code), latestValue: latest,
                baselineValue: own ? fi.baseline.value : nil, baselinePeriod: own ? fi.baseline.period : nil)
        }
    }
}
