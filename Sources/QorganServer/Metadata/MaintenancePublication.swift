import Foundation
import Hummingbird
import QorganCore
import QorganStore

/// The public portal's settings in the browser (national administrators): which indicators, levels
/// and years are published, the threshold below which no count is shown, and whether the report's
/// public edition is on the portal. Saved through `Store.setPublication`, the path of
/// `PUT /api/publication` and `qorgan publication`, with its checks; every version in the history,
/// each with a way back.
extension PageHandlers {
    static let publicationFields = ["fromYear", "toYear", "threshold"]

    func requireNationalMaintainer(_ user: Principal) throws {
        try requireMaintainer(user)
        guard user.isNational(in: try state.store.catalog(), on: state.today) else {
            throw APIError.forbidden(
                "the publication is national configuration: an administrator of the whole country sets it")
        }
    }

    func publicationForm(
        _ r: Request, _ c: AppContext, _ user: Principal, typed given: [String: String]? = nil,
        chosen: (indicators: Set<String>, levels: Set<String>, report: Bool)? = nil, problems: FormProblems? = nil,
        preview: [Ctx]? = nil
    ) throws -> Response {
        try requireNationalMaintainer(user)
        let lang = c.language
        let t = state.messages.table(lang)
        let catalog = try state.store.catalog()
        let current = try state.store.publication()
        let typed =
            given ?? [
                "fromYear": String(current.fromYear), "toYear": current.toYear.map(String.init) ?? "",
                "threshold": String(current.threshold),
            ]
        let indicators = chosen?.indicators ?? Set(current.indicators.compactMap { catalog.indicator($0)?.code })
        let levels = chosen?.levels ?? Set(current.levels.map(String.init))
        let report = chosen?.report ?? current.report
        let fields: [MaintainField] = [
            MaintainField(
                name: "indicators", label: t["maintain_pubIndicators"] ?? "Indicators published", kind: .checks,
                options: catalog.indicators.map { ($0.code, $0.name(in: lang), indicators.contains($0.code)) }),
            MaintainField(
                name: "levels", label: t["maintain_pubLevels"] ?? "Levels published", kind: .checks,
                options: catalog.organisationUnitLevels.map {
                    (String($0.level), $0.name(in: lang), levels.contains(String($0.level)))
                }),
            MaintainField(
                name: "fromYear", label: t["maintain_pubFrom"] ?? "From the year", kind: .number,
                value: typed["fromYear"] ?? ""),
            MaintainField(
                name: "toYear", label: t["maintain_pubTo"] ?? "To the year", kind: .number,
                value: typed["toYear"] ?? "",
                hint: t["maintain_pubToHint"]),
            MaintainField(
                name: "threshold", label: t["maintain_pubThreshold"] ?? "Threshold", kind: .number,
                value: typed["threshold"] ?? "", hint: t["maintain_pubThresholdHint"]),
            MaintainField(
                name: "report", label: t["maintain_pubReport"] ?? "The report", kind: .checks,
                options: [("1", t["maintain_pubReportOption"] ?? "Publish the report's public edition", report)]),
        ]
        let history = try state.store.recordHistory(kind: "publication", uid: "publication").enumerated().reversed()
        let rows: [Ctx] = history.enumerated().map { n, entry in
            [
                "id": entry.offset, "by": entry.element.changedBy,
                "at": Self.shortTime(Timestamp.string(entry.element.changedAt)),
                "action": t["maintain_action_updated"] ?? "changed", "canRestore": n > 0,
            ]
        }
        return maintenancePage(
            r, c, title: t["maintain_publication"] ?? "The public portal", action: "/metadata/publication",
            fields: fields, problems: problems, preview: preview,
            extra: [
                "saved": savedNotice(r, t) as Any, "history": rows, "restoreBase": "/metadata/publication/history/",
            ])
    }

    func submitPublication(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        try requireNationalMaintainer(user)
        let t = state.messages.table(c.language)
        var typed: [String: String] = [:]
        for name in Self.publicationFields { typed[name] = form[name]?.trimmingCharacters(in: .whitespaces) ?? "" }
        let indicators = Set(form.all("indicators"))
        let levels = Set(form.all("levels"))
        let report = form["report"] == "1"
        var problems = FormProblems("maintain", t)
        func year(_ name: String, optional: Bool) -> Int? {
            let text = typed[name] ?? ""
            if text.isEmpty && optional { return nil }
            guard let y = Int(text), Day.supportedYears.contains(y) else {
                problems.add(name, key: "number", value: text, reason: "a year 1900–2100")
                return nil
            }
            return y
        }
        let from = year("fromYear", optional: false)
        let to = year("toYear", optional: true)
        let threshold = Int(typed["threshold"] ?? "")
        if threshold == nil { problems.add("threshold", key: "number", value: typed["threshold"], reason: "a number") }
        let catalog = try state.store.catalog()
        let publication = Publication(
            indicators: catalog.indicators.map(\.code).filter { indicators.contains($0) },
            levels: levels.compactMap { Int($0) }.sorted(), fromYear: from ?? 0, toYear: to,
            threshold: threshold ?? 0, report: report)
        if problems.isEmpty {
            // The publication's own checks, as PUT /api/publication makes them.
            problems.add(publication.problems(in: catalog))
        }
        let chosen = (indicators, levels, report)
        guard problems.isEmpty else {
            return try publicationForm(r, c, user, typed: typed, chosen: chosen, problems: problems)
        }
        if form["intent"] == "preview" {
            let before = try state.store.publication()
            return try publicationForm(
                r, c, user, typed: typed, chosen: chosen,
                preview: [Self.publicationDiff(before, publication, catalog, c.language, t)])
        }
        try state.store.setPublication(publication, user: user.username)
        return HTTP.redirect("/metadata/publication?saved=1")
    }

    /// A version of the history made current again.
    func restorePublication(_ r: Request, _ c: AppContext, _ user: Principal, index: String) async throws -> Response {
        var r = r
        _ = try await r.collectBody(upTo: 1 << 14)
        try requireNationalMaintainer(user)
        let history = try state.store.recordHistory(kind: "publication", uid: "publication")
        guard let n = Int(index), history.indices.contains(n) else {
            throw APIError.notFound("no version \(index) of the publication")
        }
        let publication = try JSONDecoder().decode(Publication.self, from: Data(history[n].snapshot.utf8))
        try state.store.setPublication(publication, user: user.username)
        return HTTP.redirect("/metadata/publication?saved=restored")
    }

    static func publicationDiff(
        _ a: Publication, _ b: Publication, _ catalog: Catalog, _ lang: String, _ t: [String: String]
    ) -> Ctx {
        func names(_ p: Publication) -> String {
            p.indicators.compactMap { catalog.indicator($0)?.name(in: lang) }.joined(separator: "; ")
        }
        let rows: [(String, String, String)] = [
            (t["maintain_pubIndicators"] ?? "indicators", names(a), names(b)),
            (
                t["maintain_pubLevels"] ?? "levels", a.levels.map(String.init).joined(separator: ", "),
                b.levels.map(String.init).joined(separator: ", ")
            ),
            (t["maintain_pubFrom"] ?? "from", String(a.fromYear), String(b.fromYear)),
            (t["maintain_pubTo"] ?? "to", a.toYear.map(String.init) ?? "—", b.toYear.map(String.init) ?? "—"),
            (t["maintain_pubThreshold"] ?? "threshold", String(a.threshold), String(b.threshold)),
            (
                t["maintain_pubReport"] ?? "report", a.report ? "✓" : "—", b.report ? "✓" : "—"
            ),
        ]
        return [
            "kind": t["maintain_publication"] ?? "The public portal", "code": "",
            "action": t["maintain_action_updated"] ?? "changed",
            "fields": rows.filter { $0.1 != $0.2 }.map { ["field": $0.0, "old": $0.1, "new": $0.2] as Ctx },
        ]
    }
}
