import Foundation
import Hummingbird
import QorganCore
import QorganStore

/// An incident as the API shows it: its fields, its unit's code and name, the labels of its
/// codes, and its bookkeeping.
struct IncidentJSON: Encodable {
    var incident: Incident
    var unitCode: String
    var unitName: String
    var deleted: Bool
    var created: Date, createdBy: String, lastUpdated: Date, lastUpdatedBy: String
    var labels: [String: String]

    enum CodingKeys: String, CodingKey {
        case uid, date, unit, unitCode, unitName, placeName, latitude, longitude, outcome, attackType,
            targetType, weaponType, killed, wounded, propertyDamage, propertyExtent, claimed, summary, sources,
            illustrative, gtdEventId, translations,
            deleted, created, createdBy, lastUpdated, lastUpdatedBy, labels
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let i = incident
        try c.encode(i.uid, forKey: .uid)
        try c.encode(i.date, forKey: .date)
        try c.encode(i.unit, forKey: .unit)
        try c.encode(unitCode, forKey: .unitCode)
        try c.encode(unitName, forKey: .unitName)
        try c.encodeIfPresent(i.placeName, forKey: .placeName)
        try c.encodeIfPresent(i.latitude, forKey: .latitude)
        try c.encodeIfPresent(i.longitude, forKey: .longitude)
        try c.encode(i.outcome, forKey: .outcome)
        try c.encode(i.attackType, forKey: .attackType)
        try c.encode(i.targetType, forKey: .targetType)
        try c.encode(i.weaponType, forKey: .weaponType)
        // Not known is null, distinct from 0.
        try c.encode(i.killed, forKey: .killed)
        try c.encode(i.wounded, forKey: .wounded)
        try c.encode(i.propertyDamage, forKey: .propertyDamage)
        try c.encodeIfPresent(i.propertyExtent, forKey: .propertyExtent)
        try c.encode(i.claimed, forKey: .claimed)
        try c.encode(i.summary, forKey: .summary)
        try c.encode(i.sources, forKey: .sources)
        try c.encode(i.illustrative, forKey: .illustrative)
        try c.encodeIfPresent(i.gtdEventId, forKey: .gtdEventId)
        try c.encodeIfPresent(i.translations, forKey: .translations)
        try c.encode(deleted, forKey: .deleted)
        try c.encode(created, forKey: .created)
        try c.encode(createdBy, forKey: .createdBy)
        try c.encode(lastUpdated, forKey: .lastUpdated)
        try c.encode(lastUpdatedBy, forKey: .lastUpdatedBy)
        try c.encode(labels, forKey: .labels)
    }

    init(_ r: IncidentRecord, catalog: Catalog, language: String) {
        incident = r.incident
        let u = catalog.unit(r.incident.unit)
        unitCode = u?.code ?? r.incident.unit
        unitName = u?.name(in: language) ?? r.incident.unit
        deleted = r.deleted
        created = r.created
        createdBy = r.createdBy
        lastUpdated = r.lastUpdated
        lastUpdatedBy = r.lastUpdatedBy
        labels = [
            "attackType": GTD.attackTypes[r.incident.attackType] ?? "",
            "targetType": GTD.targetTypes[r.incident.targetType] ?? "",
            "weaponType": GTD.weaponTypes[r.incident.weaponType] ?? "",
        ]
        if let e = r.incident.propertyExtent { labels["propertyExtent"] = GTD.propertyExtents[e] ?? "" }
    }
}

struct IncidentDetailJSON: Encodable {
    var incident: IncidentJSON
    var history: [Change]
    struct Change: Encodable {
        var action: String
        var changedBy: String
        var changedAt: Date
        var incident: Incident
    }
}

struct CodeListsJSON: Encodable {
    var attackTypes: [String: String], targetTypes: [String: String], weaponTypes: [String: String],
        propertyExtents: [String: String]
    var outcomes: [String]
}

extension Handlers {
    /// An incident the caller may see, or 404/403.
    func visibleIncident(_ uid: String, _ c: AppContext, _ catalog: Catalog) throws -> IncidentRecord {
        let user = try c.requireUser()
        // Another region's incident is as absent as one that does not exist: nothing about it is told.
        guard let r = try store.incident(uid: uid), user.canSee(r.incident.unit, in: catalog, on: state.today) else {
            throw APIError.notFound("no incident with uid '\(uid)' in your units")
        }
        return r
    }

    /// The incident filter of a request (from, to, ou, outcome, attackType, targetType), within the caller's units.
    func incidentFilter(_ r: Request, _ user: Principal, _ catalog: Catalog) throws -> IncidentFilter {
        func day(_ name: String, end: Bool) throws -> Day? {
            guard let s = HTTP.param(r, name) else { return nil }
            if let d = IncidentDate(s) { return end ? d.latest : d.earliest }
            if let p = Period.parse(s) { return end ? p.end : p.start }
            throw APIError.badRequest(name, s, "a date (YYYY, YYYY-MM, YYYY-MM-DD) or a period (2016Q2, 201606)")
        }
        var f = IncidentFilter(from: try day("from", end: false), to: try day("to", end: true))
        f.units = user.units
        if let ou = HTTP.param(r, "ou") {
            guard let u = catalog.unit(ou) else {
                throw APIError.unknown("ou", ou, "no organisation unit with this code or uid")
            }
            guard user.canSee(u.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(ou) }
            f.units = [u.uid]
        }
        if let o = HTTP.param(r, "outcome") {
            guard let outcome = IncidentOutcome(rawValue: o) else {
                throw APIError.badRequest("outcome", o, "completed, failed, foiled or unknown")
            }
            f.outcome = outcome
        }
        for (name, list) in [("attackType", GTD.attackTypes), ("targetType", GTD.targetTypes)] {
            guard let t = HTTP.param(r, name) else { continue }
            guard let n = Int(t), list[n] != nil else {
                throw APIError.badRequest(name, t, "a GTD code (\(list.keys.min() ?? 0)–\(list.keys.max() ?? 0))")
            }
            if name == "attackType" { f.attackType = n } else { f.targetType = n }
        }
        f.includeDeleted = try HTTP.flag(r, "deleted")
        return f
    }

    func listIncidents(_ r: Request, _ c: AppContext) throws -> [IncidentJSON] {
        let user = try c.requireUser()
        let catalog = try catalog()
        return try store.incidents(try incidentFilter(r, user, catalog)).map {
            IncidentJSON($0, catalog: catalog, language: c.language)
        }
    }

    func incidentDetail(_ uid: String, _ c: AppContext) throws -> IncidentDetailJSON {
        let catalog = try catalog()
        let r = try visibleIncident(uid, c, catalog)
        return IncidentDetailJSON(
            incident: IncidentJSON(r, catalog: catalog, language: c.language),
            history: try store.incidentHistory(uid: uid).map {
                .init(action: $0.action, changedBy: $0.changedBy, changedAt: $0.changedAt, incident: $0.incident)
            })
    }

    /// Creates (`uid` nil) or replaces an incident: the caller must enter data and see its unit (and, for an edit, its old unit).
    func saveIncident(_ body: Incident, uid: String?, _ c: AppContext) throws -> IncidentJSON {
        let user = try c.requireUser()
        guard user.role.canWriteValues else {
            throw APIError.forbidden(
                "a \(user.role.rawValue) cannot record incidents; data entry staff and administrators can")
        }
        let catalog = try catalog()
        var incident = body
        if let uid {
            _ = try visibleIncident(uid, c, catalog)
            incident.uid = uid
        } else {
            incident.uid = ""
        }
        // The store resolves the unit, and the event id an incident may be matched by, and decides
        // on the incident as it resolved it: its unit now and the unit it would move to.
        let saved = try store.saveIncidents(
            [(incident, nil)], source: "the incident", user: user.username, allow: unitAuthorizer(user))
        guard let first = saved.first else { throw APIError.notFound("the incident was not stored") }
        return IncidentJSON(first, catalog: catalog, language: c.language)
    }

    func deleteIncident(_ uid: String, _ c: AppContext) throws {
        let user = try c.requireUser()
        guard user.role.canWriteValues else {
            throw APIError.forbidden("a \(user.role.rawValue) cannot delete incidents")
        }
        _ = try visibleIncident(uid, c, try catalog())
        try store.deleteIncident(uid: uid, user: user.username, allow: unitAuthorizer(user))
    }

    func codeLists() -> CodeListsJSON {
        func s(_ d: [Int: String]) -> [String: String] {
            Dictionary(uniqueKeysWithValues: d.map { (String($0.key), $0.value) })
        }
        return CodeListsJSON(
            attackTypes: s(GTD.attackTypes), targetTypes: s(GTD.targetTypes), weaponTypes: s(GTD.weaponTypes),
            propertyExtents: s(GTD.propertyExtents), outcomes: IncidentOutcome.allCases.map(\.rawValue))
    }
}

extension RegistriesFeature {
    static func incidentAPI(on api: RouterGroup<AppContext>, _ h: Handlers) {
        api.get("incidents") { r, c in try HTTP.json(try h.listIncidents(r, c)) }
        api.get("incidents/codes") { _, c in
            _ = try c.requireUser()
            return try HTTP.json(h.codeLists())
        }
        api.post("incidents") { r, c in
            let body = try await HTTP.decode(Incident.self, from: r, what: "the incident")
            return try HTTP.json(try h.saveIncident(body, uid: nil, c), status: .created)
        }
        api.get("incidents/:uid") { _, c in try HTTP.json(try h.incidentDetail(try c.parameters.require("uid"), c)) }
        api.put("incidents/:uid") { r, c in
            let body = try await HTTP.decode(Incident.self, from: r, what: "the incident")
            return try HTTP.json(try h.saveIncident(body, uid: try c.parameters.require("uid"), c))
        }
        api.delete("incidents/:uid") { _, c in
            try h.deleteIncident(try c.parameters.require("uid"), c)
            return Response(status: .noContent)
        }
    }
}
