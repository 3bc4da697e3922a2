import Foundation
import Hummingbird
import NIOCore
import QorganCore
import QorganStore

/// An error of the API: a status, a stable code for scripts, a message for people and,
/// for bad input, every problem with the field it concerns. Written as JSON.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var problems: [Problem] = []
    /// The methods a path takes, for a 405.
    public var allow: String? = nil
    /// Seconds to wait, for a 429.
    public var retryAfter: Int? = nil

    public init(
        _ status: HTTPResponse.Status, code: String, _ message: String, problems: [Problem] = [], allow: String? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.problems = problems
        self.allow = allow
    }

    public static let unauthorized = APIError(
        .unauthorized, code: "unauthorized",
        "sign in first, or send an API token as 'Authorization: Bearer TOKEN' (or 'ApiToken TOKEN'), or HTTP Basic credentials"
    )

    public static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "forbidden", message) }
    public static func outOfScope(_ unit: String) -> APIError {
        APIError(.forbidden, code: "out_of_scope", "organisation unit '\(unit)' is outside the units you may see")
    }
    public static func badRequest(_ field: String, _ value: String?, _ reason: String) -> APIError {
        APIError(
            .badRequest, code: "bad_request", "\(field): \(reason)",
            problems: [Problem(field: field, value: value, reason: reason)])
    }
    /// A well-formed reference to nothing known (an element, unit, form… code or uid no object
    /// has): 409 Conflict, as DHIS2 answers it; a malformed value is a 400.
    public static func unknown(_ field: String, _ value: String?, _ reason: String) -> APIError {
        APIError(
            .conflict, code: "unknown_reference", "\(field): \(reason)",
            problems: [.unknown(field: field, value: value, reason: reason)])
    }
    /// Parameters each well-formed that together make no request (one of two alternatives
    /// missing, a parameter that needs another, an end before its start): 409 Conflict, as
    /// DHIS2 answers an illegal query; one malformed value is a 400.
    public static func illegalQuery(_ field: String, _ value: String?, _ reason: String) -> APIError {
        APIError(
            .conflict, code: "illegal_query", "\(field): \(reason)",
            problems: [Problem(field: field, value: value, reason: reason)])
    }
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, code: "not_found", what) }

    /// A refusal by role, scope or lock: 403, or 409 for a closed form.
    public init(_ denied: AccessDenied) {
        switch denied.kind {
        case .outOfScope: self.init(.forbidden, code: "out_of_scope", denied.description, problems: denied.problems)
        case .locked: self.init(.conflict, code: "form_locked", denied.description, problems: denied.problems)
        case .completed:
            self.init(.conflict, code: "form_complete", denied.description, problems: denied.problems)
        case .role: self.init(.forbidden, code: "forbidden", denied.description, problems: denied.problems)
        }
    }

    /// Qorgan's errors, as the API reports them.
    public init(_ error: QorganError) {
        switch error {
        case .notFound(let kind, let key):
            self.init(
                .notFound, code: "not_found", error.description,
                problems: [Problem(field: kind, value: key, reason: "not found")])
        case .conflict(let m): self.init(.conflict, code: "conflict", m)
        case .busy(let m): self.init(.serviceUnavailable, code: "busy", m)
        case .rejected(_, let problems):
            // A batch is refused whole either way; one refused only for unknown references or
            // duplicate codes (conflicts with other objects) is a 409.
            let status: HTTPResponse.Status = Problem.onlyConflicts(problems) ? .conflict : .badRequest
            self.init(status, code: "rejected", error.description, problems: problems)
        case .invalidRequest(_, let problems) where Problem.onlyConflicts(problems):
            self.init(.conflict, code: Self.conflictCode(problems), error.description, problems: problems)
        case .invalidValue(let p) where Problem.onlyConflicts([p]):
            self.init(.conflict, code: Self.conflictCode([p]), error.description, problems: [p])
        case .invalidRequest(_, let problems):
            self.init(.badRequest, code: "bad_request", error.description, problems: problems)
        case .invalidValue(let p): self.init(.badRequest, code: "bad_request", error.description, problems: [p])
        case .invalidPeriod(let s):
            self.init(
                .badRequest, code: "bad_request", error.description,
                problems: [Problem(field: "period", value: s, reason: "not a period")])
        default: self.init(.badRequest, code: "bad_request", error.description)
        }
    }

    /// `unknown_reference` when every problem names something unknown, `illegal_query` when every
    /// one is of the parameters together, else `conflict`.
    static func conflictCode(_ problems: [Problem]) -> String {
        if problems.allSatisfy({ $0.code == Problem.unknownReference }) { return "unknown_reference" }
        if problems.allSatisfy({ $0.code == Problem.illegalQuery }) { return "illegal_query" }
        return "conflict"
    }

    /// Qorgan's fields, and DHIS2's (`httpStatus`, `httpStatusCode`), so that DHIS2's clients read it too.
    struct Body: Encodable {
        var status: Int
        var code: String
        var message: String
        var problems: [Problem]
        var httpStatus: String
        var httpStatusCode: Int
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(
            Body(
                status: Int(status.code), code: code, message: message, problems: problems,
                httpStatus: status.reasonPhrase, httpStatusCode: Int(status.code)))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"qorgan\"" }
        if let allow { headers[.allow] = allow }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}

/// Turns Qorgan's own errors into API errors, so that routes can simply throw them.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppContext
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let e as QorganError {
            throw APIError(e)
        } catch let e as AccessDenied {
            throw APIError(e)
        } catch {
            if let plain = QorganError.plain(error, waited: 10) { throw APIError(plain) }
            throw error
        }
    }
}
