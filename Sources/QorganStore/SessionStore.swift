import Foundation
import GRDB
import QorganCore

extension Store {
    // MARK: Sessions

    public func createSession(tokenHash: String, userId: Int64, csrf: String, expires: Date) throws {
        try write(.access) { db in
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

    /// The user of a live session, its CSRF secret and when it ends. Kept in memory as API
    /// tokens' users are (see `tokenUser`): signing in and out and every change to users are
    /// logged with the kind `access`.
    public func session(tokenHash: String, now: Date = Date()) throws -> (
        user: UserRecord, csrf: String, expires: Date
    )? {
        try sessions.follow(self)
        if let known = sessions.entry(tokenHash, now: now) { return known }
        let generation = sessions.generation
        let found = try writer.read { db -> (user: UserRecord, csrf: String, expires: Date)? in
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
            return (try userRecord(db, u), s["csrf"], Timestamp.date(millis: s["expires"]))
        }
        if let found { sessions.remember(tokenHash, found, ifStill: generation) }
        return found
    }

    public func endSession(tokenHash: String, username: String) throws {
        try write(.access) { db in
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

    /// A security event that repeats (a throttled sign-in): the first since `since` is a row, each
    /// further one counts on it ("12 attempts · HTTP Basic"), so that a flood writes one row.
    public func recordRepeatedSecurityEvent(
        actor: String, action: String, subject: String, detail: String?, since: Date, at: Date = Date()
    ) throws {
        try writer.write { db in
            if let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT id, detail FROM security_audit WHERE actor = ? AND action = ? AND subject = ? AND at >= ?
                    ORDER BY id DESC LIMIT 1
                    """,
                arguments: [Self.auditCut(actor), action, Self.auditCut(subject), Timestamp.millis(since)])
            {
                let old: String = row["detail"] ?? ""
                let count = (Int(old.prefix { $0.isNumber }) ?? 1) + 1
                try db.execute(
                    sql: "UPDATE security_audit SET detail = ? WHERE id = ?",
                    arguments: ["\(count) attempts" + (detail.map { " · " + $0 } ?? ""), row["id"] as Int64])
            } else {
                try Self.audit(
                    db, actor: actor, action: action, subject: subject,
                    detail: "1 attempt" + (detail.map { " · " + $0 } ?? ""))
            }
        }
    }

    /// Forgets every failed sign-in of a name, from any address (`qorgan users unlock`).
    public func clearSignInFailures(username: String, by actor: String) throws -> Int {
        try writer.write { db in
            let suffix = "|" + username.lowercased()
            let keys = try String.fetchAll(db, sql: "SELECT DISTINCT key FROM sign_in_failure WHERE key LIKE 'pair:%'")
                .filter { $0.hasSuffix(suffix) }
            var n = 0
            for key in keys {
                try db.execute(sql: "DELETE FROM sign_in_failure WHERE key = ?", arguments: [key])
                n += db.changesCount
            }
            try Self.audit(
                db, actor: actor, action: "SIGN_IN_UNLOCKED", subject: username, detail: "\(n) failures forgotten")
            return n
        }
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
        try write(.access) { db in
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

    /// The user of a live token, and when the token stops working (nil: when revoked).
    ///
    /// Answered from memory for a token asked for before, as of the last `catchUp()` (a server
    /// catches up before every request): the tokens' users follow the change log, and any commit
    /// that changes users or tokens (kind `access`, in this process or another) forgets them all.
    /// An expired token is refused from memory too.
    public func tokenUser(tokenHash: String, now: Date = Date()) throws -> (user: UserRecord, expires: Date?)? {
        try tokens.follow(self)
        if let known = tokens.entry(tokenHash, now: now) { return known }
        let generation = tokens.generation
        let found = try writer.read { db -> (user: UserRecord, expires: Date?)? in
            guard
                let token = try Row.fetchOne(
                    db.cachedStatement(
                        sql:
                            "SELECT user_id, expires FROM api_token WHERE token_hash = ? AND revoked = 0 AND (expires IS NULL OR expires > ?)"
                    ),
                    arguments: [tokenHash, Timestamp.millis(now)]),
                let u = try Row.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT \(Self.userColumns) FROM user_account WHERE id = ? AND disabled = 0"),
                    arguments: [token["user_id"] as Int64])
            else { return nil }
            return (try userRecord(db, u), (token["expires"] as Int64?).map(Timestamp.date(millis:)))
        }
        if let found { tokens.remember(tokenHash, found, ifStill: generation) }
        return found
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
        try write(.access) { db in
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
}

/// The users of API tokens (or of sessions) asked for lately: a request with credentials seen
/// before costs no database read. Kept like the engine, by following the change log (see
/// `StoreObserver`): a commit that changes users, tokens or sessions (kind `access`) forgets
/// every entry, as does a start over. A read from the database is kept only if nothing was
/// forgotten while it ran, so an entry read before a revocation never outlives it.
final class CredentialCache<Entry: Sendable>: StoreObserver, @unchecked Sendable {
    /// Entries at most; when full, all are forgotten (a deployment has far fewer live ones).
    static var limit: Int { 10_000 }
    /// When an entry stops being valid (nil: not by time).
    private let expiry: @Sendable (Entry) -> Date?
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var forgotten: UInt64 = 0
    private var following = false
    /// Held while this cache starts following the store (once).
    private let joining = NSLock()

    init(expiry: @escaping @Sendable (Entry) -> Date?) { self.expiry = expiry }

    /// Starts following `store`'s change log, the first time only.
    func follow(_ store: Store) throws {
        if lock.withLock({ following }) { return }
        try joining.withLock {
            guard !lock.withLock({ following }) else { return }
            // Without PostgreSQL's notifications (`observe` starts them): credentials are asked
            // for after a catch-up, which reads the log anyway.
            store.followers.add(self, from: try store.lastChange())
            lock.withLock { following = true }
        }
    }

    /// The entry under a hash, unless it expired by `now`.
    func entry(_ hash: String, now: Date) -> Entry? {
        lock.withLock {
            guard let e = entries[hash] else { return nil }
            if let expires = expiry(e), expires <= now { return nil }
            return e
        }
    }

    /// How many times entries were forgotten: read before the database, checked after.
    var generation: UInt64 { lock.withLock { forgotten } }

    func remember(_ hash: String, _ entry: Entry, ifStill generation: UInt64) {
        lock.withLock {
            guard forgotten == generation else { return }
            if entries.count >= Self.limit { entries.removeAll() }
            entries[hash] = entry
        }
    }

    private func forget() {
        lock.withLock {
            entries.removeAll()
            forgotten &+= 1
        }
    }

    var followsValues: Bool { false }

    func committed(_ changes: CommittedChanges) { if changes.kinds.contains(.access) { forget() } }

    func reload(
        catalog: Catalog, ids: StoredIds, sequence: Int64, completions: [CompletionRecord],
        scan: ((StoredValueRow) throws -> Void) throws -> Void
    ) throws { forget() }
}
