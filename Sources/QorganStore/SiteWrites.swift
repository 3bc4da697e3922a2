import Foundation
import GRDB
import QorganCore

extension Store {
    /// Saves sites, all or nothing (an unknown uid creates a site under it, for imports).
    @discardableResult
    public func saveSites(
        _ items: [(site: Site, line: Int?)], source: String = "the site", user: String, dryRun: Bool = false,
        newUid: @Sendable () -> String = { Uid.generate() }, allow: UnitAuthorizer? = nil
    ) throws -> [Site] {
        try ensureSiteRegister(user: user)
        let config = try siteConfiguration()
        return try registryWrite(user: user, dryRun: dryRun) { db, catalog in
            var problems: [Problem] = []
            var denied: [Problem] = []
            var prepared: [(Site, Site?)] = []
            for item in items {
                var s = item.site
                let found = s.problems(config, catalog: catalog, line: item.line)
                problems += found
                guard found.isEmpty, let unit = catalog.unit(s.unit) else { continue }
                s.unit = unit.uid
                s.translations = RecordTranslations.stored(s.translations)
                var old: Site? = nil
                if s.uid.isEmpty {
                    s.uid = newUid()
                } else {
                    old = try Row.fetchOne(
                        db, sql: "SELECT \(Self.siteColumns) FROM site WHERE uid = ?", arguments: [s.uid]
                    ).map(Self.site(from:))
                    if old == nil && !Uid.isValid(s.uid) {
                        problems.append(Problem(line: item.line, field: "uid", value: s.uid, reason: "not a uid"))
                    }
                }
                if let p = AccessDenied.check(
                    allow, units: [s.unit, old?.unit], catalog: catalog, line: item.line, what: "site")
                {
                    denied.append(p)
                }
                prepared.append((s, old))
            }
            if !denied.isEmpty { throw AccessDenied(kind: .outOfScope, problems: denied) }
            if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
            let now = Timestamp.millis(Date())
            var units = Set<String>()
            for (s, old) in prepared where old != s {
                try db.execute(
                    sql: """
                        INSERT INTO site(\(Self.siteColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
                        ON CONFLICT(uid) DO UPDATE SET name = excluded.name, category = excluded.category, sector = excluded.sector,
                            unit_uid = excluded.unit_uid, peak_occupancy = excluded.peak_occupancy, responsible_role = excluded.responsible_role,
                            status = excluded.status, registered = excluded.registered, closed = excluded.closed,
                            security_plan_status = excluded.security_plan_status, security_plan_date = excluded.security_plan_date,
                            translations = excluded.translations, deleted = 0, last_updated = excluded.last_updated, last_updated_by = excluded.last_updated_by
                        """,
                    arguments: [
                        s.uid, s.name, s.category, s.sector, s.unit, s.peakOccupancy, s.responsibleRole,
                        s.closed == nil ? "active" : "closed",
                        s.registered.description, s.closed?.description, s.planStatus.rawValue, s.planDate?.description,
                        try RecordTranslations.column(s.translations), now, user, now, user,
                    ])
                try Self.recordAudit(
                    db, kind: "site", uid: s.uid, action: old == nil ? "CREATE" : "UPDATE", snapshot: s, user: user,
                    at: now)
                units.insert(s.unit)
                if let old { units.insert(old.unit) }
            }
            return (prepared.map(\.0), units)
        }
    }

    @discardableResult
    public func saveInspections(
        _ items: [(inspection: Inspection, line: Int?)], source: String = "the inspection", user: String,
        dryRun: Bool = false, newUid: @Sendable () -> String = { Uid.generate() },
        allow: UnitAuthorizer? = nil
    ) throws -> [Inspection] {
        try ensureSiteRegister(user: user)
        let config = try siteConfiguration()
        return try registryWrite(user: user, dryRun: dryRun) { db, catalog in
            var problems: [Problem] = []
            var prepared: [(Inspection, Inspection?, Site)] = []
            var denied: [Problem] = []
            for item in items {
                var i = item.inspection
                let site = try Row.fetchOne(
                    db, sql: "SELECT \(Self.siteColumns) FROM site WHERE uid = ? AND deleted = 0", arguments: [i.site]
                ).map(Self.site(from:))
                let found = i.problems(site: site, config, line: item.line)
                problems += found
                guard found.isEmpty, let site else { continue }
                for n in i.prescriptions.indices {
                    i.prescriptions[n].translations = RecordTranslations.stored(i.prescriptions[n].translations)
                }
                var old: Inspection? = nil
                if i.uid.isEmpty {
                    i.uid = newUid()
                } else {
                    old = try Row.fetchOne(
                        db, sql: "SELECT \(Self.inspectionColumns) FROM inspection WHERE uid = ?", arguments: [i.uid]
                    ).map { try Self.inspection(from: $0).inspection }
                }
                // An inspection is as much its site's as the site it is moved to.
                let oldSite = try old.flatMap { o in
                    try Row.fetchOne(db, sql: "SELECT \(Self.siteColumns) FROM site WHERE uid = ?", arguments: [o.site])
                        .map(Self.site(from:))
                }
                if let p = AccessDenied.check(
                    allow, units: [site.unit, oldSite?.unit], catalog: catalog, line: item.line, what: "inspection")
                {
                    denied.append(p)
                }
                prepared.append((i, old, site))
            }
            if !denied.isEmpty { throw AccessDenied(kind: .outOfScope, problems: denied) }
            if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
            let now = Timestamp.millis(Date())
            var units = Set<String>()
            for (i, old, site) in prepared where old != i {
                try db.execute(
                    sql: """
                        INSERT INTO inspection(\(Self.inspectionColumns)) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
                        ON CONFLICT(uid) DO UPDATE SET site_uid = excluded.site_uid, date = excluded.date, kind = excluded.kind, findings = excluded.findings,
                            prescriptions = excluded.prescriptions, deleted = 0, last_updated = excluded.last_updated, last_updated_by = excluded.last_updated_by
                        """,
                    arguments: [
                        i.uid, i.site, i.date.description, i.kind.rawValue,
                        String(decoding: try Self.encoder.encode(i.findings), as: UTF8.self),
                        String(decoding: try Self.encoder.encode(i.prescriptions), as: UTF8.self), now, user, now, user,
                    ])
                try Self.recordAudit(
                    db, kind: "inspection", uid: i.uid, action: old == nil ? "CREATE" : "UPDATE", snapshot: i,
                    user: user, at: now)
                units.insert(site.unit)
            }
            return (prepared.map(\.0), units)
        }
    }

    public func deleteSite(uid: String, user: String, allow: UnitAuthorizer? = nil) throws {
        try registryWrite(user: user, dryRun: false) { db, catalog in
            guard
                let s = try Row.fetchOne(
                    db, sql: "SELECT \(Self.siteColumns) FROM site WHERE uid = ? AND deleted = 0", arguments: [uid]
                ).map(Self.site(from:))
            else {
                throw QorganError.notFound(kind: "site", key: uid)
            }
            if let p = AccessDenied.check(allow, units: [s.unit], catalog: catalog, what: "site") {
                throw AccessDenied(kind: .outOfScope, problems: [p])
            }
            let now = Timestamp.millis(Date())
            try db.execute(
                sql: "UPDATE site SET deleted = 1, last_updated = ?, last_updated_by = ? WHERE uid = ?",
                arguments: [now, user, uid])
            try Self.recordAudit(db, kind: "site", uid: uid, action: "DELETE", snapshot: s, user: user, at: now)
            return ((), [s.unit])
        }
    }

    public func deleteInspection(uid: String, user: String, allow: UnitAuthorizer? = nil) throws {
        try registryWrite(user: user, dryRun: false) { db, catalog in
            guard
                let i = try Row.fetchOne(
                    db, sql: "SELECT \(Self.inspectionColumns) FROM inspection WHERE uid = ? AND deleted = 0",
                    arguments: [uid]
                )
                .map({ try Self.inspection(from: $0).inspection }),
                let s = try Row.fetchOne(
                    db, sql: "SELECT \(Self.siteColumns) FROM site WHERE uid = ?", arguments: [i.site]
                ).map(Self.site(from:))
            else {
                throw QorganError.notFound(kind: "inspection", key: uid)
            }
            if let p = AccessDenied.check(allow, units: [s.unit], catalog: catalog, what: "inspection") {
                throw AccessDenied(kind: .outOfScope, problems: [p])
            }
            let now = Timestamp.millis(Date())
            try db.execute(
                sql: "UPDATE inspection SET deleted = 1, last_updated = ?, last_updated_by = ? WHERE uid = ?",
                arguments: [now, user, uid])
            try Self.recordAudit(db, kind: "inspection", uid: uid, action: "DELETE", snapshot: i, user: user, at: now)
            return ((), [s.unit])
        }
    }

    /// One registry transaction: `body` writes and names the units to recount.
    @discardableResult
    private func registryWrite<T>(
        user: String, dryRun: Bool, _ body: (StoreConnection, Catalog) throws -> (T, Set<String>)
    )
        throws -> T
    {
        let config = try siteConfiguration()
        return try transaction { db, log in
            log.kinds.insert(.sites)
            let catalog = try currentCatalog(db)
            var (result, units) = try body(db, catalog)
            // Stocks are counted for every unit up to the registry's last year of activity; when
            // that year moves, every unit is counted again, so the years always add up.
            // The day each prescription was closed, from the inspection's JSON, in each SQL's words.
            let prescriptionsClosed =
                switch db.dialect {
                case .sqlite:
                    """
                    SELECT json_extract(p.value, '$.closed') AS day
                    FROM inspection i, json_each(i.prescriptions) p WHERE i.deleted = 0
                    """
                case .postgres:
                    """
                    SELECT p.value ->> 'closed' AS day
                    FROM inspection i, jsonb_array_elements(CAST(i.prescriptions AS jsonb)) AS p(value) WHERE i.deleted = 0
                    """
                }
            let last =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT MAX(y) FROM (
                            SELECT CAST(substr(registered, 1, 4) AS INTEGER) AS y FROM site WHERE deleted = 0
                            UNION ALL SELECT CAST(substr(closed, 1, 4) AS INTEGER) FROM site WHERE deleted = 0 AND closed IS NOT NULL
                            UNION ALL SELECT CAST(substr(date, 1, 4) AS INTEGER) FROM inspection WHERE deleted = 0
                            UNION ALL SELECT CAST(substr(day, 1, 4) AS INTEGER) FROM (\(prescriptionsClosed)) AS closed_days
                                WHERE day IS NOT NULL) AS years
                        """) ?? 0
            let previous = try Int.fetchOne(
                db, sql: "SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'sites.last_year'")
            if previous != last {
                units.formUnion(try String.fetchAll(db, sql: "SELECT DISTINCT unit_uid FROM site"))
                try db.execute(
                    sql:
                        "INSERT INTO setting(key, value) VALUES ('sites.last_year', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [String(last)])
            }
            log.values += try recountSites(
                units, lastYear: last, config: config, catalog: catalog, user: user, db: db)
            return (result, !dryRun)
        }
    }

    /// Rewrites every derived yearly value of `units` from the registry as it now stands.
    private func recountSites(
        _ units: Set<String>, lastYear: Int, config: SiteConfiguration, catalog: Catalog, user: String,
        db: StoreConnection
    ) throws -> [LoggedValue] {
        var writer = try ValueWriter(db: db, catalog: catalog, now: Date())
        for unit in units.sorted() {
            let sites = try Row.fetchAll(
                db, sql: "SELECT \(Self.siteColumns) FROM site WHERE unit_uid = ? AND deleted = 0", arguments: [unit]
            ).map(Self.site(from:))
            let uids = sites.map(\.uid)
            let inspections =
                uids.isEmpty
                ? []
                : try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(Self.inspectionColumns) FROM inspection WHERE deleted = 0 AND site_uid IN (\(uids.map { _ in "?" }.joined(separator: ",")))
                        """, arguments: SQLArguments(uids)
                ).map { try Self.inspection(from: $0).inspection }
            // The years anything happened in, and every year since, to this one.
            let stored = try Int.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT CAST(substr(p.iso, 1, 4) AS INTEGER) FROM data_value v JOIN period p ON p.id = v.period_id
                    JOIN data_element e ON e.id = v.element_id JOIN org_unit u ON u.id = v.unit_id
                    WHERE u.uid = ? AND e.derived_from = ?
                    """, arguments: [unit, SiteRegister.derivedFrom])
            // Every year from the unit's first registration to the registry's last year (and any year
            // already holding values, so that stale ones are cleared).
            let years = sites.map(\.registered.year) + inspections.map(\.date.year) + stored
            guard let first = years.min() else { continue }
            for year in first...max(lastYear, stored.max() ?? lastYear) {
                let end = Day.lastOfYear(year)
                var counts: [String: [String: Int]] = [:]
                func add(_ e: String, _ coc: String = "default", _ n: Int = 1) {
                    counts[e, default: [:]][coc, default: 0] += n
                }
                let inYear = inspections.filter { $0.date.year == year }
                let sitesById = Dictionary(uniqueKeysWithValues: sites.map { ($0.uid, $0) })
                for s in sites where s.isActive(on: end) {
                    add(SiteRegister.sitesByCategory, s.category)
                    if let t = config.tier(occupancy: s.peakOccupancy) { add(SiteRegister.sitesByTier, t.code) }
                }
                for (siteUid, list) in Dictionary(grouping: inYear, by: \.site) {
                    guard let s = sitesById[siteUid], let last = list.max(by: { $0.date < $1.date }) else { continue }
                    add(SiteRegister.sitesInspected)
                    let required = config.category(s.category)?.measures ?? []
                    add(SiteRegister.measuresRequired, "default", required.count)
                    add(
                        SiteRegister.measuresInPlace, "default", required.filter { last.findings[$0] == .inPlace }.count
                    )
                }
                for i in inspections {
                    for p in i.prescriptions {
                        if i.date.year == year { add(SiteRegister.prescriptionsIssued) }
                        if p.closed?.year == year { add(SiteRegister.prescriptionsClosed) }
                        if i.date <= end && p.isOverdue(on: end) { add(SiteRegister.prescriptionsOverdue) }
                    }
                }
                for code in [
                    SiteRegister.sitesByCategory, SiteRegister.sitesByTier, SiteRegister.sitesInspected,
                    SiteRegister.measuresRequired,
                    SiteRegister.measuresInPlace, SiteRegister.prescriptionsIssued, SiteRegister.prescriptionsClosed,
                    SiteRegister.prescriptionsOverdue,
                ] {
                    guard let e = catalog.element(code) else { continue }
                    for coc in catalog.optionCombos(of: e) {
                        let n = counts[code]?[coc.code] ?? 0
                        let key = DataValueKey(
                            element: e.uid, period: .containing(.firstOfMonth(year, 1), type: .yearly), unit: unit,
                            optionCombo: coc.uid)
                        _ = try writer.apply(
                            ResolvedValue(
                                key: key, value: n == 0 ? nil : String(n), storedBy: SiteRegister.derivedFrom),
                            user: user)
                    }
                }
            }
        }
        return writer.logged
    }
}
