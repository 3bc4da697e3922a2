import Foundation

/// Archives that lie: entries whose declared sizes are not what they hold, entries that share
/// their bytes, too many entries, DEFLATE that unpacks a thousandfold. For the tests that prove
/// an upload is bounded by the bytes it really produces.
public enum ZipBombs {
    public struct Entry: Sendable {
        public var name: String
        /// 0 stored, 8 deflated.
        public var method: Int
        public var body: [UInt8]
        /// The unpacked size the directory declares (the real one unless a test lies).
        public var declaredSize: Int
        /// The index of an earlier entry whose bytes this one points at, instead of its own.
        public var sharesWith: Int?

        public init(name: String, method: Int = 0, body: [UInt8], declaredSize: Int? = nil, sharesWith: Int? = nil) {
            self.name = name
            self.method = method
            self.body = body
            self.declaredSize = declaredSize ?? body.count
            self.sharesWith = sharesWith
        }

        /// An entry of `count` zero bytes, deflated (about 1/160 of the size), declaring `declared`.
        public static func zeros(_ name: String, _ count: Int, declared: Int? = nil) -> Entry {
            Entry(name: name, method: 8, body: ZipBombs.deflatedZeros(count), declaredSize: declared ?? count)
        }

        public static func text(_ name: String, _ text: String) -> Entry {
            Entry(name: name, body: Array(text.utf8))
        }
    }

    /// Raw DEFLATE (one fixed-Huffman block) of `count` zero bytes: a literal, then matches of 258
    /// bytes at distance 1.
    public static func deflatedZeros(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        var byte = 0
        var used = 0
        func put(_ value: Int, _ bits: Int, reversed: Bool) {
            for i in 0..<bits {
                let bit = reversed ? (value >> (bits - 1 - i)) & 1 : (value >> i) & 1
                byte |= bit << used
                used += 1
                if used == 8 {
                    out.append(UInt8(byte))
                    byte = 0
                    used = 0
                }
            }
        }
        put(1, 1, reversed: false)  // the last block
        put(1, 2, reversed: false)  // fixed Huffman
        guard count > 0 else {
            put(0, 7, reversed: true)
            if used > 0 { out.append(UInt8(byte)) }
            return out
        }
        put(0x30, 8, reversed: true)  // literal 0
        var left = count - 1
        while left >= 258 {
            put(0xC5, 8, reversed: true)  // length 258 (symbol 285)
            put(0, 5, reversed: true)  // distance 1
            left -= 258
        }
        for _ in 0..<left { put(0x30, 8, reversed: true) }
        put(0, 7, reversed: true)  // end of block
        if used > 0 { out.append(UInt8(byte)) }
        return out
    }

    /// A ZIP archive of `entries`, with their declared sizes and shared bytes as given.
    public static func archive(_ entries: [Entry]) -> Data {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le16(_ v: Int, _ d: inout [UInt8]) { d += [UInt8(v & 0xff), UInt8((v >> 8) & 0xff)] }
        func le32(_ v: Int, _ d: inout [UInt8]) { for i in 0..<4 { d.append(UInt8((v >> (8 * i)) & 0xff)) } }
        var offsets: [Int] = []
        for e in entries {
            let name = Array(e.name.utf8)
            if let shared = e.sharesWith {
                offsets.append(offsets[shared])
            } else {
                offsets.append(out.count)
                le32(0x0403_4b50, &out)
                le16(20, &out)
                le16(0, &out)
                le16(e.method, &out)
                le16(0, &out)
                le16(0x21, &out)
                le32(0, &out)
                le32(e.body.count, &out)
                le32(e.declaredSize, &out)
                le16(name.count, &out)
                le16(0, &out)
                out += name
                out += e.body
            }
        }
        for (e, offset) in zip(entries, offsets) {
            let name = Array(e.name.utf8)
            let body = e.sharesWith.map { entries[$0].body } ?? e.body
            le32(0x0201_4b50, &central)
            le16(20, &central)
            le16(20, &central)
            le16(0, &central)
            le16(e.method, &central)
            le16(0, &central)
            le16(0x21, &central)
            le32(0, &central)
            le32(body.count, &central)
            le32(e.declaredSize, &central)
            le16(name.count, &central)
            le16(0, &central)
            le16(0, &central)
            le16(0, &central)
            le16(0, &central)
            le32(0, &central)
            le32(offset, &central)
            central += name
        }
        let start = out.count
        out += central
        le32(0x0605_4b50, &out)
        le16(0, &out)
        le16(0, &out)
        le16(entries.count, &out)
        le16(entries.count, &out)
        le32(central.count, &out)
        le32(start, &out)
        le16(0, &out)
        return Data(out)
    }

    /// A minimal workbook around a sheet (and shared strings, when given).
    public static func workbook(sheet: String, sharedStrings: String? = nil) -> [Entry] {
        [.text("[Content_Types].xml", "<Types/>"), .text("xl/worksheets/sheet1.xml", sheet)]
            + (sharedStrings.map { [.text("xl/sharedStrings.xml", $0)] } ?? [])
    }

    /// The bombs sent to the form upload, each with what its refusal says.
    public static let formUploads: [(String, Data, String)] = {
        let sheet = "xl/worksheets/sheet1.xml"
        let each = 3 << 20
        return [
            (
                "a 64 MiB entry declared as empty", ZipBombs.archive([.zeros(sheet, 64 << 20, declared: 0)]),
                "unpacks to more than it declares"
            ),
            (
                "six names for one blob",
                ZipBombs.archive(
                    [.zeros("a.xml", 1 << 20)]
                        + (0..<6).map {
                            ZipBombs.Entry(
                                name: "x\($0).xml", method: 8, body: [], declaredSize: 1 << 20, sharesWith: 0)
                        }),
                "shares its bytes"
            ),
            ("2 000 names", ZipBombs.archive((0..<2000).map { .text("f\($0).xml", "x") }), "more than 256 files"),
            (
                "honest entries over the budget together", ZipBombs.archive((0..<3).map { .zeros("s\($0).xml", each) }),
                "unpacks to more than 8 MB"
            ),
            ("one name twice", ZipBombs.archive([.text(sheet, "<a/>"), .text(sheet, "<b/>")]), "twice"),
            (
                "a huge shared-string table",
                ZipBombs.archive(
                    ZipBombs.workbook(
                        sheet: "<c r=\"B1\" t=\"s\"><v>0</v></c>",
                        sharedStrings: String(repeating: "<si><t>a</t></si>", count: 100_001))),
                "shared strings"
            ),
        ]
    }()
}
