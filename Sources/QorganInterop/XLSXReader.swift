import Foundation

extension XLSX {
    /// The cells of a workbook's first sheet, by reference ("C7") → text as the cell shows it
    /// (shared and inline strings resolved, numbers as written). Reads what Excel, LibreOffice,
    /// openpyxl and `XLSX.workbook` write.
    public static func firstSheet(_ workbook: Data) throws -> [String: String] {
        let files = try Zip.entries(workbook)
        guard
            let sheet = files["xl/worksheets/sheet1.xml"]
                ?? files.keys.sorted().first(where: {
                    $0.hasPrefix("xl/worksheets/") && $0.hasSuffix(".xml")
                }).flatMap({ files[$0] })
        else { throw ArchiveError("not a spreadsheet: the archive has no worksheet") }
        let shared = try files["xl/sharedStrings.xml"].map { try strings($0) } ?? []
        var cells: [String: String] = [:]
        let xml = String(decoding: sheet, as: UTF8.self)
        var rest = xml[...]
        while let open = rest.range(of: "<c ") ?? rest.range(of: "<c>") {
            guard let tagEnd = rest[open.upperBound...].firstIndex(of: ">") else { break }
            let attributes = String(rest[open.lowerBound..<tagEnd])
            let selfClosing = attributes.hasSuffix("/")
            var body = ""
            if selfClosing {
                rest = rest[rest.index(after: tagEnd)...]
            } else if let close = rest[tagEnd...].range(of: "</c>") {
                body = String(rest[rest.index(after: tagEnd)..<close.lowerBound])
                rest = rest[close.upperBound...]
            } else {
                break
            }
            guard let ref = attribute("r", in: attributes) else { continue }
            let type = attribute("t", in: attributes) ?? "n"
            let text: String?
            switch type {
            case "s":
                text = element("v", in: body).flatMap { Int($0) }.flatMap {
                    shared.indices.contains($0) ? shared[$0] : nil
                }
            case "inlineStr": text = texts(in: body)
            case "b": text = element("v", in: body).map { $0 == "1" ? "true" : "false" }
            default: text = element("v", in: body).map(unescape)
            }
            if let text { cells[ref] = text }
        }
        return cells
    }

    /// The most shared strings a workbook may hold: a form's sheet has a few hundred.
    public static let maxSharedStrings = 100_000

    /// The shared strings, each the runs of its `<si>` joined.
    static func strings(_ data: Data) throws -> [String] {
        // Counted on the bytes before any string is made: memchr finds each '<'.
        let items = data.withUnsafeBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            var count = 0
            var at = 0
            while count <= maxSharedStrings, at + 4 <= raw.count,
                let found = memchr(base + at, 0x3C, raw.count - at)
            {
                let i = base.distance(to: UnsafeRawPointer(found))
                // "<si>"
                if i + 4 <= raw.count, raw[i + 1] == 0x73, raw[i + 2] == 0x69, raw[i + 3] == 0x3E { count += 1 }
                at = i + 1
            }
            return count
        }
        guard items <= maxSharedStrings else {
            throw ArchiveError("the workbook holds more than \(maxSharedStrings) shared strings")
        }
        let xml = String(decoding: data, as: UTF8.self)
        return xml.components(separatedBy: "<si>").dropFirst().map { texts(in: $0.components(separatedBy: "</si>")[0]) }
    }

    /// Every `<t>` of a string item, joined (rich text comes in runs).
    static func texts(in xml: String) -> String {
        var out = ""
        var rest = xml[...]
        while let open = rest.range(of: "<t") {
            guard let tagEnd = rest[open.upperBound...].firstIndex(of: ">") else { break }
            let tag = rest[open.upperBound..<tagEnd]
            // Only <t> and <t …>, not <tag…> of another name.
            guard tag.isEmpty || tag.first == " " else {
                rest = rest[tagEnd...]
                continue
            }
            if tag.hasSuffix("/") {
                rest = rest[rest.index(after: tagEnd)...]
                continue
            }
            guard let close = rest[tagEnd...].range(of: "</t>") else { break }
            out += unescape(String(rest[rest.index(after: tagEnd)..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return out
    }

    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>"),
            open.upperBound <= close.lowerBound
        else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
    }

    static func attribute(_ name: String, in tag: String) -> String? {
        for quote in ["\"", "'"] {
            if let r = tag.range(of: " \(name)=\(quote)"),
                let end = tag[r.upperBound...].firstIndex(of: Character(quote))
            {
                return unescape(String(tag[r.upperBound..<end]))
            }
        }
        return nil
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = s[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let code =
                    entity.hasPrefix("#x")
                    ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let code, let scalar = Unicode.Scalar(code) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "&" + entity + ";"
                }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
