import Foundation
import Hummingbird
import NIOCore
import QorganCore
import QorganStore

/// Small helpers the API and the pages share.
enum HTTP {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(Timestamp.string(date))
        }
        return e
    }()

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(value))))
    }

    static func data(_ data: Data, type: String, filename: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: type]
        if let filename { headers[.contentDisposition] = "attachment; filename=\"\(filename)\"" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// A JSON body decoded as `T`; a malformed body is a 400 naming what is wrong.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, what: String) async throws -> T {
        var request = request
        let body = try await request.collectBody(upTo: 64 << 20)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch let DecodingError.keyNotFound(key, ctx) {
            let path = jsonPath(ctx.codingPath + [key])
            throw APIError.badRequest(path, nil, "missing in \(what)")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw APIError.badRequest(
                jsonPath(ctx.codingPath), nil,
                "wrong type in \(what): \(ctx.debugDescription)")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw APIError.badRequest(
                jsonPath(ctx.codingPath), nil, "missing value in \(what)")
        } catch let DecodingError.dataCorrupted(ctx) {
            // An empty path: the body is not JSON; otherwise one field holds a wrong value.
            if ctx.codingPath.isEmpty {
                throw APIError.badRequest("body", nil, "\(what) is not valid JSON: \(ctx.debugDescription)")
            }
            throw APIError.badRequest(
                jsonPath(ctx.codingPath), nil, "in \(what): \(ctx.debugDescription)")
        }
    }

    /// `target` when it is a path of this site that every browser reads as one, else `fallback`:
    /// no scheme or host, no `//` or `/\` (which browsers take for another host), no backslash,
    /// control character or space anywhere (browsers drop tabs and newlines, so `/\t/evil` is `//evil`).
    static func localPath(_ target: String?, fallback: String = "/dashboard") -> String {
        guard let t = target, t.count <= 2_000, t.hasPrefix("/"), !t.hasPrefix("//"),
            !t.unicodeScalars.contains(where: {
                $0.value < 0x21 || $0.value == 0x7F || $0 == "\\" || $0.properties.isWhitespace
            }),
            let url = URL(string: t), url.scheme == nil, url.host == nil
        else { return fallback }
        return t
    }

    static func param(_ request: Request, _ name: String) -> String? { param(request.uri.queryParameters, name) }

    /// The same readings of a query that is not the request's own (a favourite's kept query).
    static func param(_ query: Parameters, _ name: String) -> String? {
        query.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    static func params(_ request: Request, _ name: String) -> [String] { params(request.uri.queryParameters, name) }

    static func params(_ query: Parameters, _ name: String) -> [String] {
        query.getAll(name).flatMap {
            $0.split(separator: ";").map { String($0).trimmingCharacters(in: .whitespaces) }
        }
        .filter { !$0.isEmpty }
    }

    static func required(_ request: Request, _ name: String) throws -> String {
        guard let v = param(request, name) else {
            throw APIError.badRequest(name, nil, "this query parameter is required")
        }
        return v
    }

    /// A yes/no parameter: absent is false; `true` or `false` (and `1` or `0`, as the pages'
    /// checkboxes send them); anything else, the empty value included, is a 400: a misspelt or empty
    /// `dryRun=` must not run a real import.
    static func flag(_ request: Request, _ name: String) throws -> Bool {
        try flag(request.uri.queryParameters, name)
    }

    static func flag(_ query: Parameters, _ name: String) throws -> Bool {
        guard let v = query.get(name) else { return false }
        switch v.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badRequest(name, String(v.prefix(40)), "true or false")
        }
    }

    /// A whole-number parameter within `range`; absent is nil, anything else is a 400.
    static func int(_ request: Request, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        try int(request.uri.queryParameters, name, in: range)
    }

    static func int(_ query: Parameters, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let v = param(query, name) else { return nil }
        guard let n = Int(v), range.contains(n) else {
            throw APIError.badRequest(
                name, String(v.prefix(40)), "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// DHIS2's `startDate` and `endDate` (yyyy-MM-dd, both or neither, start first) as a span.
    static func dateSpan(_ request: Request) throws -> DaySpan? {
        guard let given = param(request, "startDate") ?? param(request, "endDate") else { return nil }
        var days: [Day] = []
        for name in ["startDate", "endDate"] {
            guard let text = param(request, name) else {
                throw APIError.illegalQuery(name, nil, "give startDate and endDate together")
            }
            guard let day = Day(iso: text) else { throw APIError.badRequest(name, text, "a day as yyyy-MM-dd") }
            days.append(day)
        }
        guard days[0] <= days[1] else {
            throw APIError.illegalQuery("startDate", given, "startDate is after endDate")
        }
        let (a, b) = (days[0], days[1])
        return DaySpan(start: a, end: b)
    }

    /// A year parameter, within the years Qorgan accepts (`Day.supportedYears`).
    static func year(_ request: Request, _ name: String) throws -> Int? {
        try int(request, name, in: Day.supportedYears)
    }

    static func year(_ query: Parameters, _ name: String) throws -> Int? {
        try int(query, name, in: Day.supportedYears)
    }
}
