import Foundation
import Hummingbird
import QorganCore
import QorganStore

struct InstrumentJSON: Encodable {
    var instrument: Instrument
    var frozen: Bool
    var assessments: Int
}

struct AssessmentJSON: Encodable {
    var uid: String, unit: String, unitCode: String, date: String, instrument: String, version: Int,
        assessorRole: String
    var scores: [ItemScore], readiness: Double, deleted: Bool, createdBy: String, lastUpdated: Date
    var translations: RecordTranslations?
    init(_ r: AssessmentRecord, _ catalog: Catalog) {
        let a = r.assessment
        uid = a.uid
        unit = a.unit
        unitCode = catalog.unit(a.unit)?.code ?? a.unit
        date = a.date.description
        instrument = a.instrument
        version = a.version
        assessorRole = a.assessorRole
        scores = a.scores
        translations = a.translations
        readiness = r.readiness
        deleted = r.deleted
        createdBy = r.createdBy
        lastUpdated = r.lastUpdated
    }
}

struct GapsJSON: Encodable {
    var items: [ReadinessGaps.ItemGap]
    var regions: [RegionJSON]
    struct RegionJSON: Encodable {
        var unit: String
        var name: String
        var before: Double?
        var after: Double?
        var change: Double?
    }
}

struct SiteJSON: Encodable {
    var site: Site, tier: String?, unitCode: String, lastInspection: String?, deleted: Bool, lastUpdatedBy: String
    init(_ r: SiteRecord, _ catalog: Catalog) {
        site = r.site
        tier = r.tier
        unitCode = catalog.unit(r.site.unit)?.code ?? r.site.unit
        lastInspection = r.lastInspection?.description
        deleted = r.deleted
        lastUpdatedBy = r.lastUpdatedBy
    }
}

struct SiteDetailJSON: Encodable {
    var site: SiteJSON
    var inspections: [Inspection]
    var history: [String]
}

struct FlagsJSON: Encodable {
    var on: String
    var notInspected: [Entry]
    var overdue: [Overdue]
    struct Entry: Encodable {
        var site: String
        var name: String
        var lastInspection: String?
    }
    struct Overdue: Encodable {
        var site: String
        var name: String
        var inspection: String
        var prescription: Prescription
    }
}

extension Handlers {
    func requireWriter(_ c: AppContext, _ what: String) throws -> Principal {
        let user = try c.requireUser()
        guard user.role.canWriteValues else {
            throw APIError.forbidden("a \(user.role.rawValue) cannot \(what); data entry staff and administrators can")
        }
        return user
    }

    /// The caller's scope as the store applies it to records, on units as the store resolved them.
    func unitAuthorizer(_ user: Principal) -> UnitAuthorizer {
        let today = state.today
        return { unit, catalog in user.canSee(unit, in: catalog, on: today) }
    }

    func scopedUnit(_ ref: String?, _ user: Principal, _ catalog: Catalog) throws -> [String] {
        guard let ref else { return user.units }
        guard let u = catalog.unit(ref) else {
            throw APIError.unknown("ou", ref, "no organisation unit with this code or uid")
        }
        guard user.canSee(u.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(ref) }
        return [u.uid]
    }

    // Readiness

    func instrumentsJSON(_ c: AppContext) throws -> [InstrumentJSON] {
        _ = try c.requireUser()
        return try store.instruments().map {
            InstrumentJSON(instrument: $0.instrument, frozen: $0.frozen, assessments: $0.assessments)
        }
    }

    func saveInstrument(_ i: Instrument, _ c: AppContext) throws -> InstrumentJSON {
        let user = try requireNationalAdmin(c, "a readiness checklist")
        try store.saveInstrument(i, user: user.username)
        return InstrumentJSON(instrument: i, frozen: false, assessments: 0)
    }

    func deriveInstrument(_ code: String, _ c: AppContext) throws -> InstrumentJSON {
        let user = try requireNationalAdmin(c, "a readiness checklist")
        return InstrumentJSON(
            instrument: try store.deriveInstrument(code: code, user: user.username), frozen: false, assessments: 0)
    }

    func assessmentsJSON(_ r: Request, _ c: AppContext) throws -> [AssessmentJSON] {
        let user = try c.requireUser()
        let catalog = try catalog()
        let year = try HTTP.year(r, "year")
        return try store.assessments(units: try scopedUnit(HTTP.param(r, "ou"), user, catalog), year: year).map {
            AssessmentJSON($0, catalog)
        }
    }

    func visibleAssessment(_ uid: String, _ c: AppContext, _ catalog: Catalog) throws -> AssessmentRecord {
        let user = try c.requireUser()
        // Another region's record is as absent as one that does not exist: nothing about it is told.
        guard let a = try store.assessment(uid: uid), user.canSee(a.assessment.unit, in: catalog, on: state.today)
        else {
            throw APIError.notFound("no assessment with uid '\(uid)' in your units")
        }
        return a
    }

    func saveAssessment(_ a: Assessment, _ c: AppContext) throws -> AssessmentJSON {
        let user = try requireWriter(c, "record assessments")
        let catalog = try catalog()
        return AssessmentJSON(
            try store.saveAssessments([(a, nil)], user: user.username, allow: unitAuthorizer(user))[0], catalog)
    }

    func deleteAssessment(_ uid: String, _ c: AppContext) throws {
        let user = try requireWriter(c, "delete assessments")
        _ = try visibleAssessment(uid, c, try catalog())
        try store.deleteAssessment(uid: uid, user: user.username, allow: unitAuthorizer(user))
    }

    func gaps(before: Int?, after: Int?, ou: String?, _ c: AppContext, language: String) throws -> GapsJSON {
        let user = try c.requireUser()
        let catalog = try catalog()
        let units = try scopedUnit(ou, user, catalog)
        let all = try store.assessments(units: units)
        let years = Array(Set(all.map(\.assessment.date.year))).sorted()
        guard let b = after ?? years.last else { return GapsJSON(items: [], regions: []) }
        let a = before ?? years.last { $0 < b } ?? b
        let instruments = Dictionary(
            try store.instruments().map { ($0.instrument.label, $0.instrument) }, uniquingKeysWith: { x, _ in x })
        let items = ReadinessGaps.items(
            all.filter { $0.assessment.date.year == b }.map(\.assessment), instruments: instruments,
            language: language)
        guard Day.supportedYears.contains(a), Day.supportedYears.contains(b), let day = Day(year: b, month: 12, day: 31)
        else {
            throw APIError.badRequest("after", String(b), "a year from 1900 to 2100")
        }
        // Regions: the units below the asker's (or the asked) unit.
        let regions = units.flatMap { catalog.children(of: $0, on: day) }
        let changes = ReadinessGaps.regions(
            all.map { ($0.assessment, $0.readiness) }, before: a, after: b, catalog: catalog,
            regions: regions, language: language
        )
        .filter { $0.before != nil || $0.after != nil }
        return GapsJSON(
            items: items,
            regions: changes.map {
                .init(unit: $0.unit, name: $0.name, before: $0.before, after: $0.after, change: $0.change)
            })
    }

    // Sites

    func sitesJSON(_ r: Request, _ c: AppContext) throws -> [SiteJSON] {
        let user = try c.requireUser()
        let catalog = try catalog()
        return try store.sites(
            units: try scopedUnit(HTTP.param(r, "ou"), user, catalog), category: HTTP.param(r, "category")
        ).map { SiteJSON($0, catalog) }
    }

    func visibleSite(_ uid: String, _ c: AppContext, _ catalog: Catalog) throws -> SiteRecord {
        let user = try c.requireUser()
        guard let s = try store.site(uid: uid), user.canSee(s.site.unit, in: catalog, on: state.today) else {
            throw APIError.notFound("no site with uid '\(uid)' in your units")
        }
        return s
    }

    func siteDetail(_ uid: String, _ c: AppContext) throws -> SiteDetailJSON {
        let catalog = try catalog()
        let s = try visibleSite(uid, c, catalog)
        return SiteDetailJSON(
            site: SiteJSON(s, catalog), inspections: try store.inspections(site: uid).map(\.inspection),
            history: try store.recordHistory(kind: "site", uid: uid).map {
                "\(Timestamp.string($0.changedAt)) \($0.action) \($0.changedBy)"
            })
    }

    func saveSite(_ s: Site, uid: String?, _ c: AppContext) throws -> SiteJSON {
        let user = try requireWriter(c, "change the site registry")
        let catalog = try catalog()
        var site = s
        if let uid {
            _ = try visibleSite(uid, c, catalog)
            site.uid = uid
        } else {
            site.uid = ""
        }
        let saved = try store.saveSites([(site, nil)], user: user.username, allow: unitAuthorizer(user))
        guard let first = saved.first, let record = try store.site(uid: first.uid) else {
            throw APIError.notFound("the site was not stored")
        }
        return SiteJSON(record, catalog)
    }

    func deleteSite(_ uid: String, _ c: AppContext) throws {
        let user = try requireWriter(c, "change the site registry")
        _ = try visibleSite(uid, c, try catalog())
        try store.deleteSite(uid: uid, user: user.username, allow: unitAuthorizer(user))
    }

    func saveInspection(_ i: Inspection, site uid: String, _ c: AppContext) throws -> Inspection {
        let user = try requireWriter(c, "record inspections")
        _ = try visibleSite(uid, c, try catalog())
        var inspection = i
        inspection.site = uid
        return try store.saveInspections([(inspection, nil)], user: user.username, allow: unitAuthorizer(user))[0]
    }

    func flags(_ r: Request, _ c: AppContext) throws -> FlagsJSON {
        let user = try c.requireUser()
        let catalog = try catalog()
        var day = state.today
        if let on = HTTP.param(r, "on") {
            guard let d = Day(iso: on) else { throw APIError.badRequest("on", on, "a date YYYY-MM-DD") }
            day = d
        }
        let f = try store.siteFlags(on: day, units: try scopedUnit(HTTP.param(r, "ou"), user, catalog))
        return FlagsJSON(
            on: day.description,
            notInspected: f.notInspected.map {
                .init(site: $0.site.uid, name: $0.site.name, lastInspection: $0.lastInspection?.description)
            },
            overdue: f.overdue.map {
                .init(
                    site: $0.site.uid, name: $0.site.name, inspection: $0.inspection.description,
                    prescription: $0.prescription)
            })
    }
}

extension RegistriesFeature {
    static func registryAPI(on api: RouterGroup<AppContext>, _ h: Handlers) {
        api.get("readiness/instruments") { _, c in try HTTP.json(try h.instrumentsJSON(c)) }
        api.post("readiness/instruments") { r, c in
            try HTTP.json(
                try h.saveInstrument(try await HTTP.decode(Instrument.self, from: r, what: "the instrument"), c),
                status: .created)
        }
        api.post("readiness/instruments/:code/derive") { _, c in
            try HTTP.json(try h.deriveInstrument(try c.parameters.require("code"), c), status: .created)
        }
        api.get("readiness/assessments") { r, c in try HTTP.json(try h.assessmentsJSON(r, c)) }
        api.post("readiness/assessments") { r, c in
            try HTTP.json(
                try h.saveAssessment(try await HTTP.decode(Assessment.self, from: r, what: "the assessment"), c),
                status: .created)
        }
        api.get("readiness/assessments/:uid") { _, c in
            let catalog = try h.catalog()
            return try HTTP.json(
                AssessmentJSON(try h.visibleAssessment(try c.parameters.require("uid"), c, catalog), catalog))
        }
        api.delete("readiness/assessments/:uid") { _, c in
            try h.deleteAssessment(try c.parameters.require("uid"), c)
            return Response(status: .noContent)
        }
        api.get("readiness/gaps") { r, c in
            try HTTP.json(
                try h.gaps(
                    before: try HTTP.year(r, "before"), after: try HTTP.year(r, "after"), ou: HTTP.param(r, "ou"), c,
                    language: c.language))
        }
        api.get("sites") { r, c in try HTTP.json(try h.sitesJSON(r, c)) }
        api.post("sites") { r, c in
            try HTTP.json(
                try h.saveSite(try await HTTP.decode(Site.self, from: r, what: "the site"), uid: nil, c),
                status: .created)
        }
        api.get("sites/flags") { r, c in try HTTP.json(try h.flags(r, c)) }
        api.get("sites/config") { _, c in
            _ = try c.requireUser()
            return try HTTP.json(try h.store.siteConfiguration())
        }
        api.put("sites/config") { r, c in
            let user = try h.requireNationalAdmin(c, "the site configuration")
            let config = try await HTTP.decode(SiteConfiguration.self, from: r, what: "the configuration")
            try h.store.setSiteConfiguration(config, user: user.username)
            return try HTTP.json(config)
        }
        api.get("sites/:uid") { _, c in try HTTP.json(try h.siteDetail(try c.parameters.require("uid"), c)) }
        api.put("sites/:uid") { r, c in
            try HTTP.json(
                try h.saveSite(
                    try await HTTP.decode(Site.self, from: r, what: "the site"), uid: try c.parameters.require("uid"), c
                ))
        }
        api.delete("sites/:uid") { _, c in
            try h.deleteSite(try c.parameters.require("uid"), c)
            return Response(status: .noContent)
        }
        api.post("sites/:uid/inspections") { r, c in
            let body = try await HTTP.decode(InspectionBody.self, from: r, what: "the inspection")
            return try HTTP.json(
                try h.saveInspection(body.inspection, site: try c.parameters.require("uid"), c), status: .created)
        }
    }
}

/// An inspection as posted for a site (the site comes from the path).
struct InspectionBody: Decodable {
    var inspection: Inspection
    enum CodingKeys: String, CodingKey { case date, kind, findings, prescriptions }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inspection = Inspection(
            site: "", date: try c.decode(Day.self, forKey: .date),
            kind: try c.decodeIfPresent(InspectionKind.self, forKey: .kind) ?? .planned,
            findings: try c.decode([String: Finding].self, forKey: .findings),
            prescriptions: try c.decodeIfPresent([Prescription].self, forKey: .prescriptions) ?? [])
    }
}
