import Crypto
import Foundation
import HummingbirdBcrypt
import QorganCore
import QorganStore
import Synchronization

/// Passwords, secrets and their hashes.
public enum Secrets {
    /// bcrypt with cost 10: about 60 ms on these machines, slow enough against guessing.
    public static func hashPassword(_ password: String, cost: UInt8 = 10) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// A hash of no one's password, checked when a sign-in names nobody: the answer takes as
    /// long as for a real name.
    static let unknownUserHash = hashPassword(randomToken())

    public static func verifyPassword(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }

    /// A password policy a person can follow: at least 8 characters.
    public static func checkPassword(_ password: String) -> Problem? {
        password.count >= 8 ? nil : Problem(field: "password", reason: "at least 8 characters")
    }

    /// 32 random bytes, URL-safe base64: a session, CSRF or API token secret.
    public static func randomToken(prefix: String = "") -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return prefix
            + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
                of: "=", with: "")
    }

    /// A new API token for `username`: the secret (shown once) and its record (only its hash is stored).
    /// `expiresInDays`: nil for a token that works until it is revoked; `notAfter`: the latest it
    /// may work (the end of the token or session that asks for it), whatever it asks.
    public static func issueToken(
        in store: Store, username: String, name: String, expiresInDays: Int? = nil, notAfter: Date? = nil,
        by actor: String
    ) throws -> (secret: String, record: TokenRecord) {
        if let d = expiresInDays, !tokenLifetimes.contains(d) {
            throw QorganError.invalidArgument(
                "a token expires after \(tokenLifetimes.lowerBound) to \(tokenLifetimes.upperBound) days, not \(d)")
        }
        let secret = randomToken(prefix: "qgn_")
        let asked = expiresInDays.map { Date().addingTimeInterval(Double($0) * 86_400) }
        let expires = [asked, notAfter].compactMap { $0 }.min()
        return (
            secret,
            try store.createToken(
                tokenHash: sha256(secret), username: username, name: name, expires: expires, by: actor)
        )
    }

    /// How long a token may be made to last, in days.
    public static let tokenLifetimes = 1...3650

    /// How secrets are stored: SHA-256, hex. A stolen database yields no usable session or token.
    public static func sha256(_ s: String) -> String {
        // Hex written by hand: `String(format:)` per byte was most of the cost of authenticating
        // a request (perf on the release server).
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(s.utf8)) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares two secrets in time independent of where they differ.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

/// Refuses sign-in for a while after repeated failures: after `limit` failures from one address
/// within `window` (whatever the names), that address waits until the window has passed since the
/// last failure. A name is never locked as such: someone guessing the administrator's password from elsewhere
/// does not lock the administrator out, and `qorgan users unlock NAME` forgets a name's failures.
/// The failures live in the database, so every server on it counts the same ones.
public final class LoginThrottle: Sendable {
    public let limit: Int
    public let window: TimeInterval
    /// Failures from one address, over all names, before it waits.
    public var addressLimit: Int { limit }
    private let store: Store

    public init(store: Store, limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.store = store
        self.limit = limit
        self.window = window
    }

    static func pairKey(_ username: String, _ address: String) -> String {
        "pair:" + address + "|" + username.lowercased()
    }

    private func keys(_ username: String, _ address: String) -> [String] {
        [Self.pairKey(username, address), "ip:" + address]
    }

    /// Seconds to wait before trying again, or nil when an attempt is allowed.
    public func retryAfter(username: String, address: String, now: Date = Date()) throws -> Int? {
        let failures = try store.signInFailures(
            keys: keys(username, address), since: now.addingTimeInterval(-window))
        var wait: TimeInterval = 0
        for (key, recent) in failures where recent.count >= (key.hasPrefix("ip:") ? addressLimit : limit) {
            if let last = recent.last { wait = max(wait, window - now.timeIntervalSince(last)) }
        }
        return wait > 0 ? Int(wait.rounded(.up)) : nil
    }

    public func failed(username: String, address: String, now: Date = Date()) throws {
        try store.recordSignInFailure(
            keys: keys(username, address), at: now, forgetBefore: now.addingTimeInterval(-window))
    }

    /// A refused attempt, in the security log: one row per name and address per window, counting.
    public func refused(username: String, address: String, how: String?, now: Date = Date()) throws {
        try store.recordRepeatedSecurityEvent(
            actor: address, action: "SIGN_IN_THROTTLED", subject: username, detail: how,
            since: now.addingTimeInterval(-window), at: now)
    }

    public func succeeded(username: String, address: String) throws {
        try store.clearSignInFailures(key: Self.pairKey(username, address))
    }
}

/// HTTP Basic credentials verified in the last minutes: a DHIS2 client sends the password with
/// every request, and bcrypt costs tens of milliseconds. Keyed by a hash of name and password, tied
/// to the account's password hash at the time, so that a changed password is checked afresh.
final class VerifiedCredentials: Sendable {
    private let entries = Mutex<[String: (hash: String, until: Date)]>([:])
    let lifetime: TimeInterval = 300

    private func key(_ username: String, _ password: String) -> String {
        Secrets.sha256(username.lowercased() + "\u{0}" + password)
    }

    func known(username: String, password: String, hash: String, now: Date = Date()) -> Bool {
        let k = key(username, password)
        return entries.withLock { e in
            guard let entry = e[k], entry.until > now, entry.hash == hash else { return false }
            return true
        }
    }

    func remember(username: String, password: String, hash: String, now: Date = Date()) {
        let k = key(username, password)
        entries.withLock { e in
            if e.count >= 10_000 { e = e.filter { $0.value.until > now } }
            if e.count >= 10_000 { e.removeAll() }
            e[k] = (hash, now.addingTimeInterval(lifetime))
        }
    }
}
