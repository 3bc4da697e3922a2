import Foundation
import QorganCore
import QorganInterop
import QorganStore
import QorganTestSupport
import Testing

/// Values in and out: every kind of bad row rejects the whole file and leaves the
/// database file byte-for-byte as it was.
@Suite struct ValueImportTests {
    static let header =
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup,deleted"
    static let good = "SUM,201601,A1,M,,10,,,,,"

    /// A database file holding the small catalog and one value.
    func databaseFile() throws -> String {
        let path = Fixtures.temporaryPath()
        let s = try Store(path: path)
        try s.importMetadata(Fixtures.smallCatalogDocument(), user: "test")
        try s.saveValues(
            try DataValueCSV.parse(Self.header + "\nSUM,201512,A1,F,,1,,,,,\n", source: "seed"), user: "test")
        return path
    }

    func fileBytes(_ path: String) -> [Data?] {
        ["", "-wal"].map { FileManager.default.contents(atPath: path + $0) }
    }

    @Test(arguments: [
        ("NOPE,201601,A1,,,1,,,,,", "dataelement", "no data element with code or uid 'NOPE'"),
        ("SUM,2016X1,A1,M,,1,,,,,", "period", "not a period identifier"),
        ("SUM,2016,A1,M,,1,,,,,", "period", "is reported Monthly"),
        ("SUM,201601,NOWHERE,M,,1,,,,,", "orgunit", "no organisation unit"),
        ("SUM,201601,OLD,M,,1,,,,,", "orgunit", "not open throughout 201601"),
        ("YEARLY,2016,A,,,1,,,,,", "orgunit", "does not report"),
        ("SUM,201601,A1,X,,1,,,,,", "categoryoptioncombo", "has no option combination 'X'"),
        ("SUM,201601,A1,,,1,,,,,", "categoryoptioncombo", "is disaggregated"),
        ("AVG,201601,A1,,NOPE,1,,,,,", "attributeoptioncombo", "only 'default' exists"),
        ("AVG,201601,A1,,,ten,,,,,", "value", "'ten' is not a number"),
        ("INT,201601,A1,,,2.5,,,,,", "value", "not a whole number"),
        ("POS,201601,A1,,,-3,,,,,", "value", "zero or positive"),
        ("PCT,201601,A1,,,150,,,,,", "value", "between 0 and 100"),
        ("BOOL,201601,A1,,,maybe,,,,,", "value", "not true or false"),
        ("AVG,201601,A1,,,,,,,,", "value", "the value is empty"),
        ("AVG,201601,A1,,,1,,,,,perhaps", "deleted", "not true or false"),
        ("AVG,201601,A1,,,1,,,,often,", "followup", "not true or false"),
        ("SUM,201601,A1,M,,12,,,,,", "value", "already given at line 2"),
    ])
    func badRowRejectsTheWholeFile(row: String, field: String, reason: String) throws {
        let path = try databaseFile()
        let before = fileBytes(path)
        try attemptBadImport(path: path, row: row, field: field, reason: reason)
        // The store is closed again: the file is exactly as it was.
        #expect(fileBytes(path) == before)
    }

    /// A batch's resolver remembers elements, units, combinations and periods from row to row
    /// (and a large batch is checked on every core): its answers are those of each row checked
    /// on its own, whatever order good and bad references come in, padded or not.
    @Test func whatTheResolverRemembersChangesNoAnswer() throws {
        let path = try databaseFile()
        let catalog = try Store(path: path).catalog()
        let rows = [
            "SUM,201601,A1,M,,10,,,,,", "SUM,201602, A1 ,F,,3,,,,,", "SUM,201601,A1,X,,1,,,,,",
            "SUM,201601,A1,,,1,,,,,", "NOPE,201601,A1,,,1,,,,,", "SUM,2016X1,A1,M,,1,,,,,", "SUM,2016,A1,M,,1,,,,,",
            "SUM,201601,NOWHERE,M,,1,,,,,", "SUM,201601,OLD,M,,1,,,,,", "YEARLY,2016,A,,,1,,,,,",
            "YEARLY,2016,A1,,,4,,,,,", "AVG,201601,A1,,NOPE,1,,,,,", "AVG,201601,A1,,,ten,,,,,",
            "AVG,201601, A1,, default ,2,,,,,", "INT,201601,A1,,,2.5,,,,,", "INT,201601,A1,,,7,,,,,",
            "PCT,201601,A1,,,150,,,,,", "BOOL,201601,A1,,,maybe,,,,,", "AVG,201601,A1,,,1,,,,,perhaps",
            "SUM,201603,A1,M,,,,,,,true", " SUM ,201604,A1,F,,5,,,,,",
        ]
        var generator = SystemRandomNumberGenerator()
        var csv = Self.header + "\n"
        for _ in 0..<25_000 { csv += (rows.randomElement(using: &generator) ?? rows[0]) + "\n" }
        let inputs = try DataValueCSV.parse(csv, source: "mixed.csv")
        func described(_ v: Validated<ResolvedValue>) -> String {
            switch v {
            case .valid(let r): return "valid \(r)"
            case .invalid(let ps): return "invalid \(ps)"
            }
        }
        let together = ValueResolver.resolveAll(inputs, catalog: catalog).map(described)
        let apart = inputs.map { described(catalog.resolve($0)) }
        #expect(together.count == inputs.count)
        let differing = zip(together, apart).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(differing.isEmpty, "\(differing.prefix(3))")
        // Both kinds are there: the comparison is not between two empty answers.
        #expect(together.contains { $0.hasPrefix("valid") } && together.contains { $0.hasPrefix("invalid") })
    }

    func attemptBadImport(path: String, row: String, field: String, reason: String) throws {
        let s = try Store(path: path)
        let csv = Self.header + "\n" + Self.good + "\n" + row + "\n"
        do {
            try s.saveValues(try DataValueCSV.parse(csv, source: "bad.csv"), source: "bad.csv", user: "test")
            Issue.record("the file should have been rejected: \(row)")
        } catch let QorganError.rejected(source, problems) {
            #expect(source == "bad.csv")
            let p = try #require(problems.first { $0.field == field })
            #expect(p.line == 3)
            #expect(p.reason.contains(reason), "\(p.reason)")
            #expect(problems.allSatisfy { $0.line == 3 }, "only the bad line is blamed: \(problems)")
        }
        #expect(try s.valueCount() == 1)
        #expect(try s.auditCount() == 1)
    }

    @Test(arguments: TestBackend.allCases) func everyProblemIsListedNotOnlyTheFirst(on backend: TestBackend) throws {
        let s = try backend.smallStore()
        let csv = Self.header + "\nNOPE,201601,A1,,,1,,,,,\nAVG,2016,A1,,,x,,,,,\nAVG,201601,A1,,,1,,,,,\n"
        #expect {
            try s.saveValues(try DataValueCSV.parse(csv, source: "f.csv"), source: "f.csv", user: "t")
        } throws: { error in
            guard case QorganError.rejected(_, let problems) = error else { return false }
            let text = QorganError.rejected(source: "f.csv", problems: problems).description
            return problems.count == 3 && text.contains("line 2") && text.contains("line 3, field 'period'")
                && text.contains("line 3, field 'value', value 'x'") && text.contains("nothing was changed")
        }
        #expect(try s.valueCount() == 0)
    }

    @Test(arguments: [
        (header + "\n\"SUM,201601,A1\n", "never closed"),
        (header + "\nSUM,201601,A1,M\n", "4 columns"),
        ("dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,amount\n", "unknown column"),
        ("dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo\n", "no 'value' column"),
    ])
    func malformedFilesAreRejectedWithTheLine(csv: String, reason: String) {
        #expect {
            _ = try DataValueCSV.parse(csv, source: "x.csv")
        } throws: { error in
            guard case QorganError.rejected(let src, let problems) = error else { return false }
            return src == "x.csv"
                && problems.contains {
                    $0.line != nil && ($0.reason.contains(reason) || ($0.field.map { reason.contains($0) } ?? false))
                }
        }
    }

    @Test func csvQuotingHeaderOrderAndNoHeader() throws {
        let csv =
            "value,orgunit,period,dataelement,categoryoptioncombo,attributeoptioncombo,comment\n"
            + "7,A1,201601,SUM,M,,\"checked, twice; said \"\"ok\"\"\"\n"
        let rows = try DataValueCSV.parse(csv, source: "q.csv")
        #expect(rows.count == 1)
        #expect(rows[0].comment == "checked, twice; said \"ok\"")
        #expect(rows[0].value == "7" && rows[0].element == "SUM" && rows[0].line == 2)
        let bare = try DataValueCSV.parse("SUM,201601,A1,M,,7\r\nSUM,201601,A1,F,,8\r\n", source: "b.csv")
        #expect(bare.map(\.value) == ["7", "8"])
        #expect(bare.map(\.line) == [1, 2])
    }

    @Test func largeFilesParseInChunksWithTheSameLines() throws {
        var text = Self.header + "\n"
        for i in 0..<120_000 {
            let comment = i % 997 == 0 ? "\"two\nlines, \"\"quoted\"\"\"" : "c\(i)"
            text += "SUM,201601,A1,M,,\(i),,,\(comment),,\n"
        }
        #expect(text.utf8.count > 4_000_000)
        let records = try CSV.parse(text)
        #expect(records.count == 120_001)
        // Lines count the newlines inside quoted fields, as a sequential read does.
        var line = 1
        var wrong = 0
        for r in records {
            if r.line != line { wrong += 1 }
            line += 1 + r.fields.reduce(0) { $0 + $1.filter { $0 == "\n" }.count }
        }
        #expect(wrong == 0)
        #expect(records[998].fields[8] == "two\nlines, \"quoted\"")
        #expect(records.last?.fields[5] == "119999")
        #expect {
            _ = try CSV.parse(text + "SUM,201601,A1,M,,1,,,\"never closed\n")
        } throws: { e in (e as? CSV.SyntaxError)?.line == line }
    }

    @Test(arguments: TestBackend.allCases) func dryRunCountsAndChangesNothing(on backend: TestBackend) throws {
        let s = try backend.smallStore()
        try s.saveValues(
            try DataValueCSV.parse("SUM,201601,A1,M,,10\nSUM,201601,A1,F,,5\nAVG,201601,A1,,,1\n", source: "a"),
            user: "t")
        let next =
            "SUM,201601,A1,M,,10\nSUM,201601,A1,F,,6\nAVG,201601,A1,,,,,,,,true\nAVG,201602,A1,,,2\nAVG,201603,A1,,,3\n"
        let dry = try s.saveValues(try DataValueCSV.parse(next, source: "b"), user: "t", dryRun: true)
        #expect(
            dry
                == {
                    var x = ImportSummary()
                    x.imported = 2
                    x.updated = 1
                    x.unchanged = 1
                    x.deleted = 1
                    x.dryRun = true
                    return x
                }())
        #expect(try s.valueCount() == 3)
        #expect(try s.auditCount() == 3)
        let real = try s.saveValues(try DataValueCSV.parse(next, source: "b"), user: "t")
        #expect(real.imported == 2 && real.updated == 1 && real.unchanged == 1 && real.deleted == 1 && !real.dryRun)
        #expect(try s.valueCount() == 4)
    }

    @Test(arguments: TestBackend.allCases) func auditTrailKeepsEveryChange(on backend: TestBackend) throws {
        let s = try backend.smallStore()
        let c = try s.catalog()
        let key = DataValueKey(element: c.element("AVG")!.uid, period: try Period("201601"), unit: c.unit("A1")!.uid)
        func save(_ v: String, by user: String, deleted: Bool = false, comment: String? = nil) throws {
            try s.saveValues(
                [
                    DataValueInput(
                        element: "AVG", period: "201601", unit: "A1", value: v, comment: comment,
                        deleted: deleted ? "true" : nil)
                ], user: user)
        }
        try save("5", by: "aigerim")
        try save("5", by: "aigerim")  // unchanged: no entry
        try save("7", by: "daniyar", comment: "corrected")
        try save("", by: "aigerim", deleted: true)
        try save("9", by: "marat")
        let h = try s.history(key)
        #expect(h.map(\.action) == [.create, .update, .delete, .restore])
        #expect(h.map(\.changedBy) == ["aigerim", "daniyar", "aigerim", "marat"])
        #expect(h.map(\.oldValue) == [nil, "5", "7", nil])
        #expect(h.map(\.newValue) == ["5", "7", nil, "9"])
        #expect(h[1].newComment == "corrected")
        let v = try #require(try s.value(key))
        #expect(v.value == "9" && !v.deleted && v.storedBy == "marat")
        // Deletion is soft: the row stays, flagged.
        try save("", by: "aigerim", deleted: true)
        #expect(try s.value(key)?.deleted == true)
        #expect(try s.values(includeDeleted: true).contains { $0.key == key && $0.deleted })
        #expect(!(try s.values().contains { $0.key == key }))
    }

    @Test(arguments: TestBackend.allCases) func jsonDataValueSetInAndOut(on backend: TestBackend) throws {
        let s = try backend.smallStore()
        let json = """
            {"dataSet": "MONTHLY", "period": "201601", "orgUnit": "A1",
             "dataValues": [
               {"dataElement": "SUM", "categoryOptionCombo": "M", "value": 4},
               {"dataElement": "SUM", "categoryOptionCombo": "F", "value": "3", "comment": "estimate"},
               {"dataElement": "BOOL", "value": true, "period": "201602", "followup": true}
             ]}
            """
        let rows = try DataValueSetJSON.parse(Data(json.utf8), source: "set.json")
        let r = try s.saveValues(rows, source: "set.json", user: "t")
        #expect(r.imported == 3)
        let c = try s.catalog()
        let out = try DataValueSetJSON.write(try s.values(), catalog: c, idSchemes: IdSchemes(.code))
        let back = try DataValueSetJSON.parse(out, source: "out.json")
        #expect(
            Set(back.map { "\($0.element)|\($0.period)|\($0.unit)|\($0.optionCombo)|\($0.value)" })
                == ["SUM|201601|A1|M|4", "SUM|201601|A1|F|3", "BOOL|201602|A1|default|true"])
        #expect(back.contains { $0.comment == "estimate" })
        #expect(back.contains { $0.followUp == "true" })
        #expect(try s.saveValues(back, user: "t").unchanged == 3)
        let bad =
            #"{"period": "201603", "orgUnit": "A1", "dataValues": [{"dataElement": "AVG", "value": 1}, {"dataElement": "AVG", "value": "x"}, {"dataElement": "AVG", "value": 2}]}"#
        #expect {
            try s.saveValues(
                try DataValueSetJSON.parse(Data(bad.utf8), source: "bad.json"), source: "bad.json", user: "t")
        } throws: { e in
            let text = "\(e)"
            return text.contains("dataValues[1], field 'value', value 'x'")
                && text.contains("dataValues[2], field 'value', value '2': the same value")
                && text.contains("already given at dataValues[0]")
        }
        #expect {
            _ = try DataValueSetJSON.parse(Data("{\"dataValues\": 5}".utf8), source: "bad.json")
        } throws: { e in "\(e)".contains("bad.json") && "\(e)".contains("dataValues") }
    }

    @Test(arguments: TestBackend.allCases) func csvExportRoundTripsThroughImport(on backend: TestBackend) throws {
        let s = try backend.smallStore()
        try s.saveValues(
            try DataValueCSV.parse("SUM,201601,A1,M,,10,,,\"a, b\",true\nAVG,201601,B1,,,2.5\n", source: "a"), user: "t"
        )
        let c = try s.catalog()
        // Uids and codes read back; names are for people (the API's NAME scheme reads them on request).
        for scheme in [IdScheme.uid, .code] {
            let text = DataValueCSV.write(try s.values(), catalog: c, idSchemes: IdSchemes(scheme))
            #expect(text.hasPrefix(DataValueCSV.columns.joined(separator: ",") + "\n"))
            let back = try DataValueCSV.parse(text, source: "export.csv")
            #expect(back.count == 2)
            #expect(try s.saveValues(back, user: "t").unchanged == 2)
        }
        #expect(
            DataValueCSV.write(try s.values(), catalog: c, idSchemes: IdSchemes(.code)).contains(
                "SUM,201601,A1,M,default,10,t,"))
    }
}
