import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import QorganAnalytics
import QorganCore
import QorganDemo
import QorganServer
import QorganStore
import QorganTestSupport

/// The demo programme with the demo users, for the tests of the server and the command line.
public enum WebFixture {
    public static let template = DemoTemplate { try DemoAccounts.ensure(in: $0) }

    /// A fresh copy of the demo database (with its users), with its engine.
    public static func store(on backend: TestBackend = .sqlite) throws -> (Store, AnalyticsEngine) {
        try template.store(on: backend)
    }

    /// A fresh copy of the demo database (with its users) on `backend`.
    public static func demo(on backend: TestBackend) throws -> DatabaseLocation { try template.demo(on: backend) }

    /// Two servers on one fresh copy of the demo database, each with its own store and engine, as
    /// two processes behind a proxy would be.
    public static func twoServers(on backend: TestBackend = .sqlite) async throws -> (ServerState, ServerState) {
        let location = try demo(on: backend)
        func server() async throws -> ServerState {
            let store = try Store(location: location, concurrentReads: true)
            return try await ServerState(
                store: store, engine: try AnalyticsEngine.open(store: store).0, configuration: ServerConfiguration())
        }
        return (try await server(), try await server())
    }

    /// A server on a fresh copy of the demo. `reopened` forms (code, period, unit code) are marked
    /// incomplete first, as their office would to correct them: a completed form is read-only on
    /// every surface, and the demo completed nearly all of 2013–2017.
    public static func state(
        on backend: TestBackend = .sqlite, reopened: [(String, String, String)] = [],
        _ configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> ServerState {
        let (store, engine) = try store(on: backend)
        try store.reopen(reopened)
        var config = ServerConfiguration()
        config.today = Day(year: 2026, month: 11, day: 29)
        configure(&config)
        return try await ServerState(store: store, engine: engine, configuration: config)
    }
}

/// A browser's or a script's side of the conversation: cookies, the page's CSRF token, a bearer token.
public struct WebClient {
    public let client: any TestClientProtocol
    public var cookies: [String: String] = [:]
    public var csrf: String? = nil
    public var bearer: String? = nil

    public init(_ client: any TestClientProtocol) { self.client = client }

    static let csrfHeader: HTTPField.Name = {
        guard let name = HTTPField.Name("X-CSRF-Token") else { preconditionFailure("X-CSRF-Token is a header name") }
        return name
    }()

    @discardableResult
    public mutating func send(
        _ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, form: [(String, String)]? = nil,
        headers extra: HTTPFields = [:], raw: String? = nil, bytes: Data? = nil, withCSRF: Bool = true
    ) async throws -> TestResponse {
        var headers = extra
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        var body: ByteBuffer? = raw.map { ByteBuffer(string: $0) } ?? bytes.map { ByteBuffer(data: $0) }
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
        }
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            body = ByteBuffer(
                string: form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
                    .joined(
                        separator: "&"))
        }
        if withCSRF, let csrf, ![.get, .head].contains(method), headers[Self.csrfHeader] == nil,
            form == nil
        {
            headers[Self.csrfHeader] = csrf
        }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        for c in response.headers[values: .setCookie] {
            let pair = c.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { cookies[pair[0]] = pair[1].isEmpty ? nil : pair[1] }
        }
        if let html = response.text, let r = html.range(of: "<meta name=\"csrf-token\" content=\"") {
            let rest = html[r.upperBound...]
            let token = String(rest[..<(rest.firstIndex(of: "\"") ?? rest.endIndex)])
            if !token.isEmpty { csrf = token }
        }
        return response
    }

    /// Signs in through the sign-in form, as a browser does.
    @discardableResult
    public mutating func signIn(_ user: String, password: String = DemoAccounts.password) async throws -> TestResponse {
        let page = try await send(.get, "/login")
        let token = WebClient.hidden("_csrf", in: page.text ?? "")
        let r = try await send(
            .post, "/login",
            form: [("_csrf", token), ("username", user), ("password", password), ("next", "/dashboard")])
        if r.status == .seeOther { try await send(.get, "/dashboard") }
        return r
    }

    public static func hidden(_ name: String, in html: String) -> String {
        guard let r = html.range(of: "name=\"\(name)\" value=\"") else { return "" }
        let rest = html[r.upperBound...]
        return String(rest[..<(rest.firstIndex(of: "\"") ?? rest.endIndex)])
    }
}

extension TestResponse {
    public var text: String? { String(buffer: body) }
    public var json: Any? { try? JSONSerialization.jsonObject(with: Data(buffer: body)) }
    public var object: [String: Any] { json as? [String: Any] ?? [:] }
    public var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
}

/// Runs `body` against the application in process (no socket).
@discardableResult
public func withApp<T: Sendable>(_ state: ServerState, _ body: @escaping @Sendable (inout WebClient) async throws -> T)
    async throws -> T
{
    let app = Application(router: QorganResponderBuilder(buildRouter(state)))
    return try await app.test(.router) { client in
        var web = WebClient(client)
        return try await body(&web)
    }
}

extension HTTPFields {
    /// These fields with `more` set.
    public func merging(_ more: HTTPFields) -> HTTPFields {
        var out = self
        for f in more { out[f.name] = f.value }
        return out
    }
}
