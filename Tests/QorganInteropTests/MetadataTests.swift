import Foundation
import QorganCore
import QorganInterop
import QorganStore
import QorganTestSupport
import Testing

@Suite struct MetadataTests {
    func rejection(_ body: () throws -> Void) -> [Problem] {
        do {
            try body()
            return []
        } catch let QorganError.rejected(_, problems) { return problems } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test(arguments: TestBackend.allCases) func importAssignsUidsResolvesCodesAndDerivesOptionCombos(
        on backend: TestBackend
    ) throws {
        let s = try backend.smallStore()
        let c = try s.catalog()
        #expect(c.organisationUnits.count == 7)
        #expect(c.organisationUnits.allSatisfy { Uid.isValid($0.uid) })
        let sum = try #require(c.element("SUM"))
        #expect(c.categoryCombo(sum.categoryCombo)?.code == "SEXCC")
        #expect(c.optionCombos(of: sum).map(\.code) == ["M", "F"])
        #expect(c.optionCombos(of: c.element("AVG")!).map(\.code) == ["default"])
        #expect(c.unit("A1")?.parents.first?.parent == c.unit("A")?.uid)
        #expect(c.dataSet("MONTHLY")?.dataElements.contains(sum.uid) == true)
        // Uids and codes both find an object.
        #expect(c.element(sum.uid)?.code == "SUM")
        #expect(c.unit(c.unit("B1")!.uid)?.code == "B1")
    }

    @Test func cartesianProductOfCategories() throws {
        var doc = Catalog()
        doc.categoryCombos = []
        doc.categories = [
            Category(
                uid: "", code: "TG", name: "Target group",
                options: ["Y", "S", "P"].map { CategoryOption(uid: "", code: $0, name: $0) }),
            Category(
                uid: "", code: "SX", name: "Sex",
                options: ["M", "F"].map { CategoryOption(uid: "", code: $0, name: $0) }),
        ]
        doc.categoryCombos = [CategoryCombo(uid: "", code: "TGSX", name: "TG × sex", categories: ["TG", "SX"])]
        let (c, _) = try Catalog().merging(doc)
        let cocs = c.optionCombos[c.categoryCombo("TGSX")!.uid]!
        #expect(cocs.map(\.code) == ["Y_M", "Y_F", "S_M", "S_F", "P_M", "P_F"])
        #expect(Set(cocs.map(\.uid)).count == 6)
        #expect(cocs.allSatisfy { Uid.isValid($0.uid) })
    }

    @Test(arguments: TestBackend.allCases) func everyProblemOfADocumentIsListedAndNothingChanges(
        on backend: TestBackend
    ) throws {
        let s = try backend.smallStore()
        let before = try s.catalog()
        let json = """
            {
              "organisationUnits": [
                {"code": "X1", "name": "X1", "openingDate": "2010-01-01", "parent": "NOWHERE"},
                {"code": "A", "name": "Region A", "openingDate": "2010-01-01", "parents": [
                   {"parent": "C", "from": "2010-01-01"}, {"parent": "A1", "from": "2017-01-01"}]}
              ],
              "dataElements": [
                {"code": "E1", "name": "E1", "valueType": "NUMBER", "categoryCombo": "NOPE"},
                {"code": "E2", "name": "", "valueType": "TEXT", "aggregationType": "SUM"}
              ],
              "dataSets": [{"code": "F1", "name": "F1", "periodType": "Monthly", "dataElements": ["GHOST"]}],
              "indicators": [
                {"code": "I1", "name": "I1", "numerator": "#{SUM} +", "denominator": "1"},
                {"code": "I2", "name": "I2", "numerator": "N{I3}"},
                {"code": "I3", "name": "I3", "numerator": "N{I2}"},
                {"code": "I4", "name": "I4", "numerator": "#{SUM.Z}"},
                {"code": "I4", "name": "again", "numerator": "1"}
              ]
            }
            """
        let doc = try MetadataDocument.parse(Data(json.utf8), source: "bad.json")
        let problems = rejection { try s.importMetadata(doc, source: "bad.json", user: "t") }
        func has(_ object: String, _ field: String, _ text: String) -> Bool {
            problems.contains { $0.object == object && $0.field == field && $0.reason.contains(text) }
        }
        #expect(has("organisationUnit X1", "parent", "no organisation unit with code or uid 'NOWHERE'"))
        #expect(has("organisationUnit A", "parents", "cycle from 2017-01-01"))
        #expect(has("dataElement E1", "categoryCombo", "no category combination"))
        #expect(has("dataElement E2", "name", "a name is required"))
        #expect(has("dataElement E2", "aggregationType", "text values"))
        #expect(has("dataSet F1", "dataElements", "'GHOST'"))
        #expect(has("indicator I1", "numerator", "at position 9"))
        #expect(has("indicator I2", "numerator", "in a circle"))
        #expect(has("indicator I4", "numerator", "no option combination 'Z'"))
        #expect(has("indicator I4", "code", "appears twice"))
        #expect(try s.catalog() == before)
        #expect(try s.metadataHistory().allSatisfy { $0.action == "CREATED" })
    }

    @Test func malformedDocumentsNameThePlace() {
        for (json, text) in [
            ("{\"dataElements\": [{\"code\": \"E\", \"name\": \"E\"}]}", "dataElements[0].valueType"),
            (
                "{\"dataElements\": [{\"code\": \"E\", \"name\": \"E\", \"valueType\": \"MONEY\"}]}",
                "dataElements[0].valueType"
            ),
            (
                "{\"organisationUnits\": [{\"code\": \"U\", \"name\": \"U\", \"openingDate\": \"2017-02-30\"}]}",
                "not a date"
            ),
            (
                "{\"dataSets\": [{\"code\": \"D\", \"name\": \"D\", \"periodType\": \"Fortnightly\"}]}",
                "not a period type"
            ),
            ("not json", "JSON"),
        ] {
            #expect {
                _ = try MetadataDocument.parse(Data(json.utf8), source: "m.json")
            } throws: { e in
                guard case QorganError.rejected(let src, let problems) = e else { return false }
                return src == "m.json" && problems.count == 1 && problems[0].reason.contains(text)
            }
        }
    }

    @Test func exportImportRoundTripChangesNothing() throws {
        let s = try Fixtures.demoStore()
        let before = try s.catalog()
        let data = try MetadataDocument.write(before)
        let changes = try s.importMetadata(try MetadataDocument.parse(data, source: "export.json"), user: "t")
        #expect(!changes.isEmpty)
        #expect(changes.allSatisfy { $0.action == .unchanged })
        #expect(try s.catalog() == before)
        // …and into an empty database it recreates the same catalog.
        let fresh = try Store()
        try fresh.importMetadata(try MetadataDocument.parse(data, source: "export.json"), user: "t")
        #expect(try fresh.catalog() == before)
    }

    @Test(arguments: TestBackend.allCases) func updatesAreMatchedByCodeAndAudited(on backend: TestBackend) throws {
        let s = try backend.smallStore()
        let uid = try s.catalog().element("AVG")!.uid
        var doc = Catalog()
        doc.categoryCombos = []
        doc.dataElements = [
            DataElement(uid: "", code: "AVG", name: "Renamed", valueType: .number, aggregationType: .average)
        ]
        let changes = try s.importMetadata(doc, user: "editor")
        #expect(changes.map(\.action) == [.updated])
        #expect(try s.catalog().element("AVG")?.name == "Renamed")
        #expect(try s.catalog().element("AVG")?.uid == uid)
        #expect(
            try s.metadataHistory().last.map { [$0.kind, $0.code, $0.action, $0.changedBy] } == [
                "dataElement", "AVG", "UPDATED", "editor",
            ])
    }

    @Test(arguments: TestBackend.allCases) func changesThatWouldStrandDataAreRefused(on backend: TestBackend) throws {
        let s = try backend.smallStore()
        try s.saveValues([DataValueInput(element: "INT", period: "201601", unit: "A1", value: "2")], user: "t")
        var doc = Catalog()
        doc.categoryCombos = []
        doc.dataElements = [
            DataElement(
                uid: "", code: "INT", name: "Int", valueType: .boolean, aggregationType: .sum, categoryCombo: "SEXCC")
        ]
        let problems = rejection { try s.importMetadata(doc, user: "t") }
        #expect(
            problems.contains { $0.field == "categoryCombo" && $0.reason.contains("1 values are stored") },
            "\(problems)")
        #expect(
            problems.contains {
                $0.field == "valueType" && $0.reason.contains("stored value '2' would not be a valid BOOLEAN")
            })
    }

    @Test(arguments: TestBackend.allCases) func anotherConnectionSeesMetadataChanges(on backend: TestBackend) throws {
        let location = try backend.location()
        let a = try Store(location: location)
        let b = try Store(location: location)
        try a.importMetadata(Fixtures.smallCatalogDocument(), user: "t")
        #expect(try b.catalog().element("SUM") != nil)  // b had no catalog cached yet
        var doc = Catalog()
        doc.categoryCombos = []
        doc.constants = [Constant(uid: "", code: "PI", name: "Pi", value: 3.14)]
        try a.importMetadata(doc, user: "t")
        #expect(try b.catalog().constant("PI")?.value == 3.14)  // b's cached catalog was outdated
        try b.saveValues([DataValueInput(element: "AVG", period: "201601", unit: "A1", value: "1")], user: "t")
        #expect(try a.valueCount() == 1)
    }

    @Test(arguments: TestBackend.allCases) func dryRunChangesNothing(on backend: TestBackend) throws {
        let s = try backend.smallStore()
        var doc = Catalog()
        doc.categoryCombos = []
        doc.constants = [Constant(uid: "", code: "PI", name: "Pi", value: 3.14)]
        let changes = try s.importMetadata(doc, dryRun: true, user: "t")
        #expect(changes.map(\.action) == [.created])
        #expect(try s.catalog().constant("PI") == nil)
    }
}
