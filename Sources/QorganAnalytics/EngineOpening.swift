import Foundation
import QorganCore
import QorganStore

/// How an engine was opened: from a snapshot and the log after it, or from every stored value.
public struct EngineOpening: Sendable {
    /// The snapshot's sequence, when one was used.
    public var snapshotSequence: Int64?
    /// Why no snapshot was used, when one was looked for.
    public var snapshotIgnored: String?
    public var values: Int
    public var seconds: Double
}

extension AnalyticsEngine {
    /// Opens the engine on `store` and has it follow the store's change log: from the snapshot
    /// at `snapshot` and the log after it when that snapshot is usable (saved for this database
    /// and schema, undamaged, and the log still reaching back to it), else from every value.
    public static func open(store: Store, snapshot path: String? = nil) throws -> (
        AnalyticsEngine, EngineOpening
    ) {
        let clock = ContinuousClock()
        let start = clock.now
        var ignored: String? = nil
        var engine: AnalyticsEngine? = nil
        if let path {
            do {
                let (state, sequence) = try EngineSnapshot.read(
                    path, identity: try store.identity(), catalog: try store.catalog())
                if try store.logReaches(sequence) {
                    engine = AnalyticsEngine(state: state, sequence: sequence)
                } else {
                    ignored = "the change log no longer reaches back to its sequence \(sequence)"
                }
            } catch let e as EngineSnapshot.Unusable {
                ignored = e.description
            }
        }
        let snapshotSequence = engine?.sequence
        let loaded =
            try engine
            ?? store.readForEngine { catalog, ids, sequence, scan in
                try AnalyticsEngine.load(catalog: catalog, ids: ids, sequence: sequence, scan: scan)
            }
        // Completions are few: read whole, after the values; a completion committed since is
        // read again by the catch-up (its log entry lies after the engine's sequence).
        loaded.replaceCompletions(try store.completions())
        store.observe(loaded, from: loaded.sequence)
        try store.catchUp()
        let seconds = (clock.now - start) / .seconds(1)
        return (
            loaded,
            EngineOpening(
                snapshotSequence: snapshotSequence, snapshotIgnored: ignored, values: loaded.snapshot().valueCount,
                seconds: seconds)
        )
    }

    /// Saves the engine's columns at the sequence they reflect; returns that sequence.
    @discardableResult
    public func save(to path: String, store: Store) throws -> Int64 {
        let (state, sequence) = sequencedSnapshot()
        try EngineSnapshot.write(state, sequence: sequence, identity: try store.identity(), to: path)
        return sequence
    }
}
