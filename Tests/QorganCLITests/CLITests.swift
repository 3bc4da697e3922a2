import Foundation
import HTTPTypes
import HummingbirdTesting
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// The command-line tool as a person uses it: the real binary, a real database file.
@Suite(.serialized) struct CLITests {
    @discardableResult
    func qorgan(_ args: String..., database: String) throws -> CLIRunner.Run {
        try CLIRunner().qorgan(args, database: database)
    }

    func figure(_ code: String, database: String) throws -> String? {
        let r = try qorgan("report", "--format", "json", database: database)
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let figures = json?["figures"] as? [[String: Any]]
        return figures?.first { $0["code"] as? String == code }?["display"] as? String
    }

    /// The administrator's way back (issue 27): failed sign-ins of a name, from any address, forgotten.
    @Test func usersUnlockForgetsANamesFailedSignIns() throws {
        let db = try TestBackend.url(try WebFixture.demo(on: .sqlite))
        let store = try Store(path: db)
        let failures = ["pair:203.0.113.9|admin", "pair:198.51.100.7|admin", "pair:203.0.113.9|analyst"]
        try store.recordSignInFailure(keys: failures, at: Date(), forgetBefore: Date().addingTimeInterval(-60))
        let r = try qorgan("users", "unlock", "admin", database: db)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("Forgot 2 failed sign-ins of admin"), "\(r.out)")
        let left = try store.signInFailures(keys: failures, since: Date().addingTimeInterval(-60))
        #expect(left.filter { !$0.value.isEmpty }.keys.sorted() == ["pair:203.0.113.9|analyst"])
        #expect(try store.securityEvents().contains { $0.action == "SIGN_IN_UNLOCKED" && $0.subject == "admin" })
        let nobody = try qorgan("users", "unlock", "nobody", database: db)
        #expect(nobody.status == 1 && nobody.err.contains("no user named nobody"), "\(nobody.err)")
    }

    @Test func demoReportChangeAValueAndTheReportFollows() throws {
        let db = Fixtures.temporaryPath()
        let demo = try qorgan("demo", database: db)
        #expect(demo.status == 0, "\(demo.err)")
        #expect(demo.out.contains("Illustrative data"))
        let table = try qorgan("report", database: db)
        #expect(table.status == 0)
        for line in [
            "F1      12 ", "F3      32.1 %", "F9      2 (Aktobe region 1, Almaty city 1)", "F10     89.9 % → 91.7 %",
        ] {
            #expect(table.out.contains(line), "\(line)")
        }
        #expect(try figure("F1", database: db) == "12")
        #expect(try figure("F2", database: db) == "1")
        // West Kazakhstan's November is complete in the demo: read-only until marked incomplete.
        let refused = try qorgan(
            "values", "set", "--element", "DEPARTURES_STOPPED", "--unit", "ZKO", "--period", "201711", "--value", "2",
            database: db)
        #expect(refused.status == 1 && refused.err.contains("SECURITY for 201711 is marked complete"), "\(refused.err)")
        let reopened = try qorgan(
            "complete", "--data-set", "SECURITY", "--unit", "ZKO", "--period", "201711", "--incomplete", database: db)
        #expect(reopened.status == 0 && reopened.out.contains("is incomplete"), "\(reopened.err)")
        let set = try qorgan(
            "values", "set", "--element", "DEPARTURES_STOPPED", "--unit", "ZKO", "--period", "201711", "--value", "2",
            database: db)
        #expect(set.status == 0 && set.out.contains("Stored"), "\(set.err)")
        #expect(try figure("F2", database: db) == "3")
        try qorgan(
            "values", "set", "--element", "DEPARTURES_STOPPED", "--unit", "ZKO", "--period", "201711", "--value", "1",
            database: db)
        #expect(try figure("F2", database: db) == "2")
        try qorgan(
            "values", "delete", "--element", "DEPARTURES_STOPPED", "--unit", "ZKO", "--period", "201711", database: db)
        #expect(try figure("F2", database: db) == "1")
        let history = try qorgan(
            "values", "history", "--element", "DEPARTURES_STOPPED", "--unit", "ZKO", "--period", "201711", database: db)
        #expect(history.out.components(separatedBy: "cli-test").count - 1 == 3)
        #expect(history.out.contains("CREATE") && history.out.contains("UPDATE") && history.out.contains("DELETE"))
        let show = try qorgan(
            "values", "show", "--element", "DEPARTURES_STOPPED", "--unit", "ZKO", "--period", "201711", database: db)
        #expect(show.out.contains("value:        1 (deleted)"))
        let compute = try qorgan("compute", "IND_TG_COVERAGE", "--unit", "KZ", "--periods", "2016", database: db)
        #expect(compute.out.contains("IND_TG_COVERAGE KZ 2016: 32.1"))
        #expect(compute.out.contains("numerator 50686, denominator 157900"))
    }

    func tool(_ path: String, _ args: String...) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Every format of the report from the demo: HTML, PDF (printed by Chromium, read back by
    /// poppler), XLSX (opened by openpyxl), Markdown and JSON; in Russian and Kazakh; public.
    @Test func theReportInEveryFormat() throws {
        let db = Fixtures.temporaryPath()
        try qorgan("demo", database: db)
        let dir = URL(fileURLWithPath: db).deletingLastPathComponent()
        let html = try qorgan("report", "--format", "html", database: db)
        #expect(html.status == 0 && html.out.contains("data-figure=\"F10\"") && html.out.contains("89.9 % → 91.7 %"))
        let pdf = dir.appendingPathComponent("report.pdf").path
        let printed = try qorgan("report", "--format", "pdf", "--output", pdf, database: db)
        #expect(printed.status == 0, "\(printed.err)")
        #expect(FileManager.default.contents(atPath: pdf)?.starts(with: Data("%PDF".utf8)) == true)
        let text = try tool("/usr/bin/pdftotext", "-layout", pdf, "-")
        #expect(
            text.contains("Programme report") && text.contains("89.9 % → 91.7 %")
                && text.contains("Progress against targets"),
            "pdftotext (apt-get install poppler-utils) found: \(text.prefix(300))")
        let xlsx = dir.appendingPathComponent("report.xlsx").path
        #expect(
            try qorgan("report", "--format", "xlsx", "--output", xlsx, "--language", "ru", database: db).status == 0)
        let read = try tool(
            "/usr/bin/env", "python3", "-c",
            """
            import openpyxl, sys
            wb = openpyxl.load_workbook(sys.argv[1])
            numbers = sum(1 for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, (int, float)))
            print(len(wb.sheetnames), numbers, wb.sheetnames[0])
            """, xlsx)
        let parts = read.split(separator: " ", maxSplits: 2)
        #expect(parts.count == 3 && Int(parts[0]) ?? 0 >= 10 && Int(parts[1]) ?? 0 > 300, "openpyxl: \(read)")
        #expect(read.contains("Ключевые показатели"))
        let md = try qorgan("report", "--format", "md", "--language", "kk", "--edition", "public", database: db)
        #expect(md.out.hasPrefix("# Бағдарламаның іске асырылуы туралы есеп") && md.out.contains("Жария нұсқа"))
        let json = try qorgan("report", "--format", "json", "--periods", "2016", "--unit", "AKT", database: db)
        #expect(
            (try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])?["unit"] as? String == "AKT"
        )
        let bad = try qorgan("report", "--format", "md", "--language", "fr", "--periods", "2019-13", database: db)
        #expect(
            bad.status == 1 && bad.err.contains("field 'language', value 'fr'") && bad.err.contains("field 'periods'"))
    }

    @Test func badInputExitsNonZeroSaysWhatAndChangesNothing() throws {
        let db = Fixtures.temporaryPath()
        try qorgan("demo", database: db)
        let before = FileManager.default.contents(atPath: db)
        let unknown = try qorgan(
            "values", "set", "--element", "NOPE", "--unit", "KZ", "--period", "2016", "--value", "1", database: db)
        #expect(unknown.status == 1)
        #expect(unknown.err.contains("no data element with code or uid 'NOPE'"))
        let wrongType = try qorgan(
            "values", "set", "--element", "CONVICTIONS", "--unit", "ZKO", "--period", "201711", "--value", "many",
            database: db)
        #expect(wrongType.status == 1 && wrongType.err.contains("'many' is not a whole number"))
        let wrongPeriod = try qorgan(
            "values", "set", "--element", "CONVICTIONS", "--unit", "ZKO", "--period", "2017", "--value", "1",
            database: db)
        #expect(wrongPeriod.status == 1 && wrongPeriod.err.contains("is reported Monthly"))
        let csv = Fixtures.temporaryPath("bad.csv")
        try Data(
            "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\nCONVICTIONS,201711,ZKO,,,1\nCONVICTIONS,201713,ZKO,,,1\n"
                .utf8
        )
        .write(to: URL(fileURLWithPath: csv))
        let imp = try qorgan("values", "import", csv, database: db)
        #expect(imp.status == 1)
        #expect(imp.err.contains("line 3, field 'period', value '201713'"))
        #expect(imp.err.contains("nothing was changed"))
        #expect(FileManager.default.contents(atPath: db) == before)
        let dry = try qorgan(
            "values", "import", csv.replacingOccurrences(of: "bad.csv", with: "missing.csv"), database: db)
        #expect(dry.status == 1 && dry.err.contains("cannot read"))
        let noDb = try qorgan("report", database: Fixtures.temporaryPath())
        #expect(noDb.status == 1 && noDb.err.contains("run 'qorgan demo'"))
        let again = try qorgan("demo", database: db)
        #expect(again.status == 1 && again.err.contains("--force"))
    }

    @Test func importExportAndMetadataRoundTrip() throws {
        let db = Fixtures.temporaryPath()
        try qorgan("demo", database: db)
        let out = Fixtures.temporaryPath("values.csv")
        let export = try qorgan(
            "values", "export", "--id-scheme", "code", "--element", "CONVICTIONS", "--output", out, database: db)
        #expect(export.status == 0, "\(export.err)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(
            text.hasPrefix(
                "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup,deleted\n"
            ))
        #expect(text.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("CONVICTIONS,") })
        let dry = try qorgan("values", "import", out, "--dry-run", database: db)
        #expect(dry.status == 0 && dry.out.contains("Would import 0, updated 0, unchanged"), "\(dry.out)\(dry.err)")
        let meta = Fixtures.temporaryPath("meta.json")
        #expect(try qorgan("metadata", "export", "--output", meta, database: db).status == 0)
        let empty = Fixtures.temporaryPath()
        #expect(try qorgan("init", database: empty).status == 0)
        let imp = try qorgan("metadata", "import", meta, database: empty)
        #expect(imp.status == 0 && imp.out.contains("Created"), "\(imp.err)")
        let values = try qorgan("values", "import", out, database: empty)
        #expect(values.status == 0 && values.out.contains("Imported"), "\(values.err)")
        #expect(try figure("F8", database: empty) == "123")
    }

    @Test func queryAnswersTheDemosQuestions() throws {
        let db = Fixtures.temporaryPath()
        try qorgan("demo", database: db)
        let byRegion = try qorgan(
            "query", "--dx", "IND_TG_COVERAGE", "--pe", "2016", "--ou", "LEVEL-2", "--format", "csv", database: db)
        #expect(byRegion.status == 0, "\(byRegion.err)")
        let lines = byRegion.out.split(separator: "\n")
        #expect(lines.first == "dx,pe,ou,value")
        #expect(lines.count == 17)
        #expect(lines.contains("IND_TG_COVERAGE,2016,AKT,35.2"))
        let national = try qorgan(
            "query", "--dx", "IND_TG_COVERAGE", "--pe", "2016;2013..2017", "--ou", "KZ", "--numerator-denominator",
            database: db)
        #expect(national.out.contains("32.1") && national.out.contains("90.7") && national.out.contains("50686"))
        // A value saved through the CLI shows in the next query (the office's December opened first).
        try qorgan(
            "complete", "--data-set", "PREVENTION", "--unit", "AKT_AKTOBE", "--period", "201712", "--incomplete",
            database: db)
        try qorgan(
            "values", "set", "--element", "TG_REACHED", "--unit", "AKT_AKTOBE", "--period", "201712", "--combo",
            "STUDENTS", "--value", "5000", database: db)
        let after = try qorgan(
            "query", "--dx", "TG_REACHED.STUDENTS", "--pe", "201712", "--ou", "AKT_AKTOBE", "--format", "csv",
            database: db)
        #expect(after.out.contains("TG_REACHED.STUDENTS,201712,AKT_AKTOBE,5000"))
        let pivot = try qorgan(
            "query", "--dx", "DRAWN_IN", "--pe", "2013..2017", "--period-type", "Yearly", "--ou", "KZ", "--co",
            "--rows", "co", "--columns", "pe", database: db)
        #expect(pivot.out.contains("Young people, Male"))
        let bad = try qorgan("query", "--dx", "NOPE", "--pe", "2016Q7", "--ou", "KZ", database: db)
        #expect(bad.status == 1 && bad.err.contains("'NOPE'") && bad.err.contains("'2016Q7'"))
        let json = try qorgan(
            "query", "--dx", "IND_READINESS", "--pe", "LAST_5_YEARS", "--ou", "KZ", "--today", "2018-03-01",
            "--format", "json", database: db)
        let doc = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect((doc?["rows"] as? [Any])?.count == 2)  // the assessments of 2015 and 2017
    }

    /// What the portal publishes is set from a file, checked against the metadata, and written back.
    @Test func thePublicationIsSetFromAFileAndRefusedWhole() throws {
        let db = Fixtures.temporaryPath()
        try qorgan("demo", database: db)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let example = root.appendingPathComponent("examples/publication.json").path
        let saved = try qorgan("publication", "import", example, database: db)
        #expect(
            saved.status == 0 && saved.out.contains("version 2: 5 indicators, levels 1, 2, threshold 5"), "\(saved.err)"
        )
        let out = try qorgan("publication", "export", database: db)
        #expect(out.out.contains("\"IND_TG_COVERAGE\"") && !out.out.contains("IND_CONVICTIONS"))
        let bad = Fixtures.temporaryPath() + ".json"
        try #"{"indicators": ["IND_READINESS", "NOPE"], "levels": [1, 9], "fromYear": 2013, "threshold": 2}"#
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try qorgan("publication", "import", bad, database: db)
        #expect(refused.status == 1)
        for word in ["READINESS_PCT", "NOPE", "levels", "threshold"] {
            #expect(refused.err.contains(word), "\(word): \(refused.err)")
        }
        #expect(try qorgan("publication", "export", database: db).out == out.out)
    }

    @Test func helpDescribesEveryCommand() throws {
        let db = Fixtures.temporaryPath()
        let help = try qorgan("--help", database: db)
        for command in ["init", "demo", "metadata", "values", "query", "compute", "report"] {
            #expect(help.out.contains(command))
        }
        let values = try qorgan("values", "--help", database: db)
        for command in ["set", "show", "delete", "history", "import", "export"] {
            #expect(values.out.contains(command))
        }
    }

    /// Every command, found by walking the help's SUBCOMMANDS, has examples that no 80-column
    /// terminal wraps; --version answers; a mistyped command is told the closest one (exit 64).
    @Test func everyCommandsHelpHasExamplesThatFitAndMistakesAreAnswered() throws {
        func subcommands(_ path: [String]) throws -> [String] {
            let help = try CLIRunner.run(CLIRunner.binary, path + ["--help"]).out
            guard let at = help.range(of: "SUBCOMMANDS:") else { return [] }
            return help[at.upperBound...].split(separator: "\n").compactMap { line in
                line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil
            }.filter { $0 != "help" && $0.allSatisfy { $0.isLowercase || $0 == "-" } }
        }
        var commands: [[String]] = []
        var queue: [[String]] = [[]]
        while let path = queue.popLast() {
            for sub in try subcommands(path) {
                commands.append(path + [sub])
                queue.append(path + [sub])
            }
        }
        #expect(commands.count >= 60, "\(commands.count) commands")
        for command in commands {
            let help = try CLIRunner.run(CLIRunner.binary, command + ["--help"]).out
            guard let at = help.range(of: "Examples:\n") else {
                Issue.record("qorgan \(command.joined(separator: " ")) --help has no examples")
                continue
            }
            let examples = help[at.upperBound...].prefix { _ in true }.split(separator: "\n\n").first ?? ""
            #expect(examples.contains("qorgan \(command.joined(separator: " "))"), "\(command): \(examples)")
            for line in examples.split(separator: "\n") {
                #expect(line.count <= 78, "qorgan \(command.joined(separator: " ")): an example wraps: \(line)")
            }
        }
        let version = try CLIRunner.run(CLIRunner.binary, ["--version"])
        #expect(version.status == 0 && version.out.hasPrefix("qorgan "))
        let typo = try CLIRunner.run(CLIRunner.binary, ["reprot"])
        #expect(typo.status == 64 && typo.err.contains("Did you mean 'qorgan report'?"), "\(typo.err)")
        let nested = try CLIRunner.run(CLIRunner.binary, ["values", "sett"])
        #expect(nested.status == 64 && nested.err.contains("Did you mean 'qorgan values set'?"))
        // A mistyped code is answered with the closest one.
        let db = Fixtures.temporaryPath()
        try qorgan("demo", database: db)
        let element = try qorgan(
            "values", "set", "--element", "CONVICTION", "--unit", "ALA", "--period", "201801", "--value", "1",
            database: db)
        #expect(element.status == 1 && element.err.contains("did you mean 'CONVICTIONS'?"), "\(element.err)")
        let unit = try qorgan("report", "--unit", "AKTT", database: db)
        #expect(unit.status == 1 && unit.err.contains("did you mean 'AKT'?"), "\(unit.err)")
        let option = try CLIRunner.run(CLIRunner.binary, ["report", "--perods", "2016"])
        #expect(option.status == 64 && option.err.contains("Did you mean '--periods'?"))
    }
}

/// The report's options, read once, in every format: the default table included.
@Suite struct ReportOptionTests {
    static let db: String = {
        let db = Fixtures.temporaryPath()
        _ = try? CLIRunner().qorgan("demo", database: db)
        return db
    }()

    func report(_ args: String...) throws -> CLIRunner.Run {
        try CLIRunner.run(CLIRunner.binary, ["report"] + args + ["--database", Self.db])
    }

    func line(_ figure: String, _ out: String) -> String {
        out.split(separator: "\n").first { $0.hasPrefix(figure + " ") }.map(String.init) ?? ""
    }

    @Test func theTableHonoursEveryOptionOrRefusesIt() throws {
        let publicEdition = try report("--edition", "public")
        #expect(
            line("F2", publicEdition.out).contains("–") && line("F9", publicEdition.out).contains("–"),
            "\(publicEdition.out)")
        #expect(publicEdition.out.contains("Public edition: counts below 5"))
        let approved = try report("--approved-only")
        #expect(line("F4", approved.out).contains("69.4 %"), "\(approved.out)")
        #expect(approved.out.contains("approved to the national level"))
        let region = try report("--unit", "AKT")
        #expect(line("F1", region.out).contains("Aktobe region"), "\(region.out)")
        #expect(!region.out.contains("Republic of Kazakhstan"))
        let year = try report("--periods", "2016")
        #expect(line("F1", year.out).contains(" 2016 ") && line("F2", year.out).contains(" 2016 "), "\(year.out)")
        let unknown = try report("--unit", "NOPE")
        #expect(unknown.status == 1 && unknown.err.contains("unit") && unknown.err.contains("NOPE"))
        let nonsense = try report("--periods", "nonsense")
        #expect(nonsense.status == 1 && nonsense.err.contains("periods"))
        let file = Fixtures.temporaryPath("figures.txt")
        let written = try report("--output", file)
        #expect(written.status == 0 && written.out.isEmpty)
        #expect((try? String(contentsOfFile: file, encoding: .utf8))?.contains("F10") == true)
    }

    /// Progress follows the chosen periods, and a region is judged against its own targets.
    @Test func progressFollowsThePeriodsAndTheUnitsOwnTargets() throws {
        let json = try report("--format", "json", "--periods", "2016")
        let doc = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        let progress = doc?["progress"] as? [[String: Any]] ?? []
        #expect(!progress.isEmpty)
        for p in progress { #expect((p["latest"] as? String)?.hasSuffix("(2016)") == true, "\(p)") }
        let region = try report("--format", "md", "--unit", "AKT")
        #expect(region.out.contains("no target set for Aktobe region"), "\(region.out.prefix(3000))")
        #expect(!region.out.contains("of 7 framework indicators"))
    }

    /// --output writes beside its target and renames; a directory, a symbolic link or a device
    /// is refused and left as it was.
    @Test func outputIsWrittenSafely() throws {
        let dir = URL(fileURLWithPath: Fixtures.temporaryPath()).deletingLastPathComponent()
        let target = dir.appendingPathComponent("kept.txt")
        try Data("mine".utf8).write(to: target)
        let link = dir.appendingPathComponent("link.txt")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let viaLink = try report("--output", link.path)
        #expect(viaLink.status == 1 && viaLink.err.contains("symbolic link"), "\(viaLink.err)")
        #expect(try String(contentsOf: target, encoding: .utf8) == "mine")
        let toDir = try report("--output", dir.path)
        #expect(toDir.status == 1 && toDir.err.contains("is a directory"))
        let device = try report("--output", "/dev/null")
        #expect(device.status == 1 && device.err.contains("not a regular file"))
        let missing = try report("--output", dir.appendingPathComponent("no/such/folder.txt").path)
        #expect(missing.status == 1 && missing.err.contains("does not exist"))
        let replaced = try report("--output", target.path)
        #expect(replaced.status == 0)
        #expect(try String(contentsOf: target, encoding: .utf8).contains("F1"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".part") }
        #expect(leftovers.isEmpty)
    }
}

/// What `values export` writes, `values import` takes back unchanged, in every format; and a data
/// value set that says nothing of a comment keeps the one stored, counting an unchanged value as
/// ignored (as DHIS2 does).
@Suite struct RoundTripTests {
    @Test func exportThenImportChangesNothingInEveryFormat() throws {
        let cli = CLIRunner()
        let db = Fixtures.temporaryPath()
        try cli.qorgan("demo", database: db)
        for format in ["csv", "json", "adx"] {
            let file = Fixtures.temporaryPath("values.\(format)")
            let exported = try cli.qorgan("values", "export", "--format", format, "--output", file, database: db)
            #expect(exported.status == 0, "\(exported.err)")
            let again = try cli.qorgan("values", "import", file, "--dry-run", database: db)
            #expect(again.status == 0, "\(format): \(again.err.prefix(500))")
            #expect(
                again.out.contains("Would import 0, updated 0, unchanged 27799, deleted 0 (27799 rows)"), "\(again.out)"
            )
        }
        // With the derived values asked for, import leaves them out and says how many.
        let all = Fixtures.temporaryPath("all.csv")
        try cli.qorgan("values", "export", "--include-derived", "--output", all, database: db)
        let skipped = try cli.qorgan("values", "import", all, "--dry-run", database: db)
        #expect(
            skipped.status == 0 && skipped.out.contains("unchanged 27799")
                && skipped.out.contains("skipped 2806 derived"))
    }

    @Test func aValueSetWithoutACommentKeepsTheStoredOne() async throws {
        let state = try await WebFixture.state()
        let admin: HTTPFields = [.authorization: "Basic " + Data("admin:qorgan-demo".utf8).base64EncodedString()]
        try await withApp(state) { web in
            let adx = """
                <adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="AKT" period="2018-01-01/P1M" dataSet="SECURITY">
                <dataValue dataElement="CONVICTIONS" value="3"><annotation>court records</annotation></dataValue></group></adx>
                """
            let a = try await web.send(
                .post, "/api/dataValueSets", headers: admin.merging([.contentType: "application/adx+xml"]),
                raw: adx)
            #expect(a.status == .ok, "\(a.text ?? "")")
            let set: [String: Any] = [
                "dataSet": "SECURITY", "period": "201801", "orgUnit": "AKT",
                "dataValues": [["dataElement": "CONVICTIONS", "value": "3"]],
            ]
            let again = try await web.send(.post, "/api/dataValueSets", json: set, headers: admin)
            let counts = again.object["importCount"] as? [String: Any]
            #expect(counts?["ignored"] as? Int == 1 && counts?["updated"] as? Int == 0, "\(again.text ?? "")")
            let stored = try await web.send(.get, "/api/dataValues?de=CONVICTIONS&pe=201801&ou=AKT", headers: admin)
            #expect(stored.object["comment"] as? String == "court records")
        }
    }
}

/// `serve --demo` puts the demo's public password only into the demo's own database.
@Suite struct DemoGuardTests {
    @Test func serveDemoRefusesARealDatabaseAndChangesNothing() throws {
        let cli = CLIRunner()
        let demo = Fixtures.temporaryPath()
        try cli.qorgan("demo", database: demo)
        let metadata = Fixtures.temporaryPath("metadata.json")
        try cli.qorgan("metadata", "export", "--output", metadata, database: demo)
        let real = Fixtures.temporaryPath("prod.sqlite")
        #expect(try cli.qorgan("init", database: real).status == 0)
        #expect(try cli.qorgan("metadata", "import", metadata, database: real).status == 0)
        let refused = try CLIRunner.run(
            CLIRunner.binary, ["serve", "--demo", "--database", real, "--port", "0", "--log-level", "error"])
        #expect(refused.status == 1)
        #expect(refused.err.contains("not the demo's") && refused.err.contains("nothing was changed"), "\(refused.err)")
        #expect(!refused.out.contains("qorgan-demo"))
        let users = try cli.qorgan("users", "list", database: real)
        #expect(!users.out.contains("almaty") && !users.out.contains("national-head"), "\(users.out)")
    }
}

/// Errors a person meets on the command line name the thing and what to do.
@Suite struct PlainErrorTests {
    @Test func aPortInUseAMissingFolderAndAFutureIncidentAreToldPlainly() throws {
        let cli = CLIRunner()
        let db = Fixtures.temporaryPath()
        try cli.qorgan("demo", database: db)
        // Another program holds a port: the server says which, and what to do.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(holder, p, length) == 0 && listen(holder, 1) == 0 && getsockname(holder, p, &length) == 0
            }
        }
        #expect(bound)
        let port = String(UInt16(bigEndian: address.sin_port))
        let busy = try CLIRunner.run(
            CLIRunner.binary, ["serve", "--database", db, "--port", port, "--log-level", "error"])
        #expect(busy.status == 1 && busy.err.contains("port \(port) on 127.0.0.1 is in use"), "\(busy.err)")
        // A database in a folder that does not exist.
        let missing = try cli.qorgan("init", database: "/nonexistent-qorgan-folder/prod.sqlite")
        #expect(missing.status == 1 && missing.err.contains("the folder '/nonexistent-qorgan-folder' does not exist"))
        // An incident is recorded once it happened.
        let future = try cli.qorgan(
            "incidents", "add", "--date", "2099-01", "--unit", "MAN", "--outcome", "foiled", "--attack-type", "3",
            "--target-type", "3", "--weapon-type", "6", "--summary", "x", "--source", "y", database: db)
        #expect(future.status == 1 && future.err.contains("in the future"), "\(future.err)")
        let created = try cli.qorgan("init", database: Fixtures.temporaryPath("new.sqlite"))
        #expect(created.out.contains("Next: qorgan metadata import FILE --database"))
    }
}

/// A database this user may not write is refused with the reason, before SQLite's own words.
/// The tests run as root, who writes anything: the command runs as `nobody` (util-linux's
/// runuser), from a copy of the binary in a folder anyone may read.
@Suite struct ReadOnlyDatabaseTests {
    @Test func aReadOnlyDatabaseIsToldPlainlyAndLeftAsItWas() throws {
        let cli = CLIRunner()
        let db = Fixtures.temporaryPath()
        try cli.qorgan("demo", database: db)
        let folder = URL(fileURLWithPath: db).deletingLastPathComponent()
        let binary = folder.appendingPathComponent("qorgan-copy")
        try FileManager.default.copyItem(at: CLIRunner.binary, to: binary)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: db)
        let before = FileManager.default.contents(atPath: db)
        let r = try CLIRunner.run(
            URL(fileURLWithPath: "/usr/sbin/runuser"),
            [
                "-u", "nobody", "--", binary.path, "values", "set", "--element", "CONVICTIONS", "--unit", "ALA",
                "--period", "201801", "--value", "3", "--database", db,
            ])
        #expect(r.status == 1, "\(r.err)")
        #expect(
            r.err.contains("cannot open the database '\(db)' for writing") && r.err.contains("read-only"), "\(r.err)")
        #expect(FileManager.default.contents(atPath: db) == before)
    }
}
