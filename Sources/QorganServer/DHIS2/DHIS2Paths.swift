import Foundation
import Hummingbird
import NIOCore
import QorganCore
import QorganInterop
import QorganStore

/// DHIS2's forms of a path: a version prefix (`/api/40/dataElements`) and a format suffix
/// (`/api/dataElements.json`, `.csv`, `.adx`). Both are taken off before the router matches the
/// path, so that every API route answers in all these forms; the suffix is kept in the context.
public struct DHIS2Paths<Inner: HTTPResponder>: HTTPResponder where Inner.Context == AppContext {
    public typealias Context = AppContext
    static var suffixes: Set<String> { ["json", "csv", "adx", "xml"] }
    let inner: Inner

    public func respond(to request: Request, context: AppContext) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/api/") else { return try await inner.respond(to: request, context: context) }
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var context = context
        var changed = false
        // ["", "api", "40", …]: a two-digit version, as DHIS2's clients send it.
        if segments.count > 3, segments[2].count == 2, segments[2].allSatisfy(\.isASCIIDigit) {
            segments.remove(at: 2)
            changed = true
        }
        if let last = segments.last, last != "openapi.json", let dot = last.lastIndex(of: "."), dot != last.startIndex {
            let suffix = last[last.index(after: dot)...].lowercased()
            if Self.suffixes.contains(suffix) {
                segments[segments.count - 1] = String(last[..<dot])
                context.suffixFormat = suffix
                changed = true
            }
        }
        guard changed else { return try await inner.respond(to: request, context: context) }
        var head = request.head
        let query = request.uri.query.map { "?" + $0 } ?? ""
        head.path = segments.joined(separator: "/") + query
        return try await inner.respond(to: Request(head: head, body: request.body), context: context)
    }
}

/// The application's responder: the router, behind DHIS2's path forms.
public struct QorganResponderBuilder: HTTPResponderBuilder {
    let router: Router<AppContext>
    public init(_ router: Router<AppContext>) { self.router = router }
    public func buildResponder() -> DHIS2Paths<RouterResponder<AppContext>> {
        DHIS2Paths(inner: router.buildResponder())
    }
}

/// What Qorgan tells DHIS2's clients it is.
enum DHIS2Compatibility {
    /// The DHIS2 Web API version whose shapes Qorgan's DHIS2 routes follow.
    static let version = "2.40"
    static let apiVersion = 40
    static let revision = "qorgan"
    static let buildTime = "2026-12-01T00:00:00.000"
}
