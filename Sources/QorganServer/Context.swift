import Foundation
import Hummingbird
import NIOCore
import QorganCore

/// What a request carries through the router: who made it, how, and in which language.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user, if any.
    public var principal: Principal?
    /// How they signed in.
    public var authentication: Authentication = .none
    /// The session's CSRF secret (forms and scripts of pages send it back).
    public var csrf: String?
    /// The interface language.
    public var language: String = Messages.defaultLanguage
    public let remoteAddress: String

    public enum Authentication: Sendable { case none, session(tokenHash: String), token }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "local"
    }

    /// The signed-in user, or 401.
    public func requireUser() throws -> Principal {
        guard let principal else { throw APIError.unauthorized }
        return principal
    }
}
