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
    /// Whether the request carries the configured metrics scraper's secret.
    public var metricsReader = false
    /// The format a DHIS2-style path suffix asked for (`.json`, `.csv`, `.adx`), taken off the path.
    public var suffixFormat: String?
    /// The interface language.
    public var language: String = Messages.defaultLanguage
    /// The address of the socket's peer (a proxy, when there is one).
    public let remoteAddress: String
    /// The client's address: the peer's, or, when the peer is a trusted proxy, the one that
    /// proxy says it forwarded for. Sign-in throttling and the security log count by it.
    public var clientAddress: String

    public enum Authentication: Sendable {
        case none
        case session(tokenHash: String, expires: Date)
        /// An API token, and when it stops working (nil: when revoked).
        case token(expires: Date?)
        /// HTTP Basic: the user's name and password.
        case password
    }

    /// The connection, to stop work whose client has gone away.
    public let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "local"
        clientAddress = remoteAddress
    }

    /// Runs `work` as a child task that is cancelled when the client closes the connection, so
    /// that a query nobody waits for any more stops taking the processor.
    public func cancellingWhenClientLeaves<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        // No live connection to watch (the in-process test router): just do the work.
        guard let channel, channel.isActive else { return try work() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try work() }
            group.addTask {
                // Polled (a future's wait cannot be cancelled): ends with the connection, or when the work is done.
                while channel.isActive { try await Task.sleep(for: .milliseconds(50)) }
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let value = next { return value }
                // The connection closed first: stop the work, and answer nobody.
                group.cancelAll()
            }
            throw CancellationError()
        }
    }

    /// The signed-in user, or 401.
    public func requireUser() throws -> Principal {
        guard let principal else { throw APIError.unauthorized }
        return principal
    }
}
