import Foundation
import Hummingbird
import QorganCore

/// Threads of their own for request handlers, whose database work is synchronous (GRDB, SQLite):
/// a slow fsync, a large import or a long query blocks one of these threads, never one of the
/// few threads of Swift's cooperative pool that every other task shares.
final class BlockingExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private let limit: Int
    private var threads = 0
    private var idle = 0

    /// Up to `threads` threads, started when work comes and ended after ten idle seconds.
    init(threads: Int) { limit = max(1, threads) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        if idle == 0 && threads < limit {
            threads += 1
            let thread = Thread { self.work() }
            thread.name = "qorgan-handler"
            thread.start()
        } else {
            condition.signal()
        }
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            while head == jobs.count {
                idle += 1
                let woken = condition.wait(until: Date().addingTimeInterval(10))
                idle -= 1
                if !woken && head == jobs.count {
                    threads -= 1
                    condition.unlock()
                    return
                }
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count || head > 4096 {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
            condition.lock()
        }
    }
}

/// Runs every request on the `BlockingExecutor`, first bringing the engine up to date with
/// commits of other processes: the answer reflects every commit made before the request came.
struct OffPoolMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let state: ServerState

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        let state = self.state
        return try await withTaskExecutorPreference(state.executor) {
            state.follow()
            // Long work (an import) stops when the server is asked to (Interruption.check).
            return try await Interruption.$requested.withValue(state.stopSignal) {
                try await next(request, context)
            }
        }
    }
}
