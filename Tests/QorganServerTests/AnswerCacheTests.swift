import Foundation
import Synchronization
import Testing

@testable import QorganServer

/// The same question asked by many at once is computed once; a failed computation is nobody
/// else's error.
@Suite struct AnswerCacheTests {
    static func answer(_ text: String) -> AnswerCache.Answer {
        AnswerCache.Answer(body: Data(text.utf8), contentType: "text/plain", filename: nil)
    }

    final class Counter: Sendable {
        private let n = Mutex(0)
        /// Counts one more; the count after it.
        func add() -> Int {
            n.withLock {
                $0 += 1
                return $0
            }
        }
        var count: Int { n.withLock { $0 } }
    }

    @Test func askedTogetherComputedOnce() async throws {
        let cache = AnswerCache()
        let computed = Counter()
        let bodies = try await withThrowingTaskGroup(of: Data.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    try await cache.answer("k") {
                        _ = computed.add()
                        try await Task.sleep(for: .milliseconds(200))
                        return Self.answer("forty-two")
                    }.body
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(bodies.count == 16)
        #expect(bodies.allSatisfy { $0 == Data("forty-two".utf8) })
        #expect(computed.count == 1)
        // Kept: asked again, it is not computed again; another key is.
        _ = try await cache.answer("k") {
            _ = computed.add()
            return Self.answer("again")
        }
        #expect(computed.count == 1)
        let other = try await cache.answer("other") {
            _ = computed.add()
            return Self.answer("other")
        }
        #expect(other.body == Data("other".utf8))
        #expect(computed.count == 2)
    }

    struct Left: Error {}

    @Test func whenTheFirstFailsTheOthersComputeForThemselves() async throws {
        let cache = AnswerCache()
        let computed = Counter()
        let results = await withTaskGroup(of: String.self) { group in
            for i in 0..<8 {
                group.addTask {
                    do {
                        let a = try await cache.answer("k") {
                            let n = computed.add()
                            try await Task.sleep(for: .milliseconds(200))
                            // The first computation fails (its client left, say).
                            if n == 1 { throw Left() }
                            return Self.answer("answer")
                        }
                        return String(decoding: a.body, as: UTF8.self)
                    } catch {
                        return "error \(i)"
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        // One error, for the request that computed and failed; every other got the answer.
        #expect(results.filter { $0.hasPrefix("error") }.count == 1)
        #expect(results.filter { $0 == "answer" }.count == 7)
        #expect(computed.count >= 2)
    }
}
