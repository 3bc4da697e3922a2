import Foundation
import GRDB
import GRDBSQLite
import PostgresNIO
import QorganCore

/// Times as stored (milliseconds) and as shown (ISO 8601, UTC, to the millisecond).
public enum Timestamp {
    /// Milliseconds since 1970-01-01 UTC, as values and their history store time.
    public static func millis(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    public static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    public static func string(_ d: Date) -> String {
        d.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// For people: `2017-12-04 09:30 UTC`.
    public static func display(_ d: Date) -> String { display(d, in: TimeZone(secondsFromGMT: 0) ?? .current) }

    /// For people where they live: `2017-12-04 14:30 (UTC+5)` in Asia/Almaty; `UTC` for UTC itself.
    public static func display(_ d: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: d)
        let local = d.timeIntervalSince1970 + Double(offset)
        let day = Day(ordinal: Int((local / 86_400).rounded(.down)))
        let minutes = Int((local - 86_400 * (local / 86_400).rounded(.down)) / 60)
        let time = "\(day) " + String(format: "%02d:%02d", minutes / 60, minutes % 60)
        guard offset != 0 else { return time + " UTC" }
        let hours = abs(offset) / 3600
        let rest = (abs(offset) % 3600) / 60
        return time + " (UTC\(offset < 0 ? "−" : "+")\(hours)\(rest == 0 ? "" : String(format: ":%02d", rest)))"
    }
}
