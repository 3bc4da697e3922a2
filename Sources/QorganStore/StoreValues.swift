import Foundation
import GRDB
import GRDBSQLite
import PostgresNIO
import QorganCore

extension Store {
    // MARK: Data values

    /// Saves a batch of values: all or nothing. One bad row rejects the batch with every
    /// problem listed by line and field; `dryRun` reports the counts and changes nothing.
    /// `authorize` decides scope on each resolved value (its unit, element and period as stored):
    /// one refused row refuses the batch with `AccessDenied`, listing every refused row. `rules`
    /// are the form rules (approval, completion, expiry), decided here for every surface alike: a
    /// row that would change a locked form refuses the batch (a row that changes nothing passes).
    @discardableResult
    public func saveValues(
        _ inputs: [DataValueInput], source: String = "the batch", user: String,
        dryRun: Bool = false, now: Date = Date(), authorize: ValueAuthorizer? = nil,
        rules: FormRules = .commandLine(), skipDerived: Bool = false
    ) throws -> ImportSummary {
        try save(
            inputs, source: source, user: user, dryRun: dryRun, now: now, authorize: authorize, rules: rules,
            skipDerived: skipDerived, keepStored: false
        ).summary
    }

    /// Saves one value as `saveValues` does, and gives it back as stored (nil when none is, as
    /// after deleting a value that was not there): the answer of an API's save, built from the
    /// write instead of read back.
    public func saveValue(
        _ input: DataValueInput, source: String = "the value", user: String, now: Date = Date(),
        authorize: ValueAuthorizer? = nil, rules: FormRules = .commandLine()
    ) throws -> (summary: ImportSummary, stored: DataValue?) {
        let (summary, stored) = try save(
            [input], source: source, user: user, dryRun: false, now: now, authorize: authorize, rules: rules,
            skipDerived: false, keepStored: true)
        return (summary, stored.first ?? nil)
    }

    private func save(
        _ inputs: [DataValueInput], source: String, user: String, dryRun: Bool, now: Date, authorize: ValueAuthorizer?,
        rules: FormRules, skipDerived: Bool, keepStored: Bool
    ) throws -> (summary: ImportSummary, stored: [DataValue?]) {
        try groupedTransaction { db, log in
            var summary = ImportSummary()
            summary.dryRun = dryRun
            let (catalog, ids) = try currentMetadata(db)
            // A file exported with its derived values (counted from the registers) imports back:
            // those rows are left out and counted, never written.
            var inputs = inputs
            if skipDerived {
                let before = inputs.count
                inputs.removeAll { catalog.element($0.element)?.derivedFrom != nil }
                summary.derived = before - inputs.count
            }
            var problems: [Problem] = []
            var resolved: [ResolvedValue] = []
            resolved.reserveCapacity(inputs.count)
            var firstSeen: [DataValueKey: Int] = [:]  // where a key was first given: named only if given twice
            firstSeen.reserveCapacity(inputs.count)
            var denied: [Problem] = []
            var locks = FormLocks(db: db, catalog: catalog, rules: rules)
            try locks.prepare()
            var lockedBy: [Int: FormLocks.Lock] = [:]
            for (n, (input, result)) in zip(inputs, ValueResolver.resolveAll(inputs, catalog: catalog)).enumerated() {
                switch result {
                case .valid(let r):
                    if let authorize, let refusal = authorize(r, catalog) {
                        denied.append(
                            Problem(
                                line: input.line, object: input.location, field: "orgunit", value: input.unit,
                                reason: refusal.reason, code: "outOfScope"))
                        continue
                    }
                    if let lock = try locks.lock(r.key) {
                        var p = lock.problem
                        (p.line, p.object, p.value) = (input.line, input.location, input.period)
                        lockedBy[resolved.count] = FormLocks.Lock(kind: lock.kind, form: lock.form, problem: p)
                    }
                    // One hash for the usual row, seen for the first time; a repeated key puts
                    // the first place back.
                    if let first = firstSeen.updateValue(n, forKey: r.key) {
                        firstSeen[r.key] = first
                        let earlier =
                            inputs[first].line.map { "line \($0)" } ?? inputs[first].location ?? "entry \(first + 1)"
                        problems.append(
                            Problem(
                                line: input.line, object: input.location, field: "value", value: input.value,
                                reason:
                                    "the same value (element, period, unit, combination) is already given at \(earlier)",
                                code: Problem.duplicateCode))
                    } else {
                        resolved.append(r)
                    }
                case .invalid(let ps): problems += ps
                }
            }
            // Who may write comes first: a refused row is not described further.
            if !denied.isEmpty { throw AccessDenied(kind: .outOfScope, problems: denied) }
            if !problems.isEmpty { throw QorganError.rejected(source: source, problems: problems) }
            try Interruption.check()
            var writer = try ValueWriter(db: db, catalog: catalog, now: now, ids: ids)
            writer.keepsStored = keepStored
            try writer.insertAll(resolved, user: user)
            try Interruption.check()
            var changedLocked: [FormLocks.Lock] = []
            var forced: [String: (form: DataSet, key: DataValueKey, count: Int)] = [:]
            for (i, r) in resolved.enumerated() {
                if i & 4095 == 4095 { try Interruption.check() }
                let outcome = try writer.apply(r, user: user)
                if outcome != .unchanged, let locked = lockedBy[i] {
                    if locked.kind == .completed && rules.force {
                        let k = "\(locked.form.uid)|\(r.key.period.iso)|\(r.key.unit)"
                        forced[k, default: (locked.form, r.key, 0)].count += 1
                    } else {
                        changedLocked.append(locked)
                    }
                }
                switch outcome {
                case .created: summary.imported += 1
                case .updated: summary.updated += 1
                case .unchanged: summary.unchanged += 1
                case .deleted: summary.deleted += 1
                }
            }
            // Thrown inside the transaction: everything written above is rolled back.
            if !changedLocked.isEmpty {
                let kind: AccessDenied.Kind = changedLocked.contains { $0.kind == .locked } ? .locked : .completed
                throw AccessDenied(kind: kind, problems: changedLocked.map(\.problem))
            }
            // An administrator's override is named and kept: one line per form, period and unit.
            if !dryRun {
                for (_, f) in forced.sorted(by: { $0.key < $1.key }) {
                    let unit = catalog.unit(f.key.unit)?.code ?? f.key.unit
                    try Self.audit(
                        db, actor: user, action: "FORCE_COMPLETED_FORM",
                        subject: "\(f.form.code) \(f.key.period.iso) \(unit)",
                        detail: "\(f.count) value\(f.count == 1 ? "" : "s") changed in a form marked complete")
                }
            }
            // The last moment to stop: after this the transaction commits whole.
            try Interruption.check()
            log.values = writer.logged
            return ((summary, writer.stored), !dryRun)
        }
    }

    /// One value, deleted or not; nil if it was never stored.
    public func value(_ key: DataValueKey) throws -> DataValue? {
        try writer.read { db in
            let ids = try KeyIds(db: db, key: key)
            guard let ids else { return nil }
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT value, stored_by, created, last_updated, comment, follow_up, deleted FROM data_value
                        WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
                        """), arguments: ids.arguments)
            return row.map {
                DataValue(
                    key: key, value: $0["value"], storedBy: $0["stored_by"],
                    created: Timestamp.date(millis: $0["created"]),
                    lastUpdated: Timestamp.date(millis: $0["last_updated"]),
                    comment: $0["comment"], followUp: $0["follow_up"], deleted: $0["deleted"])
            }
        }
    }

    /// Every change to one value, oldest first, its creation included.
    public func history(_ key: DataValueKey) throws -> [AuditEntry] {
        try writer.read { db in
            guard let ids = try KeyIds(db: db, key: key),
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT value, comment, created_by, created FROM data_value
                        WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ?
                        """, arguments: ids.arguments)
            else { return [] }
            let changes = try Row.fetchAll(
                db,
                sql: """
                    SELECT action, old_value, new_value, old_comment, new_comment, changed_by, changed_at FROM data_value_audit
                    WHERE element_id = ? AND period_id = ? AND unit_id = ? AND coc_id = ? AND aoc_id = ? ORDER BY seq
                    """, arguments: ids.arguments
            ).map {
                AuditEntry(
                    key: key, action: AuditEntry.Action(rawValue: $0["action"]) ?? .update,
                    oldValue: $0["old_value"], newValue: $0["new_value"], oldComment: $0["old_comment"],
                    newComment: $0["new_comment"], changedBy: $0["changed_by"],
                    changedAt: Timestamp.date(millis: $0["changed_at"]))
            }
            // The first value is what the first change found, or the value as it still is.
            let first = changes.first
            let created = AuditEntry(
                key: key, action: .create, oldValue: nil,
                newValue: first.map { $0.oldValue } ?? row["value"],
                oldComment: nil, newComment: first.map { $0.oldComment } ?? row["comment"],
                changedBy: row["created_by"], changedAt: Timestamp.date(millis: row["created"]))
            // The sign-offs of the forms that hold it, in time order among its changes.
            let catalog = try currentCatalog(db)
            var approvals: [AuditEntry] = []
            for form in ApprovalRules.forms(locking: key.element, unit: key.unit, period: key.period, in: catalog) {
                approvals += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT action, level, reason, changed_by, changed_at FROM approval_audit
                        WHERE data_set_uid = ? AND period = ? AND unit_uid = ? ORDER BY id
                        """, arguments: [form.uid, key.period.iso, key.unit]
                ).compactMap { r in
                    guard let action = AuditEntry.Action(rawValue: r["action"]) else { return nil }
                    let level: Int? = r["level"]
                    return AuditEntry(
                        key: key, action: action, oldValue: nil, newValue: level.map { "\(form.code): level \($0)" },
                        oldComment: nil, newComment: r["reason"], changedBy: r["changed_by"],
                        changedAt: Timestamp.date(millis: r["changed_at"]))
                }
            }
            let all = [created] + changes
            if approvals.isEmpty { return all }
            // Stable: a value's changes keep their order; a sign-off goes after what came before it.
            return (all.map { ($0, 0) } + approvals.map { ($0, 1) }).enumerated().sorted {
                ($0.element.0.changedAt, $0.element.1, $0.offset) < ($1.element.0.changedAt, $1.element.1, $1.offset)
            }.map(\.element.0)
        }
    }

    /// Stored values, optionally of some elements, units (uids) and periods only (those of
    /// `periods`, or those whose days lie within `span`); deleted ones only when asked.
    public func values(
        elements: [String]? = nil, units: Set<String>? = nil, periods: [Period]? = nil, within span: DaySpan? = nil,
        includeDeleted: Bool = false
    ) throws -> [DataValue] {
        try writer.read { db in
            var sql = """
                SELECT e.uid AS element, p.iso AS period, u.uid AS unit, c.uid AS coc, a.uid AS aoc,
                       v.value, v.stored_by, v.created, v.last_updated, v.comment, v.follow_up, v.deleted
                FROM data_value v
                JOIN data_element e ON e.id = v.element_id
                JOIN period p ON p.id = v.period_id
                JOIN org_unit u ON u.id = v.unit_id
                JOIN category_option_combo c ON c.id = v.coc_id
                JOIN category_option_combo a ON a.id = v.aoc_id
                WHERE 1 = 1
                """
            var args: [DatabaseValueConvertible] = []
            if !includeDeleted { sql += " AND v.deleted = 0" }
            if let elements {
                sql += " AND e.uid IN (\(elements.map { _ in "?" }.joined(separator: ",")))"
                args += elements
            }
            if let periods {
                sql += " AND p.iso IN (\(periods.map { _ in "?" }.joined(separator: ",")))"
                args += periods.map(\.iso)
            }
            if let span {
                sql += " AND p.start_date >= ? AND p.end_date <= ?"
                args += [span.start.description, span.end.description]
            }
            sql += " ORDER BY e.code, p.start_date, p.end_date, u.code, c.code"
            var periods: [String: Period] = [:]
            return try Row.fetchAll(db, sql: sql, arguments: SQLArguments(args)).compactMap { row in
                if let units, !units.contains(row["unit"] as String) { return nil }
                let iso: String = row["period"]
                let period: Period
                if let known = periods[iso] {
                    period = known
                } else {
                    // Stored periods were parsed once; one that no longer parses is named, not a crash.
                    guard let p = Period.parse(iso) else { throw Stored.damaged("a period", iso) }
                    periods[iso] = p
                    period = p
                }
                return DataValue(
                    key: DataValueKey(
                        element: row["element"], period: period, unit: row["unit"],
                        optionCombo: row["coc"], attributeOptionCombo: row["aoc"]),
                    value: row["value"], storedBy: row["stored_by"],
                    created: Timestamp.date(millis: row["created"]),
                    lastUpdated: Timestamp.date(millis: row["last_updated"]),
                    comment: row["comment"], followUp: row["follow_up"], deleted: row["deleted"])
            }
        }
    }

    /// The reference aggregation over the current data of this store.
    public func referenceAggregator() throws -> ReferenceAggregator {
        ReferenceAggregator(catalog: try catalog(), values: try values(), completions: try completions())
    }

    /// Whether the database holds nothing but what a new one has: no units, no values, no users.
    public func isEmpty() throws -> Bool {
        try writer.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT (SELECT COUNT(*) FROM org_unit) + (SELECT COUNT(*) FROM data_value)
                        + (SELECT COUNT(*) FROM user_account)
                    """) == 0
        }
    }

    public func valueCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM data_value WHERE deleted = 0") ?? 0 }
    }

    /// How many changes the history holds: every creation and every later change.
    public func auditCount() throws -> Int {
        try writer.read { db in
            try Int.fetchOne(
                db, sql: "SELECT (SELECT COUNT(*) FROM data_value) + (SELECT COUNT(*) FROM data_value_audit)") ?? 0
        }
    }

    /// One object's metadata history, newest first: each change with the object as it became.
    public func metadataHistory(kind: String, uid: String, limit: Int = 200) throws -> [MetadataVersion] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, kind, uid, code, action, changed_by, changed_at, snapshot FROM metadata_audit
                    WHERE kind = ? AND uid = ? ORDER BY id DESC LIMIT ?
                    """, arguments: [kind, uid, limit]
            ).map(MetadataVersion.init(row:))
        }
    }

    /// One entry of the metadata history by its number.
    public func metadataVersion(_ id: Int64) throws -> MetadataVersion? {
        try writer.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT id, kind, uid, code, action, changed_by, changed_at, snapshot FROM metadata_audit WHERE id = ?
                    """, arguments: [id]
            ).map(MetadataVersion.init(row:))
        }
    }

    /// Metadata audit entries: (kind, code, action, changedBy), oldest first.
    public func metadataHistory() throws -> [(kind: String, code: String, action: String, changedBy: String)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, code, action, changed_by FROM metadata_audit ORDER BY id").map {
                (kind: $0["kind"], code: $0["code"], action: $0["action"], changedBy: $0["changed_by"])
            }
        }
    }
}

/// The integer ids of a value's key, if every part exists.
struct KeyIds {
    let element: Int64, period: Int64, unit: Int64, coc: Int64, aoc: Int64
    var arguments: SQLArguments { [element, period, unit, coc, aoc] }

    init?(db: StoreConnection, key: DataValueKey) throws {
        func id(_ table: String, _ column: String, _ value: String) throws -> Int64? {
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM \(table) WHERE \(column) = ?"), arguments: [value])
        }
        guard let e = try id("data_element", "uid", key.element), let p = try id("period", "iso", key.period.iso),
            let u = try id("org_unit", "uid", key.unit),
            let c = try id("category_option_combo", "uid", key.optionCombo),
            let a = try id("category_option_combo", "uid", key.attributeOptionCombo)
        else { return nil }
        element = e
        period = p
        unit = u
        coc = c
        aoc = a
    }
}

/// One entry of the metadata history: the object (`snapshot`, its JSON) as a change left it.
public struct MetadataVersion: Sendable, Hashable {
    public var id: Int64
    public var kind: String
    public var uid: String
    public var code: String
    public var action: String
    public var changedBy: String
    public var changedAt: String
    public var snapshot: String

    init(row: Row) {
        id = row["id"]
        kind = row["kind"]
        uid = row["uid"]
        code = row["code"]
        action = row["action"]
        changedBy = row["changed_by"]
        changedAt = row["changed_at"]
        snapshot = row["snapshot"]
    }
}
