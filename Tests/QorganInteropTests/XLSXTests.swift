import Foundation
import QorganCore
import QorganInterop
import QorganTestSupport
import Testing

@Suite struct XLSXTests {
    @Test func theZipIsValidAndItsChecksumsAreRight() throws {
        #expect(Zip.crc32(Data("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        let book = XLSX.workbook(sheets: [XLSX.Sheet(name: "A/B:C", header: ["x"], rows: [[.number(1)]])])
        let entries = XLSXReading.entries(book)
        #expect(entries.keys.contains("[Content_Types].xml"))
        #expect(entries.keys.contains("xl/worksheets/sheet1.xml"))
        // Sheet names lose the characters Excel forbids.
        #expect(String(decoding: entries["xl/workbook.xml"]!, as: UTF8.self).contains("name=\"ABC\""))
        #expect(
            XLSX.column(0) == "A" && XLSX.column(25) == "Z" && XLSX.column(26) == "AA" && XLSX.column(701) == "ZZ"
                && XLSX.column(702) == "AAA")
    }

    /// An independent reader (openpyxl, installed by .ci/run) opens the workbook and finds
    /// real numbers, text with markup characters, and one sheet per table.
    @Test func openpyxlReadsNumbersAsNumbers() throws {
        let book = XLSX.workbook(sheets: [
            XLSX.Sheet(
                name: "Figures", header: ["unit", "2016", "2017"],
                rows: [
                    [.text("Almaty <city> & \"region\""), .number(32.1), .number(1579)],
                    [.text("Aktobe"), .empty, .number(-0.5)],
                ]),
            XLSX.Sheet(name: "Figures", header: ["second"], rows: [[.text("Қазақстан")]]),
        ])
        let path = NSTemporaryDirectory() + "qorgan-\(UUID().uuidString).xlsx"
        try book.write(to: URL(fileURLWithPath: path))
        let script = """
            import openpyxl, sys
            wb = openpyxl.load_workbook(sys.argv[1])
            ws = wb.worksheets[0]
            rows = [[c.value for c in r] for r in ws.iter_rows()]
            print(wb.sheetnames)
            print(rows)
            print(type(rows[1][1]).__name__, type(rows[1][2]).__name__)
            print(wb.worksheets[1].cell(2, 1).value)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, path]
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let error = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "openpyxl failed (pip install openpyxl): \(error)")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "['Figures', 'Figures 2']")
        #expect(
            lines.dropFirst().first
                == "[['unit', '2016', '2017'], ['Almaty <city> & \"region\"', 32.1, 1579], ['Aktobe', None, -0.5]]")
        #expect(lines.dropFirst(2).first == "float int")
        #expect(lines.last == "Қазақстан")
    }
}

@Suite struct JSONTextTests {
    /// Whatever a name holds, the analytics JSON stays valid and says it back.
    @Test func stringsAndNumbersRoundTripThroughAJSONParser() throws {
        let samples = [
            "plain", "quote \" and \\ backslash", "line\nbreak\ttab\r", "\u{1}\u{1f}control", "Қазақстан 🇰🇿", "",
        ]
        for s in samples {
            var j = JSONText()
            j.raw("[")
            j.string(s)
            j.raw(",")
            j.number(32.1)
            j.raw(",")
            j.number(1579)
            j.raw(",")
            j.number(.nan)
            j.raw("]")
            let parsed = try JSONSerialization.jsonObject(with: Data(j.bytes)) as! [Any]
            #expect(parsed[0] as? String == s)
            #expect(String(decoding: j.bytes, as: UTF8.self).hasSuffix(",32.1,1579,null]"))
        }
    }
}
