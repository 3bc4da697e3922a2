import Foundation
import GRDB
import QorganCore

public struct InstrumentRecord: Hashable, Sendable {
    public var instrument: Instrument
    /// Used by an assessment: it can no longer change.
    public var frozen: Bool
    public var assessments: Int
}

public struct AssessmentRecord: Hashable, Sendable {
    public var assessment: Assessment
    public var readiness: Double
    public var deleted: Bool
    public var created: Date, createdBy: String, lastUpdated: Date, lastUpdatedBy: String
}

public struct RecordChange: Hashable, Sendable {
    public var action: String
    public var snapshot: String
    public var changedBy: String
    public var changedAt: Date
}

/// Readiness assessments. An office's readiness for a year is its latest assessment of that
/// year: saving or deleting an assessment rewrites that derived value in the same transaction.
extension Store {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func recordAudit(
        _ db: StoreConnection, kind: String, uid: String, action: String, snapshot: some Encodable, user: String,
        at: Int64
    ) throws {
        try db.execute(
            sql:
                "INSERT INTO record_audit(kind, uid, action, snapshot, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [kind, uid, action, String(decoding: try encoder.encode(snapshot), as: UTF8.self), user, at])
    }

    public func recordHistory(kind: String, uid: String) throws -> [RecordChange] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT action, snapshot, changed_by, changed_at FROM record_audit WHERE kind = ? AND uid = ? ORDER BY id",
                arguments: [kind, uid]
            ).map {
                RecordChange(
                    action: $0["action"], snapshot: $0["snapshot"], changedBy: $0["changed_by"],
                    changedAt: Timestamp.date(millis: $0["changed_at"]))
            }
        }
    }

    /// Makes the readiness element derived (adding it when missing).
    public func ensureReadinessRegister(user: String = "system") throws {
        let catalog = try catalog()
        var doc = Catalog()
        doc.categoryCombos = []
        if let e = catalog.element(ReadinessRegister.element) {
            guard e.derivedFrom != ReadinessRegister.derivedFrom else { return }
            var changed = e
            changed.derivedFrom = ReadinessRegister.derivedFrom
            doc.dataElements = [changed]
        } else {
            doc.dataElements = [
                DataElement(
                    uid: Uid.stable("readiness:element"), code: ReadinessRegister.element,
                    name: "Office readiness to respond to terrorist threats", valueType: .percentage,
                    aggregationType: .average,
                    translations: [
                        "ru": "Готовность подразделения к реагированию на террористические угрозы",
                        "kk": "Бөлімшенің террористік қатерлерге ден қоюға дайындығы",
                    ],
                    derivedFrom: ReadinessRegister.derivedFrom)
            ]
        }
        try importMetadata(doc, source: "the readiness register's metadata", user: user)
    }

    // MARK: Instruments

    public func instruments() throws -> [InstrumentRecord] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT i.document, (SELECT COUNT(*) FROM assessment a WHERE a.instrument_code = i.code AND a.instrument_version = i.version) AS n
                    FROM instrument i ORDER BY i.code, i.version
                    """
            ).compactMap { r in
                guard let inst = try? JSONDecoder().decode(Instrument.self, from: Data((r["document"] as String).utf8))
                else { return nil }
                let n: Int = r["n"]
                return InstrumentRecord(instrument: inst, frozen: n > 0, assessments: n)
            }
        }
    }

    public func instrument(code: String, version: Int) throws -> Instrument? {
        try writer.read { db in try Self.instrument(db, code, version) }
    }

    static func instrument(_ db: StoreConnection, _ code: String, _ version: Int) throws -> Instrument? {
        try String.fetchOne(
            db, sql: "SELECT document FROM instrument WHERE code = ? AND version = ?", arguments: [code, version]
        )
        .flatMap { try? JSONDecoder().decode(Instrument.self, from: Data($0.utf8)) }
    }

    /// Adds an instrument version, or replaces one no assessment has used yet.
    public func saveInstrument(_ instrument: Instrument, source: String = "the instrument", user: String) throws {
        let problems = instrument.problems()
        if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
        try write(.instruments) { db in
            let used =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM assessment WHERE instrument_code = ? AND instrument_version = ?",
                    arguments: [instrument.code, instrument.version]) ?? 0
            if used > 0 {
                throw QorganError.conflict(
                    "\(instrument.label) is frozen: \(used) assessment\(used == 1 ? " uses" : "s use") it. Derive a new version (qorgan readiness derive \(instrument.code)) and change that"
                )
            }
            let exists =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM instrument WHERE code = ? AND version = ?)",
                    arguments: [instrument.code, instrument.version]) ?? false
            let now = Timestamp.millis(Date())
            try db.execute(
                sql: """
                    INSERT INTO instrument(code, version, document, created, created_by) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(code, version) DO UPDATE SET document = excluded.document
                    """,
                arguments: [
                    instrument.code, instrument.version,
                    String(decoding: try Self.encoder.encode(instrument), as: UTF8.self), now, user,
                ])
            try Self.recordAudit(
                db, kind: "instrument", uid: instrument.label, action: exists ? "UPDATE" : "CREATE",
                snapshot: instrument, user: user, at: now)
        }
    }

    /// A new version, a copy of `version` (the latest when nil) that can be changed.
    @discardableResult
    public func deriveInstrument(code: String, from version: Int? = nil, user: String) throws -> Instrument {
        let all = try instruments().map(\.instrument).filter { $0.code == code }
        guard let latest = all.map(\.version).max() else { throw QorganError.notFound(kind: "instrument", key: code) }
        guard var base = all.first(where: { $0.version == (version ?? latest) }) else {
            throw QorganError.notFound(kind: "instrument version", key: "\(code) v\(version ?? latest)")
        }
        guard latest < Instrument.maxVersion else {
            throw QorganError.conflict("\(code) has reached its last version, \(Instrument.maxVersion)")
        }
        base.derivedFrom = base.label
        base.version = latest + 1
        try saveInstrument(base, user: user)
        return base
    }

    // MARK: Assessments

    static let assessmentColumns =
        "uid, unit_uid, date, instrument_code, instrument_version, assessor_role, scores, readiness, translations, deleted, created, created_by, last_updated, last_updated_by"

    static func assessment(from r: Row) throws -> AssessmentRecord {
        let scores = (try? JSONDecoder().decode([ItemScore].self, from: Data((r["scores"] as String).utf8))) ?? []
        return AssessmentRecord(
            assessment: Assessment(
                uid: r["uid"], unit: r["unit_uid"], date: try Stored.day(r["date"], "an assessment date"),
                instrument: r["instrument_code"],
                version: r["instrument_version"], assessorRole: r["assessor_role"], scores: scores,
                translations: RecordTranslations.fromColumn(r["translations"])),
            readiness: r["readiness"], deleted: r["deleted"], created: Timestamp.date(millis: r["created"]),
            createdBy: r["created_by"], lastUpdated: Timestamp.date(millis: r["last_updated"]),
            lastUpdatedBy: r["last_updated_by"])
    }

    public func assessment(uid: String) throws -> AssessmentRecord? {
        try writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.assessmentColumns) FROM assessment WHERE uid = ?", arguments: [uid]
            ).map(Self.assessment(from:))
        }
    }

    /// Assessments (not deleted), optionally of some units' subtrees and of one year, oldest first.
    public func assessments(units: [String]? = nil, year: Int? = nil) throws -> [AssessmentRecord] {
        let catalog = try catalog()
        return try writer.read { db in
            var sql = "SELECT \(Self.assessmentColumns) FROM assessment WHERE deleted = 0"
            var args: [DatabaseValueConvertible] = []
            if let year {
                sql += " AND date LIKE ?"
                args.append("\(year)-%")
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY date, uid", arguments: SQLArguments(args)).map(
                Self.assessment(from:)
            ).filter { r in
                guard let units else { return true }
                return units.contains { catalog.isInSubtree(r.assessment.unit, of: $0, on: r.assessment.date) }
            }
        }
    }

    /// Saves assessments, all or nothing; each readiness is computed from its item scores.
    @discardableResult
    public func saveAssessments(
        _ items: [(assessment: Assessment, line: Int?)], source: String = "the assessment", user: String,
        dryRun: Bool = false, newUid: @Sendable () -> String = { Uid.generate() },
        allow: UnitAuthorizer? = nil
    ) throws -> [AssessmentRecord] {
        try ensureReadinessRegister(user: user)
        return try transaction { db, log in
            var saved: [AssessmentRecord] = []
            log.kinds.insert(.assessments)
            let catalog = try currentCatalog(db)
            var problems: [Problem] = []
            var prepared: [(new: Assessment, old: Assessment?, readiness: Double)] = []
            var instruments: [String: Instrument?] = [:]
            var denied: [Problem] = []
            for item in items {
                var a = item.assessment
                let key = "\(a.instrument) v\(a.version)"
                let inst: Instrument?
                if let cached = instruments[key] {
                    inst = cached
                } else {
                    inst = try Self.instrument(db, a.instrument, a.version)
                    instruments[key] = .some(inst)
                }
                let found = a.problems(inst, catalog: catalog, line: item.line)
                problems += found
                guard found.isEmpty, let inst, let readiness = a.readiness(inst), let unit = catalog.unit(a.unit)
                else { continue }
                a.unit = unit.uid
                a.translations = RecordTranslations.stored(a.translations)
                var old: Assessment? = nil
                if !a.uid.isEmpty {
                    old = try Row.fetchOne(
                        db, sql: "SELECT \(Self.assessmentColumns) FROM assessment WHERE uid = ?",
                        arguments: [a.uid]
                    )
                    .map { try Self.assessment(from: $0).assessment }
                    if old == nil && !Uid.isValid(a.uid) {
                        problems.append(Problem(line: item.line, field: "uid", value: a.uid, reason: "not a uid"))
                    }
                } else {
                    a.uid = newUid()
                }
                if let p = AccessDenied.check(
                    allow, units: [a.unit, old?.unit], catalog: catalog, line: item.line, what: "assessment")
                {
                    denied.append(p)
                }
                prepared.append((a, old, readiness))
            }
            if !denied.isEmpty { throw AccessDenied(kind: .outOfScope, problems: denied) }
            if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
            let now = Timestamp.millis(Date())
            var cells = Set<ReadinessCell>()
            for (a, old, readiness) in prepared where old != a {
                let scores = String(decoding: try Self.encoder.encode(a.scores), as: UTF8.self)
                try db.execute(
                    sql: """
                        INSERT INTO assessment(\(Self.assessmentColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
                        ON CONFLICT(uid) DO UPDATE SET unit_uid = excluded.unit_uid, date = excluded.date, instrument_code = excluded.instrument_code,
                            instrument_version = excluded.instrument_version, assessor_role = excluded.assessor_role, scores = excluded.scores,
                            readiness = excluded.readiness, translations = excluded.translations, deleted = 0, last_updated = excluded.last_updated, last_updated_by = excluded.last_updated_by
                        """,
                    arguments: [
                        a.uid, a.unit, a.date.description, a.instrument, a.version, a.assessorRole, scores,
                        readiness, try RecordTranslations.column(a.translations), now, user, now, user,
                    ])
                try Self.recordAudit(
                    db, kind: "assessment", uid: a.uid, action: old == nil ? "CREATE" : "UPDATE", snapshot: a,
                    user: user, at: now)
                if let old { cells.insert(ReadinessCell(unit: old.unit, year: old.date.year)) }
                cells.insert(ReadinessCell(unit: a.unit, year: a.date.year))
            }
            log.values += try recountReadiness(cells, catalog: catalog, user: user, db: db)
            saved = try prepared.map { p in
                try Self.assessment(
                    from: try Stored.row(
                        try Row.fetchOne(
                            db, sql: "SELECT \(Self.assessmentColumns) FROM assessment WHERE uid = ?",
                            arguments: [p.new.uid]),
                        "assessment \(p.new.uid)"))
            }
            return (saved, !dryRun)
        }
    }

    public func deleteAssessment(uid: String, user: String, allow: UnitAuthorizer? = nil) throws {
        try transaction { db, log in
            log.kinds.insert(.assessments)
            guard
                let r = try Row.fetchOne(
                    db, sql: "SELECT \(Self.assessmentColumns) FROM assessment WHERE uid = ?", arguments: [uid]
                )
                .map(Self.assessment(from:)), !r.deleted
            else { throw QorganError.notFound(kind: "assessment", key: uid) }
            let catalog = try currentCatalog(db)
            if let p = AccessDenied.check(allow, units: [r.assessment.unit], catalog: catalog, what: "assessment") {
                throw AccessDenied(kind: .outOfScope, problems: [p])
            }
            let now = Timestamp.millis(Date())
            try db.execute(
                sql: "UPDATE assessment SET deleted = 1, last_updated = ?, last_updated_by = ? WHERE uid = ?",
                arguments: [now, user, uid])
            try Self.recordAudit(
                db, kind: "assessment", uid: uid, action: "DELETE", snapshot: r.assessment, user: user, at: now)
            log.values += try recountReadiness(
                [ReadinessCell(unit: r.assessment.unit, year: r.assessment.date.year)],
                catalog: catalog, user: user, db: db)
            return ((), true)
        }
    }

    /// The office's readiness of each cell: its latest assessment of the year, to a hundredth of a percent.
    private func recountReadiness(_ cells: Set<ReadinessCell>, catalog: Catalog, user: String, db: StoreConnection)
        throws
        -> [LoggedValue]
    {
        guard let element = catalog.element(ReadinessRegister.element) else { return [] }
        var writer = try ValueWriter(db: db, catalog: catalog, now: Date())
        for cell in cells {
            let latest = try Double.fetchOne(
                db,
                sql: """
                    SELECT readiness FROM assessment WHERE deleted = 0 AND unit_uid = ? AND date LIKE ? ORDER BY date DESC, last_updated DESC LIMIT 1
                    """, arguments: [cell.unit, "\(cell.year)-%"])
            let value = latest.map { v -> String in
                let r = (v * 100).rounded() / 100
                return r == r.rounded() ? String(Int(r)) : String(r)
            }
            let key = DataValueKey(
                element: element.uid, period: .containing(.firstOfMonth(cell.year, 1), type: .yearly), unit: cell.unit)
            _ = try writer.apply(
                ResolvedValue(key: key, value: value, storedBy: ReadinessRegister.derivedFrom), user: user)
        }
        return writer.logged
    }
}

struct ReadinessCell: Hashable {
    let unit: String
    let year: Int
}
