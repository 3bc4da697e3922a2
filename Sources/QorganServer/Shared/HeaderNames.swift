import HTTPTypes

/// The header names Qorgan reads or writes beyond those HTTPTypes names itself. Each is a
/// literal of this file, never anything a request sends.
extension HTTPField.Name {
    static let xCSRFToken = named("X-CSRF-Token")
    static let secFetchSite = named("Sec-Fetch-Site")
    static let xForwardedFor = named("X-Forwarded-For")
    static let xForwardedProto = named("X-Forwarded-Proto")
    static let forwarded = named("Forwarded")
    static let xFrameOptions = named("X-Frame-Options")
    static let referrerPolicy = named("Referrer-Policy")
    static let serviceWorkerAllowed = named("Service-Worker-Allowed")
    static let xQorganOffline = named("X-Qorgan-Offline")

    private static func named(_ literal: StaticString) -> HTTPField.Name {
        guard let name = HTTPField.Name("\(literal)") else { preconditionFailure("'\(literal)' is not a header name") }
        return name
    }
}
