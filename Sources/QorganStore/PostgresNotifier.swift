import Foundation
import GRDB
import Logging
import PostgresNIO
import QorganCore

/// Wakes a process when another commits, through PostgreSQL's LISTEN/NOTIFY: every commit that
/// writes the change log notifies `qorgan_changes`, and `wake` runs (on a queue of its own, never
/// on NIO's event loop) so that the engine catches up at once. A lost connection is made again
/// after a second, and `wake` runs then too: what was committed meanwhile is read from the log.
/// Requests still check the log before answering, so an answer never depends on a notification
/// arriving first.
final class PostgresNotifier: @unchecked Sendable {
    static let channel = "qorgan_changes"
    private let backend: PostgresBackend
    private let wake: @Sendable () -> Void
    private let queue = DispatchQueue(label: "qorgan.postgres-notify")
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private var scheduled = false
    private var stopped = false

    init(_ backend: PostgresBackend, wake: @escaping @Sendable () -> Void) {
        self.backend = backend
        self.wake = wake
        queue.async { self.listen() }
    }

    deinit {
        stopped = true
        if let connection { PostgresBackend.close(connection) }
    }

    /// Runs `wake` once for any number of notifications that arrive before it starts.
    private func schedule() {
        let run = lock.withLock {
            if scheduled || stopped { return false }
            scheduled = true
            return true
        }
        guard run else { return }
        queue.async { [weak self] in
            guard let self else { return }
            lock.withLock { scheduled = false }
            wake()
        }
    }

    private func listen() {
        guard !lock.withLock({ stopped }) else { return }
        do {
            let c = try backend.connect()
            c.addListener(channel: Self.channel) { [weak self] _, _ in self?.schedule() }
            _ = try c.query(PostgresQuery(unsafeSQL: "LISTEN \(Self.channel)"), logger: backend.logger).wait()
            lock.withLock { connection = c }
            c.closeFuture.whenComplete { [weak self] _ in
                self?.queue.asyncAfter(deadline: .now() + 1) { [weak self] in self?.listen() }
            }
            schedule()
        } catch {
            queue.asyncAfter(deadline: .now() + 1) { [weak self] in self?.listen() }
        }
    }
}
