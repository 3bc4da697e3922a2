import Foundation
import QorganInterop
import QorganTestSupport
import Testing

/// Reading spreadsheets back: ZIP archives with stored and deflated entries (RFC 1951's three
/// kinds of block), and the cells of a workbook's first sheet.
@Suite struct SpreadsheetReadingTests {
    /// The raw stream unpacked through the public reader, as an archive entry declaring `size`.
    func inflate(_ base64: String, size: Int) throws -> String {
        let stream = try #require(Data(base64Encoded: base64))
        let archive = ZipBombs.archive([
            ZipBombs.Entry(name: "x.txt", method: 8, body: Array(stream), declaredSize: size)
        ])
        return String(decoding: try #require(try Zip.entries(archive)["x.txt"]), as: UTF8.self)
    }

    @Test func deflatedStoredFixedAndDynamicBlocksUnpack() throws {
        // zlib level 9 of "0,1,4,9,…" (dynamic Huffman codes), level 9 of a repetitive text (fixed
        // codes) and level 0 (a stored block).
        let squares = (0..<400).map { String($0 * $0) }.joined(separator: ",")
        let dynamic = [
            "LZXLgcQwCEMbysEYMNB/Y6vH7GXiSQDzkcT57ItvPnvfzc/fF/O9+No+O+ezq2eEvspiZCKbm3r2fH5D9vKWXYSeHV/e+bLe92T3",
            "9Cz9L71vfR/ZzSOuHO0ogplCGTHtKrg5twTXJfc+EnhkUsrIOshBGd5DFkbG98x3/cR345gyk8d9nIp3zdeRnePhik/SytwVz0OR",
            "nTu8dJu37vVRBnGUS5BVuPKLUKbxlHMU1VJGHtWTRsFOxfryJTVncRq9e0df5WXqpjxeyveVorxWvDpJc+RRuvOr1L1VyqBGuTSt",
            "76v8OpjFU87dyn6oQxY6KUt1U1VOn50VzTp3z3Fo8JOF2ixjM/zMrnMO+miPllrT3fubtNPzm7T/FpO4s0PZ+XjkDoip+TDAsLfY",
            "wFdZcu5mdPLTr6sRtj2xbM5v3z/H5q39o5VWG6eCmLXxa7ir914NnfPmM4fcZvOcBceQv2pWLfdQ1z0FQOyHEAciRh8uzoIL/bk/",
            "mFz6dt1477E4KuxjfcOJE3ReiCF+Mg9hH99kSlfT1fvH7K4Sl/1O9FbCkGLOV1UARKYvzuA7YOJOqg9qsHoicBYQpVd+hrOBKmUv",
            "G79gTbAFqBcEuhvMc3DprtCCMvdqRMMZDHs6cM5F9mO+gvzivYF+LQvqQYheboignGGMxnuWCme5DbtP7Ln1PgzOMXxIgq8mh2xc",
            "+Bl+FV//dZc0YZUBLms2yicShkcWBHvLsPegWKEGUbkkQyOkJfg2uhGj0PpFS/IYBNtepR3OtpojKKA+6JD+Q1FHm9JbMTPQK7FU",
            "d2VyryY0UBZdS6FRNoXWSbvwbdFGv6laUsCRzSh1cZp630nVTlPFcpMUiOZH/XmLq+d79n0faxNrn+ubG+cRk9JlU9z19l51TTkw",
            "Ir0fclOWyMNZpTjkrzTRD6OuutRYW285tUtN1IcKelJJf2o5KNxwfqvHRT+r6G1tn6vpuWinmH2YRR/m0qvNbcyrL7PryxzbmWnv",
            "fKVQ6FQy904woPRVYxf1iriqvRvMdIOfHrA0i6s5YGwMvI2BPcghcVu9ltQjeQFWJ8DtJBiexfM8sD2UrV8wPw3+RSl8B17IDpLY",
            "MduVY/W/flYrHWLpAcukAlBOD/hn5ydcgtn+e7PfKtey7/otm+0M1EZguUFvd60ZCqBL70920QYzRygkv6iGHkgIC5Ao9hAXPWZV",
            "ud5KdPvq9fzEe1AnWoWsa/uh8ddW/H+KhoLvP5/9FrsAbvr6vY1yH/oofd8loEu57/ZvDfw01c8KLMIYPFZ6WZvo//8y8FVoj986",
            "yNVuQZFO+E/VJS50yXv13mfFX+Ckn7H01QLZHRF3v4miWAo6u0r+90r+lkz+Ns7b+6J2F8VvQWjAZMbcWDtn91fa1pC/zSblpj4x",
            "j2plQO3SAd8NtX3Jt3sS+vOtd4Pq1mN/",
        ].joined()
        #expect(try inflate(dynamic, size: squares.utf8.count) == squares)
        let repeated =
            String(repeating: "Qorgan ", count: 40) + String(repeating: "<c r=\"C7\"><v>12</v></c>", count: 30)
        #expect(
            try inflate("C8wvSk/MUwgcpVApm2SFIlslZ3MlO5syO0MjG/0yOxv9ZLtR4VHhQSoMAA==", size: repeated.utf8.count)
                == repeated)
        #expect(try inflate("AQwA8/9zdG9yZWQgYmxvY2s=", size: 12) == "stored block")
    }

    @Test func aDamagedArchiveIsRefusedWithAReason() throws {
        #expect(throws: ArchiveError.self) { try Zip.entries(Data("not a zip at all".utf8)) }
        var cut = XLSX.workbook(sheets: [XLSX.Sheet(name: "S", header: ["a"], rows: [[.number(1)]])])
        cut.removeLast(30)
        #expect(throws: ArchiveError.self) { try Zip.entries(cut) }
        // A stored block whose length and its complement disagree.
        #expect(throws: ArchiveError.self) { try inflate("AQUAAAA=", size: 5) }
    }

    @Test func aWorkbookWrittenHereReadsBackCellByCell() throws {
        let book = XLSX.workbook(sheets: [
            XLSX.Sheet(
                name: "Form", header: ["Form", "SECURITY"],
                rows: [[.text("Unit"), .text("ALA & <co>")], [.empty, .number(42), .number(2.5), .text("Жетісу")]])
        ])
        let cells = try XLSX.firstSheet(book)
        #expect(cells["A1"] == "Form" && cells["B1"] == "SECURITY")
        #expect(cells["B2"] == "ALA & <co>")
        #expect(cells["B3"] == "42" && cells["C3"] == "2.5" && cells["D3"] == "Жетісу")
        #expect(cells["A3"] == nil)
    }
}
