import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import Prometheus
import QorganAnalytics
import QorganCore
import QorganStore
import Synchronization

/// A path that no route takes: an error page in the user's language, with a way back (not the
/// browser's own empty 404), or under /api a JSON error that points to the OpenAPI document.
struct NotFoundMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let pages: PageHandlers

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = String(request.uri.path.prefix(200))
            if path == "/api" || path.hasPrefix("/api/") {
                throw APIError.notFound(
                    "no resource at \(path) takes \(request.method.rawValue); the API's routes are in /api/openapi.json"
                )
            }
            let message = pages.state.messages.text("notfound_message", context.language)
                .replacingOccurrences(of: "{path}", with: path)
            return pages.errorPage(request, context, APIError(.notFound, code: "not_found", message))
        }
    }
}

/// An empty query parameter of the API is a 400 naming it, as the OpenAPI document says (a minimum
/// length of 1): `?ou=` is neither a unit nor no unit.
struct EmptyParameterMiddleware: RouterMiddleware {
    typealias Context = AppContext
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        if request.uri.path.hasPrefix("/api/"),
            let empty = request.uri.queryParameters.first(where: { $0.value.isEmpty })
        {
            throw APIError.badRequest(
                String(String(empty.key).prefix(100)), "", "empty: give a value or leave the parameter out")
        }
        return try await next(request, context)
    }
}

/// A path that exists with other methods answers 405 with `Allow`, not 404.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = AppContext
    /// Each route's method and its path's segments (a parameter, `:name` or `{name}`, and `*` match
    /// any one segment).
    let routes: [(method: HTTPRequest.Method, segments: [Substring])]

    init(routes: [(HTTPRequest.Method, String)]) {
        self.routes = routes.map { ($0.0, $0.1.split(separator: "/")) }
    }

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path.split(separator: "/")
            // The routes whose pattern takes the path, and of those the ones the router prefers: a
            // literal segment before a parameter, segment by segment (`incidents/codes` before
            // `incidents/{uid}`).
            let matching = routes.filter { r in
                r.segments.count == path.count
                    && zip(r.segments, path).allSatisfy {
                        $0 == $1 || $0.hasPrefix(":") || $0.hasPrefix("{") || $0 == "*"
                    }
            }
            func literals(_ r: (method: HTTPRequest.Method, segments: [Substring])) -> [Bool] {
                zip(r.segments, path).map { $0 == $1 }
            }
            let best = matching.map(literals).max { a, b in a.lexicographicallyPrecedes(b) { !$0 && $1 } }
            let allowed = Set(matching.filter { literals($0) == best }.map(\.method.rawValue)).sorted()
            guard !allowed.isEmpty else { throw error }
            throw APIError(
                .methodNotAllowed, code: "method_not_allowed",
                "\(request.method.rawValue) is not an operation of \(request.uri.path); it takes \(allowed.joined(separator: ", "))",
                allow: allowed.joined(separator: ", "))
        }
    }
}

/// Counts requests and times them, for /metrics.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let state: ServerState
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            state.requestDuration.record(ContinuousClock.now - start)
            state.counter(method: request.method.rawValue, status: Int(response.status.code)).increment()
            return response
        } catch {
            state.requestDuration.record(ContinuousClock.now - start)
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            state.counter(method: request.method.rawValue, status: Int(status)).increment()
            throw error
        }
    }
}

/// Headers every answer carries: no framing by other sites, no MIME sniffing, and a
/// content policy that allows only Qorgan's own scripts and styles (no CDN: deployments are offline).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppContext
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        response.headers[.referrerPolicy] = "same-origin"
        return response
    }
}

/// Refuses anonymous requests with 401 before a route reads anything.
struct RequireUser: RouterMiddleware {
    typealias Context = AppContext
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        _ = try context.requireUser()
        return try await next(request, context)
    }
}
