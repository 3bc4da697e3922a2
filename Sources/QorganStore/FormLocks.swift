import Foundation
import GRDB
import QorganCore

/// The form rules of a write of values (`FormRules`), decided inside its transaction on each
/// value as the store resolved it: approval, then completion, then expiry. Answers are kept
/// per form, period and unit, so a batch asks the database once for each.
struct FormLocks {
    struct Lock {
        var kind: AccessDenied.Kind
        var form: DataSet
        var problem: Problem
    }

    let db: StoreConnection
    let catalog: Catalog
    let rules: FormRules
    /// nil: nothing is approved (or completed) anywhere, nothing to ask.
    private var approved: [String: Bool]? = nil
    private var completed: [String: Bool]? = nil

    init(db: StoreConnection, catalog: Catalog, rules: FormRules) {
        self.db = db
        self.catalog = catalog
        self.rules = rules
    }

    /// Finds out once whether any form is approved or completed at all.
    mutating func prepare() throws {
        approved =
            try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM approval WHERE deleted = 0 LIMIT 1")) == nil
            ? nil : [:]
        completed =
            try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM completion WHERE deleted = 0 LIMIT 1")) == nil
            ? nil : [:]
    }

    /// Static: as a method of `self` taking one of its own dictionaries `inout`, Swift copied
    /// the whole struct at every call, so the dictionary was shared and copied whole at every
    /// insert (an import into a database with approvals took time quadratic in its forms,
    /// periods and units: 200 000 values through the API, 18.7 s instead of 7.8).
    private static func ask(
        _ db: StoreConnection, _ table: String, _ form: DataSet, _ key: DataValueKey, _ memo: inout [String: Bool]?
    ) throws -> Bool {
        guard memo != nil else { return false }
        let k = "\(form.uid)|\(key.period.iso)|\(key.unit)"
        if let known = memo?[k] { return known }
        let found =
            try Int.fetchOne(
                db.cachedStatement(
                    sql: "SELECT 1 FROM \(table) WHERE data_set_uid = ? AND period = ? AND unit_uid = ? AND deleted = 0"
                ), arguments: [form.uid, key.period.iso, key.unit]) != nil
        memo?[k] = found
        return found
    }

    /// What locks a value's form for this write, if anything.
    mutating func lock(_ key: DataValueKey) throws -> Lock? {
        // Nothing approved, nothing completed, no expiry to judge: a large import asks nothing.
        if approved == nil && completed == nil && rules.pastExpiry { return nil }
        let forms = ApprovalRules.forms(locking: key.element, unit: key.unit, period: key.period, in: catalog)
        func lock(_ kind: AccessDenied.Kind, _ form: DataSet, _ code: String, _ reason: String) -> Lock {
            Lock(kind: kind, form: form, problem: Problem(field: "period", reason: reason, code: code))
        }
        let iso = key.period.iso
        for form in forms where try Self.ask(db, "approval", form, key, &approved) {
            return lock(
                .locked, form, "approved",
                "\(form.code) for \(iso) is approved: an administrator must withdraw the approval before its data can change"
            )
        }
        for form in forms where try Self.ask(db, "completion", form, key, &completed) {
            return lock(
                .completed, form, "complete",
                "\(form.code) for \(iso) is marked complete: mark it incomplete before its data change (an administrator may force the change, which is logged)"
            )
        }
        if !rules.pastExpiry, let form = forms.first, forms.allSatisfy({ $0.isExpired(key.period, today: rules.today) })
        {
            return lock(
                .locked, form, "closed",
                "\(form.code) for \(iso) closed \(form.expiryDays) days after the period ended; an administrator can still change it"
            )
        }
        return nil
    }
}
