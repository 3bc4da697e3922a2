import ArgumentParser
import Foundation
import QorganCore
import QorganServer
import QorganStore

struct Users: ParsableCommand {
    static let configuration = CommandConfiguration.qorgan(
        Self.self,
        commandName: "users",
        abstract: "Manage the people who use Qorgan (staff accounts, not the people the programme deals with).",
        subcommands: [Add.self, List.self, Change.self, Token.self, Unlock.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract: "Create a user.",
            discussion: """
                The password is read from standard input (one line) or, with --password-env, from an environment \
                variable; it is stored as a bcrypt hash. Example:
                  echo 'a long secret' | qorgan users add admin --role administrator --unit KZ
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user name.") var username: String
        @Option(help: "administrator, analyst, data-entry or viewer.") var role: String
        @Option(help: "A unit (code or uid) whose subtree the user may see; repeat for more.") var unit: [String] = []
        @Option(help: "The interface language: en, ru or kk.") var language: String?
        @Option(help: "Read the password from this environment variable instead of standard input.") var passwordEnv:
            String?

        func run() throws {
            try guarded {
                guard let r = Role.parse(role) else {
                    throw QorganError.invalidArgument(
                        "--role is one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")), not '\(role)'")
                }
                if let language, !Messages.languages.contains(language) {
                    throw QorganError.invalidArgument(
                        "--language is one of \(Messages.languages.joined(separator: ", ")), not '\(language)'")
                }
                let password = try readPassword(env: passwordEnv)
                let s = try store.open()
                let u = try s.createUser(
                    username: username, passwordHash: Secrets.hashPassword(password), role: r, units: unit,
                    language: language, by: store.user)
                print(
                    "Created \(u.principal.username) (\(u.principal.role.rawValue); units \(u.principal.units.count)).")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "List the users.")
        @OptionGroup var store: StoreOptions
        func run() throws {
            try guarded {
                let s = try store.open()
                let catalog = try s.catalog()
                for u in try s.users() {
                    let units = u.principal.units.map { catalog.unit($0)?.code ?? $0 }.joined(separator: ",")
                    print(
                        "\(u.principal.username)\t\(u.principal.role.rawValue)\t\(units)\t\(u.disabled ? "disabled" : "active")"
                    )
                }
            }
        }
    }

    struct Change: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            commandName: "change", abstract: "Change a user's role, units, password or state.")
        @OptionGroup var store: StoreOptions
        @Argument var username: String
        @Option var role: String?
        @Option(help: "Replace the user's units; repeat for more.") var unit: [String] = []
        @Flag(help: "Set a new password, read from standard input.") var password = false
        @Flag var disable = false
        @Flag var enable = false

        func run() throws {
            try guarded {
                var r: Role? = nil
                if let role {
                    guard let parsed = Role.parse(role) else {
                        throw QorganError.invalidArgument(
                            "--role is one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    r = parsed
                }
                let hash = password ? Secrets.hashPassword(try readPassword(env: nil)) : nil
                let s = try store.open()
                let u = try s.updateUser(
                    username: username, role: r, units: unit.isEmpty ? nil : unit, passwordHash: hash,
                    disabled: disable ? true : enable ? false : nil, by: store.user)
                print(
                    "Changed \(u.principal.username): \(u.principal.role.rawValue), \(u.disabled ? "disabled" : "active")."
                )
            }
        }
    }

    struct Unlock: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self,
            abstract:
                "Forget a user's failed sign-ins from every address, so that they can sign in again at once "
                + "(the way back for an administrator whose name someone has been guessing).")
        @OptionGroup var store: StoreOptions
        @Argument var username: String
        func run() throws {
            try guarded {
                let s = try store.open()
                guard try s.user(named: username) != nil else {
                    throw QorganError.invalidArgument("no user named \(username)")
                }
                let n = try s.clearSignInFailures(username: username, by: store.user)
                print("Forgot \(n) failed sign-in\(n == 1 ? "" : "s") of \(username); they can sign in now.")
            }
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration.qorgan(
            Self.self, abstract: "Create an API token for a user; it is printed once.")
        @OptionGroup var store: StoreOptions
        @Argument var username: String
        @Option(help: "What the token is for.") var name = "script"
        @Option(help: "Days until the token stops working by itself (1–3650; default: until revoked).")
        var expiresInDays: Int?
        func run() throws {
            try guarded {
                let s = try store.open()
                let (secret, _) = try Secrets.issueToken(
                    in: s, username: username, name: name, expiresInDays: expiresInDays, by: store.user)
                print(secret)
            }
        }
    }
}

func readPassword(env: String?) throws -> String {
    let password: String
    if let env {
        guard let v = ProcessInfo.processInfo.environment[env] else {
            throw QorganError.invalidArgument("the environment variable \(env) is not set")
        }
        password = v
    } else {
        password = readLine(strippingNewline: true) ?? ""
    }
    if let p = Secrets.checkPassword(password) { throw QorganError.invalidArgument("the password: \(p.reason)") }
    return password
}
