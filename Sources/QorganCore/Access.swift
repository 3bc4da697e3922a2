/// What a user may do. Every user is also bound to units: they read and write nothing
/// outside those units' subtrees, whatever their role.
public enum Role: String, CaseIterable, Sendable, Codable {
    /// Everything, in scope: users, tokens, forms past their expiry.
    case administrator
    /// Reads everything in scope and builds reports and pivots.
    case analyst
    /// Enters values and completes forms in scope.
    case dataEntry = "data-entry"
    /// Reads in scope.
    case viewer
    /// Reads in scope and signs off (approves, accepts, returns) the data of their units.
    case approver

    public var canWriteValues: Bool { self == .administrator || self == .dataEntry }
    public var canApprove: Bool { self == .administrator || self == .approver }
    public var canManageUsers: Bool { self == .administrator }
    /// May save into a form after its expiry days.
    public var canOverrideExpiry: Bool { self == .administrator }

    public static func parse(_ text: String) -> Role? {
        Role(rawValue: text.lowercased())
            ?? (text.lowercased() == "dataentry" || text.lowercased() == "data_entry" ? .dataEntry : nil)
    }
}

/// Someone signed in (through a session or an API token).
public struct Principal: Hashable, Sendable, Codable {
    public var id: Int64
    public var username: String
    public var role: Role
    /// The roots of what they may see (uids).
    public var units: [String]
    public var language: String?

    public init(id: Int64, username: String, role: Role, units: [String], language: String? = nil) {
        self.id = id
        self.username = username
        self.role = role
        self.units = units
        self.language = language
    }

    /// Whether `unit` lies in one of their subtrees, in the hierarchy as it stands on `day`
    /// (today): access follows the current organisation, so a unit that moved is seen by
    /// the users of its new parent, for all its periods.
    public func canSee(_ unit: String, in catalog: Catalog, on day: Day) -> Bool {
        units.contains { root in catalog.isInSubtree(unit, of: root, on: day) }
    }

    /// Whether they are bound to a root of the hierarchy (the whole country) on `day`.
    public func isNational(in catalog: Catalog, on day: Day) -> Bool {
        units.contains { catalog.unit($0).map { $0.parent(on: day) == nil } ?? false }
    }

    /// Whether they, an administrator, manage `other`: every one of `other`'s units lies within theirs.
    public func manages(_ other: Principal, in catalog: Catalog, on day: Day) -> Bool {
        role.canManageUsers && other.units.allSatisfy { canSee($0, in: catalog, on: day) }
    }
}

/// A change refused because of who asks (role, scope, a closed form), not because of what
/// it says: every refused row is listed, and nothing was changed.
public struct AccessDenied: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Comparable {
        /// The form of the value closed for entry (an administrator may still change it).
        case locked
        /// The form of the value is marked complete: read-only until it is marked incomplete
        /// (or an administrator forces the change, which is logged).
        case completed
        /// The caller's role does not allow what was asked.
        case role
        /// The value's unit lies outside the caller's units.
        case outOfScope
    }
    public var kind: Kind
    public var problems: [Problem]
    /// What was refused: values, or metadata objects.
    public var noun: String

    public init(kind: Kind, problems: [Problem], noun: String = "value") {
        self.kind = kind
        self.problems = problems
        self.noun = noun
    }

    public var description: String {
        let n = problems.count
        let what =
            switch kind {
            case .locked: "on a closed form"
            case .completed: "on a form marked complete"
            case .role: "that your role may not change so"
            case .outOfScope: "outside the units you may see"
            }
        return "refused, nothing was changed: \(n) \(noun)\(n == 1 ? "" : "s") \(what): "
            + problems.prefix(5).map(\.description).joined(separator: "; ")
    }
}

/// Decides whether a value, resolved by the store against `catalog` (the same catalog it is
/// written with), may be written: nil when it may, else why not. The store calls it inside
/// the write's transaction, so the decision is taken on exactly the objects that are written.
public typealias ValueAuthorizer =
    @Sendable (_ value: ResolvedValue, _ catalog: Catalog) -> (kind: AccessDenied.Kind, reason: String)?

/// The form rules one write of values is held to, beside scope (`ValueAuthorizer`). The store
/// applies them to the rows as it resolved them, inside the write's transaction, on the one path
/// every surface shares (pages, Qorgan's API, DHIS2's routes, files, spreadsheets, commands):
///
/// - approval: approved data are locked for everyone (the approval must be withdrawn or returned);
/// - completion: a form marked complete is read-only until it is marked incomplete again, as in
///   DHIS2's data entry; an administrator may override it by naming it (`force`), and each
///   override is written to the security log;
/// - expiry: a form closes `expiryDays` after its period ends, except for administrators.
///
/// A row that changes nothing (a file imported again) passes every lock.
public struct FormRules: Sendable {
    /// The day expiry is judged on.
    public var today: Day
    /// May change a form past its expiry days.
    public var pastExpiry: Bool
    /// An administrator's named override of the completion lock (DHIS2's `force`).
    public var force: Bool

    public init(today: Day = .today, pastExpiry: Bool, force: Bool = false) {
        self.today = today
        self.pastExpiry = pastExpiry
        self.force = force
    }

    /// The rules for a signed-in user: administrators write past expiry and may force; `force`
    /// asked by anyone else is refused before anything is read.
    public static func signedIn(_ user: Principal, today: Day, force: Bool) throws -> FormRules {
        if force && user.role != .administrator {
            throw AccessDenied(
                kind: .role,
                problems: [
                    Problem(
                        field: "force", value: "true",
                        reason: "only an administrator may force a change into a completed form", code: "forceDenied")
                ])
        }
        return FormRules(today: today, pastExpiry: user.role.canOverrideExpiry, force: force)
    }

    /// The command line: run with the database in hand, it acts as an administrator of the whole
    /// country (past expiry), and forces a completed form only when asked (`--force`).
    public static func commandLine(force: Bool = false) -> FormRules {
        FormRules(pastExpiry: true, force: force)
    }
}

/// Whether records (incidents, sites, inspections, assessments) of a unit, by uid as the store
/// resolved it, may be changed. The store asks it of both the unit a record is in now and the
/// unit it is moved to, inside the write's transaction.
public typealias UnitAuthorizer = @Sendable (_ unitUid: String, _ catalog: Catalog) -> Bool

extension AccessDenied {
    /// Refusal of a record whose current or new unit `allow` refuses; nil when both are allowed.
    public static func check(
        _ allow: UnitAuthorizer?, units: [String?], catalog: Catalog, line: Int? = nil, object: String? = nil,
        what: String
    ) -> Problem? {
        guard let allow else { return nil }
        for case let u? in units where !allow(u, catalog) {
            return Problem(
                line: line, object: object, field: "unit",
                reason: "this \(what) belongs, or would belong, to a unit outside yours")
        }
        return nil
    }
}
