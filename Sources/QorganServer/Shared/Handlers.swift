import Foundation
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// What the API's routes share. Every route checks the caller's role and units: nothing
/// outside their subtrees can be read or written, whichever way they ask.
struct Handlers: Sendable {
    let state: ServerState
    var store: Store { state.store }

    func catalog() throws -> Catalog { try store.catalog() }

    func requireAdmin(_ c: AppContext) throws -> Principal {
        let user = try c.requireUser()
        guard user.role.canManageUsers else { throw APIError.forbidden("only administrators manage users") }
        return user
    }

    /// An administrator of the whole country (bound to a root unit): national configuration
    /// (the results framework, the site configuration, checklists, metadata) is theirs alone.
    /// An administrator (of the country or of a region): what they may change is decided on
    /// the resolved change by the write path (`Principal.metadataRefusal`).
    func requireAdministrator(_ c: AppContext) throws -> Principal {
        let user = try c.requireUser()
        guard user.role.canManageUsers else {
            throw APIError.forbidden("a \(user.role.rawValue) cannot change metadata: administrators do")
        }
        return user
    }

    func requireNationalAdmin(_ c: AppContext, _ what: String) throws -> Principal {
        let user = try c.requireUser()
        guard user.role.canManageUsers else {
            throw APIError.forbidden("\(what) is national configuration: only administrators change it")
        }
        let catalog = try catalog()
        guard user.isNational(in: catalog, on: state.today) else {
            throw APIError.forbidden(
                "\(what) is national configuration: only an administrator of the whole country may change it")
        }
        return user
    }
}
