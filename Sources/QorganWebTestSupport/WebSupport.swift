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

/// A demo database with the demo users, made once per test run and copied for each test.
enum WebFixture {
    static let template: String = {
        let path = Fixtures.temporaryPath()
        let store = try! Store(path: path)
        try! DemoProgramme.install(into: store)
        try! DemoAccounts.ensure(in: store)
        return path
    }()

    /// A fresh copy of the demo database, with its engine.
    static func store(on backend: TestBackend = .sqlite) throws -> (Store, AnalyticsEngine) {
        let store = try Store(location: try demo(on: backend))
        let (engine, _) = try AnalyticsEngine.open(store: store)
        return (store, engine)
    }

    /// A fresh copy of the demo database (with its users) on `backend`: a file, or a new
    /// PostgreSQL database that the demo is migrated into.
    static func demo(on backend: TestBackend) throws -> DatabaseLocation {
        let path = Fixtures.temporaryPath()
        try FileManager.default.copyItem(atPath: template, toPath: path)
        switch backend {
        case .sqlite: return try DatabaseLocation(path)
        case .postgres:
            let location = try TestBackend.postgres.location()
            _ = try Store.migrate(from: try Store(path: path), to: location)
            return location
        }
    }

    /// Two servers on one fresh copy of the demo database, each with its own store and engine, as
    /// two processes behind a proxy would be.
    static func twoServers(on backend: TestBackend = .sqlite) async throws -> (ServerState, ServerState) {
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
    static func state(
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
struct WebClient {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var csrf: String? = nil
    var bearer: String? = nil

    init(_ client: any TestClientProtocol) { self.client = client }

    @discardableResult
    mutating func send(
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
                string: form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(
                    separator: "&"))
        }
        if withCSRF, let csrf, ![.get, .head].contains(method), headers[HTTPField.Name("X-CSRF-Token")!] == nil,
            form == nil
        {
            headers[HTTPField.Name("X-CSRF-Token")!] = csrf
        }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        for c in response.headers[values: .setCookie] {
            let pair = c.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { cookies[pair[0]] = pair[1].isEmpty ? nil : pair[1] }
        }
        if let html = response.text, let r = html.range(of: "<meta name=\"csrf-token\" content=\"") {
            let rest = html[r.upperBound...]
            let token = String(rest[..<rest.firstIndex(of: "\"")!])
            if !token.isEmpty { csrf = token }
        }
        return response
    }

    /// Signs in through the sign-in form, as a browser does.
    @discardableResult
    mutating func signIn(_ user: String, password: String = DemoAccounts.password) async throws -> TestResponse {
        let page = try await send(.get, "/login")
        let token = WebClient.hidden("_csrf", in: page.text ?? "")
        let r = try await send(
            .post, "/login",
            form: [("_csrf", token), ("username", user), ("password", password), ("next", "/dashboard")])
        if r.status == .seeOther { try await send(.get, "/dashboard") }
        return r
    }

    static func hidden(_ name: String, in html: String) -> String {
        guard let r = html.range(of: "name=\"\(name)\" value=\"") else { return "" }
        let rest = html[r.upperBound...]
        return String(rest[..<rest.firstIndex(of: "\"")!])
    }
}

extension TestResponse {
    var text: String? { String(buffer: body) }
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(buffer: body)) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
}

/// Runs `body` against the application in process (no socket).
@discardableResult
func withApp<T: Sendable>(_ state: ServerState, _ body: @escaping @Sendable (inout WebClient) async throws -> T)
    async throws -> T
{
    let app = Application(router: QorganResponderBuilder(buildRouter(state)))
    return try await app.test(.router) { client in
        var web = WebClient(client)
        return try await body(&web)
    }
}

/// The real binary serving the demo on a free loopback port, for tests that need a socket.
struct ServedDemo {
    let process: Process
    /// `http://127.0.0.1:PORT`
    let address: String
    /// What the server printed until it listened.
    let printed: String

    /// Starts `qorgan serve --demo` on `database` and waits (up to two minutes) until it listens.
    static func start(database: String) throws -> ServedDemo {
        let server = Process()
        server.executableURL = CLITests.binary
        server.arguments = ["serve", "--demo", "--database", database, "--port", "0", "--log-level", "warning"]
        let out = Pipe()
        server.standardOutput = out
        server.standardError = FileHandle.standardError
        try server.run()
        var printed = ""
        let deadline = Date().addingTimeInterval(120)
        while !printed.contains("Qorgan is serving"), Date() < deadline, server.isRunning {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty {
                Thread.sleep(forTimeInterval: 0.05)
            } else {
                printed += String(decoding: chunk, as: UTF8.self)
            }
        }
        guard let line = printed.split(separator: "\n").first(where: { $0.contains("Qorgan is serving") }),
            let url = line.split(separator: " ").first(where: { $0.hasPrefix("http://") })
        else {
            if server.isRunning { server.terminate() }
            throw QorganError.invalidArgument("the server did not start: \(printed)")
        }
        return ServedDemo(process: server, address: String(url), printed: printed)
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

extension Store {
    /// Marks forms (code, period, unit code) incomplete, as their office would to correct them.
    func reopen(_ forms: [(String, String, String)]) throws {
        let catalog = try catalog()
        for (form, period, unit) in forms {
            guard let f = catalog.dataSet(form), let u = catalog.unit(unit) else {
                throw QorganError.invalidArgument("no form \(form) or unit \(unit) in the demo")
            }
            try setCompletion(dataSet: f.uid, period: period, unit: u.uid, complete: false, by: "test")
        }
    }
}
