import Foundation
import Hummingbird
import NIOCore
import QorganCore
import QorganStore

/// What analysts keep, through DHIS2's read routes: `visualizations`, `dashboards` (with their
/// items) and `interpretations` (with their comments), each the caller's own and the shared ones.
extension Handlers {
    static let dhis2Years = 1900...2100

    func visualizations(_ r: Request, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        let list = try store.favourites(visibleTo: user.username).map { Self.visualization($0) }
        return Self.json(.object([("pager", Self.pager(list.count)), ("visualizations", .array(list))]))
    }

    func visualization(_ id: String, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        guard let (f, deleted) = try store.favourite(id), !deleted, f.owner == user.username || f.shared else {
            throw APIError.notFound("no visualization \(id) among yours and the shared ones")
        }
        return Self.json(Self.visualization(f))
    }

    func dashboards(_ r: Request, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        let list = try store.dashboards(visibleTo: user.username).map { try dashboardJSON($0, user) }
        return Self.json(.object([("pager", Self.pager(list.count)), ("dashboards", .array(list))]))
    }

    func dashboard(_ id: String, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        guard let (d, deleted) = try store.dashboard(id), !deleted, d.owner == user.username || d.shared else {
            throw APIError.notFound("no dashboard \(id) among yours and the shared ones")
        }
        return Self.json(try dashboardJSON(d, user))
    }

    /// `GET /api/interpretations?visualization=UID`: a favourite's interpretations and their replies.
    func interpretations(_ r: Request, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        let id = try HTTP.required(r, "visualization")
        guard let (f, deleted) = try store.favourite(id), !deleted, f.owner == user.username || f.shared else {
            throw APIError.notFound("no visualization \(id) among yours and the shared ones")
        }
        let all = try store.interpretations(of: f.uid)
        func who(_ name: String) -> JSONValue { .object([("username", .string(name))]) }
        let list: [JSONValue] = all.filter { $0.parent == nil }.map { i in
            .object([
                ("id", .string(i.uid)), ("text", .string(i.text)), ("user", who(i.author)),
                ("created", .string(Self.stamp(i.created))), ("type", .string("VISUALIZATION")),
                ("visualization", .object([("id", .string(f.uid))])),
                (
                    "comments",
                    .array(
                        all.filter { $0.parent == i.uid }.map { reply in
                            .object([
                                ("id", .string(reply.uid)), ("text", .string(reply.text)), ("user", who(reply.author)),
                                ("created", .string(Self.stamp(reply.created))),
                            ])
                        })
                ),
            ])
        }
        return Self.json(.object([("pager", Self.pager(list.count)), ("interpretations", .array(list))]))
    }

    static func stamp(_ millis: Int64) -> String {
        Timestamp.string(Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    static func pager(_ total: Int) -> JSONValue {
        .object([("page", .int(1)), ("pageCount", .int(1)), ("total", .int(total)), ("pageSize", .int(max(total, 1)))])
    }

    static func json(_ value: JSONValue) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(data: value.data)))
    }

    /// A favourite in DHIS2's visualization shape.
    static func visualization(_ f: SavedPivot) -> JSONValue {
        let type =
            switch f.chart {
            case "line": "LINE"
            case "stacked": "STACKED_COLUMN"
            default: "COLUMN"
            }
        let items: [JSONValue] = f.dx.map { ref in
            .object([("dataDimensionItemType", .string("DATA")), ("id", .string(ref))])
        }
        return .object([
            ("id", .string(f.uid)), ("name", .string(f.name)), ("displayName", .string(f.name)),
            ("type", .string(type)),
            ("user", .object([("username", .string(f.owner))])),
            ("publicAccess", .string(f.shared ? "r-------" : "--------")),
            ("dataDimensionItems", .array(items)),
            ("periods", .array((f.from...f.to).map { .object([("id", .string(String($0)))]) })),
            ("periodType", .string(f.periodType)),
            ("organisationUnits", .array(f.unit.map { [.object([("id", .string($0))])] } ?? [])),
            ("userOrganisationUnit", .bool(f.unit == nil)),
            ("userOrganisationUnitChildren", .bool(f.unit == nil && f.children)),
            ("rows", .array([.object([("dimension", .string(f.rows))])])),
            ("columns", .array([.object([("dimension", .string(f.columns))])])),
        ])
    }

    func dashboardJSON(_ d: SavedDashboard, _ user: Principal) throws -> JSONValue {
        let items: [JSONValue] = try d.items.compactMap { uid in
            guard let (f, deleted) = try store.favourite(uid), !deleted, f.owner == user.username || f.shared else {
                return nil
            }
            return .object([
                ("id", .string(Uid.stable("dashboardItem:\(d.uid):\(uid)"))), ("type", .string("VISUALIZATION")),
                ("visualization", .object([("id", .string(f.uid)), ("name", .string(f.name))])),
            ])
        }
        return .object([
            ("id", .string(d.uid)), ("name", .string(d.name)), ("displayName", .string(d.name)),
            ("user", .object([("username", .string(d.owner))])),
            ("publicAccess", .string(d.shared ? "r-------" : "--------")), ("dashboardItems", .array(items)),
        ])
    }
}
