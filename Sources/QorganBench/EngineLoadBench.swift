import Foundation
import QorganAnalytics
import QorganCore
import QorganStore

/// The analytics engine's load of every value, from one database beside another (PostgreSQL
/// beside SQLite, say): the same engine code, only the store's scan differs.
public struct EngineLoadBench {
    let subject: DatabaseLocation
    let reference: DatabaseLocation
    let runs: Int
    let print: @Sendable (String) -> Void

    public init(
        subject: DatabaseLocation, reference: DatabaseLocation, runs: Int, print: @escaping @Sendable (String) -> Void
    ) {
        self.subject = subject
        self.reference = reference
        self.runs = runs
        self.print = print
    }

    /// Seconds to open an engine on `location` (every value scanned), and how many values it holds.
    static func load(_ location: DatabaseLocation) throws -> (seconds: Double, values: Int) {
        let store = try Store(location: location)
        let start = ContinuousClock.now
        let (engine, _) = try AnalyticsEngine.open(store: store)
        let d = ContinuousClock.now - start
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return (seconds, engine.snapshot().valueCount)
    }

    public func run() throws {
        var times: [String: [Double]] = [:]
        var counts: [String: Int] = [:]
        let names = ["reference": reference, "subject": subject]
        for run in 1...runs {
            for (name, location) in names.sorted(by: { $0.key < $1.key }) {
                let (seconds, values) = try Self.load(location)
                times[name, default: []].append(seconds)
                counts[name] = values
                print("run \(run)  \(name) \(location): \(String(format: "%.2f", seconds)) s, \(values) values")
            }
        }
        guard counts["reference"] == counts["subject"] else {
            throw QorganError.conflict("the two databases hold different numbers of values: \\(counts)")
        }
        let best = times.mapValues { $0.min() ?? 0 }
        let r = best["reference"] ?? 0
        let s = best["subject"] ?? 0
        let n = Double(counts["reference"] ?? 0)
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        print(
            "best of \(runs): reference \(reference) \(f(r)) s, \(subject) \(f(s)) s; ratio \(f(r > 0 ? s / r : 0))× "
                + "(\(f(r > 0 ? n / r : 0, 0)) and \(f(s > 0 ? n / s : 0, 0)) values/s)")
    }
}
