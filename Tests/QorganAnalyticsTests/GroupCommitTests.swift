import Foundation
import QorganAnalytics
import QorganCore
import QorganStore
import QorganTestSupport
import Testing

/// Saves that wait for the writer commit together (`CommitGroup`), each as if it had run alone:
/// from many threads at once on a server's pool, good saves, refused ones (a wrong value, a
/// malformed period) and dry runs; afterwards every good save is stored, in the log and in the
/// engine that follows it, and nothing of a refused save or a dry run is.
@Suite struct GroupCommitTests {
    final class Outcomes: @unchecked Sendable {
        let lock = NSLock()
        var stored: [String: String] = [:]  // "unit|period" → value
        var refused = 0
        var dryRuns = 0
        var unexpected: [String] = []
        func record(_ body: (Outcomes) -> Void) {
            lock.lock()
            body(self)
            lock.unlock()
        }
    }

    @Test func concurrentSavesCommitTogetherAndEachAsIfAlone() throws {
        let path = Fixtures.temporaryPath()
        do { try Store(path: path).importMetadata(Fixtures.smallCatalogDocument(), user: "test") }
        let store = try Store(path: path, concurrentReads: true)
        let (engine, _) = try AnalyticsEngine.open(store: store)
        let before = try store.lastChange()
        let outcomes = Outcomes()
        let units = ["A1", "A2", "B1"]
        // Sixteen threads of their own: `concurrentPerform` would run only as many at once as
        // there are cores, and two savers on a loaded machine may take turns and never meet.
        let finished = DispatchGroup()
        for thread in 0..<16 {
            finished.enter()
            Thread {
                defer { finished.leave() }
                Self.save(thread: thread, store: store, units: units, outcomes: outcomes)
            }.start()
        }
        finished.wait()
        #expect(outcomes.unexpected.isEmpty, "\(outcomes.unexpected)")
        // Saves did wait for each other and commit together.
        let grouped = store.groupedCommits
        #expect(grouped.saves == 16 * 25 && grouped.commits < grouped.saves, "\(grouped)")
        #expect(outcomes.refused == 16 * 5 && outcomes.dryRuns == 16 * 5)
        var stored = 0
        let catalog = try store.catalog()
        let element = try #require(catalog.element("SUM"))
        let male = try #require(catalog.optionCombo("M", of: element))
        for (key, value) in outcomes.stored {
            let parts = key.split(separator: "|").map(String.init)
            let v = try store.value(
                DataValueKey(
                    element: element.uid, period: try #require(Period.parse(parts[1])),
                    unit: try #require(catalog.unit(parts[0])).uid, optionCombo: male.uid,
                    attributeOptionCombo: CategoryOptionCombo.defaultUid))
            #expect(v?.value == value, "\(key)")
            stored += 1
        }
        #expect(stored > 100)
        // Nothing of the refused or dry-run saves: every stored value is one that was acknowledged.
        #expect(try store.valueCount() == stored)
        // Every acknowledged save is one entry in the log, and the engine following it has them all.
        #expect(try store.lastChange() - before == Int64(16 * 15))
        try store.catchUp()
        let fresh = try AnalyticsEngine.open(store: try Store(path: path)).0
        #expect(engine.snapshot().valueCount == fresh.snapshot().valueCount)
        #expect(engine.snapshot().valueCount == stored)
    }

    /// One thread's 25 saves: good ones, batches refused for a wrong value, dry runs.
    static func save(thread: Int, store: Store, units: [String], outcomes: Outcomes) {
        for n in 0..<25 {
            // Each thread writes keys of its own (a unit and a year), so that what it was told
            // is stored is what must be stored.
            let unit = units[thread % units.count]
            let period = String(format: "%04d%02d", 2011 + thread / units.count, n % 12 + 1)
            let value = String(thread * 100 + n)
            let key = "\(unit)|\(period)"
            let input = DataValueInput(element: "SUM", period: period, unit: unit, optionCombo: "M", value: value)
            do {
                switch n % 5 {
                case 3:
                    // A batch with a wrong value refuses both rows.
                    _ = try store.saveValues(
                        [
                            input,
                            DataValueInput(
                                element: "SUM", period: period, unit: unit, optionCombo: "F", value: "x"),
                        ],
                        user: "t")
                    outcomes.record { $0.unexpected.append("\(key): a wrong value was accepted") }
                case 4:
                    _ = try store.saveValues([input], user: "t", dryRun: true)
                    outcomes.record { $0.dryRuns += 1 }
                default:
                    _ = try store.saveValues([input], user: "t")
                    outcomes.record { $0.stored[key] = value }
                }
            } catch {
                if n % 5 == 3 {
                    outcomes.record { $0.refused += 1 }
                } else {
                    outcomes.record { $0.unexpected.append("\(key): \(error)") }
                }
            }
        }
    }
}
