/// Long work asked to stop: the server shutting down. Imports check between their steps (parsing,
/// checking, writing) and throw; what a write had begun is rolled back with its transaction, so
/// nothing is half-written, and the server stops within a second or two instead of finishing a
/// 60 MB file first.
public enum Interruption {
    /// Whether the work under way should stop; set by the server for each request.
    @TaskLocal public static var requested: (@Sendable () -> Bool)? = nil

    /// Throws `QorganError.busy` when the work under way was asked to stop.
    public static func check() throws {
        if let requested, requested() {
            throw QorganError.busy(
                "the server is stopping; nothing of this request was saved. Send it again when it is back")
        }
    }
}
