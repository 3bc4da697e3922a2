import Foundation
import QorganAnalytics
import QorganCore

/// The programme report as data: what every format (HTML, PDF, XLSX, Markdown, JSON) shows.
public struct ReportDocument: Codable, Sendable {
    public enum Edition: String, Codable, Sendable { case full, `public` }

    public struct Cell: Codable, Sendable, Equatable {
        public var text: String
        public var number: Double?
        /// The query behind it (`dx=…&pe=…&ou=…`), when it is a figure of the data.
        public var trace: String?
        public var suppressed: Bool
        /// What count it is (`Disclosure.key`), for the public edition's one pass over the whole
        /// document; never written out (a suppressed cell says nothing of itself).
        public var key: String? = nil
        public init(
            text: String, number: Double? = nil, trace: String? = nil, suppressed: Bool = false, key: String? = nil
        ) {
            self.text = text
            self.number = number
            self.trace = trace
            self.suppressed = suppressed
            self.key = key
        }
        enum CodingKeys: String, CodingKey { case text, number, trace, suppressed }
    }

    public struct Table: Codable, Sendable {
        public var title: String
        public var header: [String]
        public var rows: [[Cell]]
    }

    public struct Section: Codable, Sendable {
        public var code: String
        public var title: String
        public var paragraphs: [String]
        public var tables: [Table]
        /// SVG charts.
        public var charts: [String]
    }

    public struct Progress: Codable, Sendable {
        public var path: String
        public var indicator: String
        public var name: String
        public var definition: String
        public var baseline: String
        public var target: String
        public var latest: String
        public var status: String
        public var statusCode: String
        public var verification: String
        public var frequency: String
        public var responsible: String
        public var trace: String?
        /// The latest value as a number (nil when there is none, or the public edition withholds it).
        public var latestValue: Double? = nil
        /// The baseline as a number, and its period: an observation too, withheld as one.
        public var baselineValue: Double? = nil
        public var baselinePeriod: String? = nil
    }

    public var title: String
    public var programme: String
    public var unit: String
    public var unitName: String
    public var periods: String
    public var language: String
    public var edition: Edition
    public var generated: String
    public var summary: [String]
    public var figures: [FigureResult]
    public var figureTraces: [String: String]
    public var progress: [Progress]
    public var sections: [Section]
    public var notes: [String]
    public var labels: [String: String]

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(self)
    }
}
