import Foundation
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// Data values through the API: one value, a form's completion, and a value's audit trail.
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
            guard let v = get(name) else {
                throw APIError.illegalQuery(name, nil, "this parameter is required with de")
            }
            return v
        }
        guard let de = get("de") else { throw APIError.badRequest("de", nil, "this parameter is required") }
        dataElement = de
        period = try required("pe")
        orgUnit = try required("ou")
        categoryOptionCombo = get("co")
        attributeOptionCombo = try ValueBody.attributeCombo(cc: get("cc"), cp: get("cp"), ao: get("ao"))
        guard let v = get("value") else {
            throw APIError.illegalQuery(
                "value", nil, "this parameter is required with de (to delete a value, use DELETE)")
        }
        value = v
        comment = get("comment")
    }

    /// The attribute option combination that `cc` and `cp` (or `ao`) name: only the default exists,
    /// so `cc` may name the default combination and `cp` must be empty.
    static func attributeCombo(cc: String?, cp: String?, ao: String?) throws -> String? {
        if let cp, !cp.isEmpty {
            throw APIError.unknown("cp", cp, "only the default attribute option combination exists: leave cp out")
        }
        if let cc, cc != CategoryCombo.defaultUid, cc != CategoryCombo.defaultCode {
            throw APIError.unknown("cc", cc, "only the default attribute category combination exists")
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

extension Handlers {
    // Values

    /// A value's key from query parameters (de, pe, ou, co, cc), resolved and checked
    /// against the caller's scope.
    func key(_ r: Request, _ c: AppContext, _ catalog: Catalog) throws -> DataValueKey {
        let user = try c.requireUser()
        let de = try HTTP.required(r, "de")
        let pe = try HTTP.required(r, "pe")
        let ou = try HTTP.required(r, "ou")
        guard let element = catalog.element(de) else {
            throw APIError.unknown("de", de, "no data element with this code or uid")
        }
        guard let period = Period.parse(pe) else {
            throw APIError.badRequest("pe", pe, QorganError.invalidPeriod(pe).description)
        }
        guard let unit = catalog.unit(ou) else {
            throw APIError.unknown("ou", ou, catalog.noUnit(ou))
        }
        guard user.canSee(unit.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(ou) }
        var coc = CategoryOptionCombo.defaultUid
        if let co = HTTP.param(r, "co") {
            guard let combo = catalog.optionCombo(co, of: element) else {
                throw APIError.unknown("co", co, "not an option combination of \(element.code)")
            }
            coc = combo.uid
        }
        var aoc = CategoryOptionCombo.defaultUid
        if let ao = try ValueBody.attributeCombo(
            cc: HTTP.param(r, "cc"), cp: HTTP.param(r, "cp"), ao: HTTP.param(r, "ao"))
        {
            guard let combo = catalog.attributeOptionCombo(ao) else {
                throw APIError.unknown("ao", ao, "not an attribute option combination")
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
        let (_, stored) = try store.saveValue(
            input, source: "the data value", user: user.username, authorize: valueAuthorizer(user), rules: rules)
        state.valuesSaved.increment()
        guard let v = stored else { throw APIError.notFound("the value was not stored") }
        return ValueJSON(v)
    }

    func deleteValue(_ r: Request, _ c: AppContext) throws -> ValueJSON {
        let user = try requireValueWriter(c)
        let rules = try formRules(user, r)
        let catalog = try catalog()
        let k = try key(r, c, catalog)
        guard let v = try store.value(k), !v.deleted else { throw APIError.notFound("no value is stored for this key") }
        let (_, stored) = try store.saveValue(
            DataValueInput(
                element: k.element, period: k.period.iso, unit: k.unit, optionCombo: k.optionCombo,
                attributeOptionCombo: k.attributeOptionCombo, value: v.value, deleted: "true",
                location: "the data value"),
            source: "the deletion", user: user.username, authorize: valueAuthorizer(user), rules: rules)
        return ValueJSON(stored ?? v)
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
            throw APIError.unknown("dataSet", ds, "no data set with this code or uid")
        }
        guard let p = Period.parse(pe) else {
            throw APIError.badRequest("period", pe, QorganError.invalidPeriod(pe).description)
        }
        guard p.type == form.periodType else {
            throw APIError.badRequest(
                "period", pe, "\(form.code) is reported \(form.periodType.rawValue), not \(p.type.rawValue)")
        }
        guard let u = catalog.unit(ou) else {
            throw APIError.unknown("orgUnit", ou, catalog.noUnit(ou))
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
}
