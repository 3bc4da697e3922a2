import Foundation
import GRDB
import QorganCore

/// Saves that arrive while the writer is busy commit together: the first waiting thread takes
/// every save queued behind it into one SQLite transaction, each in a savepoint of its own (a
/// save that fails or is a dry run is rolled back alone, as if it had run by itself), then
/// commits once, syncs once and delivers the log to the followers once. Each save's outcome is
/// handed back only after that commit: an acknowledged save is on disk, and a commit that fails
/// fails every save in it. Order is kept: saves run in the order they queued, after every write
/// committed before.
final class CommitGroup: @unchecked Sendable {
    /// One save waiting: its body (which runs inside its savepoint and returns whether to keep
    /// its changes and whether it logged any), and its outcome.
    final class Job {
        /// Dropped once run: the caller's closure must not outlive its wait.
        var body: ((StoreConnection) throws -> (keep: Bool, logged: Bool))?
        var error: (any Error)?
        var done = false
        /// Signalled once: when the job is done, or when its thread is to lead the next batch.
        let wake = DispatchSemaphore(value: 0)
        init(_ body: @escaping (StoreConnection) throws -> (keep: Bool, logged: Bool)) { self.body = body }
    }

    private let lock = NSLock()
    private var queue: [Job] = []
    private var leading = false
    private var batches = 0
    private var saves = 0

    /// How many commits the saves so far took, and how many saves there were.
    var counts: (commits: Int, saves: Int) {
        lock.withLock { (batches, saves) }
    }

    /// Queues `job` and returns once it is committed (or failed): the caller either leads a
    /// batch through `commit` or waits for the batch that takes its job. A leader wakes exactly
    /// the threads whose saves it committed, and the one it hands the lead to (the first save
    /// queued behind its batch): no waiter is woken to find it has nothing to do.
    func submit(_ job: Job, commit: ([Job]) -> Void) {
        lock.lock()
        queue.append(job)
        if leading {
            lock.unlock()
            job.wake.wait()
            lock.lock()
            if job.done {
                lock.unlock()
                return
            }
            // Handed the lead: `leading` stayed true, and this job heads the queue.
        }
        leading = true
        let batch = queue
        queue = []
        batches += 1
        saves += batch.count
        lock.unlock()
        commit(batch)
        lock.lock()
        for j in batch {
            j.body = nil
            j.done = true
        }
        let next = queue.first
        if next == nil { leading = false }
        lock.unlock()
        for j in batch where j !== job { j.wake.signal() }
        next?.wake.signal()
    }
}

extension Store {
    /// A logged write transaction that may commit together with other saves waiting for the
    /// writer (`CommitGroup`); on PostgreSQL, where each write has a connection of its own, a
    /// transaction of its own.
    func groupedTransaction<T>(
        _ body: (StoreConnection, inout ChangeSet) throws -> (result: T, commit: Bool)
    ) throws -> T {
        guard case .sqlite = writer.kind else { return try transaction(body) }
        return try withoutActuallyEscaping(body) { body in
            var result: T? = nil
            let job = CommitGroup.Job { db in
                var changes = ChangeSet()
                let o = try body(db, &changes)
                result = o.result
                guard o.commit else { return (false, false) }
                if !changes.isEmpty { try ChangeLog.append(changes, db: db) }
                return (true, !changes.isEmpty)
            }
            commits.submit(job) { batch in runBatch(batch) }
            if let error = job.error { throw error }
            guard let result else { throw QorganError.conflict("the write did not run") }
            return result
        }
    }

    /// One transaction for a batch of saves, each in a savepoint; one commit, one delivery.
    private func runBatch(_ batch: [CommitGroup.Job]) {
        do {
            try writer.writeWithoutTransaction { db in
                guard let g = db.sqlite else { throw QorganError.conflict("a grouped commit needs SQLite") }
                var logged = false
                try g.inTransaction(.immediate) {
                    for job in batch {
                        do {
                            try g.inSavepoint {
                                guard let body = job.body else { return .rollback }
                                let (keep, jobLogged) = try body(db)
                                logged = logged || (keep && jobLogged)
                                return keep ? .commit : .rollback
                            }
                        } catch {
                            job.error = error
                            // An error that ended the whole transaction (a full disk, say) ends
                            // the batch: the saves before it are not committed either.
                            if !g.isInsideTransaction { throw error }
                        }
                    }
                    return .commit
                }
                // Still inside the serialized writer: observers see the commits in order.
                if logged { try? followers.deliver(db, store: self) }
            }
        } catch {
            // Nothing of the batch was committed: every save in it fails with the reason.
            for job in batch where job.error == nil { job.error = error }
        }
    }
}
