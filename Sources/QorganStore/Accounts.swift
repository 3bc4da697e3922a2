import Foundation
import GRDB
import QorganCore

/// A user as stored. The password hash is bcrypt, made by the caller.
public struct UserRecord: Hashable, Sendable {
    public var principal: Principal
    public var passwordHash: String
    public var disabled: Bool
    public var created: Date
    public var createdBy: String
}

/// An API token as stored; its secret is known only to whoever created it.
public struct TokenRecord: Hashable, Sendable, Codable {
    public var id: Int64
    public var name: String
    public var username: String
    public var created: Date
    public var lastUsed: Date?
    public var revoked: Bool
    /// When the token stops working by itself; nil: when it is revoked.
    public var expires: Date? = nil
}

public struct SecurityEvent: Hashable, Sendable, Codable {
    public var at: Date
    public var actor: String
    public var action: String
    public var subject: String
    public var detail: String?
}

public struct Completion: Hashable, Sendable, Codable {
    public var completedBy: String
    public var completedAt: Date
    /// Why it was completed despite a medium or low importance violation.
    public var comment: String?
}

/// Users, sessions, API tokens and form completions. Every change is written to an audit
/// table in the same transaction; nothing is deleted but sessions (which expire).
extension Store {
    private static let userColumns = "id, username, password_hash, role, language, created, created_by, disabled"

    private func userRecord(_ db: StoreConnection, _ row: Row) throws -> UserRecord {
        let id: Int64 = row["id"]
        let units = try String.fetchAll(
            db.cachedStatement(sql: "SELECT unit_uid FROM user_unit WHERE user_id = ? ORDER BY unit_uid"),
            arguments: [id])
        return UserRecord(
            principal: Principal(
                id: id, username: row["username"], role: Role(rawValue: row["role"]) ?? .viewer,
                units: units, language: row["language"]),
            passwordHash: row["password_hash"], disabled: row["disabled"],
            created: Timestamp.date(millis: row["created"]), createdBy: row["created_by"])
    }

    /// The longest text the security log keeps of a field: what anyone sends (a sign-in name, an
    /// address) is cut there, so that nobody can fill the disk through it.
    public static let auditFieldLimit = 120

    static func audit(_ db: StoreConnection, actor: String, action: String, subject: String, detail: String? = nil)
        throws
    {
        func cut(_ s: String) -> String { s.count <= auditFieldLimit ? s : String(s.prefix(auditFieldLimit)) + "…" }
        try db.execute(
            sql: "INSERT INTO security_audit(at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [Timestamp.millis(Date()), cut(actor), action, cut(subject), detail.map(cut)])
    }

    /// Resolves a user's units (codes or uids) to uids; every unknown one is a problem.
    private func checkUnits(_ units: [String], db: StoreConnection) throws -> [String] {
        let catalog = try currentCatalog(db)
        var uids: [String] = []
        var problems: [Problem] = []
        for ref in units {
            if let u = catalog.unit(ref) {
                uids.append(u.uid)
            } else {
                problems.append(
                    Problem(field: "units", value: ref, reason: "no organisation unit with this code or uid"))
            }
        }
        if units.isEmpty {
            problems.append(Problem(field: "units", reason: "a user needs at least one unit: what they may see"))
        }
        if !problems.isEmpty { throw QorganError.invalidRequest(what: "the user", problems: problems) }
        return Array(Set(uids)).sorted()
    }

    private func codes(_ uids: [String], _ db: StoreConnection) throws -> String {
        let catalog = try currentCatalog(db)
        return uids.map { catalog.unit($0)?.code ?? $0 }.joined(separator: ",")
    }

    public static func checkUsername(_ name: String) -> Problem? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
        if name.isEmpty || name.count > 64 || !name.allSatisfy({ allowed.contains($0) }) {
            return Problem(
                field: "username", value: name, reason: "1 to 64 letters (a–z), digits, '.', '_', '-' or '@'")
        }
        return nil
    }

    @discardableResult
    public func createUser(
        username: String, passwordHash: String, role: Role, units: [String],
        language: String? = nil, by actor: String
    ) throws -> UserRecord {
        if let p = Self.checkUsername(username) { throw QorganError.invalidRequest(what: "the user", problems: [p]) }
        return try writer.write { db in
            let uids = try checkUnits(units, db: db)
            if try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM user_account WHERE username = ?)", arguments: [username]) ?? false
            {
                throw QorganError.conflict("a user named '\(username)' already exists")
            }
            let id = try Stored.id(
                db,
                sql: """
                    INSERT INTO user_account(username, password_hash, role, language, created, created_by) VALUES (?, ?, ?, ?, ?, ?)
                    RETURNING id
                    """, arguments: [username, passwordHash, role.rawValue, language, Timestamp.millis(Date()), actor])
            for u in uids {
                try db.execute(sql: "INSERT INTO user_unit(user_id, unit_uid) VALUES (?, ?)", arguments: [id, u])
            }
            try Self.audit(
                db, actor: actor, action: "USER_CREATE", subject: username,
                detail: "role \(role.rawValue); units \(try codes(uids, db))")
            return try userRecord(
                db,
                try Stored.row(
                    try Row.fetchOne(
                        db, sql: "SELECT \(Self.userColumns) FROM user_account WHERE id = ?", arguments: [id]),
                    "user \(username)"))
        }
    }

    /// Changes what is given; nil leaves a field as it is.
    @discardableResult
    public func updateUser(
        username: String, role: Role? = nil, units: [String]? = nil, passwordHash: String? = nil,
        language: String?? = nil, disabled: Bool? = nil, by actor: String
    ) throws -> UserRecord {
        try writer.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(Self.userColumns) FROM user_account WHERE username = ?", arguments: [username])
            else {
                throw QorganError.notFound(kind: "user", key: username)
            }
            let id: Int64 = row["id"]
            var changes: [String] = []
            if let role, role.rawValue != (row["role"] as String) {
                try db.execute(sql: "UPDATE user_account SET role = ? WHERE id = ?", arguments: [role.rawValue, id])
                changes.append("role \(role.rawValue)")
            }
            let currentUnits = try String.fetchAll(
                db, sql: "SELECT unit_uid FROM user_unit WHERE user_id = ? ORDER BY unit_uid", arguments: [id])
            if let units, try checkUnits(units, db: db) != currentUnits {
                let uids = try checkUnits(units, db: db)
                try db.execute(sql: "DELETE FROM user_unit WHERE user_id = ?", arguments: [id])
                for u in uids {
                    try db.execute(sql: "INSERT INTO user_unit(user_id, unit_uid) VALUES (?, ?)", arguments: [id, u])
                }
                changes.append("units \(try codes(uids, db))")
            }
            if let passwordHash {
                try db.execute(
                    sql: "UPDATE user_account SET password_hash = ? WHERE id = ?", arguments: [passwordHash, id])
                // A new password ends every session of the user and revokes their API tokens: whoever
                // knew the old one keeps nothing.
                try db.execute(sql: "DELETE FROM user_session WHERE user_id = ?", arguments: [id])
                try db.execute(
                    sql: "UPDATE api_token SET revoked = 1 WHERE user_id = ? AND revoked = 0", arguments: [id])
                changes.append("password")
            }
            if let language, language != (row["language"] as String?) {
                try db.execute(sql: "UPDATE user_account SET language = ? WHERE id = ?", arguments: [language, id])
                changes.append("language \(language ?? "default")")
            }
            if let disabled, disabled != (row["disabled"] as Bool) {
                try db.execute(sql: "UPDATE user_account SET disabled = ? WHERE id = ?", arguments: [disabled, id])
                if disabled { try db.execute(sql: "DELETE FROM user_session WHERE user_id = ?", arguments: [id]) }
                changes.append(disabled ? "disabled" : "enabled")
            }
            if !changes.isEmpty {
                try Self.audit(
                    db, actor: actor, action: "USER_UPDATE", subject: username, detail: changes.joined(separator: "; "))
            }
            return try userRecord(
                db,
                try Stored.row(
                    try Row.fetchOne(
                        db, sql: "SELECT \(Self.userColumns) FROM user_account WHERE id = ?", arguments: [id]),
                    "user \(username)"))
        }
    }

    public func user(named username: String) throws -> UserRecord? {
        try writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.userColumns) FROM user_account WHERE username = ?", arguments: [username]
            )
            .map { try userRecord(db, $0) }
        }
    }

    public func users() throws -> [UserRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.userColumns) FROM user_account ORDER BY username").map {
                try userRecord(db, $0)
            }
        }
    }

    public func userCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user_account") ?? 0 }
    }

    // MARK: Sessions

    public func createSession(tokenHash: String, userId: Int64, csrf: String, expires: Date) throws {
        try writer.write { db in
            let now = Timestamp.millis(Date())
            try db.execute(sql: "DELETE FROM user_session WHERE expires < ?", arguments: [now])
            try db.execute(
                sql: "INSERT INTO user_session(token_hash, user_id, csrf, created, expires) VALUES (?, ?, ?, ?, ?)",
                arguments: [tokenHash, userId, csrf, now, Timestamp.millis(expires)])
            let name =
                try String.fetchOne(db, sql: "SELECT username FROM user_account WHERE id = ?", arguments: [userId])
                ?? "?"
            try Self.audit(db, actor: name, action: "SIGN_IN", subject: name)
        }
    }

    /// The user of a live session and its CSRF secret.
    public func session(tokenHash: String, now: Date = Date()) throws -> (user: UserRecord, csrf: String)? {
        try writer.read { db in
            guard
                let s = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT user_id, csrf, expires FROM user_session WHERE token_hash = ?"),
                    arguments: [tokenHash]),
                (s["expires"] as Int64) > Timestamp.millis(now),
                let u = try Row.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT \(Self.userColumns) FROM user_account WHERE id = ? AND disabled = 0"),
                    arguments: [s["user_id"] as Int64])
            else { return nil }
            return (try userRecord(db, u), s["csrf"])
        }
    }

    public func endSession(tokenHash: String, username: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM user_session WHERE token_hash = ?", arguments: [tokenHash])
            try Self.audit(db, actor: username, action: "SIGN_OUT", subject: username)
        }
    }

    // MARK: Sign-in throttling, shared by every server on the database

    /// Failed sign-ins since `since` for each key (`user:NAME`, `ip:ADDRESS`), oldest first.
    public func signInFailures(keys: [String], since: Date) throws -> [String: [Date]] {
        try writer.read { db in
            var out: [String: [Date]] = [:]
            for key in keys {
                out[key] = try Int64.fetchAll(
                    db.cachedStatement(sql: "SELECT at FROM sign_in_failure WHERE key = ? AND at > ? ORDER BY at"),
                    arguments: [key, Timestamp.millis(since)]
                ).map(Timestamp.date(millis:))
            }
            return out
        }
    }

    /// A failed sign-in under each key; failures older than `forgetBefore` are forgotten.
    public func recordSignInFailure(keys: [String], at: Date, forgetBefore: Date) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM sign_in_failure WHERE at < ?", arguments: [Timestamp.millis(forgetBefore)])
            for key in keys {
                try db.execute(
                    sql: "INSERT INTO sign_in_failure(key, at) VALUES (?, ?)", arguments: [key, Timestamp.millis(at)])
            }
        }
    }

    /// Forgets a key's failures (a user who signed in); writes only when there are some.
    public func clearSignInFailures(key: String) throws {
        let any = try writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM sign_in_failure WHERE key = ?)", arguments: [key])
                ?? false
        }
        guard any else { return }
        try writer.write { db in try db.execute(sql: "DELETE FROM sign_in_failure WHERE key = ?", arguments: [key]) }
    }

    public func recordSecurityEvent(actor: String, action: String, subject: String, detail: String? = nil) throws {
        try writer.write { db in try Self.audit(db, actor: actor, action: action, subject: subject, detail: detail) }
    }

    public func securityEvents(limit: Int = 200) throws -> [SecurityEvent] {
        try writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT at, actor, action, subject, detail FROM security_audit ORDER BY id DESC LIMIT ?",
                arguments: [limit]
            ).map {
                SecurityEvent(
                    at: Timestamp.date(millis: $0["at"]), actor: $0["actor"], action: $0["action"],
                    subject: $0["subject"], detail: $0["detail"])
            }
        }
    }

    // MARK: API tokens

    public func createToken(tokenHash: String, username: String, name: String, expires: Date? = nil, by actor: String)
        throws -> TokenRecord
    {
        try writer.write { db in
            guard
                let userId = try Int64.fetchOne(
                    db, sql: "SELECT id FROM user_account WHERE username = ?", arguments: [username])
            else {
                throw QorganError.notFound(kind: "user", key: username)
            }
            let now = Date()
            let id = try Stored.id(
                db,
                sql:
                    "INSERT INTO api_token(token_hash, user_id, name, created, expires) VALUES (?, ?, ?, ?, ?) RETURNING id",
                arguments: [tokenHash, userId, name, Timestamp.millis(now), expires.map { Timestamp.millis($0) }])
            let until = expires.map { ", expires \(ISO8601DateFormatter().string(from: $0))" } ?? ""
            try Self.audit(
                db, actor: actor, action: "TOKEN_CREATE", subject: username, detail: "token \(id) '\(name)'\(until)")
            return TokenRecord(
                id: id, name: name, username: username, created: Timestamp.date(millis: Timestamp.millis(now)),
                lastUsed: nil, revoked: false, expires: expires.map { Timestamp.date(millis: Timestamp.millis($0)) })
        }
    }

    /// The user behind a live token.
    public func tokenUser(tokenHash: String) throws -> UserRecord? {
        try writer.read { db in
            guard
                let userId = try Int64.fetchOne(
                    db.cachedStatement(
                        sql:
                            "SELECT user_id FROM api_token WHERE token_hash = ? AND revoked = 0 AND (expires IS NULL OR expires > ?)"
                    ),
                    arguments: [tokenHash, Timestamp.millis(Date())]),
                let u = try Row.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT \(Self.userColumns) FROM user_account WHERE id = ? AND disabled = 0"),
                    arguments: [userId])
            else { return nil }
            return try userRecord(db, u)
        }
    }

    public func tokens(username: String? = nil) throws -> [TokenRecord] {
        try writer.read { db in
            var sql =
                "SELECT t.id, t.name, u.username, t.created, t.last_used, t.revoked, t.expires FROM api_token t JOIN user_account u ON u.id = t.user_id"
            var args: SQLArguments = []
            if let username {
                sql += " WHERE u.username = ?"
                args = [username]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY t.id", arguments: args).map {
                let last: Int64? = $0["last_used"]
                let expires: Int64? = $0["expires"]
                return TokenRecord(
                    id: $0["id"], name: $0["name"], username: $0["username"],
                    created: Timestamp.date(millis: $0["created"]),
                    lastUsed: last.map { Timestamp.date(millis: $0) }, revoked: $0["revoked"],
                    expires: expires.map { Timestamp.date(millis: $0) })
            }
        }
    }

    public func revokeToken(id: Int64, by actor: String) throws {
        try writer.write { db in
            guard
                let owner = try String.fetchOne(
                    db,
                    sql: "SELECT u.username FROM api_token t JOIN user_account u ON u.id = t.user_id WHERE t.id = ?",
                    arguments: [id])
            else {
                throw QorganError.notFound(kind: "API token", key: String(id))
            }
            try db.execute(sql: "UPDATE api_token SET revoked = 1 WHERE id = ?", arguments: [id])
            try Self.audit(db, actor: actor, action: "TOKEN_REVOKE", subject: owner, detail: "token \(id)")
        }
    }

    // MARK: Form completion

    public func completion(dataSet: String, period: String, unit: String) throws -> Completion? {
        try writer.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT completed_by, completed_at, comment FROM completion WHERE data_set_uid = ? AND period = ? AND unit_uid = ? AND deleted = 0
                    """, arguments: [dataSet, period, unit]
            ).map {
                Completion(
                    completedBy: $0["completed_by"], completedAt: Timestamp.date(millis: $0["completed_at"]),
                    comment: $0["comment"])
            }
        }
    }

    /// Marks a form complete (or, with `complete: false`, no longer complete). Approved data are
    /// locked: the completion of an approved form does not change, whoever asks, on any surface.
    public func setCompletion(
        dataSet: String, period: String, unit: String, complete: Bool, comment: String? = nil, by actor: String
    ) throws {
        try write(.completions) { db in
            if let approved = try approval(db, dataSet: dataSet, period: period, unit: unit) {
                let code = try currentCatalog(db).dataSet(dataSet)?.code ?? dataSet
                throw AccessDenied(
                    kind: .locked,
                    problems: [
                        Problem(
                            field: "period", value: period,
                            reason:
                                "\(code) for \(period) is approved (level \(approved.level), by \(approved.by)): an administrator must withdraw the approval first",
                            code: "approved")
                    ])
            }
            let now = Timestamp.millis(Date())
            if complete {
                try db.execute(
                    sql: """
                        INSERT INTO completion(data_set_uid, period, unit_uid, completed_by, completed_at, comment, deleted) VALUES (?, ?, ?, ?, ?, ?, 0)
                        ON CONFLICT(data_set_uid, period, unit_uid) DO UPDATE SET completed_by = excluded.completed_by, completed_at = excluded.completed_at,
                            comment = excluded.comment, deleted = 0
                        """, arguments: [dataSet, period, unit, actor, now, comment])
            } else {
                try db.execute(
                    sql: "UPDATE completion SET deleted = 1 WHERE data_set_uid = ? AND period = ? AND unit_uid = ?",
                    arguments: [dataSet, period, unit])
            }
            try db.execute(
                sql: """
                    INSERT INTO completion_audit(data_set_uid, period, unit_uid, action, changed_by, changed_at, comment) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [dataSet, period, unit, complete ? "COMPLETE" : "INCOMPLETE", actor, now, comment])
        }
    }
}

extension Store {
    /// Every form registered complete (not withdrawn), optionally of one form.
    public func completions(dataSet: String? = nil) throws -> [CompletionRecord] {
        try writer.read { db in try completions(db, dataSet: dataSet) }
    }

    func completions(_ db: StoreConnection, dataSet: String?) throws -> [CompletionRecord] {
        var sql = "SELECT data_set_uid, period, unit_uid, completed_by, completed_at FROM completion WHERE deleted = 0"
        var args: [DatabaseValueConvertible] = []
        if let dataSet {
            sql += " AND data_set_uid = ?"
            args.append(dataSet)
        }
        return try Row.fetchAll(db, sql: sql, arguments: SQLArguments(args)).map {
            let millis: Int64 = $0["completed_at"]
            return CompletionRecord(
                dataSet: $0["data_set_uid"], period: $0["period"], unit: $0["unit_uid"],
                completedOn: Day(ordinal: Int((Double(millis) / 86_400_000).rounded(.down))),
                completedBy: $0["completed_by"])
        }
    }

    /// "unit|period" for every unit and period with a stored value of one of `elements`
    /// in a period within `span`: what a form received.
    public func reportedCells(elements: [String], within span: DaySpan) throws -> Set<String> {
        guard !elements.isEmpty else { return [] }
        return try writer.read { db in
            let sql = """
                SELECT DISTINCT u.uid AS unit, p.iso AS period
                FROM data_value v
                JOIN data_element e ON e.id = v.element_id
                JOIN period p ON p.id = v.period_id
                JOIN org_unit u ON u.id = v.unit_id
                WHERE v.deleted = 0 AND e.uid IN (\(elements.map { _ in "?" }.joined(separator: ",")))
                  AND p.start_date >= ? AND p.end_date <= ?
                """
            let args: [DatabaseValueConvertible] = elements + [span.start.description, span.end.description]
            var out = Set<String>()
            for row in try Row.fetchAll(db, sql: sql, arguments: SQLArguments(args)) {
                out.insert("\(row["unit"] as String)|\(row["period"] as String)")
            }
            return out
        }
    }

    /// Registers many forms complete at the times given (an import, the demo), with their audit
    /// rows, in one transaction.
    public func saveCompletions(_ records: [(record: CompletionRecord, at: Date)], by actor: String) throws {
        try write(.completions) { db in
            for (r, at) in records {
                let millis = Timestamp.millis(at)
                try db.execute(
                    sql: """
                        INSERT INTO completion(data_set_uid, period, unit_uid, completed_by, completed_at, deleted) VALUES (?, ?, ?, ?, ?, 0)
                        ON CONFLICT(data_set_uid, period, unit_uid) DO UPDATE SET completed_by = excluded.completed_by, completed_at = excluded.completed_at, deleted = 0
                        """, arguments: [r.dataSet, r.period, r.unit, r.completedBy, millis])
                try db.execute(
                    sql: """
                        INSERT INTO completion_audit(data_set_uid, period, unit_uid, action, changed_by, changed_at) VALUES (?, ?, ?, 'COMPLETE', ?, ?)
                        """, arguments: [r.dataSet, r.period, r.unit, actor, millis])
            }
        }
    }
}

extension Store {
    /// The completeness and timeliness of `form` for the subtrees of `roots` and the periods
    /// within `span`, from the data and completions as they are now. Refuses more than
    /// `maxCells` expected reports (units × periods) before reading anything.
    public func completeness(
        of form: DataSet, roots: [String], span: DaySpan, catalog: Catalog, maxCells: Int = 500_000
    ) throws -> Completeness {
        let periods = span.dayCount / max(1, form.periodType.approximateDays)
        guard periods * max(1, form.organisationUnits.count) <= maxCells else {
            throw QorganError.invalidRequest(
                what: "the completeness",
                problems: [
                    Problem(
                        field: "pe",
                        reason:
                            "about \(periods) periods × \(form.organisationUnits.count) units; at most \(maxCells) reports: ask for fewer periods"
                    )
                ])
        }
        return Completeness.compute(
            form: form, catalog: catalog, roots: roots, span: span,
            reported: try reportedCells(elements: form.dataElements, within: span),
            completions: try completions(dataSet: form.uid))
    }
}
