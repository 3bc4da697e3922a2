/// Long work asked to stop: the server shutting down. Imports check between their steps (parsing,
/// checking, writing) and throw; what a write had begun is rolled back with its transaction, so
/// nothing is half-written, and the server stops within a second or two instead of finishing a
/// 60 MB file first.
public enum Interruption {
    /// Whether work should stop, asked of whoever set it (the server, for each request). A class
    /// rather than a bare closure: a task-local of a function type crashed a release build in
    /// `swift_task_localValuePush`.
    public final class Signal: Sendable {
        let stop: @Sendable () -> Bool
        public init(_ stop: @escaping @Sendable () -> Bool) { self.stop = stop }
    }

    /// The signal of the work under way; set by the server for each request.
    @TaskLocal public static var requested: Signal? = nil

    /// Throws `QorganError.busy` when the work under way was asked to stop.
    public static func check() throws {
        if let requested, requested.stop() {
            throw QorganError.busy(
                "the server is stopping; nothing of this request was saved. Send it again when it is back")
        }
    }
}
