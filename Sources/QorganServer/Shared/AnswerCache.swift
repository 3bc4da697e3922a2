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

    /// With a generation: the answer is kept for that generation only.
    func get(_ key: String, generation: UInt64) -> Answer? { get("\(generation)|" + key) }
    func put(_ key: String, generation: UInt64, _ answer: Answer) { put("\(generation)|" + key, answer) }
}
