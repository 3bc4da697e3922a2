import Foundation
import QorganCore
import QorganInterop
import QorganServer
import QorganStore
import QorganTestSupport
import Testing

/// DHIS2's own Python clients (`dhis2.py`, `dhis2-client`, installed by the test command) against
/// a real `qorgan serve --demo`, and the CLI's DHIS2 formats and period identifiers.
@Suite struct DHIS2ClientTests {
    /// A program found on the PATH (python3, sqlite3), or the qorgan binary by its path.
    static func run(_ executable: String, _ args: [String]) throws -> CLIRunner.Run {
        try CLIRunner.run(URL(fileURLWithPath: "/usr/bin/env"), [executable] + args)
    }

    @Test func dhis2PyAndDhis2ClientWorkUnchanged() throws {
        let database = Fixtures.temporaryPath()
        let server = try ServedDemo.start(database: database)
        defer { server.stop() }
        let token = try CLIRunner().qorgan("users", "token", "admin", "--name", "dhis2-client", database: database)
        #expect(token.status == 0)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "dhis2_clients.py")
        let r = try Self.run(
            "python3",
            [
                script.path, server.address, "admin", "qorgan-demo",
                token.out.trimmingCharacters(in: .whitespacesAndNewlines),
            ])
        #expect(r.status == 0, "\(r.out)\n\(r.err.suffix(3000))")
        // What the script measured, read back: it agrees with the store.
        let facts = try #require(
            r.out.split(separator: "\n").last.flatMap {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            })
        let catalog = try Store(path: database).catalog()
        // Counted before the clients created one.
        #expect((facts["units"] as? Int).map { $0 + 1 } == catalog.organisationUnits.count)
        // What the clients wrote through the metadata routes is in the store: the office moved
        // from today (its first parent kept in the history), the elements as last written.
        let office = try #require(catalog.unit("AKT_NEW_OFFICE"))
        #expect(office.parents.map { catalog.unit($0.parent ?? "")?.code } == ["AKT", "ALA"])
        #expect(office.parents.last?.from == Day.today)
        #expect(office.geometry == nil, "a PUT replaces the object, as DHIS2's does")
        #expect(catalog.element("NEW_REFERRALS")?.name == "Referrals to support services (all)")
        #expect(catalog.element("NEW_VISITS")?.valueType == .integerZeroOrPositive)
        #expect(facts["version"] as? String == "2.40")
        let security = try #require(catalog.dataSet("SECURITY"))
        #expect((facts["security_elements"] as? [String])?.count == security.dataElements.count)
    }

    @Test func periodsCommand() throws {
        let ok = try Self.run(
            CLIRunner.binary.path,
            ["periods", "2017Nov", "2020BiW27", "2015WedW5", "2017-03", "2017NovQ1", "2017AprilS2"])
        #expect(ok.status == 0, "\(ok.err)")
        #expect(
            ok.out.split(separator: "\n") == [
                "2017Nov\tFinancialNov\t2016-11-01\t2017-10-31\t365",
                "2020BiW27\tBiWeekly\t2020-12-28\t2021-01-10\t14",
                "2015WedW5\tWeeklyWednesday\t2015-01-28\t2015-02-03\t7",
                "2017-03\tMonthly\t2017-03-01\t2017-03-31\t31",
                "2017NovQ1\tQuarterlyNov\t2016-11-01\t2017-01-31\t92",
                "2017AprilS2\tSixMonthlyApril\t2017-10-01\t2018-03-31\t182",
            ])
        let bad = try Self.run(CLIRunner.binary.path, ["periods", "2017", "2017W54", "2017-02-30"])
        #expect(bad.status == 1)
        #expect(bad.out == "2017\tYearly\t2017-01-01\t2017-12-31\t365\n")
        #expect(bad.err.contains("'2017W54' is not a period: 2017 has 52 weeks starting on Monday"))
        #expect(bad.err.contains("'2017-02-30' is not a period: no such day"))
        let json = try Self.run(CLIRunner.binary.path, ["periods", "--json", "2018SunW1"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]]
        #expect(parsed?.first?["startDate"] as? String == "2017-12-31")
        #expect(parsed?.first?["periodType"] as? String == "WeeklySunday")
    }

    /// A database from before DHIS2's dates: migration v6 moves its FinancialNov years to the year
    /// they end in and lengthens bi-week 27 of 53-week years to 14 days.
    @Test func storedPeriodsTakeDHIS2sDates() throws {
        let database = Fixtures.temporaryPath()
        _ = try Store(path: database)
        func sql(_ text: String) throws -> String {
            let r = try Self.run("sqlite3", [database, text])
            #expect(r.status == 0, "\(r.err)")
            return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // Back to version 5, with two periods stored under the old rules.
        _ = try sql(
            """
            INSERT INTO period(iso, period_type, start_date, end_date) VALUES
              ('2017Nov', 'FinancialNov', '2017-11-01', '2018-10-31'),
              ('2015BiW27', 'BiWeekly', '2015-12-28', '2016-01-03'),
              ('2017Q1', 'Quarterly', '2017-01-01', '2017-03-31');
            ALTER TABLE api_token DROP COLUMN expires;
            DELETE FROM grdb_migrations WHERE identifier LIKE 'v6:%';
            """)
        _ = try Store(path: database)
        #expect(
            try sql("SELECT iso || ' ' || start_date || ' ' || end_date FROM period ORDER BY iso").split(
                separator: "\n")
                == ["2015BiW27 2015-12-28 2016-01-10", "2017Nov 2016-11-01 2017-10-31", "2017Q1 2017-01-01 2017-03-31"])
        #expect(try sql("SELECT count(*) FROM pragma_table_info('api_token') WHERE name = 'expires'") == "1")
    }

    @Test func adxFromTheCommandLine() throws {
        let database = Fixtures.temporaryPath()
        let cli = CLIRunner()
        #expect(try cli.qorgan("demo", database: database).status == 0)
        let out = Fixtures.temporaryPath() + ".adx"
        let export = try cli.qorgan(
            "values", "export", "--format", "adx", "--element", "DRAWN_IN", "--element", "CONVICTIONS", "-o", out,
            database: database)
        #expect(export.status == 0, "\(export.err)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("<adx xmlns=\"urn:ihe:qrph:adx:2015\""))
        let again = try cli.qorgan("values", "import", out, "--dry-run", database: database)
        #expect(again.status == 0, "\(again.err)")
        #expect(again.out.contains("Would import 0, updated 0"))
        let bad = Fixtures.temporaryPath() + ".adx"
        try """
        <adx xmlns="urn:ihe:qrph:adx:2015">
          <group orgUnit="NOWHERE" period="2017-01-01/P1M">
            <dataValue dataElement="NO_SUCH" value="1"/>
          </group>
          <group orgUnit="KZ" period="2017-01-05/P1M"><dataValue dataElement="X" value="1"/></group>
        </adx>
        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let before = try Store(path: database).valueCount()
        let refused = try cli.qorgan("values", "import", bad, database: database)
        #expect(refused.status == 1)
        #expect(refused.err.contains("line 3"))
        #expect(refused.err.contains("line 5") && refused.err.contains("2017-01-05/P1M"))
        #expect(refused.err.contains("NOWHERE") && refused.err.contains("NO_SUCH"))
        #expect(try Store(path: database).valueCount() == before)
    }
}

@Suite struct ADXTests {
    @Test(arguments: PeriodType.allCases)
    func everyPeriodTypeRoundTripsThroughADX(_ type: PeriodType) throws {
        var p = Period.containing(Day(year: 2019, month: 12, day: 20)!, type: type)
        for _ in 0..<30 {
            let text = ADX.period(p)
            #expect(ADX.period(parsing: text) == p, "\(p.iso) → \(text)")
            p = p.next
        }
    }

    @Test func documentsAreReadStrictly() throws {
        let catalog = try Fixtures.smallStore().catalog()
        func problems(_ xml: String) -> [Problem] {
            do {
                _ = try ADX.parse(Data(xml.utf8), catalog: catalog, source: "t.adx")
                return []
            } catch QorganError.rejected(_, let ps) {
                return ps
            } catch { return [Problem(reason: "\(error)")] }
        }
        #expect(
            problems("<adx><group orgUnit='A' period='2017-01-01/P1M'></adx>").first?.reason.contains("closes") == true)
        #expect(problems("<!DOCTYPE adx [<!ENTITY x 'y'>]><adx/>").first?.reason.contains("DOCTYPE") == true)
        #expect(problems("<notadx/>").first?.reason.contains("root element") == true)
        #expect(problems("<adx><group period='2017-01-01/P1M'/></adx>").first?.field == "orgUnit")
        #expect(
            problems("<adx>\n<group orgUnit='A' period='2017-01-01/P1M'><dataValue value='1'/></group></adx>").first?
                .line
                == 2)
        #expect(problems("<adx><group orgUnit='A' period='2017-01-01/P1M'><x/></group></adx>").first?.field == "x")
        #expect(problems("<adx a='&bogus;'/>").first?.reason.contains("entity") == true)
        let fine = try ADX.parse(
            Data(
                "<adx xmlns='urn:ihe:qrph:adx:2015'><group orgUnit='A&amp;B' period='2017-01-01/P1Y'><dataValue dataElement='E' value='1'><annotation><![CDATA[a <b>]]></annotation></dataValue></group></adx>"
                    .utf8),
            catalog: catalog, source: "t")
        #expect(fine.first?.unit == "A&B" && fine.first?.period == "2017" && fine.first?.comment == "a <b>")
    }
}
