import AsyncHTTPClient
import Foundation
import NIOCore
import QorganCore

/// An agency's own messaging: each event (a form completed, an approval step) is POSTed as JSON
/// to the configured URL, after the change is committed, without holding the request up. No email
/// server is assumed. A failure is logged and counted; the change stands.
extension ServerState {
    func notify(_ event: String, _ fields: [(String, JSONValue)]) {
        guard let url = configuration.webhook else { return }
        let body = JSONValue.object(
            [("event", .string(event)), ("at", .string(Date().formatted(Date.ISO8601FormatStyle())))] + fields
        ).data
        let logger = self.logger
        let failures = webhookFailures
        Task.detached {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Qorgan")
            request.body = .bytes(ByteBuffer(data: body))
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                guard (200..<300).contains(Int(response.status.code)) else {
                    failures.increment()
                    logger.warning(
                        "webhook \(url.absoluteString) refused the event \(event): HTTP \(response.status.code)")
                    return
                }
            } catch {
                failures.increment()
                logger.warning("webhook \(url.absoluteString) did not take the event \(event): \(error)")
            }
        }
    }
}
