import Foundation
import QorganCore

/// RFC 4180 CSV: fields may be quoted, quotes doubled, newlines inside quotes.
public enum CSV {
    public struct Record: Sendable {
        /// 1-based line on which the record starts.
        public var line: Int
        public var fields: [String]
    }

    public struct SyntaxError: Error, Sendable {
        public var line: Int
        public var reason: String
    }

    public static func parse(_ text: String) throws -> [Record] {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { b in
            let chunks = split(
                UnsafeBufferPointer(b), parts: b.count < 4_000_000 ? 1 : ProcessInfo.processInfo.activeProcessorCount)
            if chunks.count == 1 { return try parse(b, firstLine: 1) }
            // Large files: each chunk starts on a record boundary, so the chunks parse on their own.
            final class Parts: @unchecked Sendable {  // each chunk writes its own slot
                var records: [[Record]]
                var errors: [SyntaxError?]
                init(_ n: Int) {
                    records = Array(repeating: [], count: n)
                    errors = Array(repeating: nil, count: n)
                }
            }
            let parts = Parts(chunks.count)
            nonisolated(unsafe) let buffer = b
            DispatchQueue.concurrentPerform(iterations: chunks.count) { k in
                let c = chunks[k]
                do {
                    parts.records[k] = try parse(
                        UnsafeMutableBufferPointer(rebasing: buffer[c.start..<c.end]), firstLine: c.line)
                } catch let e as SyntaxError {
                    parts.errors[k] = e
                } catch {}
            }
            if let e = parts.errors.compactMap({ $0 }).first { throw e }
            return parts.records.flatMap { $0 }
        }
    }

    /// Cuts the bytes into about `parts` pieces at newlines outside quotes, with the line each starts on.
    static func split(_ b: UnsafeBufferPointer<UInt8>, parts: Int) -> [(start: Int, end: Int, line: Int)] {
        guard parts > 1 else { return [(0, b.count, 1)] }
        var result: [(start: Int, end: Int, line: Int)] = []
        let target = b.count / parts
        var start = 0
        var startLine = 1
        var line = 1
        var inQuotes = false
        for i in 0..<b.count {
            let c = b[i]
            if c == 34 {
                inQuotes.toggle()
            }  // a doubled quote toggles twice
            else if c == 10 {
                line += 1
                if !inQuotes && i + 1 - start >= target && result.count < parts - 1 {
                    result.append((start, i + 1, startLine))
                    start = i + 1
                    startLine = line
                }
            }
        }
        result.append((start, b.count, startLine))
        return result
    }

    /// Works on UTF-8 bytes: the delimiters are ASCII, so fields are cut without decoding characters.
    static func parse(_ b: UnsafeMutableBufferPointer<UInt8>, firstLine: Int) throws -> [Record] {
        let quote: UInt8 = 34
        let comma: UInt8 = 44
        let cr: UInt8 = 13
        let lf: UInt8 = 10
        var records: [Record] = []
        var fields: [String] = []
        var line = firstLine
        var recordLine = firstLine
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
                        if i + 1 < n && b[i + 1] == quote {
                            out.append(quote)
                            i += 2
                            continue
                        }
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
                    if b[i] == quote {
                        throw SyntaxError(
                            line: line,
                            reason: "a quote inside an unquoted field (quote the whole field and double the quote)")
                    }
                    i += 1
                }
                fields.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
            }
            if i >= n {
                endRecord()
                break
            }
            switch b[i] {
            case comma:
                i += 1
                if i == n {
                    fields.append("")
                    endRecord()
                }
            case cr:
                i += 1
                if i < n && b[i] == lf { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            default:  // lf
                i += 1
                endRecord()
                line += 1
                recordLine = line
            }
        }
        return records
    }

    public static func escape(_ s: String) -> String { csvField(s) }

    public static func line(_ fields: [String]) -> String { fields.map(escape).joined(separator: ",") }
}
