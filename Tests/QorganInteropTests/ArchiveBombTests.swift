import Foundation
import QorganInterop
import QorganTestSupport
import Testing

/// An archive is bounded by the bytes it really unpacks to, not by what it declares: each bomb is
/// refused with its reason before it can unpack more than `Zip.maxUnpackedBytes`.
@Suite struct ArchiveBombTests {
    static let sheet = "xl/worksheets/sheet1.xml"

    func refused(_ entries: [ZipBombs.Entry], _ reason: String) {
        let archive = ZipBombs.archive(entries)
        #expect {
            try Zip.entries(archive)
        } throws: { error in
            let text = (error as? ArchiveError)?.description ?? "\(error)"
            #expect(text.contains(reason), "\(text)")
            return error is ArchiveError
        }
    }

    @Test func theEncoderOfTheBombsIsRealDeflate() throws {
        let honest = ZipBombs.archive([.zeros(Self.sheet, 100_000)])
        #expect(ZipBombs.deflatedZeros(100_000).count < 1_000)
        #expect(try Zip.entries(honest)[Self.sheet] == Data(count: 100_000))
    }

    @Test func anEntryThatUnpacksToMoreThanItDeclaresIsStoppedAtTheDeclaredSize() {
        // 64 MiB of zeros declared as 0 bytes: refused after one byte, not after 64 MiB.
        refused([.zeros(Self.sheet, 64 << 20, declared: 0)], "unpacks to more than it declares")
        refused([.zeros(Self.sheet, 1_000, declared: 999)], "unpacks to more than it declares")
        refused([.zeros(Self.sheet, 1_000, declared: 5_000)], "declares 5000 bytes but holds 1000")
    }

    @Test func entriesThatShareTheirBytesAreRefused() {
        // Six names (or two thousand) for one deflated blob.
        let blob = ZipBombs.Entry.zeros("a.xml", 1 << 20)
        let names = (0..<6).map { i in
            ZipBombs.Entry(name: "x\(i).xml", method: 8, body: [], declaredSize: 1 << 20, sharesWith: 0)
        }
        refused([blob] + names, "shares its bytes with another entry")
    }

    @Test func theWholeArchiveHasOneBudget() {
        // Each entry honest and under the limit, together over it: refused before unpacking the last.
        let each = Zip.maxUnpackedBytes / 3 + 1
        refused((0..<3).map { .zeros("s\($0).xml", each) }, "unpacks to more than \(Zip.maxUnpackedBytes >> 20) MB")
        refused([.zeros(Self.sheet, Zip.maxUnpackedBytes + 1)], "unpacks to more than")
    }

    @Test func tooManyEntriesOrOneNameTwiceAreRefused() {
        refused((0...Zip.maxEntries).map { .text("f\($0).xml", "x") }, "more than \(Zip.maxEntries) files")
        refused([.text(Self.sheet, "<a/>"), .text(Self.sheet, "<b/>")], "holds \(Self.sheet) twice")
    }

    @Test func aNestedArchiveIsNeverOpened() throws {
        let inner = ZipBombs.archive([.zeros("inner.xml", 1 << 20)])
        let outer = ZipBombs.archive([
            .text("[Content_Types].xml", "<Types/>"), ZipBombs.Entry(name: Self.sheet, body: Array(inner)),
        ])
        // The inner archive is a worksheet's text that holds no cells.
        #expect(try XLSX.firstSheet(outer).isEmpty)
    }

    @Test func aHugeSharedStringTableIsRefused() {
        let strings = String(repeating: "<si><t>a</t></si>", count: XLSX.maxSharedStrings + 1)
        let book = ZipBombs.archive(
            ZipBombs.workbook(sheet: "<c r=\"A1\" t=\"s\"><v>0</v></c>", sharedStrings: strings))
        #expect {
            try XLSX.firstSheet(book)
        } throws: { error in
            (error as? ArchiveError)?.description.contains("more than \(XLSX.maxSharedStrings) shared strings") == true
        }
    }
}
