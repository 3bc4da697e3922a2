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
    static let userColumns = "id, username, password_hash, role, language, created, created_by, disabled"

    func userRecord(_ db: StoreConnection, _ row: Row) throws -> UserRecord {
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
        try db.execute(
            sql: "INSERT INTO security_audit(at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [Timestamp.millis(Date()), auditCut(actor), action, auditCut(subject), detail.map(auditCut)])
    }

    /// A field of the security log as stored: at most `auditFieldLimit` characters, and "…" if cut.
    static func auditCut(_ s: String) -> String {
        s.count <= auditFieldLimit ? s : String(s.prefix(auditFieldLimit)) + "…"
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
                    Problem.unknown(field: "units", value: ref, reason: "no organisation unit with this code or uid"))
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
        return try write(.access) { db in
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
        try write(.access) { db in
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
}
