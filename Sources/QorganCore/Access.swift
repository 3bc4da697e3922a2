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

    public var canWriteValues: Bool { self == .administrator || self == .dataEntry }
    public var canManageUsers: Bool { self == .administrator }
    /// May save into a form after its expiry days.
    public var canOverrideExpiry: Bool { self == .administrator }

    public static func parse(_ text: String) -> Role? {
        Role(rawValue: text.lowercased()) ?? (text.lowercased() == "dataentry" || text.lowercased() == "data_entry" ? .dataEntry : nil)
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
        self.id = id; self.username = username; self.role = role; self.units = units; self.language = language
    }

    /// Whether `unit` lies in one of their subtrees, in the hierarchy as it stands on `day`
    /// (today): access follows the current organisation, so a unit that moved is seen by
    /// the users of its new parent, for all its periods.
    public func canSee(_ unit: String, in catalog: Catalog, on day: Day) -> Bool {
        units.contains { root in catalog.isInSubtree(unit, of: root, on: day) }
    }
}
