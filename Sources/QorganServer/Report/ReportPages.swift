import Foundation
import Hummingbird
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// The programme report in the web application, the trace of any figure down to its values,
/// and the results framework.
enum ReportFeature: ServerFeature {
    static func register(_ routes: Routes) {
        pages(on: routes.pages, routes.p)
        api(on: routes.api, routes.h)
    }

    static func pages(on router: Router<AppContext>, _ p: PageHandlers) {
        router.get("/report") { r, c in try p.page(r, c) { try p.report(r, c, $0) } }
        router.get("/trace") { r, c in try p.page(r, c) { try p.trace(r, c, $0) } }
        router.get("/framework") { r, c in try p.page(r, c) { try p.framework(r, c, $0) } }
    }
}

extension ReportFeature {
    static func api(on api: RouterGroup<AppContext>, _ h: Handlers) {
        api.get("report") { r, c in
            let user = try c.requireUser()
            let doc = try h.reportDocument(r, c, user)
            switch HTTP.param(r, "format") ?? "json" {
            case "json": return HTTP.data(try doc.json(), type: "application/json; charset=utf-8")
            case "md":
                return HTTP.data(
                    Data(doc.markdown().utf8), type: "text/markdown; charset=utf-8", filename: "qorgan-report.md")
            case "html": return HTTP.data(Data(doc.html().utf8), type: "text/html; charset=utf-8")
            case "xlsx":
                return HTTP.data(
                    doc.workbook(), type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    filename: "qorgan-report.xlsx")
            case "pdf":
                // Printed by the server's Chromium, as `qorgan report --format pdf` does.
                do {
                    return HTTP.data(
                        try PDF.data(html: doc.html()), type: "application/pdf", filename: "qorgan-report.pdf")
                } catch let e as PDF.Failure {
                    throw APIError(
                        e.browserMissing ? .serviceUnavailable : .internalServerError, code: "pdf_unavailable",
                        e.message + "; the report page's Print button saves a PDF from the browser instead")
                }
            case let f:
                throw APIError.badRequest("format", f, "json, md, html, xlsx or pdf")
            }
        }
        api.get("framework") { _, c in
            _ = try c.requireUser()
            guard let f = try h.store.resultsFramework() else { throw APIError.notFound("no results framework yet") }
            return try HTTP.json(f)
        }
        api.put("framework") { r, c in
            let user = try h.requireNationalAdmin(c, "the results framework")
            let f = try await HTTP.decode(ResultsFramework.self, from: r, what: "the results framework")
            try h.store.setResultsFramework(f, user: user.username)
            return try HTTP.json(f)
        }
    }
}

extension Handlers {
    /// The report for the request's periods, unit (within the caller's), language and edition.
    func reportDocument(_ r: Request, _ c: AppContext, _ user: Principal) throws -> ReportDocument {
        let snapshot = state.engine.snapshot()
        let catalog = snapshot.catalog
        let unitRef = HTTP.param(r, "ou") ?? user.units.first ?? ""
        guard let unit = catalog.unit(unitRef) else {
            throw APIError.unknown("ou", unitRef, catalog.noUnit(unitRef))
        }
        guard user.canSee(unit.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(unitRef) }
        let threshold =
            try HTTP.param(r, "threshold").map { t -> Double in
                guard let v = Double(t) else { throw APIError.badRequest("threshold", t, "a number") }
                return v
            } ?? 5
        return try ReportOptions.build(
            store: store, snapshot: snapshot, periods: HTTP.param(r, "pe"), unit: unit.uid,
            language: HTTP.param(r, "lang") ?? c.language, edition: HTTP.param(r, "edition") ?? "full",
            threshold: threshold, approvedOnly: try HTTP.flag(r, "approved"), today: state.today)
    }
}

extension PageHandlers {
    func report(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let catalog = try state.store.catalog()
        let doc = try api.reportDocument(r, c, user)
        // The page's choices for the API's downloads; an empty field of the form is left out (the API
        // refuses an empty parameter).
        let query = (r.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("format=") && !$0.hasSuffix("=") }
            .joined(separator: "&")
        return render(
            "report", c, r, title: doc.title, active: "report",
            [
                "reportHTML": doc.html(standalone: false),
                "units": unitChoices(
                    user, catalog, selected: HTTP.param(r, "ou") ?? user.units.first, lang: c.language),
                "pe": HTTP.param(r, "pe") ?? doc.periods, "public": doc.edition == .public,
                "threshold": HTTP.param(r, "threshold") ?? "5", "approvedOnly": try HTTP.flag(r, "approved"),
                "xlsxHref": "/api/report?format=xlsx&" + query, "mdHref": "/api/report?format=md&" + query,
                "pdfHref": "/api/report?format=pdf&" + query,
                "jsonHref": "/api/report?format=json&" + query,
            ])
    }

    /// One figure's query, its answer with numerator and denominator, and the stored values
    /// behind it, each linked to its history.
    func trace(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let t = state.messages.table(c.language)
        let snapshot = state.engine.snapshot()
        let catalog = snapshot.catalog
        let dx = try HTTP.required(r, "dx")
        let pe = try HTTP.required(r, "pe")
        let ou = try HTTP.required(r, "ou")
        var spec = QuerySpec(dx: [dx], pe: [pe], ou: [ou])
        spec.includeNumeratorDenominator = true
        let result = try Analytics.run(spec, user: user, snapshot: snapshot, today: state.today, language: c.language)
        let row = result.rows.first
        guard let unit = catalog.unit(ou) else { throw APIError.badRequest("ou", ou, "no organisation unit") }
        let selection = try PeriodSelection(pe)
        // The elements the figure reads: the element itself, or those of the indicator's expressions.
        var elements: [String] = []
        var expressions: [String] = []
        let base = dx.split(separator: ".").first.map(String.init) ?? dx
        if let ind = catalog.indicator(dx) {
            expressions = [ind.numerator, ind.denominator]
            func refs(_ e: String) -> [String] {
                (try? Expression.parse(e))?.references.flatMap { ref -> [String] in
                    if ref.kind == .element { return [ref.code] }
                    if ref.kind == .indicator, let sub = catalog.indicator(ref.code) {
                        return refs(sub.numerator) + refs(sub.denominator)
                    }
                    return []
                } ?? []
            }
            elements = Array(Set(refs(ind.numerator) + refs(ind.denominator))).sorted()
        } else if catalog.element(base) != nil {
            elements = [base]
        }
        let uids = elements.compactMap { catalog.element($0)?.uid }
        let day = selection.span.end
        let values = try state.store.values(elements: uids).filter { v in
            v.key.period.rollsUp(into: selection.span)
                && catalog.isInSubtree(v.key.unit, of: unit.uid, on: min(day, v.key.period.end))
        }
        let pivotDx = catalog.indicator(dx)?.uid ?? catalog.element(base)?.uid ?? dx
        // Pages of 300 values, saying which ones are shown of how many.
        let perPage = 300
        let pageCount = max(1, (values.count + perPage - 1) / perPage)
        let page = min(try HTTP.int(r, "page", in: 1...1_000_000) ?? 1, pageCount)
        let shown = values.dropFirst((page - 1) * perPage).prefix(perPage)
        func pageHref(_ n: Int) -> String {
            let q = [("dx", dx), ("pe", pe), ("ou", ou), ("page", String(n))].map {
                "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)"
            }
            return "/trace?" + q.joined(separator: "&")
        }
        let shownText = (t["trace_shown"] ?? "{from}–{to} of {count}")
            .replacingOccurrences(of: "{from}", with: String(shown.isEmpty ? 0 : (page - 1) * perPage + 1))
            .replacingOccurrences(of: "{to}", with: String((page - 1) * perPage + shown.count))
            .replacingOccurrences(of: "{count}", with: String(values.count))
        return render(
            "trace", c, r, title: t["trace_title"] ?? "Where a figure comes from", active: "report",
            [
                "dx": dx, "pe": pe, "ou": ou,
                "name": catalog.indicator(dx)?.name(in: c.language) ?? catalog.element(base)?.name(in: c.language)
                    ?? dx,
                "unit": unit.name(in: c.language),
                "value": row.map { result.format($0) } ?? "–",
                "numerator": row?.numerator.map { formatFigure($0, decimals: 2) } ?? "",
                "denominator": row?.denominator.map { formatFigure($0, decimals: 2) } ?? "", "expressions": expressions,
                "pivotHref":
                    "/pivot?dx=\(pivotDx)&ou=\(unit.uid)&from=\(selection.span.start.year)&to=\(selection.span.end.year)&children=1",
                "apiHref": "/api/analytics?dx=\(dx)&pe=\(pe)&ou=\(ou)&numeratorDenominator=true",
                "count": values.count, "shown": shownText,
                "prevHref": page > 1 ? pageHref(page - 1) : nil as String? as Any,
                "nextHref": page < pageCount ? pageHref(page + 1) : nil as String? as Any,
                "values": shown.map { v -> Ctx in
                    let e = catalog.element(v.key.element)
                    let coc = catalog.optionCombo(uid: v.key.optionCombo)
                    return [
                        "element": e?.code ?? "",
                        "combo": coc.map { $0.code == "default" ? "" : catalog.name(of: $0, in: c.language) } ?? "",
                        "period": v.key.period.iso,
                        "unit": catalog.unit(v.key.unit)?.name(in: c.language) ?? "", "value": v.value,
                        // Values derived from a register name it in the page's language.
                        "storedBy": t["source_" + v.storedBy] ?? v.storedBy,
                        "history":
                            "/history?de=\(v.key.element)&pe=\(v.key.period.iso)&ou=\(v.key.unit)&co=\(v.key.optionCombo)",
                    ]
                },
            ])
    }

    func framework(_ r: Request, _ c: AppContext, _ user: Principal) throws -> Response {
        let t = state.messages.table(c.language)
        let catalog = try state.store.catalog()
        let f = try state.store.resultsFramework()
        let lang = c.language
        func tr(_ s: String) -> String { f?.text(s, in: lang) ?? s }
        func indicators(_ list: [ResultsFramework.FrameworkIndicator]) -> [Ctx] {
            list.map { i in
                [
                    "name": catalog.indicator(i.indicator)?.name(in: c.language) ?? i.indicator, "code": i.indicator,
                    "definition": tr(i.definition),
                    "baseline": "\(formatFigure(i.baseline.value, decimals: 1)) (\(i.baseline.period))",
                    "targets": i.targets.map { "\(formatFigure($0.value, decimals: 1)) (\($0.period))" }.joined(
                        separator: ", "),
                    "verification": tr(i.meansOfVerification), "frequency": tr(i.frequency),
                    "responsible": catalog.unit(i.responsibleUnit)?.name(in: c.language) ?? i.responsibleUnit,
                ] as Ctx
            }
        }
        return render(
            "framework", c, r, title: t["nav_framework"] ?? "Results framework", active: "report",
            [
                "programme": tr(f?.programme ?? ""), "empty": f == nil,
                "goals": (f?.goals ?? []).map { g -> Ctx in
                    [
                        "code": g.code, "name": tr(g.name),
                        "outcomes": g.outcomes.map { o -> Ctx in
                            [
                                "code": o.code, "name": tr(o.name), "indicators": indicators(o.indicators),
                                "outputs": o.outputs.map {
                                    ["code": $0.code, "name": tr($0.name), "indicators": indicators($0.indicators)]
                                        as Ctx
                                },
                            ]
                        },
                    ]
                },
            ])
    }
}
