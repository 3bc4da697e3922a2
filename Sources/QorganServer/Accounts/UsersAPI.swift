import Foundation
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// Users and API tokens through the API.
struct NewUserBody: Decodable {
    var username: String
    var password: String
    var role: String
    var units: [String]
    var language: String?
}

struct UserChangeBody: Decodable {
    var role: String?
    var units: [String]?
    var password: String?
    var language: String?
    var disabled: Bool?
}

struct TokenBody: Decodable {
    var name: String
    /// Days until the token stops working by itself; absent: until it is revoked.
    var expiresInDays: Int? = nil
    /// The user's password, given again in a session: without it a token made in a session ends
    /// with the session.
    var password: String? = nil
}

struct UserJSON: Encodable {
    var username: String
    var role: String
    var units: [String]
    var language: String?
    var disabled: Bool
    init(_ u: UserRecord) {
        username = u.principal.username
        role = u.principal.role.rawValue
        units = u.principal.units
        language = u.principal.language
        disabled = u.disabled
    }
    init(_ p: Principal) {
        username = p.username
        role = p.role.rawValue
        units = p.units
        language = p.language
        disabled = false
    }
}

struct NewTokenJSON: Encodable {
    var id: Int64, name: String
    /// Shown this once: only its hash is kept.
    var token: String
    var expires: Date? = nil
}

extension Handlers {
    /// An administrator manages users within their own units only.
    func checkGrantable(_ units: [String], by admin: Principal, _ catalog: Catalog) throws {
        for ref in units {
            guard let u = catalog.unit(ref) else {
                throw APIError.unknown("units", ref, "no organisation unit with this code or uid")
            }
            guard admin.canSee(u.uid, in: catalog, on: state.today) else { throw APIError.outOfScope(ref) }
        }
    }

    func users(_ c: AppContext) throws -> [UserJSON] {
        let admin = try requireAdmin(c)
        let catalog = try catalog()
        return try store.users().filter { u in
            admin.manages(u.principal, in: catalog, on: state.today)
        }.map(UserJSON.init)
    }

    func createUser(_ b: NewUserBody, _ c: AppContext) throws -> UserJSON {
        let admin = try requireAdmin(c)
        guard let role = Role.parse(b.role) else {
            throw APIError.badRequest("role", b.role, "one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let p = Secrets.checkPassword(b.password) {
            throw APIError(.badRequest, code: "bad_request", "password: \(p.reason)", problems: [p])
        }
        if let lang = b.language, !Messages.languages.contains(lang) {
            throw APIError.badRequest("language", lang, "one of \(Messages.languages.joined(separator: ", "))")
        }
        try checkGrantable(b.units, by: admin, try catalog())
        return UserJSON(
            try store.createUser(
                username: b.username, passwordHash: Secrets.hashPassword(b.password), role: role,
                units: b.units, language: b.language, by: admin.username))
    }

    func updateUser(_ name: String, _ b: UserChangeBody, _ c: AppContext) throws -> UserJSON {
        let admin = try requireAdmin(c)
        let catalog = try catalog()
        guard let existing = try store.user(named: name) else {
            throw APIError(QorganError.notFound(kind: "user", key: name))
        }
        guard admin.manages(existing.principal, in: catalog, on: state.today) else {
            throw APIError.forbidden("'\(name)' has units outside yours")
        }
        var role: Role? = nil
        if let r = b.role {
            guard let parsed = Role.parse(r) else {
                throw APIError.badRequest("role", r, "one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            role = parsed
        }
        if let units = b.units { try checkGrantable(units, by: admin, catalog) }
        if let pw = b.password, let p = Secrets.checkPassword(pw) {
            throw APIError(.badRequest, code: "bad_request", "password: \(p.reason)", problems: [p])
        }
        if let lang = b.language, !Messages.languages.contains(lang) {
            throw APIError.badRequest("language", lang, "one of \(Messages.languages.joined(separator: ", "))")
        }
        if b.disabled == true && existing.principal.username == admin.username {
            throw APIError(.conflict, code: "conflict", "you cannot disable yourself")
        }
        return UserJSON(
            try store.updateUser(
                username: name, role: role, units: b.units, passwordHash: b.password.map { Secrets.hashPassword($0) },
                language: b.language.map { Optional($0) }, disabled: b.disabled, by: admin.username))
    }

    func tokens(_ c: AppContext) throws -> [TokenRecord] {
        let user = try c.requireUser()
        guard user.role.canManageUsers else { return try store.tokens(username: user.username) }
        // An administrator sees their own tokens and those of the users they manage, nobody else's.
        let catalog = try catalog()
        let owners = Dictionary(
            try store.users().map { ($0.principal.username, $0.principal) }, uniquingKeysWith: { a, _ in a })
        return try store.tokens().filter { t in
            t.username == user.username
                || owners[t.username].map { user.manages($0, in: catalog, on: state.today) } == true
        }
    }

    func createToken(_ b: TokenBody, _ c: AppContext) throws -> NewTokenJSON {
        let user = try c.requireUser()
        let name = b.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else {
            throw APIError.badRequest("name", b.name, "1 to 100 characters: what the token is for")
        }
        if let password = b.password, password.utf8.count > 1_024 {
            throw APIError.badRequest("password", nil, "at most 1024 bytes")
        }
        if let d = b.expiresInDays, !Secrets.tokenLifetimes.contains(d) {
            throw APIError.badRequest(
                "expiresInDays", String(d),
                "\(Secrets.tokenLifetimes.lowerBound) to \(Secrets.tokenLifetimes.upperBound) days, or leave it out")
        }
        // A token never outlives what made it: another token, or a session (unless the password is
        // given again); the password itself (HTTP Basic) may make a token for as long as it asks.
        let notAfter: Date?
        switch c.authentication {
        case .token(let expires): notAfter = expires
        case .session(_, let expires):
            if let password = b.password, !password.isEmpty {
                guard let account = try store.user(named: user.username),
                    Secrets.verifyPassword(String(password.prefix(1_024)), hash: account.passwordHash)
                else {
                    try state.throttle.failed(username: user.username, address: c.clientAddress)
                    throw APIError.badRequest("password", nil, "the password is wrong")
                }
                notAfter = nil
            } else {
                notAfter = expires
            }
        case .password, .none: notAfter = nil
        }
        let (secret, record) = try Secrets.issueToken(
            in: store, username: user.username, name: name, expiresInDays: b.expiresInDays, notAfter: notAfter,
            by: user.username)
        return NewTokenJSON(id: record.id, name: record.name, token: secret, expires: record.expires)
    }

    func revokeToken(_ idText: String, _ c: AppContext) throws {
        let user = try c.requireUser()
        guard let id = Int64(idText) else { throw APIError.badRequest("id", idText, "a token id is a number") }
        // Someone else's token, unless the caller manages its owner, is as absent as one that does not exist.
        let catalog = try catalog()
        let token = try store.tokens().first { $0.id == id }
        let owner = try token.flatMap { try store.user(named: $0.username) }
        guard let t = token,
            t.username == user.username
                || owner.map({ user.manages($0.principal, in: catalog, on: state.today) }) == true
        else {
            throw APIError.notFound("no API token \(id) of yours or of the users you manage")
        }
        try store.revokeToken(id: id, by: user.username)
    }
}
