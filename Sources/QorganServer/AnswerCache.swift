import Foundation
import Synchronization

/// Answers of the analytics API, kept while the engine does not change: the same query by
/// users of the same units at the same engine generation gets the same bytes. Any write
/// raises the generation, so no answer is ever older than the data (there is no refresh
/// job to wait for); dashboards polled by many people between writes are answered from here.
final class AnswerCache: Sendable {
    struct Answer: Sendable { var body: Data; var contentType: String; var filename: String? }

    private struct State {
        var generation: UInt64 = 0
        var answers: [String: Answer] = [:]
    }
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 512) { self.capacity = capacity }

    func get(_ key: String, generation: UInt64) -> Answer? {
        state.withLock { s in s.generation == generation ? s.answers[key] : nil }
    }

    func put(_ key: String, generation: UInt64, _ answer: Answer) {
        state.withLock { s in
            if s.generation != generation {
                guard generation > s.generation else { return }   // computed on an older state: drop it
                s.generation = generation
                s.answers.removeAll(keepingCapacity: true)
            }
            if s.answers.count >= capacity { s.answers.removeAll(keepingCapacity: true) }
            s.answers[key] = answer
        }
    }
}
