import Foundation
import Synchronization

/// Answers kept under keys that name everything they depend on (for analytics: the query, the
/// asker's units and language, and the generations of the metadata and of every element the
/// query reads), so a kept answer is never older than the data: any write to what it reads
/// changes its key. There is no refresh job to wait for; dashboards polled by many people
/// between writes are answered from here. Bounded: when full, it starts again empty.
final class AnswerCache: Sendable {
    struct Answer: Sendable {
        var body: Data
        var contentType: String
        var filename: String?
        /// The body's entity tag, for answers anyone may cache (computed once, with the body).
        var tag: String? = nil
    }

    private let answers = Mutex<[String: Answer]>([:])
    let capacity: Int

    init(capacity: Int = 512) { self.capacity = capacity }

    func get(_ key: String) -> Answer? { answers.withLock { $0[key] } }

    func put(_ key: String, _ answer: Answer) {
        answers.withLock { a in
            if a.count >= capacity { a.removeAll(keepingCapacity: true) }
            a[key] = answer
        }
    }

    /// Answers being computed, by key: a request that finds its answer under way waits for it
    /// instead of computing it again (many people opening a dashboard just after a write, when
    /// every one of them would otherwise compute the same new answer at once).
    private let flights = Mutex<[String: Flight]>([:])

    /// One answer under way, and the requests waiting for it.
    final class Flight: Sendable {
        private struct State {
            var done = false
            var answer: Answer?
            var waiters: [CheckedContinuation<Answer?, Never>] = []
        }
        private let state = Mutex(State())

        /// The answer once computed; nil when its computation failed or its client left.
        func wait() async -> Answer? {
            await withCheckedContinuation { c in
                let ready: Answer?? = state.withLock { s in
                    if s.done { return .some(s.answer) }
                    s.waiters.append(c)
                    return .none
                }
                if let ready { c.resume(returning: ready) }
            }
        }

        func finish(_ answer: Answer?) {
            let waiters = state.withLock { s in
                s.done = true
                s.answer = answer
                defer { s.waiters = [] }
                return s.waiters
            }
            for w in waiters { w.resume(returning: answer) }
        }
    }

    /// The answer under `key`: kept, or computed by a request already under way (awaited), or
    /// computed here and kept. When the computation waited for fails (its client left, say),
    /// each waiter computes for itself: nobody gets another's error.
    func answer(_ key: String, compute: () async throws -> Answer) async throws -> Answer {
        if let hit = get(key) { return hit }
        let (flight, leads) = flights.withLock { f -> (Flight, Bool) in
            if let under = f[key] { return (under, false) }
            let new = Flight()
            f[key] = new
            return (new, true)
        }
        guard leads else {
            if let shared = await flight.wait() { return shared }
            let own = try await compute()
            put(key, own)
            return own
        }
        do {
            let a = try await compute()
            // Kept before the flight ends: a request arriving in between finds one or the other.
            put(key, a)
            flights.withLock { $0[key] = nil }
            flight.finish(a)
            return a
        } catch {
            flights.withLock { $0[key] = nil }
            flight.finish(nil)
            throw error
        }
    }

    /// With a generation: the answer is kept for that generation only.
    func get(_ key: String, generation: UInt64) -> Answer? { get("\(generation)|" + key) }
    func put(_ key: String, generation: UInt64, _ answer: Answer) { put("\(generation)|" + key, answer) }
}
