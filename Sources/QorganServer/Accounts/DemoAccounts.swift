import QorganCore
import QorganStore

/// The demo's sign-ins: one per role, two regional data-entry staff, and the heads who sign
/// off data (Almaty city's and the nation's), so that a new user can see what each role sees. All share one password, printed by `qorgan serve --demo`.
public enum DemoAccounts {
    public static let password = "qorgan-demo"
    public static let accounts: [(username: String, role: Role, units: [String])] = [
        ("admin", .administrator, ["KZ"]),
        ("analyst", .analyst, ["KZ"]),
        ("viewer", .viewer, ["KZ"]),
        ("almaty", .dataEntry, ["ALA"]),
        ("aktobe", .dataEntry, ["AKT"]),
        ("almaty-head", .approver, ["ALA"]),
        ("national-head", .approver, ["KZ"]),
        ("aktobe-admin", .administrator, ["AKT"]),
    ]

    /// Creates whichever demo users do not exist yet; returns the names created.
    @discardableResult
    public static func ensure(in store: Store) throws -> [String] {
        var created: [String] = []
        let hash = Secrets.hashPassword(password)
        for a in accounts where try store.user(named: a.username) == nil {
            try store.createUser(username: a.username, passwordHash: hash, role: a.role, units: a.units, by: "demo")
            created.append(a.username)
        }
        return created
    }
}
