import Foundation
import Hummingbird
import NIOCore
import QorganCore
import QorganInterop
import QorganStore

extension Handlers {
    /// `/api/system/info` as DHIS2 answers it: its clients read `version` (`2.NN`) and `calendar`.
    func systemInfo(_ r: Request) throws -> JSONValue {
        let now = Date()
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let host = r.head.authority ?? "localhost"
        return .object([
            ("version", .string(DHIS2Compatibility.version)), ("revision", .string(DHIS2Compatibility.revision)),
            ("buildTime", .string(DHIS2Compatibility.buildTime)), ("calendar", .string("iso8601")),
            ("dateFormat", .string("yyyy-mm-dd")), ("serverDate", .string(iso.string(from: now))),
            ("serverTimeZoneId", .string("UTC")), ("serverTimeZoneDisplayName", .string("Coordinated Universal Time")),
            ("contextPath", .string("http://\(host)")), ("systemName", .string("Qorgan")),
            ("systemId", .string(try store.identity().database)),
            // Analytics are computed from the stored values at every request: never behind.
            ("lastAnalyticsTableSuccess", .string(iso.string(from: now))),
            ("intervalSinceLastAnalyticsTableSuccess", .string("0 s")),
            ("isMetadataVersionEnabled", .bool(false)), ("encryption", .bool(false)),
        ])
    }
}
