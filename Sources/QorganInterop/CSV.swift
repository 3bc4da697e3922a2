/// RFC 4180 CSV: fields may be quoted, quotes doubled, newlines inside quotes.
public enum CSV {
    public struct Record: Sendable {
        /// 1-based line on which the record starts.
        public var line: Int
        public var fields: [String]
    }

    public struct SyntaxError: Error, Sendable { public var line: Int; public var reason: String }

    public static func parse(_ text: String) throws -> [Record] {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { try parse($0) }
    }

    /// Works on UTF-8 bytes: the delimiters are ASCII, so fields are cut without decoding characters.
    static func parse(_ b: UnsafeMutableBufferPointer<UInt8>) throws -> [Record] {
        let quote: UInt8 = 34, comma: UInt8 = 44, cr: UInt8 = 13, lf: UInt8 = 10
        var records: [Record] = []
        var fields: [String] = []
        var line = 1
        var recordLine = 1
        var i = 0
        let n = b.count
        func endRecord() {
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
        }
        while i <= n {
            if i == n { break }
            if b[i] == quote {
                // A quoted field: "" is a quote; newlines are kept.
                var out: [UInt8] = []
                let startLine = line
                i += 1
                while true {
                    guard i < n else { throw SyntaxError(line: startLine, reason: "a quoted field is never closed") }
                    let c = b[i]
                    if c == quote {
                        if i + 1 < n && b[i + 1] == quote { out.append(quote); i += 2; continue }
                        i += 1
                        break
                    }
                    if c == lf { line += 1 }
                    out.append(c)
                    i += 1
                }
                fields.append(String(decoding: out, as: UTF8.self))
                if i < n && b[i] != comma && b[i] != lf && b[i] != cr {
                    throw SyntaxError(line: line, reason: "text after a closing quote")
                }
            } else {
                let start = i
                while i < n && b[i] != comma && b[i] != lf && b[i] != cr {
                    if b[i] == quote { throw SyntaxError(line: line, reason: "a quote inside an unquoted field (quote the whole field and double the quote)") }
                    i += 1
                }
                fields.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
            }
            if i >= n { endRecord(); break }
            switch b[i] {
            case comma:
                i += 1
                if i == n { fields.append(""); endRecord() }
            case cr:
                i += 1
                if i < n && b[i] == lf { i += 1 }
                endRecord(); line += 1; recordLine = line
            default:  // lf
                i += 1
                endRecord(); line += 1; recordLine = line
            }
        }
        return records
    }

    public static func escape(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    public static func line(_ fields: [String]) -> String { fields.map(escape).joined(separator: ",") }
}

import Foundation
