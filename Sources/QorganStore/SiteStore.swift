import Foundation
import GRDB
import QorganCore

public struct SiteRecord: Hashable, Sendable {
    public var site: Site
    public var tier: String?
    public var deleted: Bool
    public var lastInspection: Day?
    public var lastUpdated: Date, lastUpdatedBy: String
}

public struct InspectionRecord: Hashable, Sendable {
    public var inspection: Inspection
    public var deleted: Bool
    public var created: Date, createdBy: String
}

/// What needs attention on a day: sites not inspected within the interval, prescriptions past due.
public struct SiteFlags: Sendable {
    public var notInspected: [(site: Site, lastInspection: Day?)]
    public var overdue: [(site: Site, inspection: Day, prescription: Prescription)]
}

/// The registry of places vulnerable to terrorism and their inspections. Every change
/// recounts, in the same transaction, the derived yearly values of the units it touches.
extension Store {
    static let siteColumns =
        "uid, name, category, sector, unit_uid, peak_occupancy, responsible_role, status, registered, closed, security_plan_status, security_plan_date, translations, deleted, created, created_by, last_updated, last_updated_by"
    static let inspectionColumns =
        "uid, site_uid, date, kind, findings, prescriptions, deleted, created, created_by, last_updated, last_updated_by"

    public func siteConfiguration() throws -> SiteConfiguration {
        guard let text = try setting("sites.config") else { return .standard }
        return (try? JSONDecoder().decode(SiteConfiguration.self, from: Data(text.utf8))) ?? .standard
    }

    /// Replaces the configuration (checked) and brings the registry's metadata in line with it.
    public func setSiteConfiguration(_ config: SiteConfiguration, user: String) throws {
        let problems = config.problems()
        if !problems.isEmpty { throw QorganError.rejected(source: "the site configuration", problems: problems) }
        // The registry's metadata first: if it is refused, the configuration stays as it was.
        try importMetadata(SiteRegister.metadata(config), source: "the site registry's metadata", user: user)
        try setSetting("sites.config", String(decoding: try Self.encoder.encode(config), as: UTF8.self))
        try writer.write { db in
            try Self.recordAudit(
                db, kind: "siteConfiguration", uid: "sites.config", action: "UPDATE", snapshot: config, user: user,
                at: Timestamp.millis(Date()))
        }
    }

    public func ensureSiteRegister(user: String = "system") throws {
        let catalog = try catalog()
        let wanted = SiteRegister.metadata(try siteConfiguration())
        let missing =
            wanted.dataElements.contains { catalog.element($0.uid) == nil }
            || wanted.categories.contains { c in
                catalog.category(c.uid).map { Set($0.options.map(\.code)) != Set(c.options.map(\.code)) } ?? true
            }
        if missing { try importMetadata(wanted, source: "the site registry's metadata", user: user) }
    }

    static func site(from r: Row) throws -> Site {
        let closed: String? = r["closed"]
        let planDate: String? = r["security_plan_date"]
        return Site(
            uid: r["uid"], name: r["name"], category: r["category"], sector: r["sector"], unit: r["unit_uid"],
            peakOccupancy: r["peak_occupancy"], responsibleRole: r["responsible_role"],
            registered: try Stored.day(r["registered"], "a site's registration date"),
            closed: try closed.map { try Stored.day($0, "a site's closing date") },
            planStatus: SitePlanStatus(rawValue: r["security_plan_status"]) ?? .none,
            planDate: try planDate.map { try Stored.day($0, "a protection passport's date") },
            translations: RecordTranslations.fromColumn(r["translations"]))
    }

    static func inspection(from r: Row) throws -> InspectionRecord {
        let findings =
            (try? JSONDecoder().decode([String: Finding].self, from: Data((r["findings"] as String).utf8))) ?? [:]
        let prescriptions =
            (try? JSONDecoder().decode([Prescription].self, from: Data((r["prescriptions"] as String).utf8))) ?? []
        return InspectionRecord(
            inspection: Inspection(
                uid: r["uid"], site: r["site_uid"], date: try Stored.day(r["date"], "an inspection date"),
                kind: InspectionKind(rawValue: r["kind"]) ?? .planned, findings: findings, prescriptions: prescriptions),
            deleted: r["deleted"], created: Timestamp.date(millis: r["created"]), createdBy: r["created_by"])
    }

    public func sites(units: [String]? = nil, category: String? = nil, uid: String? = nil, includeDeleted: Bool = false)
        throws -> [SiteRecord]
    {
        let catalog = try catalog()
        let config = try siteConfiguration()
        let today = Day.today
        return try writer.read { db in
            var sql =
                "SELECT \(Self.siteColumns), (SELECT MAX(date) FROM inspection i WHERE i.site_uid = s.uid AND i.deleted = 0) AS last FROM site s WHERE 1 = 1"
            var args: [DatabaseValueConvertible] = []
            if !includeDeleted { sql += " AND deleted = 0" }
            if let category {
                sql += " AND category = ?"
                args.append(category)
            }
            if let uid {
                sql += " AND uid = ?"
                args.append(uid)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY name, uid", arguments: SQLArguments(args))
                .compactMap { r in
                    let site = try Self.site(from: r)
                    if let units, !units.contains(where: { catalog.isInSubtree(site.unit, of: $0, on: today) }) {
                        return nil
                    }
                    let last: String? = r["last"]
                    return SiteRecord(
                        site: site, tier: config.tier(occupancy: site.peakOccupancy)?.code, deleted: r["deleted"],
                        lastInspection: last.flatMap { Day(iso: $0) },
                        lastUpdated: Timestamp.date(millis: r["last_updated"]),
                        lastUpdatedBy: r["last_updated_by"])
                }
        }
    }

    public func site(uid: String) throws -> SiteRecord? { try sites(uid: uid, includeDeleted: true).first }

    public func inspections(site: String? = nil) throws -> [InspectionRecord] {
        try writer.read { db in
            var sql = "SELECT \(Self.inspectionColumns) FROM inspection WHERE deleted = 0"
            var args: [DatabaseValueConvertible] = []
            if let site {
                sql += " AND site_uid = ?"
                args.append(site)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY date, uid", arguments: SQLArguments(args)).map(
                Self.inspection(from:))
        }
    }

    /// Sites not inspected within the configured interval and prescriptions past due, on `day`,
    /// within some units' subtrees.
    public func siteFlags(on day: Day, units: [String]? = nil) throws -> SiteFlags {
        let config = try siteConfiguration()
        let limit = day.addingMonths(-config.inspectionIntervalMonths)
        let sites = try self.sites(units: units).filter { $0.site.isActive(on: day) }
        let bySite = Dictionary(grouping: try inspections().filter { $0.inspection.date <= day }, by: \.inspection.site)
        var flags = SiteFlags(notInspected: [], overdue: [])
        for r in sites {
            let last = bySite[r.site.uid]?.map(\.inspection.date).max()
            if last.map({ $0 < limit }) ?? true { flags.notInspected.append((r.site, last)) }
            for i in bySite[r.site.uid] ?? [] {
                for p in i.inspection.prescriptions where p.isOverdue(on: day) {
                    flags.overdue.append((r.site, i.inspection.date, p))
                }
            }
        }
        return flags
    }
}
