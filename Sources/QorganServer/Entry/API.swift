import Foundation
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// The JSON API under /api. Every route checks the caller's role and units: nothing
/// outside their subtrees can be read or written, whichever way they ask.
enum API {
    static func register(on api: RouterGroup<AppContext>, state: ServerState) {
        let h = Handlers(state: state)
        api.get("openapi.json") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources")
            else {
                throw APIError.notFound("the OpenAPI document is missing from this build")
            }
            return HTTP.data(try Data(contentsOf: url), type: "application/json; charset=utf-8")
        }
        // Everything else needs a signed-in caller, checked before any body is read: an
        // anonymous request gets 401, whatever it sends.
        let api = api.group().add(middleware: RequireUser())
        api.get("me") { r, c in try h.meJSON(r, c) }
        api.get("system/info") { r, _ in HTTP.data(try h.systemInfo(r).data, type: "application/json; charset=utf-8") }
        // DHIS2's metadata collections: lists with pager, fields, filter and order; objects by uid or code.
        for collection in MetadataObjects.collections {
            api.get(RouterPath(collection)) { r, c in try h.list(collection, r, c) }
            api.get(RouterPath(collection + "/:id")) { r, c in
                try h.single(collection, try c.parameters.require("id"), r, c)
            }
        }

        api.get("dataValues") { r, c in try HTTP.json(try h.getValue(r, c)) }
        // DHIS2's two forms: a JSON body, or the parameters de, pe, ou, co, cc, cp, value, comment
        // (in the query or a form body). 201, with the value as stored.
        api.post("dataValues") { r, c in
            let body: ValueBody
            if HTTP.param(r, "de") != nil {
                body = try ValueBody(parameters: { HTTP.param(r, $0) })
            } else if r.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
                var r = r
                let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 20)))
                body = try ValueBody(parameters: { form[$0].flatMap { $0.isEmpty ? nil : $0 } })
            } else {
                body = try await HTTP.decode(ValueBody.self, from: r, what: "the data value")
            }
            return try HTTP.json(try h.saveValue(body, r, c), status: .created)
        }
        api.delete("dataValues") { r, c in try HTTP.json(try h.deleteValue(r, c)) }
        api.get("dataValueSets") { r, c in try h.exportValueSet(r, c) }
        api.post("dataValueSets") { r, c in
            var r = r
            let body = try await r.collectBody(upTo: 64 << 20)
            return try h.importValueSet(Data(buffer: body), r, c)
        }
        api.post("completions") { r, c in
            let body = try await HTTP.decode(CompletionBody.self, from: r, what: "the completion")
            return try HTTP.json(try h.complete(body, c))
        }
        api.get("validation") { r, c in try h.validation(r, c) }
        api.get("validation/dataSet/:ds") { r, c in try h.formValidation(r, c) }
        api.get("completeness") { r, c in try h.completeness(r, c) }
        api.get("notifications") { _, c in try h.notificationsJSON(c) }
        api.get("outlierDetection") { r, c in try h.outlierDetection(r, c) }
        api.get("outlierDetection/check") { r, c in try h.outlierCheck(r, c) }
        // A form as a spreadsheet, and back (FormSheets.swift).
        api.get("dataEntry/form.xlsx") { r, c in try h.formWorkbook(r, c) }
        api.post("dataEntry/form.xlsx") { r, c in
            var r = r
            let body: ByteBuffer
            do {
                body = try await r.collectBody(upTo: FormSheet.maxBytes)
            } catch is NIOTooManyBytesError {
                throw APIError(
                    .contentTooLarge, code: "too_large",
                    "a form's spreadsheet is at most \(FormSheet.maxBytes >> 20) MB; this one is larger")
            }
            return try HTTP.json(try h.importFormWorkbook(Data(buffer: body), c))
        }
        api.put("dataValues/followup") { r, c in
            let body = try await HTTP.decode(FollowUpBody.self, from: r, what: "the follow-up")
            return try HTTP.json(try h.setFollowUp(body, c))
        }
        api.post("minMaxValues") { r, c in
            let body = try await HTTP.decode(MinMaxBody.self, from: r, what: "the bounds")
            return try h.setMinMax(body, c)
        }
        api.post("minMaxValues/generate") { r, c in
            let body = try await HTTP.decode(GenerateBoundsBody.self, from: r, what: "the generation")
            return try h.generateMinMax(body, c)
        }
        api.get("dataApprovals") { r, c in try h.getApproval(r, c) }
        api.post("dataApprovals") { r, c in
            let body = try await HTTP.decode(ApprovalBody.self, from: r, what: "the approval")
            return try h.postApproval(body, c)
        }
        api.get("audits/dataValue") { r, c in try HTTP.json(try h.history(r, c)) }
        api.get("analytics") { r, c in try await h.analytics(r, c) }

        registerIncidents(on: api, h)
        registerRegistries(on: api, h)
        registerReport(on: api, h)
        api.get("users") { _, c in try HTTP.json(try h.users(c)) }
        api.post("users") { r, c in
            let body = try await HTTP.decode(NewUserBody.self, from: r, what: "the user")
            return try HTTP.json(try h.createUser(body, c), status: .created)
        }
        api.patch("users/:username") { r, c in
            let body = try await HTTP.decode(UserChangeBody.self, from: r, what: "the change")
            return try HTTP.json(try h.updateUser(try c.parameters.require("username"), body, c))
        }
        api.get("tokens") { _, c in try HTTP.json(try h.tokens(c)) }
        api.post("tokens") { r, c in
            let body = try await HTTP.decode(TokenBody.self, from: r, what: "the token")
            return try HTTP.json(try h.createToken(body, c), status: .created)
        }
        api.delete("tokens/:id") { _, c in
            try h.revokeToken(try c.parameters.require("id"), c)
            return Response(status: .noContent)
        }
    }
}

// MARK: Bodies and answers

struct ValueBody: Decodable {
    var dataElement: String
    var period: String
    var orgUnit: String
    var categoryOptionCombo: String?
    var attributeOptionCombo: String?
    var value: String
    var comment: String?

    enum CodingKeys: String, CodingKey {
        case dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo, value, comment
    }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dataElement = try c.decode(String.self, forKey: .dataElement)
        period = try c.decode(String.self, forKey: .period)
        orgUnit = try c.decode(String.self, forKey: .orgUnit)
        categoryOptionCombo = try c.decodeIfPresent(String.self, forKey: .categoryOptionCombo)
        attributeOptionCombo = try c.decodeIfPresent(String.self, forKey: .attributeOptionCombo)
        // A number is accepted as well as a string; it is checked against the element's type either way.
        if let s = try? c.decode(String.self, forKey: .value) {
            value = s
        } else if let d = try? c.decode(Double.self, forKey: .value) {
            value = d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        } else if let b = try? c.decode(Bool.self, forKey: .value) {
            value = b ? "true" : "false"
        } else {
            throw DecodingError.typeMismatch(
                String.self,
                .init(codingPath: [CodingKeys.value], debugDescription: "value is a string, number or boolean"))
        }
        comment = try c.decodeIfPresent(String.self, forKey: .comment)
    }
}

extension ValueBody {
    /// From DHIS2's parameter names: de, pe, ou, co, cc + cp (attribute combination and options), value, comment.
    init(parameters get: (String) -> String?) throws {
        func required(_ name: String) throws -> String {
            guard let v = get(name) else { throw APIError.badRequest(name, nil, "this parameter is required") }
            return v
        }
        dataElement = try required("de")
        period = try required("pe")
        orgUnit = try required("ou")
        categoryOptionCombo = get("co")
        attributeOptionCombo = try ValueBody.attributeCombo(cc: get("cc"), cp: get("cp"), ao: get("ao"))
        guard let v = get("value") else {
            throw APIError.badRequest("value", nil, "this parameter is required (to delete a value, use DELETE)")
        }
        value = v
        comment = get("comment")
    }

    /// The attribute option combination that `cc` and `cp` (or `ao`) name: only the default exists,
    /// so `cc` may name the default combination and `cp` must be empty.
    static func attributeCombo(cc: String?, cp: String?, ao: String?) throws -> String? {
        if let cp, !cp.isEmpty {
            throw APIError.badRequest("cp", cp, "only the default attribute option combination exists: leave cp out")
        }
        if let cc, cc != CategoryCombo.defaultUid, cc != CategoryCombo.defaultCode {
            throw APIError.badRequest("cc", cc, "only the default attribute category combination exists")
        }
        return ao
    }
}

struct CompletionBody: Decodable {
    var dataSet: String
    var period: String
    var orgUnit: String
    var completed: Bool?
    /// Why the form is complete despite a medium or low importance violation.
    var comment: String?
}

struct NewUserBody: Decodable {
    var username: String
    var password: String
    var role: String
    var units: [String]
    var language: String?
}

struct UserChangeBody: Decodable {
    var role: String?
    var units: [String]?
    var password: String?
    var language: String?
    var disabled: Bool?
}

struct TokenBody: Decodable {
    var name: String
    /// Days until the token stops working by itself; absent: until it is revoked.
    var expiresInDays: Int? = nil
}

struct UserJSON: Encodable {
    var username: String
    var role: String
    var units: [String]
    var language: String?
    var disabled: Bool
    init(_ u: UserRecord) {
        username = u.principal.username
        role = u.principal.role.rawValue
        units = u.principal.units
        language = u.principal.language
        disabled = u.disabled
    }
    init(_ p: Principal) {
        username = p.username
        role = p.role.rawValue
        units = p.units
        language = p.language
        disabled = false
    }
}

struct ValueJSON: Encodable {
    var dataElement: String, period: String, orgUnit: String, categoryOptionCombo: String, attributeOptionCombo: String
    var value: String, storedBy: String, created: Date, lastUpdated: Date, comment: String?, followUp: Bool,
        deleted: Bool
    init(_ v: DataValue) {
        dataElement = v.key.element
        period = v.key.period.iso
        orgUnit = v.key.unit
        categoryOptionCombo = v.key.optionCombo
        attributeOptionCombo = v.key.attributeOptionCombo
        value = v.value
        storedBy = v.storedBy
        created = v.created
        lastUpdated = v.lastUpdated
        comment = v.comment
        followUp = v.followUp
        deleted = v.deleted
    }
}

struct FormJSON: Encodable {
    var dataSet: String, period: String, orgUnit: String
    var completed: Bool, completedBy: String?, completedAt: Date?
    var comment: String? = nil
    var locked: Bool
    var dataValues: [ValueJSON]
}

struct AuditJSON: Encodable {
    var action: String, oldValue: String?, newValue: String?, oldComment: String?, newComment: String?
    var changedBy: String, changedAt: Date
}

struct NewTokenJSON: Encodable {
    var id: Int64, name: String
    /// Shown this once: only its hash is kept.
    var token: String
    var expires: Date? = nil
}

// MARK: Handlers

struct Handlers: Sendable {
    let state: ServerState
    var store: Store { state.store }

    func catalog() throws -> Catalog { try store.catalog() }

    // Values

    /// A value's key from query parameters (de, pe, ou, co, cc), resolved and checked
    /// against the caller's scope.
    func key(_ r: Request, _ c: AppContext, _ catalog: Catalog) throws -> DataValueKey {
        let user = try c.requireUser()
        let de = try HTTP.required(r, "de")
        let pe = try HTTP.required(r, "pe")
        let ou = try HTTP.required(r, "ou")
        guard let element = catalog.element(de) else {
            throw APIError.badRequest("de", de, "no data element with this code or uid")
        }
        guard let period = Period.parse(pe) else {
            throw APIError.badRequest("pe", pe, QorganError.invalidPeriod(pe).description)
        }
        guard let unit = catalog.unit(ou) else {
            throw APIError.badRequest("ou", ou, catalog.noUnit(ou))
        }
        guard user.canSee(unit.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(ou) }
        var coc = CategoryOptionCombo.defaultUid
        if let co = HTTP.param(r, "co") {
            guard let combo = catalog.optionCombo(co, of: element) else {
                throw APIError.badRequest("co", co, "not an option combination of \(element.code)")
            }
            coc = combo.uid
        }
        var aoc = CategoryOptionCombo.defaultUid
        if let ao = try ValueBody.attributeCombo(
            cc: HTTP.param(r, "cc"), cp: HTTP.param(r, "cp"), ao: HTTP.param(r, "ao"))
        {
            guard let combo = catalog.attributeOptionCombo(ao) else {
                throw APIError.badRequest("ao", ao, "not an attribute option combination")
            }
            aoc = combo.uid
        }
        return DataValueKey(
            element: element.uid, period: period, unit: unit.uid, optionCombo: coc, attributeOptionCombo: aoc)
    }

    func getValue(_ r: Request, _ c: AppContext) throws -> ValueJSON {
        let catalog = try catalog()
        let k = try key(r, c, catalog)
        guard let v = try store.value(k), !v.deleted else { throw APIError.notFound("no value is stored for this key") }
        return ValueJSON(v)
    }

    /// The caller, if their role writes data values; 403 otherwise.
    func requireValueWriter(_ c: AppContext) throws -> Principal {
        let user = try c.requireUser()
        guard user.role.canWriteValues else {
            throw APIError.forbidden(
                "a \(user.role.rawValue) cannot change data values; data entry staff and administrators can")
        }
        return user
    }

    /// Scope, decided by the store on each value as it resolved it (its unit), never on the strings
    /// of the request. The form rules (approval, completion, expiry) are `formRules`.
    func valueAuthorizer(_ user: Principal) -> ValueAuthorizer {
        let today = state.today
        return { value, catalog in
            user.canSee(value.key.unit, in: catalog, on: today)
                ? nil : (.outOfScope, "this organisation unit is outside the units you may see")
        }
    }

    /// The form rules for the caller: `force=true` (DHIS2's) is an administrator's named override
    /// of a completed form; anyone else asking for it is refused.
    func formRules(_ user: Principal, _ r: Request) throws -> FormRules {
        try FormRules.signedIn(user, today: state.today, force: try HTTP.flag(r, "force"))
    }

    func saveValue(_ b: ValueBody, _ r: Request, _ c: AppContext) throws -> ValueJSON {
        let user = try requireValueWriter(c)
        let rules = try formRules(user, r)
        // A changed value keeps its comment unless one is sent ("" clears it), and keeps its
        // follow-up mark, which only PUT /api/dataValues/followup changes: the store's rule.
        let input = DataValueInput(
            element: b.dataElement, period: b.period, unit: b.orgUnit, optionCombo: b.categoryOptionCombo ?? "",
            attributeOptionCombo: b.attributeOptionCombo ?? "", value: b.value, comment: b.comment,
            location: "the data value")
        try store.saveValues(
            [input], source: "the data value", user: user.username, authorize: valueAuthorizer(user), rules: rules)
        state.valuesSaved.increment()
        guard case .valid(let r) = try catalog().resolve(input), let v = try store.value(r.key) else {
            throw APIError.notFound("the value was not stored")
        }
        return ValueJSON(v)
    }

    func deleteValue(_ r: Request, _ c: AppContext) throws -> ValueJSON {
        let user = try requireValueWriter(c)
        let rules = try formRules(user, r)
        let catalog = try catalog()
        let k = try key(r, c, catalog)
        guard let v = try store.value(k), !v.deleted else { throw APIError.notFound("no value is stored for this key") }
        try store.saveValues(
            [
                DataValueInput(
                    element: k.element, period: k.period.iso, unit: k.unit, optionCombo: k.optionCombo,
                    attributeOptionCombo: k.attributeOptionCombo, value: v.value, deleted: "true",
                    location: "the data value")
            ],
            source: "the deletion", user: user.username, authorize: valueAuthorizer(user), rules: rules)
        return ValueJSON(try store.value(k) ?? v)
    }

    /// A form, unit and period from parameters, checked.
    func formKey(dataSet: String?, period: String?, unit: String?, _ c: AppContext, _ catalog: Catalog) throws -> (
        DataSet, Period, OrgUnit
    ) {
        let user = try c.requireUser()
        guard let ds = dataSet else { throw APIError.badRequest("dataSet", nil, "required") }
        guard let pe = period else { throw APIError.badRequest("period", nil, "required") }
        guard let ou = unit else { throw APIError.badRequest("orgUnit", nil, "required") }
        guard let form = catalog.dataSet(ds) else {
            throw APIError.badRequest("dataSet", ds, "no data set with this code or uid")
        }
        guard let p = Period.parse(pe) else {
            throw APIError.badRequest("period", pe, QorganError.invalidPeriod(pe).description)
        }
        guard p.type == form.periodType else {
            throw APIError.badRequest(
                "period", pe, "\(form.code) is reported \(form.periodType.rawValue), not \(p.type.rawValue)")
        }
        guard let u = catalog.unit(ou) else {
            throw APIError.badRequest("orgUnit", ou, catalog.noUnit(ou))
        }
        guard user.canSee(u.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(ou) }
        return (form, p, u)
    }

    func complete(_ b: CompletionBody, _ c: AppContext) throws -> FormJSON {
        let user = try c.requireUser()
        let catalog = try catalog()
        let (form, p, u) = try formKey(dataSet: b.dataSet, period: b.period, unit: b.orgUnit, c, catalog)
        guard user.role.canWriteValues else {
            throw APIError.forbidden("a \(user.role.rawValue) cannot complete forms")
        }
        if form.isExpired(p, today: state.today) && !user.role.canOverrideExpiry {
            throw APIError(
                .conflict, code: "form_locked",
                "\(form.code) for \(p.iso) is closed; an administrator can still change it")
        }
        let complete = b.completed ?? true
        if let comment = b.comment, comment.count > 1000 {
            throw APIError.badRequest("comment", String(comment.prefix(20)) + "…", "at most 1000 characters")
        }
        // An approved form's completion is refused by the store (409 form_locked), on every surface.
        if complete { try checkCompletable(form, p, u, comment: b.comment, c, catalog) }
        let comment = b.comment.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        try store.setCompletion(
            dataSet: form.uid, period: p.iso, unit: u.uid, complete: complete, comment: complete ? comment : nil,
            by: user.username)
        let done = try store.completion(dataSet: form.uid, period: p.iso, unit: u.uid)
        state.notify(
            complete ? "form.completed" : "form.reopened",
            [
                ("dataSet", .string(form.code)), ("period", .string(p.iso)), ("orgUnit", .string(u.code)),
                ("by", .string(user.username)), ("comment", .string(done?.comment)),
            ])
        return FormJSON(
            dataSet: form.uid, period: p.iso, orgUnit: u.uid, completed: done != nil, completedBy: done?.completedBy,
            completedAt: done?.completedAt, comment: done?.comment, locked: form.isExpired(p, today: state.today),
            dataValues: [])
    }

    func history(_ r: Request, _ c: AppContext) throws -> [AuditJSON] {
        let catalog = try catalog()
        let k = try key(r, c, catalog)
        return try store.history(k).map {
            AuditJSON(
                action: $0.action.rawValue, oldValue: $0.oldValue, newValue: $0.newValue, oldComment: $0.oldComment,
                newComment: $0.newComment, changedBy: $0.changedBy, changedAt: $0.changedAt)
        }
    }

    // Analytics

    func analytics(_ r: Request, _ c: AppContext) async throws -> Response {
        let user = try c.requireUser()
        let (snapshot, catalogGeneration, elementGenerations) = state.engine.snapshotWithVersions()
        // DHIS2's form (dimension=, filter=dim:items) or Qorgan's (dx=, pe=, ou=, filter=dim).
        var dhis2: DHIS2Analytics? = nil
        var spec: QuerySpec
        if DHIS2Analytics.isDHIS2(r) {
            let parsed = try DHIS2Analytics.parse(r, catalog: snapshot.catalog)
            dhis2 = parsed
            spec = parsed.spec
        } else {
            spec = QuerySpec(dx: HTTP.params(r, "dx"), pe: HTTP.params(r, "pe"), ou: HTTP.params(r, "ou"))
            spec.co = try HTTP.flag(r, "co")
            for f in HTTP.params(r, "filter") {
                guard let d = AnalyticsDimension(rawValue: f) else {
                    throw APIError.badRequest("filter", f, "takes dx, pe or ou")
                }
                spec.filters.insert(d)
            }
            if let t = HTTP.param(r, "aggregationType") {
                guard let at = AggregationType(rawValue: t.uppercased()) else {
                    throw APIError.badRequest("aggregationType", t, "not an aggregation type")
                }
                spec.aggregationType = at
            }
            spec.includeNumeratorDenominator = try HTTP.flag(r, "numeratorDenominator")
        }
        spec.limits = state.configuration.queryLimits
        if let t = HTTP.param(r, "periodType") {
            guard let pt = PeriodType(name: t) else { throw APIError.badRequest("periodType", t, "not a period type") }
            spec.periodType = pt
        }
        let format = try format(r, c, allowed: ["json", "csv", "xlsx"])
        // The answer depends on the query, the user's units, the language, the metadata and the
        // values of the elements it reads only: a write to another element leaves it right.
        let reads = Analytics.elements(of: spec.dx, in: snapshot.catalog)
        let cacheKey = reads.map { elements in
            user.units.joined(separator: ",") + "|" + c.language + "|\(state.today)|" + (r.uri.query ?? "") + "|"
                + format + "|m\(catalogGeneration)|"
                + elements.sorted().map { "\($0)=\(elementGenerations[$0] ?? 0)" }.joined(separator: ",")
        }
        if let cacheKey, let hit = state.answers.get(cacheKey) {
            return HTTP.data(hit.body, type: hit.contentType, filename: hit.filename)
        }
        let today = state.today
        let language = c.language
        let query = spec
        let result = try await c.cancellingWhenClientLeaves {
            try Analytics.run(query, user: user, snapshot: snapshot, today: today, language: language)
        }
        let answer: AnswerCache.Answer
        switch format {
        case "csv":
            answer = .init(
                body: Data((dhis2?.csv(result) ?? result.csv()).utf8), contentType: "text/csv; charset=utf-8",
                filename: "qorgan-analytics.csv")
        case "xlsx":
            let t = result.table()
            answer = .init(
                body: XLSX.workbook(sheets: [
                    XLSX.Sheet(name: "Analytics", header: t.header, rows: Analytics.cells(result))
                ]),
                contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                filename: "qorgan-analytics.xlsx")
        default:
            let body = try dhis2.map { $0.json(result, catalog: snapshot.catalog) } ?? result.json()
            answer = .init(body: body, contentType: "application/json; charset=utf-8", filename: nil)
        }
        if let cacheKey { state.answers.put(cacheKey, answer) }
        return HTTP.data(answer.body, type: answer.contentType, filename: answer.filename)
    }

    // Users and tokens

    func requireAdmin(_ c: AppContext) throws -> Principal {
        let user = try c.requireUser()
        guard user.role.canManageUsers else { throw APIError.forbidden("only administrators manage users") }
        return user
    }

    /// An administrator manages users within their own units only.
    func checkGrantable(_ units: [String], by admin: Principal, _ catalog: Catalog) throws {
        for ref in units {
            guard let u = catalog.unit(ref) else {
                throw APIError.badRequest("units", ref, "no organisation unit with this code or uid")
            }
            guard admin.canSee(u.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(ref) }
        }
    }

    func users(_ c: AppContext) throws -> [UserJSON] {
        let admin = try requireAdmin(c)
        let catalog = try catalog()
        return try store.users().filter { u in
            admin.manages(u.principal, in: catalog, on: state.today)
        }.map(UserJSON.init)
    }

    func createUser(_ b: NewUserBody, _ c: AppContext) throws -> UserJSON {
        let admin = try requireAdmin(c)
        guard let role = Role.parse(b.role) else {
            throw APIError.badRequest("role", b.role, "one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let p = Secrets.checkPassword(b.password) {
            throw APIError(.badRequest, code: "bad_request", "password: \(p.reason)", problems: [p])
        }
        if let lang = b.language, !Messages.languages.contains(lang) {
            throw APIError.badRequest("language", lang, "one of \(Messages.languages.joined(separator: ", "))")
        }
        try checkGrantable(b.units, by: admin, try catalog())
        return UserJSON(
            try store.createUser(
                username: b.username, passwordHash: Secrets.hashPassword(b.password), role: role,
                units: b.units, language: b.language, by: admin.username))
    }

    func updateUser(_ name: String, _ b: UserChangeBody, _ c: AppContext) throws -> UserJSON {
        let admin = try requireAdmin(c)
        let catalog = try catalog()
        guard let existing = try store.user(named: name) else {
            throw APIError(QorganError.notFound(kind: "user", key: name))
        }
        guard admin.manages(existing.principal, in: catalog, on: state.today) else {
            throw APIError.forbidden("'\(name)' has units outside yours")
        }
        var role: Role? = nil
        if let r = b.role {
            guard let parsed = Role.parse(r) else {
                throw APIError.badRequest("role", r, "one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            role = parsed
        }
        if let units = b.units { try checkGrantable(units, by: admin, catalog) }
        if let pw = b.password, let p = Secrets.checkPassword(pw) {
            throw APIError(.badRequest, code: "bad_request", "password: \(p.reason)", problems: [p])
        }
        if let lang = b.language, !Messages.languages.contains(lang) {
            throw APIError.badRequest("language", lang, "one of \(Messages.languages.joined(separator: ", "))")
        }
        if b.disabled == true && existing.principal.username == admin.username {
            throw APIError(.conflict, code: "conflict", "you cannot disable yourself")
        }
        return UserJSON(
            try store.updateUser(
                username: name, role: role, units: b.units, passwordHash: b.password.map { Secrets.hashPassword($0) },
                language: b.language.map { Optional($0) }, disabled: b.disabled, by: admin.username))
    }

    /// An administrator of the whole country (bound to a root unit): national configuration
    /// (the results framework, the site configuration, checklists, metadata) is theirs alone.
    func requireNationalAdmin(_ c: AppContext, _ what: String) throws -> Principal {
        let user = try c.requireUser()
        guard user.role.canManageUsers else {
            throw APIError.forbidden("\(what) is national configuration: only administrators change it")
        }
        let catalog = try catalog()
        guard user.isNational(in: catalog, on: state.today) else {
            throw APIError.forbidden(
                "\(what) is national configuration: only an administrator of the whole country may change it")
        }
        return user
    }

    func tokens(_ c: AppContext) throws -> [TokenRecord] {
        let user = try c.requireUser()
        guard user.role.canManageUsers else { return try store.tokens(username: user.username) }
        // An administrator sees their own tokens and those of the users they manage, nobody else's.
        let catalog = try catalog()
        let owners = Dictionary(
            try store.users().map { ($0.principal.username, $0.principal) }, uniquingKeysWith: { a, _ in a })
        return try store.tokens().filter { t in
            t.username == user.username
                || owners[t.username].map { user.manages($0, in: catalog, on: state.today) } == true
        }
    }

    func createToken(_ b: TokenBody, _ c: AppContext) throws -> NewTokenJSON {
        let user = try c.requireUser()
        let name = b.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else {
            throw APIError.badRequest("name", b.name, "1 to 100 characters: what the token is for")
        }
        if let d = b.expiresInDays, !Secrets.tokenLifetimes.contains(d) {
            throw APIError.badRequest(
                "expiresInDays", String(d),
                "\(Secrets.tokenLifetimes.lowerBound) to \(Secrets.tokenLifetimes.upperBound) days, or leave it out")
        }
        let (secret, record) = try Secrets.issueToken(
            in: store, username: user.username, name: name, expiresInDays: b.expiresInDays, by: user.username)
        return NewTokenJSON(id: record.id, name: record.name, token: secret, expires: record.expires)
    }

    func revokeToken(_ idText: String, _ c: AppContext) throws {
        let user = try c.requireUser()
        guard let id = Int64(idText) else { throw APIError.badRequest("id", idText, "a token id is a number") }
        // Someone else's token, unless the caller manages its owner, is as absent as one that does not exist.
        let catalog = try catalog()
        let token = try store.tokens().first { $0.id == id }
        let owner = try token.flatMap { try store.user(named: $0.username) }
        guard let t = token,
            t.username == user.username
                || owner.map({ user.manages($0.principal, in: catalog, on: state.today) }) == true
        else {
            throw APIError.notFound("no API token \(id) of yours or of the users you manage")
        }
        try store.revokeToken(id: id, by: user.username)
    }
}
