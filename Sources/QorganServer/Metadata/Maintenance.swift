import Foundation
import Hummingbird
import QorganCore
import QorganInterop
import QorganStore

/// One input of a maintenance form, as the one template `maintain.mustache` draws it.
struct MaintainField {
    enum Kind: String { case text, date, number, select, textarea, checks }
    var name: String
    var label: String
    var kind: Kind = .text
    var value: String = ""
    var hint: String? = nil
    var options: [(value: String, label: String, selected: Bool)] = []
    var readonly = false
    /// An expression: the page checks it as it is typed (`/api/expressions/description`).
    var expression = false

    func ctx(_ errors: [String: String]) -> Ctx {
        [
            "name": name, "id": "maintain-\(name)", "label": label, "value": value, "hint": hint as Any,
            "error": errors[name] as Any, "readonly": readonly, "expression": expression,
            "is_\(kind.rawValue)": true,
            "options": options.enumerated().map { n, o in
                ["value": o.value, "label": o.label, "selected": o.selected, "id": "maintain-\(name)-\(n)"] as Ctx
            },
        ]
    }
}

/// What a maintenance form asked for: to see what would change, or to change it.
enum MaintainIntent { case preview, save }

extension PageHandlers {
    /// The maintenance pages are for administrators; what each may change is decided by the
    /// write path on the resolved change (`Principal.metadataRefusal`).
    func requireMaintainer(_ user: Principal) throws {
        guard user.role.canManageUsers else {
            throw APIError.forbidden("a \(user.role.rawValue) cannot change metadata: administrators do")
        }
    }

    /// A maintenance form with its problems, the preview of a change and the object's history.
    func maintenancePage(
        _ r: Request, _ c: AppContext, title: String, action: String, fields: [MaintainField],
        problems: FormProblems?, preview: [Ctx]? = nil, extra: Ctx = [:]
    ) -> Response {
        var ctx = extra
        if ctx["restoreBase"] == nil { ctx["restoreBase"] = "/metadata/history/" }
        ctx["heading"] = title
        ctx["action"] = action
        ctx["fields"] = fields.map { $0.ctx(problems?.inline ?? [:]) }
        ctx["hasHistory"] = (extra["history"] as? [Ctx])?.isEmpty == false
        if let preview {
            ctx["preview"] = preview
            ctx["hasPreview"] = true
            ctx["nothingChanges"] = preview.isEmpty
        }
        ctx.merge(problems?.context ?? [:]) { $1 }
        return render(
            "maintain", c, r, title: title, active: "metadata", ctx,
            status: problems?.isEmpty == false ? .badRequest : .ok)
    }

    /// Runs a document through the one metadata write path (`Store.importMetadata`, with the
    /// signed-in administrator held to who may change what): a preview is a dry run answered
    /// with what would change, field by field; a save changes it. Refusals become the form's
    /// problems; nil then.
    func applyMaintenance(
        _ doc: Catalog, intent: MaintainIntent, user: Principal, lang: String, problems: inout FormProblems,
        source: String = "the form", input: (String) -> String = { $0 }
    ) throws -> (changes: [MetadataChange], diff: [Ctx])? {
        guard problems.isEmpty else { return nil }
        var doc = doc
        doc.reindex()
        do {
            guard intent == .preview else {
                let changes = try state.store.importMetadata(
                    doc, source: source, user: user.username, principal: user, today: state.today)
                return (changes, [])
            }
            let (changes, before, after) = try state.store.previewMetadata(
                doc, source: source, user: user.username, principal: user, today: state.today)
            return (
                changes,
                MetadataDiff.rows(changes, before: before, after: after, lang: lang, t: state.messages.table(lang))
            )
        } catch QorganError.rejected(_, let found) {
            // The store's checks say what is wrong in their reason: each is shown on its field.
            problems.add(
                found.map { p in
                    var p = p
                    if p.field == nil { p.field = "code" }
                    p.value = [p.object, p.value].compactMap { $0 }.joined(separator: " ")
                    return p
                }, input: input, key: { _ in "store" })
        } catch let denied as AccessDenied {
            for p in denied.problems {
                let field = p.field.map(input) ?? "code"
                problems.add(
                    field, key: "denied_" + (p.code ?? "outOfScope"), value: p.value ?? p.object, reason: p.reason)
            }
        }
        return nil
    }

    /// An object's history as its page lists it, newest first, each earlier version with a
    /// button that restores it (a change like any other: checked, audited, itself undoable).
    func historyRows(kind: String, uid: String, t: [String: String]) throws -> [Ctx] {
        let versions = try state.store.metadataHistory(kind: kind, uid: uid)
        return versions.enumerated().map { n, v in
            [
                "id": v.id, "by": v.changedBy, "at": Self.shortTime(v.changedAt),
                "action": t["maintain_action_" + v.action.lowercased()] ?? v.action.lowercased(),
                "canRestore": n > 0,
            ]
        }
    }

    /// `2026-12-07T10:11:12.345Z` as `2026-12-07 10:11`.
    static func shortTime(_ stamp: String) -> String {
        String(stamp.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    /// Restores an earlier version of an object from its history: the version's snapshot is
    /// written again through the one metadata write path.
    func restoreVersion(_ r: Request, _ c: AppContext, _ user: Principal, id: String) async throws -> Response {
        var r = r
        _ = try await r.collectBody(upTo: 1 << 14)
        try requireMaintainer(user)
        guard let number = Int64(id), let version = try state.store.metadataVersion(number) else {
            throw APIError.notFound("no metadata history entry \(id)")
        }
        var doc = Catalog()
        let data = Data(version.snapshot.utf8)
        let decoder = JSONDecoder()
        switch version.kind {
        case "organisationUnit": doc.organisationUnits = [try decoder.decode(OrgUnit.self, from: data)]
        case "dataElement": doc.dataElements = [try decoder.decode(DataElement.self, from: data)]
        case "dataSet": doc.dataSets = [try decoder.decode(DataSet.self, from: data)]
        case "indicator": doc.indicators = [try decoder.decode(Indicator.self, from: data)]
        case "validationRule": doc.validationRules = [try decoder.decode(ValidationRule.self, from: data)]
        default:
            throw APIError.illegalQuery("kind", version.kind, "restored with qorgan metadata import, not on this page")
        }
        var problems = FormProblems("maintain", state.messages.table(c.language))
        if try applyMaintenance(doc, intent: .save, user: user, lang: c.language, problems: &problems) == nil {
            throw APIError(
                .conflict, code: "rejected", "the earlier version cannot be restored",
                problems: problems.summary.compactMap { $0["text"] as? String }.map { Problem(reason: $0) })
        }
        return HTTP.redirect(Self.editPath(kind: version.kind, code: version.code) + "?saved=restored")
    }

    static func editPath(kind: String, code: String) -> String {
        let folder =
            switch kind {
            case "organisationUnit": "units"
            case "dataElement": "elements"
            case "dataSet": "forms"
            case "validationRule": "rules"
            default: "indicators"
            }
        return "/metadata/\(folder)/" + (code.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? code)
    }

    /// Every maintenance form's code and name: a code of up to 50 characters without spaces or
    /// slashes (it is part of the object's address), and a name.
    static func checkCodeAndName(_ typed: [String: String], _ problems: inout FormProblems) {
        let code = typed["code"] ?? ""
        if code.isEmpty { problems.add("code", reason: "a code is required") }
        if code.count > 50 || code.contains(where: { $0.isWhitespace || $0 == "/" }) {
            problems.add("code", key: "codeForm", value: code, reason: "up to 50 letters, digits, _ or -")
        }
        if (typed["name"] ?? "").isEmpty { problems.add("name", reason: "a name is required") }
    }

    /// The names of a page's translations: English is the object's name, ru and kk its translations.
    static let nameLanguages = ["ru", "kk"]

    func nameFields(_ typed: [String: String], t: [String: String]) -> [MaintainField] {
        [MaintainField(name: "name", label: t["maintain_nameEn"] ?? "Name (English)", value: typed["name"] ?? "")]
            + Self.nameLanguages.map { l in
                MaintainField(
                    name: "name_" + l, label: t["maintain_name_" + l] ?? "Name (\(l))", value: typed["name_" + l] ?? "")
            }
    }

    /// The translations of a name as typed (empty ones dropped), merged into what the object had.
    static func translations(_ typed: [String: String], keeping old: [String: String]?) -> [String: String]? {
        var out = old ?? [:]
        for l in nameLanguages {
            let v = typed["name_" + l] ?? ""
            out[l] = v.isEmpty ? nil : v
        }
        return out.isEmpty ? nil : out
    }

    static func typedFields(_ translations: [String: String]?) -> [String: String] {
        var out: [String: String] = [:]
        for l in nameLanguages { out["name_" + l] = translations?[l] ?? "" }
        return out
    }

    /// The saved notice a page shows after a change.
    func savedNotice(_ r: Request, _ t: [String: String]) -> String? {
        switch HTTP.param(r, "saved") {
        case "restored"?: t["maintain_restored"]
        case _?: t["maintain_saved"]
        case nil: nil
        }
    }
}

/// A metadata document imported in the browser: checked with a dry run that lists, object by
/// object and field by field, what it would change, then applied (the same document) at once.
extension PageHandlers {
    static let importLimit = 8 << 20

    func importForm(
        _ r: Request, _ c: AppContext, _ user: Principal, document: String = "", problems: FormProblems? = nil,
        preview: [Ctx]? = nil, done: String? = nil
    ) throws -> Response {
        try requireMaintainer(user)
        let t = state.messages.table(c.language)
        let field = MaintainField(
            name: "document", label: t["maintain_document"] ?? "Metadata document (JSON)", kind: .textarea,
            value: document, hint: t["maintain_documentHint"])
        var extra: Ctx = ["isImport": true, "saved": done as Any]
        extra["fileInto"] = "maintain-document"
        return maintenancePage(
            r, c, title: t["maintain_import"] ?? "Import metadata", action: "/metadata/import", fields: [field],
            problems: problems, preview: preview, extra: extra)
    }

    func submitImport(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: Self.importLimit)))
        try requireMaintainer(user)
        let t = state.messages.table(c.language)
        let text = form["document"] ?? ""
        let intent: MaintainIntent = form["intent"] == "preview" ? .preview : .save
        var problems = FormProblems("maintain", t)
        var doc = Catalog()
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems.add("document", reason: "paste or choose a metadata document")
        } else {
            do {
                doc = try MetadataDocument.parse(Data(text.utf8), source: "the document")
            } catch QorganError.rejected(_, let found) {
                problems.add("document", key: "json", value: found.first?.reason, reason: found.first?.reason ?? "")
            }
        }
        let result = try applyMaintenance(
            doc, intent: intent, user: user, lang: c.language, problems: &problems, source: "the document",
            input: { _ in "document" })
        var done: String? = nil
        if let result, intent == .save {
            let count = { (a: MetadataChange.Action) in result.changes.filter { $0.action == a }.count }
            done = fill(
                t["maintain_imported"] ?? "Created {created}, updated {updated}, unchanged {unchanged}.",
                ["created": "\(count(.created))", "updated": "\(count(.updated))", "unchanged": "\(count(.unchanged))"])
        }
        return try importForm(
            r, c, user, document: result != nil && intent == .save ? "" : text, problems: problems,
            preview: intent == .preview ? result?.diff : nil, done: done)
    }
}
