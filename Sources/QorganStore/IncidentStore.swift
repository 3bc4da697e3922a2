import Foundation
import GRDB
import QorganCore

/// An incident as stored, with its bookkeeping.
public struct IncidentRecord: Hashable, Sendable {
    public var incident: Incident
    public var deleted: Bool
    public var created: Date
    public var createdBy: String
    public var lastUpdated: Date
    public var lastUpdatedBy: String
}

/// One change to an incident: the whole incident as it became.
public struct IncidentChange: Hashable, Sendable {
    public var action: String
    public var incident: Incident
    public var changedBy: String
    public var changedAt: Date
}

/// Which incidents to list.
public struct IncidentFilter: Sendable {
    public var from: Day?
    public var to: Day?
    /// Units whose subtrees to include (uids); nil: everywhere.
    public var units: [String]?
    public var outcome: IncidentOutcome?
    public var attackType: Int?
    public var targetType: Int?
    public var includeDeleted = false
    public init(
        from: Day? = nil, to: Day? = nil, units: [String]? = nil, outcome: IncidentOutcome? = nil,
        attackType: Int? = nil, targetType: Int? = nil, includeDeleted: Bool = false
    ) {
        self.from = from
        self.to = to
        self.units = units
        self.outcome = outcome
        self.attackType = attackType
        self.targetType = targetType
        self.includeDeleted = includeDeleted
    }
}

/// The incident register. Saving or deleting an incident recounts, in the same transaction,
/// the derived values of the cells it leaves and enters (unit × month, or × year when only
/// the year is known), so indicators follow at once and the derived values keep a history too.
extension Store {
    /// Adds the register's categories and elements to the metadata if they are missing.
    public func ensureIncidentRegister(user: String = "system") throws {
        let catalog = try catalog()
        let wanted = IncidentRegister.metadata()
        let missing =
            wanted.dataElements.contains { catalog.element($0.uid) == nil }
            || wanted.categories.contains { catalog.category($0.uid) == nil }
        if missing { try importMetadata(wanted, source: "the incident register's metadata", user: user) }
    }

    static let incidentColumns = """
        uid, year, month, day, unit_uid, place_name, latitude, longitude, outcome, attack_type, target_type, weapon_type,
        killed, wounded, property_damage, property_extent, claimed, summary, sources, illustrative, gtd_event_id,
        translations, deleted, created, created_by, last_updated, last_updated_by
        """

    static func incident(from r: Row) throws -> IncidentRecord {
        let sources = (try? JSONDecoder().decode([String].self, from: Data((r["sources"] as String).utf8))) ?? []
        let incident = Incident(
            uid: r["uid"], date: try storedDate(r),
            unit: r["unit_uid"], placeName: r["place_name"], latitude: r["latitude"], longitude: r["longitude"],
            outcome: IncidentOutcome(rawValue: r["outcome"]) ?? .unknown, attackType: r["attack_type"],
            targetType: r["target_type"], weaponType: r["weapon_type"], killed: r["killed"], wounded: r["wounded"],
            propertyDamage: TriState(rawValue: r["property_damage"]) ?? .unknown, propertyExtent: r["property_extent"],
            claimed: TriState(rawValue: r["claimed"]) ?? .unknown, summary: r["summary"], sources: sources,
            illustrative: r["illustrative"], gtdEventId: r["gtd_event_id"],
            translations: RecordTranslations.fromColumn(r["translations"]))
        return IncidentRecord(
            incident: incident, deleted: r["deleted"], created: Timestamp.date(millis: r["created"]),
            createdBy: r["created_by"], lastUpdated: Timestamp.date(millis: r["last_updated"]),
            lastUpdatedBy: r["last_updated_by"])
    }

    /// Saves incidents, all or nothing: new ones (no uid, or a GTD event id not seen before)
    /// are created, others replaced whole. Every problem of every incident is listed.
    @discardableResult
    public func saveIncidents(
        _ incidents: [(incident: Incident, line: Int?)], source: String = "the incident", user: String,
        dryRun: Bool = false, newUid: @Sendable () -> String = { Uid.generate() },
        allow: UnitAuthorizer? = nil
    ) throws -> [IncidentRecord] {
        try ensureIncidentRegister(user: user)
        return try transaction { db, log in
            var saved: [IncidentRecord] = []
            log.kinds.insert(.incidents)
            let catalog = try currentCatalog(db)
            var problems: [Problem] = []
            var prepared: [(new: Incident, old: Incident?)] = []
            var denied: [Problem] = []
            var seenGTD: [String: Int?] = [:]
            // GTD event ids are unique in the whole register: only a user who sees all of it matches
            // or gives them (a national import). Anyone else may keep the id of an incident of theirs
            // as it is, and nothing more, so that an id of another region is never told apart from
            // an unknown one.
            let seesAll = allow.map { a in catalog.roots(on: Day.today).allSatisfy { a($0.uid, catalog) } } ?? true
            for (n, item) in incidents.enumerated() {
                var i = item.incident
                // An event id is matched as written, without surrounding spaces; an empty one is none.
                i.gtdEventId = i.gtdEventId.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap {
                    $0.isEmpty ? nil : $0
                }
                let object = item.line == nil ? (incidents.count > 1 ? "incidents[\(n)]" : nil) : nil
                problems += i.problems(in: catalog, line: item.line, object: object)
                if let u = catalog.unit(i.unit) { i.unit = u.uid }
                var old: Incident? = nil
                if let g = i.gtdEventId, !seesAll {
                    let own =
                        i.uid.isEmpty
                        ? nil
                        : try Row.fetchOne(
                            db, sql: "SELECT gtd_event_id, unit_uid FROM incident WHERE uid = ?", arguments: [i.uid])
                    let kept = own.map {
                        ($0["gtd_event_id"] as String?) == g && (allow?($0["unit_uid"], catalog) ?? true)
                    }
                    if kept != true {
                        problems.append(
                            Problem(
                                line: item.line, object: object, field: "eventid", value: g,
                                reason:
                                    "GTD event ids are given by a user who sees the whole register (a national import); leave it empty"
                            ))
                        i.gtdEventId = nil
                    }
                }
                if let g = i.gtdEventId {
                    if let earlier = seenGTD[g] {
                        problems.append(
                            Problem(
                                line: item.line, object: object, field: "eventid", value: g,
                                reason: "the same event is already given\(earlier.map { " at line \($0)" } ?? "")"))
                    }
                    seenGTD[g] = item.line
                    if let row = try Row.fetchOne(
                        db, sql: "SELECT \(Self.incidentColumns) FROM incident WHERE gtd_event_id = ?",
                        arguments: [g])
                    {
                        let found = try Self.incident(from: row).incident
                        old = found
                        if i.uid.isEmpty { i.uid = found.uid }
                    }
                }
                if !i.uid.isEmpty && old == nil {
                    // A known uid is an edit; an unknown one (a file from another database) a creation under that uid.
                    if let row = try Row.fetchOne(
                        db, sql: "SELECT \(Self.incidentColumns) FROM incident WHERE uid = ?", arguments: [i.uid])
                    {
                        old = try Self.incident(from: row).incident
                    } else if !Uid.isValid(i.uid) {
                        problems.append(
                            Problem(
                                line: item.line, object: object, field: "uid", value: i.uid,
                                reason: "not a uid (a letter and ten letters or digits)"))
                    }
                }
                if let p = AccessDenied.check(
                    allow, units: [i.unit, old?.unit], catalog: catalog, line: item.line, object: object,
                    what: "incident")
                {
                    denied.append(p)
                }
                if i.uid.isEmpty { i.uid = newUid() }
                i.sources = i.sources.map { $0.trimmingCharacters(in: .whitespaces) }
                i.translations = RecordTranslations.stored(i.translations)
                prepared.append((i, old))
            }
            if !denied.isEmpty { throw AccessDenied(kind: .outOfScope, problems: denied) }
            if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
            let now = Timestamp.millis(Date())
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var cells = Set<CellKey>()
            for (i, old) in prepared where old != i {
                let sources = String(decoding: try encoder.encode(i.sources), as: UTF8.self)
                let values: [DatabaseValueConvertible?] = [
                    i.uid, i.date.year, i.date.month, i.date.day, i.unit, i.placeName, i.latitude, i.longitude,
                    i.outcome.rawValue,
                    i.attackType, i.targetType, i.weaponType, i.killed, i.wounded, i.propertyDamage.rawValue,
                    i.propertyExtent,
                    i.claimed.rawValue, i.summary, sources, i.illustrative, i.gtdEventId,
                    try RecordTranslations.column(i.translations),
                ]
                if old == nil {
                    try db.execute(
                        sql: """
                            INSERT INTO incident(\(Self.incidentColumns))
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
                            """, arguments: SQLArguments(values + [now, user, now, user]))
                } else {
                    try db.execute(
                        sql: """
                            UPDATE incident SET year = ?, month = ?, day = ?, unit_uid = ?, place_name = ?, latitude = ?, longitude = ?,
                                outcome = ?, attack_type = ?, target_type = ?, weapon_type = ?, killed = ?, wounded = ?,
                                property_damage = ?, property_extent = ?, claimed = ?, summary = ?, sources = ?, illustrative = ?,
                                gtd_event_id = ?, translations = ?, deleted = 0, last_updated = ?, last_updated_by = ?
                            WHERE uid = ?
                            """, arguments: SQLArguments(Array(values.dropFirst()) + [now, user, i.uid]))
                    if let old { cells.insert(CellKey(old)) }
                }
                cells.insert(CellKey(i))
                try db.execute(
                    sql:
                        "INSERT INTO incident_audit(incident_uid, action, snapshot, changed_by, changed_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        i.uid, old == nil ? "CREATE" : "UPDATE",
                        String(decoding: try encoder.encode(i), as: UTF8.self), user, now,
                    ])
            }
            log.values += try recount(cells, catalog: catalog, user: user, db: db)
            saved = try prepared.map { p in
                try Self.incident(
                    from: try Stored.row(
                        try Row.fetchOne(
                            db, sql: "SELECT \(Self.incidentColumns) FROM incident WHERE uid = ?",
                            arguments: [p.new.uid]),
                        "incident \(p.new.uid)"))
            }
            return (saved, !dryRun)
        }
    }

    /// Soft-deletes an incident; its counts leave the derived values at once.
    public func deleteIncident(uid: String, user: String, allow: UnitAuthorizer? = nil) throws {
        try transaction { db, log in
            log.kinds.insert(.incidents)
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(Self.incidentColumns) FROM incident WHERE uid = ?", arguments: [uid])
            else {
                throw QorganError.notFound(kind: "incident", key: uid)
            }
            let record = try Self.incident(from: row)
            let catalog = try currentCatalog(db)
            if let p = AccessDenied.check(allow, units: [record.incident.unit], catalog: catalog, what: "incident") {
                throw AccessDenied(kind: .outOfScope, problems: [p])
            }
            guard !record.deleted else { throw QorganError.conflict("incident \(uid) is already deleted") }
            let now = Timestamp.millis(Date())
            try db.execute(
                sql: "UPDATE incident SET deleted = 1, last_updated = ?, last_updated_by = ? WHERE uid = ?",
                arguments: [now, user, uid])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try db.execute(
                sql:
                    "INSERT INTO incident_audit(incident_uid, action, snapshot, changed_by, changed_at) VALUES (?, 'DELETE', ?, ?, ?)",
                arguments: [uid, String(decoding: try encoder.encode(record.incident), as: UTF8.self), user, now])
            log.values += try recount([CellKey(record.incident)], catalog: catalog, user: user, db: db)
            return ((), true)
        }
    }

    public func incident(uid: String) throws -> IncidentRecord? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.incidentColumns) FROM incident WHERE uid = ?", arguments: [uid])
                .map(Self.incident(from:))
        }
    }

    public func incidents(_ filter: IncidentFilter = IncidentFilter()) throws -> [IncidentRecord] {
        let catalog = try catalog()
        return try writer.read { db in
            var sql = "SELECT \(Self.incidentColumns) FROM incident WHERE 1 = 1"
            var args: [DatabaseValueConvertible] = []
            if !filter.includeDeleted { sql += " AND deleted = 0" }
            if let o = filter.outcome {
                sql += " AND outcome = ?"
                args.append(o.rawValue)
            }
            if let a = filter.attackType {
                sql += " AND attack_type = ?"
                args.append(a)
            }
            if let t = filter.targetType {
                sql += " AND target_type = ?"
                args.append(t)
            }
            sql += " ORDER BY year, COALESCE(month, 0), COALESCE(day, 0), uid"
            return try Row.fetchAll(db, sql: sql, arguments: SQLArguments(args)).map(Self.incident(from:)).filter { r in
                let d = r.incident.date
                if let from = filter.from, d.latest < from { return false }
                if let to = filter.to, d.earliest > to { return false }
                if let roots = filter.units {
                    let day = d.earliest
                    return roots.contains { catalog.isInSubtree(r.incident.unit, of: $0, on: day) }
                }
                return true
            }
        }
    }

    /// Every change to an incident, oldest first.
    public func incidentHistory(uid: String) throws -> [IncidentChange] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT action, snapshot, changed_by, changed_at FROM incident_audit WHERE incident_uid = ? ORDER BY id",
                arguments: [uid]
            ).compactMap { r in
                guard let i = try? JSONDecoder().decode(Incident.self, from: Data((r["snapshot"] as String).utf8))
                else { return nil }
                return IncidentChange(
                    action: r["action"], incident: i, changedBy: r["changed_by"],
                    changedAt: Timestamp.date(millis: r["changed_at"]))
            }
        }
    }

    /// Recounts the derived values of `cells` from the incidents in them (inside the caller's transaction).
    private func recount(_ cells: Set<CellKey>, catalog: Catalog, user: String, db: StoreConnection) throws
        -> [LoggedValue]
    {
        var writer = try ValueWriter(db: db, catalog: catalog, now: Date())
        let elements = IncidentRegister.elements.compactMap { catalog.element($0) }
        for cell in cells.sorted(by: { ($0.unit, $0.year, $0.month ?? 0) < ($1.unit, $1.year, $1.month ?? 0) }) {
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.incidentColumns) FROM incident
                    WHERE deleted = 0 AND unit_uid = ? AND year = ? AND \(cell.month == nil ? "month IS NULL" : "month = ?")
                    """,
                arguments: SQLArguments(
                    [cell.unit, cell.year] as [DatabaseValueConvertible] + (cell.month.map { [$0] } ?? [])))
            let counts = IncidentRegister.counts(try rows.map { try Self.incident(from: $0).incident })
            let period = Period.containing(
                .firstOfMonth(cell.year, cell.month ?? 1), type: cell.month == nil ? .yearly : .monthly)
            for e in elements {
                for coc in catalog.optionCombos(of: e) {
                    let v = counts[e.code]?[coc.code].map { String(Int64($0)) }
                    let key = DataValueKey(element: e.uid, period: period, unit: cell.unit, optionCombo: coc.uid)
                    _ = try writer.apply(
                        ResolvedValue(key: key, value: v, storedBy: IncidentRegister.storedBy), user: user)
                }
            }
        }
        return writer.logged
    }
}

/// A cell the register counts into: a unit and a month, or a year when the month is not known.
struct CellKey: Hashable {
    let unit: String, year: Int, month: Int?
    init(_ i: Incident) {
        unit = i.unit
        year = i.date.year
        month = i.date.month
    }
}

extension Store {
    /// An incident's stored date, or an error naming it.
    static func storedDate(_ r: Row) throws -> IncidentDate {
        let year: Int = r["year"]
        let month: Int? = r["month"]
        let day: Int? = r["day"]
        guard let d = IncidentDate(year: year, month: month, day: day) else {
            throw Stored.damaged(
                "an incident date", "\(year)-\(month.map(String.init) ?? "")-\(day.map(String.init) ?? "")")
        }
        return d
    }
}
