import Foundation
import QorganCore

/// Just enough XML for ADX: elements, attributes, text, comments, CDATA and the predefined and
/// numeric entities. A DOCTYPE is refused (no entity expansion, no external references).
enum XMLLite {
    struct Element {
        var name: String
        var attributes: [String: String]
        var depth: Int
        var line: Int
        /// The index of the enclosing element.
        var parent: Int?
        var text: String = ""
        var localName: Substring { name.split(separator: ":").last ?? Substring(name) }
    }

    struct SyntaxError: Error {
        var line: Int
        var reason: String
    }

    /// How deep elements may nest: ADX needs four levels (adx, group, dataValue, annotation).
    static let maxDepth = 32

    /// Elements in document order, each with its depth (the root is 0).
    static func parse(_ data: Data) throws -> [Element] {
        guard data.count <= 64 << 20 else {
            throw SyntaxError(line: 0, reason: "larger than 64 MB: split it into several files")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SyntaxError(line: 0, reason: "not UTF-8 text")
        }
        let s = Array(text.unicodeScalars)
        var i = 0
        var line = 1
        var out: [Element] = []
        var open: [Int] = []  // indexes into out
        func fail(_ reason: String) -> SyntaxError { SyntaxError(line: line, reason: reason) }
        func advance(_ n: Int = 1) {
            for _ in 0..<n where i < s.count {
                if s[i] == "\n" { line += 1 }
                i += 1
            }
        }
        func starts(_ p: String) -> Bool {
            let u = Array(p.unicodeScalars)
            return i + u.count <= s.count && Array(s[i..<(i + u.count)]) == u
        }
        func skip(until end: String) throws {
            while i < s.count, !starts(end) { advance() }
            guard i < s.count else { throw fail("'\(end)' never comes") }
            advance(end.unicodeScalars.count)
        }
        func decode(_ raw: [Unicode.Scalar]) throws -> String {
            var result = String.UnicodeScalarView()
            var j = 0
            while j < raw.count {
                if raw[j] == "&" {
                    guard let semi = raw[j...].firstIndex(of: ";"), semi - j <= 10 else {
                        throw fail("an '&' that starts no entity")
                    }
                    let name = String(String.UnicodeScalarView(raw[(j + 1)..<semi]))
                    switch name {
                    case "amp": result.append("&")
                    case "lt": result.append("<")
                    case "gt": result.append(">")
                    case "quot": result.append("\"")
                    case "apos": result.append("'")
                    default:
                        let number: UInt32? =
                            name.hasPrefix("#x")
                            ? UInt32(name.dropFirst(2), radix: 16)
                            : name.hasPrefix("#") ? UInt32(name.dropFirst()) : nil
                        guard let n = number, let scalar = Unicode.Scalar(n) else {
                            throw fail("unknown entity '&\(name);'")
                        }
                        result.append(scalar)
                    }
                    j = semi + 1
                } else {
                    result.append(raw[j])
                    j += 1
                }
            }
            return String(result)
        }
        func isNameChar(_ c: Unicode.Scalar) -> Bool {
            c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "-" || c == "." || c == ":"
        }
        while i < s.count {
            if starts("<?") {
                try skip(until: "?>")
            } else if starts("<!--") {
                try skip(until: "-->")
            } else if starts("<![CDATA[") {
                advance(9)
                let from = i
                try skip(until: "]]>")
                if let top = open.last { out[top].text += String(String.UnicodeScalarView(s[from..<(i - 3)])) }
            } else if starts("<!") {
                throw fail("a DOCTYPE or other declaration is not accepted")
            } else if starts("</") {
                advance(2)
                var name = ""
                while i < s.count, isNameChar(s[i]) {
                    name.unicodeScalars.append(s[i])
                    advance()
                }
                while i < s.count, s[i].properties.isWhitespace { advance() }
                guard i < s.count, s[i] == ">" else { throw fail("</\(name) is not closed with '>'") }
                advance()
                guard let top = open.popLast(), out[top].name == name else {
                    throw fail("</\(name)> closes an element that is not open")
                }
            } else if s[i] == "<" {
                advance()
                var name = ""
                while i < s.count, isNameChar(s[i]) {
                    name.unicodeScalars.append(s[i])
                    advance()
                }
                guard !name.isEmpty else { throw fail("'<' starts no element") }
                guard out.count < 10_000_000 else { throw fail("more than 10 000 000 elements") }
                if out.count & 4095 == 4095 { try Interruption.check() }
                guard open.count < maxDepth else { throw fail("<\(name)> nests deeper than \(maxDepth) levels") }
                var e = Element(name: name, attributes: [:], depth: open.count, line: line, parent: open.last)
                if open.isEmpty, !out.isEmpty { throw fail("a second root element <\(name)>") }
                var selfClosing = false
                while true {
                    while i < s.count, s[i].properties.isWhitespace { advance() }
                    guard i < s.count else { throw fail("<\(name) is never closed") }
                    if s[i] == ">" {
                        advance()
                        break
                    }
                    if starts("/>") {
                        advance(2)
                        selfClosing = true
                        break
                    }
                    var attribute = ""
                    while i < s.count, isNameChar(s[i]) {
                        attribute.unicodeScalars.append(s[i])
                        advance()
                    }
                    guard !attribute.isEmpty else { throw fail("unexpected '\(s[i])' in <\(name)>") }
                    while i < s.count, s[i].properties.isWhitespace { advance() }
                    guard i < s.count, s[i] == "=" else { throw fail("attribute \(attribute) has no value") }
                    advance()
                    while i < s.count, s[i].properties.isWhitespace { advance() }
                    guard i < s.count, s[i] == "\"" || s[i] == "'" else {
                        throw fail("the value of \(attribute) is not quoted")
                    }
                    let quote = s[i]
                    advance()
                    let from = i
                    while i < s.count, s[i] != quote {
                        if s[i] == "<" { throw fail("'<' in the value of \(attribute)") }
                        advance()
                    }
                    guard i < s.count else { throw fail("the value of \(attribute) is never closed") }
                    let value = try decode(Array(s[from..<i]))
                    advance()
                    guard e.attributes[attribute] == nil else { throw fail("attribute \(attribute) given twice") }
                    // Namespace declarations are not data.
                    if attribute != "xmlns", !attribute.hasPrefix("xmlns:") { e.attributes[attribute] = value }
                }
                out.append(e)
                if !selfClosing {
                    guard open.count < 64 else { throw fail("nested more than 64 deep") }
                    open.append(out.count - 1)
                }
            } else {
                let from = i
                while i < s.count, s[i] != "<" { advance() }
                let text = try decode(Array(s[from..<i]))
                if let top = open.last {
                    out[top].text += text
                } else if !text.allSatisfy({ $0.isWhitespace }) {
                    throw fail("text outside the root element")
                }
            }
        }
        if let top = open.last { throw fail("<\(out[top].name)> is never closed") }
        guard !out.isEmpty else { throw fail("no element") }
        return out
    }
}
