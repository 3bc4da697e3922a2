import Foundation

/// Writes Office Open XML workbooks (.xlsx): a sheet per table, numbers as numbers, text as
/// inline strings. Enough for LibreOffice, Excel and openpyxl; no dependency.
public enum XLSX {
    public enum Cell: Hashable, Sendable {
        case text(String)
        case number(Double)
        case empty
    }

    public struct Sheet: Sendable {
        public var name: String
        public var header: [String]
        public var rows: [[Cell]]
        public init(name: String, header: [String], rows: [[Cell]]) {
            self.name = name
            self.header = header
            self.rows = rows
        }
    }

    public static func workbook(sheets: [Sheet]) -> Data {
        var files: [(String, Data)] = []
        let sheetList = sheets.isEmpty ? [Sheet(name: "Sheet1", header: [], rows: [])] : sheets
        files.append(
            (
                "[Content_Types].xml",
                Data(
                    """
                    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                    <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                    <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
                    <Default Extension="xml" ContentType="application/xml"/>\
                    <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
                    <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
                    \(sheetList.indices.map { "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined())\
                    </Types>
                    """.utf8)
            ))
        files.append(
            (
                "_rels/.rels",
                Data(
                    """
                    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                    <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
                    </Relationships>
                    """.utf8)
            ))
        var used = Set<String>()
        let names = sheetList.map { sheet -> String in
            // Sheet names: at most 31 characters, none of []:*?/\ , unique.
            var n = String(sheet.name.filter { !"[]:*?/\\".contains($0) }.prefix(31))
            if n.isEmpty { n = "Sheet" }
            var candidate = n
            var i = 2
            while !used.insert(candidate.lowercased()).inserted {
                candidate = String(n.prefix(28)) + " \(i)"
                i += 1
            }
            return candidate
        }
        files.append(
            (
                "xl/workbook.xml",
                Data(
                    """
                    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                    <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
                    <sheets>\(names.enumerated().map { "<sheet name=\"\(escape($1))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined())</sheets>\
                    </workbook>
                    """.utf8)
            ))
        files.append(
            (
                "xl/_rels/workbook.xml.rels",
                Data(
                    """
                    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                    \(sheetList.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined())\
                    <Relationship Id="rId\(sheetList.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
                    </Relationships>
                    """.utf8)
            ))
        files.append(
            (
                "xl/styles.xml",
                Data(
                    """
                    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                    <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
                    <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
                    <fills count="1"><fill><patternFill patternType="none"/></fill></fills>\
                    <borders count="1"><border/></borders>\
                    <cellStyleXfs count="1"><xf/></cellStyleXfs>\
                    <cellXfs count="2"><xf/><xf fontId="1" applyFont="1"/></cellXfs>\
                    <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
                    </styleSheet>
                    """.utf8)
            ))
        for (i, sheet) in sheetList.enumerated() {
            files.append(("xl/worksheets/sheet\(i + 1).xml", Data(sheetXML(sheet).utf8)))
        }
        return Zip.stored(files)
    }

    static func sheetXML(_ sheet: Sheet) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
            """
        var r = 1
        if !sheet.header.isEmpty {
            out +=
                "<row r=\"1\">"
                + sheet.header.enumerated().map { c, h in
                    "<c r=\"\(column(c))1\" t=\"inlineStr\" s=\"1\"><is><t>\(escape(h))</t></is></c>"
                }.joined() + "</row>"
            r = 2
        }
        for row in sheet.rows {
            out += "<row r=\"\(r)\">"
            for (c, cell) in row.enumerated() {
                let ref = "\(column(c))\(r)"
                switch cell {
                case .text(let s):
                    out += "<c r=\"\(ref)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(s))</t></is></c>"
                case .number(let d) where d.isFinite:
                    let text = d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
                    out += "<c r=\"\(ref)\"><v>\(text)</v></c>"
                case .number, .empty: break
                }
            }
            out += "</row>"
            r += 1
        }
        return out + "</sheetData></worksheet>"
    }

    /// A, B, …, Z, AA, …
    public static func column(_ index: Int) -> String {
        var n = index + 1
        var s = ""
        while n > 0 {
            let m = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + m))) + s
            n = (n - 1) / 26
        }
        return s
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(ch)
            default:
                // Characters XML 1.0 cannot carry are dropped.
                if ch.value >= 0x20 { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }
}

/// A ZIP archive of stored (uncompressed) entries, as OOXML packages may be.
public enum Zip {
    public static func stored(_ files: [(name: String, data: Data)]) -> Data {
        var out = Data()
        var central = Data()
        func le16(_ v: Int, _ d: inout Data) {
            d.append(UInt8(v & 0xff))
            d.append(UInt8((v >> 8) & 0xff))
        }
        func le32(_ v: UInt32, _ d: inout Data) { for i in 0..<4 { d.append(UInt8((v >> (8 * UInt32(i))) & 0xff)) } }
        let dosTime = 0
        let dosDate = (0 << 9) | (1 << 5) | 1  // 1980-01-01 00:00: reproducible archives
        for (name, data) in files {
            let nameBytes = Data(name.utf8)
            let crc = crc32(data)
            let offset = UInt32(out.count)
            le32(0x0403_4b50, &out)
            le16(20, &out)
            le16(0x0800, &out)
            le16(0, &out)
            le16(dosTime, &out)
            le16(dosDate, &out)
            le32(crc, &out)
            le32(UInt32(data.count), &out)
            le32(UInt32(data.count), &out)
            le16(nameBytes.count, &out)
            le16(0, &out)
            out.append(nameBytes)
            out.append(data)

            le32(0x0201_4b50, &central)
            le16(20, &central)
            le16(20, &central)
            le16(0x0800, &central)
            le16(0, &central)
            le16(dosTime, &central)
            le16(dosDate, &central)
            le32(crc, &central)
            le32(UInt32(data.count), &central)
            le32(UInt32(data.count), &central)
            le16(nameBytes.count, &central)
            le16(0, &central)
            le16(0, &central)
            le16(0, &central)
            le16(0, &central)
            le32(0, &central)
            le32(offset, &central)
            central.append(nameBytes)
        }
        let centralOffset = UInt32(out.count)
        out.append(central)
        le32(0x0605_4b50, &out)
        le16(0, &out)
        le16(0, &out)
        le16(files.count, &out)
        le16(files.count, &out)
        le32(UInt32(central.count), &out)
        le32(centralOffset, &out)
        le16(0, &out)
        return out
    }

    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func crc32(_ data: Data) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in data { c = table[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xffff_ffff
    }
}
