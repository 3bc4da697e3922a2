import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganCore
import QorganInterop
import QorganStore

/// DHIS2's metadata writes: `POST /api/metadata` and `POST`/`PUT` on `/api/organisationUnits`
/// and `/api/dataElements`, for administrators, on the one metadata write path
/// (`Store.importMetadata`): the checks of a file import and who may change what
/// (`Principal.metadataRefusal`: national metadata for national administrators, a region's units
/// for its administrators), all or nothing, audited, and every process's engine follows the commit. Answers are DHIS2's import report (or object report)
/// in its Web API envelope.
extension Handlers {
    /// Objects written through DHIS2's collections (`POST`/`PUT` on one object).
    static let writableCollections: Set<String> = Set(DHIS2Metadata.classes.map(\.collection))

    /// `POST /api/metadata`: `importStrategy` (CREATE_AND_UPDATE, CREATE, UPDATE), `atomicMode`
    /// ALL, `importMode` COMMIT or VALIDATE (or `dryRun=true`).
    func metadataImport(_ r: Request, _ c: AppContext) async throws -> Response {
        let user = try requireAdministrator(c)
        let strategyText = HTTP.param(r, "importStrategy") ?? "CREATE_AND_UPDATE"
        guard let strategy = DHIS2Metadata.Strategy(rawValue: strategyText.uppercased()) else {
            throw APIError.badRequest(
                "importStrategy", strategyText,
                "CREATE_AND_UPDATE, CREATE or UPDATE (metadata is never deleted: close a unit with its closingDate)")
        }
        if let atomic = HTTP.param(r, "atomicMode"), atomic.uppercased() != "ALL" {
            throw APIError.badRequest("atomicMode", atomic, "ALL: a metadata import is all or nothing")
        }
        let modeText = HTTP.param(r, "importMode") ?? "COMMIT"
        guard ["COMMIT", "VALIDATE"].contains(modeText.uppercased()) else {
            throw APIError.badRequest("importMode", modeText, "COMMIT or VALIDATE")
        }
        let dryRun = try HTTP.flag(r, "dryRun")
        let validate = modeText.uppercased() == "VALIDATE" || dryRun
        let payload = try await Self.jsonObject(r, what: "the metadata payload")
        let unsupported = DHIS2Metadata.unsupported(payload)
        guard unsupported.isEmpty else {
            return MetadataReport.refused(
                [
                    Problem(
                        field: unsupported.joined(separator: ", "),
                        reason:
                            "not written through DHIS2's API: it writes organisationUnits and dataElements (the rest with qorgan metadata import)",
                        code: Problem.inconsistent)
                ], strategy: strategy, validate: validate)
        }
        return try write(payload, strategy: strategy, validate: validate, user: user)
    }

    /// `POST /api/organisationUnits` (create) or `PUT /api/organisationUnits/{id}` (update): one
    /// object, answered with DHIS2's object report.
    func metadataObjectWrite(_ collection: String, id: String?, _ r: Request, _ c: AppContext) async throws
        -> Response
    {
        let user = try requireAdministrator(c)
        var object = try await Self.jsonObject(r, what: "the object")
        if var id {
            // The path names the object by uid or code, as the read routes do.
            let current = try catalog()
            let path = id
            if let uid = collection == "organisationUnits" ? current.unit(id)?.uid : current.element(id)?.uid {
                id = uid
            }
            if let given = object["id"] as? String, given != id, given != path {
                throw APIError(
                    .conflict, code: "conflict", "id: '\(given)' in the object is not the path's '\(id)'")
            }
            object["id"] = id
        }
        let strategy: DHIS2Metadata.Strategy = id == nil ? .create : .update
        return try write([collection: [object]], strategy: strategy, validate: false, user: user, single: true)
    }

    /// `PATCH /api/organisationUnits/{id}` (or `dataElements`): DHIS2's JSON Patch (RFC 6902) —
    /// `add`, `replace` and `remove` on the object's fields (`/name`, `/parent/id`, …), applied to
    /// the object as the read route gives it, and written whole as `PUT` writes it: the same checks,
    /// the same rights, all or nothing.
    func metadataObjectPatch(_ collection: String, id: String, _ r: Request, _ c: AppContext) async throws
        -> Response
    {
        let user = try requireAdministrator(c)
        var r = r
        let body = try await r.collectBody(upTo: 1 << 20)
        guard let ops = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [[String: Any]] else {
            throw APIError.badRequest(
                "body", nil,
                "a JSON Patch: an array of operations such as {\"op\": \"replace\", \"path\": \"/name\", \"value\": …}")
        }
        let source = try metadataObjects(c)
        guard let current = MetadataObjects.object(id, in: source.objects(collection)),
            var object = (try? JSONSerialization.jsonObject(with: current.data)) as? [String: Any]
        else {
            if collection == "organisationUnits", source.catalog.unit(id) != nil { throw APIError.outOfScope(id) }
            throw APIError.notFound("no \(collection.dropLast()) with the uid or code '\(id)'")
        }
        // The read route's closedDate is the field a write names closingDate; what it derives
        // (display names, level, path, children, a short name cut from the name) is not written.
        if let closed = object.removeValue(forKey: "closedDate") { object["closingDate"] = closed }
        for derived in [
            "displayName", "displayShortName", "level", "path", "children", "leaf", "ancestors", "dataSets",
            "dataSetElements",
        ] {
            object.removeValue(forKey: derived)
        }
        if let name = object["name"] as? String, object["shortName"] as? String == String(name.prefix(50)) {
            object.removeValue(forKey: "shortName")
        }
        for (n, op) in ops.enumerated() {
            let name = op["op"] as? String ?? ""
            let path = (op["path"] as? String ?? "").split(separator: "/", omittingEmptySubsequences: false).dropFirst()
                .map(String.init)
            func refuse(_ reason: String) -> APIError {
                APIError.illegalQuery("[\(n)]", op["path"] as? String, reason)
            }
            guard (1...2).contains(path.count), path.allSatisfy({ !$0.isEmpty }) else {
                throw refuse("a path names a field, or a field of a field: /name, /parent/id")
            }
            guard ["add", "replace", "remove"].contains(name) else {
                throw refuse("'\(name)' is not an operation Qorgan applies (add, replace, remove)")
            }
            if name != "remove" && op["value"] == nil { throw refuse("\(name) needs a value") }
            let value = name == "remove" ? nil : op["value"]
            if path.count == 1 {
                object[path[0]] = value
            } else {
                var inner = object[path[0]] as? [String: Any] ?? [:]
                inner[path[1]] = value
                object[path[0]] = inner
            }
        }
        object["id"] = current["id"]?.scalarText
        return try write([collection: [object]], strategy: .update, validate: false, user: user, single: true)
    }

    static func jsonObject(_ r: Request, what: String) async throws -> [String: Any] {
        var r = r
        let body = try await r.collectBody(upTo: 32 << 20)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] else {
            throw APIError.badRequest("body", nil, "\(what) must be a JSON object")
        }
        return object
    }

    func write(
        _ payload: [String: Any], strategy: DHIS2Metadata.Strategy, validate: Bool, user: Principal,
        single: Bool = false
    ) throws -> Response {
        let current = try catalog()
        var translated = DHIS2Metadata.translate(payload, current: current, strategy: strategy, today: state.today)
        guard translated.problems.isEmpty else {
            return MetadataReport.refused(translated.problems, strategy: strategy, validate: validate)
        }
        translated.document.reindex()
        do {
            let changes = try store.importMetadata(
                translated.document, source: "the metadata payload", dryRun: validate, user: user.username,
                principal: user, today: state.today)
            let report = MetadataReport(
                entries: translated.entries, changes: changes, strategy: strategy, validate: validate)
            return single ? report.objectResponse(created: strategy == .create) : report.response()
        } catch QorganError.rejected(_, let problems) {
            return MetadataReport.refused(problems, strategy: strategy, validate: validate)
        } catch let e as QorganError {
            return MetadataReport.refused(
                [Problem(reason: e.description, code: Problem.inconsistent)], strategy: strategy, validate: validate)
        }
    }
}

/// DHIS2's import report (`responseType: ImportReport`) with its Web API envelope.
struct MetadataReport {
    var entries: [DHIS2Metadata.Entry]
    var changes: [MetadataChange]
    var strategy: DHIS2Metadata.Strategy
    var validate: Bool

    static func kind(_ collection: String) -> String {
        collection == "organisationUnits" ? "organisationUnit" : "dataElement"
    }

    func response() -> Response {
        var typeReports: [JSONValue] = []
        var totals = (created: 0, updated: 0, ignored: 0)
        for (collection, klass) in DHIS2Metadata.classes {
            let mine = entries.filter { $0.collection == collection }
            guard !mine.isEmpty else { continue }
            var stats = (created: 0, updated: 0, ignored: 0)
            var objects: [JSONValue] = []
            for e in mine {
                let change = changes.first { $0.kind == Self.kind(collection) && $0.code == e.code }
                switch change?.action {
                case .created?: stats.created += 1
                case .updated?: stats.updated += 1
                default: stats.ignored += 1
                }
                objects.append(
                    .object([
                        ("klass", .string(klass)), ("index", .int(e.index)),
                        ("uid", .string(change?.uid ?? e.uid)), ("errorReports", .array([])),
                    ]))
            }
            totals.created += stats.created
            totals.updated += stats.updated
            totals.ignored += stats.ignored
            typeReports.append(
                .object([
                    ("klass", .string(klass)), ("stats", Self.stats(stats.created, stats.updated, stats.ignored)),
                    ("objectReports", .array(objects)),
                ]))
        }
        let report: [(String, JSONValue)] = [
            ("responseType", .string("ImportReport")), ("status", .string("OK")),
            ("importParams", Self.params(strategy, validate)),
            ("stats", Self.stats(totals.created, totals.updated, totals.ignored)),
            ("typeReports", .array(typeReports)),
        ]
        let message =
            (validate ? "Validated, nothing changed: would create " : "Created ")
            + "\(totals.created), \(validate ? "update" : "updated") \(totals.updated), unchanged \(totals.ignored)"
        return Self.envelope(report, status: .ok, message: message, problems: [])
    }

    /// One object's write: DHIS2's object report (201 when created).
    func objectResponse(created: Bool) -> Response {
        guard let e = entries.first else { return response() }
        let klass = DHIS2Metadata.classes.first { $0.collection == e.collection }?.klass ?? ""
        let uid = changes.first { $0.kind == Self.kind(e.collection) && $0.code == e.code }?.uid ?? e.uid
        let report: [(String, JSONValue)] = [
            ("responseType", .string("ObjectReport")), ("uid", .string(uid)), ("klass", .string(klass)),
            ("errorReports", .array([])),
        ]
        return Self.envelope(
            report, status: created ? .created : .ok, message: "\(created ? "Created" : "Updated") \(e.code) (\(uid))",
            problems: [])
    }

    static func refused(_ problems: [Problem], strategy: DHIS2Metadata.Strategy, validate: Bool) -> Response {
        let errors: [JSONValue] = problems.map { p in
            .object(
                [
                    ("message", .string(p.description)), ("mainKlass", .string(p.object)),
                    ("errorCode", .string("E4000")), ("errorProperty", .string(p.field)),
                    ("value", .string(p.value)),
                ].filter { $0.1 != .null })
        }
        let report: [(String, JSONValue)] = [
            ("responseType", .string("ImportReport")), ("status", .string("ERROR")),
            ("importParams", params(strategy, validate)), ("stats", stats(0, 0, 0)),
            ("typeReports", .array([.object([("klass", .string("metadata")), ("errorReports", .array(errors))])])),
        ]
        let message =
            "Nothing was changed: \(problems.count) problem\(problems.count == 1 ? "" : "s") (a metadata import is all or nothing)"
        return envelope(report, status: .conflict, message: message, problems: problems)
    }

    static func stats(_ created: Int, _ updated: Int, _ ignored: Int) -> JSONValue {
        .object([
            ("created", .int(created)), ("updated", .int(updated)), ("deleted", .int(0)), ("ignored", .int(ignored)),
            ("total", .int(created + updated + ignored)),
        ])
    }

    static func params(_ strategy: DHIS2Metadata.Strategy, _ validate: Bool) -> JSONValue {
        .object([
            ("importStrategy", .string(strategy.rawValue)), ("atomicMode", .string("ALL")),
            ("importMode", .string(validate ? "VALIDATE" : "COMMIT")),
        ])
    }

    static func envelope(
        _ report: [(String, JSONValue)], status: HTTPResponse.Status, message: String, problems: [Problem]
    ) -> Response {
        var body: [(String, JSONValue)] = [
            ("httpStatus", .string(status.reasonPhrase)), ("httpStatusCode", .int(Int(status.code))),
            ("status", .string(status.code < 300 ? "OK" : "ERROR")), ("message", .string(message)),
            ("response", .object(report)),
        ]
        if !problems.isEmpty {
            // Qorgan's own error fields too: the same problems, by object and field.
            body += [
                ("code", .string("rejected")),
                (
                    "problems",
                    .array(
                        problems.map { p in
                            .object(
                                [
                                    ("object", .string(p.object)), ("field", .string(p.field)),
                                    ("value", .string(p.value)), ("reason", .string(p.reason)),
                                ].filter { $0.1 != .null })
                        })
                ),
            ]
        }
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(data: JSONValue.object(body).data)))
    }
}
