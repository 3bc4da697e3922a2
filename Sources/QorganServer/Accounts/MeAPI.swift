import Foundation
import Hummingbird
import NIOCore
import QorganCore
import QorganInterop
import QorganStore

extension Handlers {
    /// `/api/me`: Qorgan's fields (username, role, units, language) and DHIS2's (id, organisationUnits,
    /// userCredentials, authorities, settings), with `fields`.
    func meJSON(_ r: Request, _ c: AppContext) throws -> Response {
        let user = try c.requireUser()
        let catalog = try catalog()
        let units = user.units.compactMap { catalog.unit($0) }
        var authorities = ["M_dhis-web-dataentry"]
        if user.role.canWriteValues { authorities += ["F_DATAVALUE_ADD", "F_DATAVALUE_DELETE"] }
        if user.role.canManageUsers { authorities += ["ALL", "F_USER_ADD"] }
        let me: JSONValue = .object([
            ("id", .string(Uid.stable("user:\(user.username)"))), ("username", .string(user.username)),
            ("name", .string(user.username)), ("displayName", .string(user.username)),
            ("role", .string(user.role.rawValue)), ("units", .array(user.units.map { .string($0) })),
            ("language", .string(user.language)), ("disabled", .bool(false)),
            ("organisationUnits", .array(units.map { MetadataObjects.ref($0.uid) })),
            ("dataViewOrganisationUnits", .array(units.map { MetadataObjects.ref($0.uid) })),
            ("userCredentials", .object([("username", .string(user.username))])),
            (
                "userRoles",
                .array([
                    .object([
                        ("id", .string(Uid.stable("role:\(user.role.rawValue)"))),
                        ("name", .string(user.role.rawValue)),
                    ])
                ])
            ),
            ("authorities", .array(authorities.map { .string($0) })),
            ("settings", .object([("keyUiLocale", .string(user.language ?? c.language))])),
        ])
        let refs = ObjectIndex(try metadataObjects(c))
        let fields = try HTTP.param(r, "fields").map(FieldSelection.parse) ?? FieldSelection(all: true)
        return HTTP.data(fields.apply(me, resolve: refs.resolve).data, type: "application/json; charset=utf-8")
    }
}
