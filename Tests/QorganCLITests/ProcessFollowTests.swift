import Foundation
import QorganAnalytics
import QorganCore
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Synchronization
import Testing

/// One truth across processes: a server, the command line and a second writer on one database.
@Suite struct ProcessFollowTests {
    // MARK: A running server and the command line

    /// The issue's scenario, and each kind of change, written by the command line while a server
    /// runs: the server's next answer (analytics, dashboard card, pivot, report) has it.
    @Test(arguments: TestBackend.allCases)
    func everyKindOfChangeByTheCommandLineReachesARunningServer(on backend: TestBackend) throws {
        let cli = CLIRunner()
        let db = try TestBackend.url(try WebFixture.demo(on: backend))
        let served = try ServedDemo.start(database: db)
        defer { served.stop() }
        let token =
            try cli.qorgan("users", "token", "admin", database: db).out
            .split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("qgn_") }.map(String.init) ?? ""
        #expect(!token.isEmpty)
        let url = served.address
        func analytics(_ query: String) throws -> Double? {
            let r = try Follow.get("\(url)/api/analytics?\(query)", token: token)
            #expect(r.status == 200, "\(query): \(r.body)")
            return try Follow.single(r.body)
        }
        func card() throws -> String {
            let page = try Follow.get("\(url)/dashboard?ou=ZKO&from=2017&to=2017", token: token).body
            guard let at = page.range(of: "data-indicator=\"IND_DEPARTURES_STOPPED\">") else { return "?" }
            return String(page[at.upperBound...].prefix { $0 != "<" })
        }
        /// The pivot's CSV rows under its header.
        func pivot() throws -> [Substring] {
            try Follow.get("\(url)/pivot?dx=DEPARTURES_STOPPED&from=2017&to=2017&ou=ZKO&format=csv", token: token).body
                .split(whereSeparator: \.isNewline).dropFirst().map { $0 }
        }

        // Warm every answer first, so that a stale cache would show.
        #expect(try analytics("dx=CONVICTIONS&pe=2017&ou=KZ") == 23)
        #expect(try Follow.figure("F2", served, token: token) == "1")
        #expect(try card() == "–")
        #expect(try pivot().isEmpty, "no rows before the value exists")

        // A value, written by another process (into a form it marked incomplete first).
        #expect(
            try cli.qorgan(
                "complete", "--data-set", "SECURITY", "--unit", "ZKO", "--period", "201711", "--incomplete",
                database: db
            ).status == 0)
        #expect(
            try cli.qorgan(
                "values", "set", "--element", "CONVICTIONS", "--unit", "ZKO", "--period", "201711", "--value", "50",
                database: db
            ).status == 0)
        #expect(try analytics("dx=CONVICTIONS&pe=2017&ou=KZ") == 73)
        #expect(
            try cli.qorgan(
                "values", "set", "--element", "DEPARTURES_STOPPED", "--unit", "ZKO", "--period", "201711", "--value",
                "2", database: db
            ).status == 0)
        #expect(try Follow.figure("F2", served, token: token) == "3")
        #expect(try card() == "2")
        let rows = try pivot()
        #expect(rows.count == 1 && (rows.first?.hasSuffix(",2") ?? false), "\(rows)")

        // A deletion.
        #expect(
            try cli.qorgan(
                "values", "delete", "--element", "DEPARTURES_STOPPED", "--unit", "ZKO", "--period", "201711",
                database: db
            ).status == 0)
        #expect(try Follow.figure("F2", served, token: token) == "1")
        #expect(try card() == "–")

        // A new indicator, imported as metadata: queryable at once.
        let doc = Fixtures.temporaryPath("indicator.json")
        try Data(
            ##"{"indicators":[{"code":"IND_NEW","name":"New","numerator":"#{CONVICTIONS}","denominator":"1"}]}"##.utf8
        ).write(to: URL(fileURLWithPath: doc))
        #expect(try cli.qorgan("metadata", "import", doc, database: db).status == 0)
        #expect(try analytics("dx=IND_NEW&pe=2017&ou=KZ") == 73)

        // An incident: one more foiled plot, one more act prevented.
        #expect(try Follow.figure("F1", served, token: token) == "12")
        let added = try cli.qorgan(
            "incidents", "add", "--date", "2017-11", "--unit", "MAN", "--outcome", "foiled", "--attack-type", "3",
            "--target-type", "14", "--weapon-type", "6", "--summary", "A plot foiled", database: db)
        #expect(added.status == 0, "\(added.err)")
        #expect(try Follow.figure("F1", served, token: token) == "13")

        // An assessment deleted: the office has no readiness for 2017 any more.
        let list = try cli.qorgan("readiness", "list", database: db).out
        let line = try #require(
            list.split(separator: "\n").first { $0.contains("2017-") && $0.contains("PAV_EKIBASTUZ") })
        let uid = String(line.prefix { !$0.isWhitespace })
        #expect(try analytics("dx=READINESS_PCT&pe=2017&ou=PAV_EKIBASTUZ") == 85.71)
        #expect(try cli.qorgan("readiness", "delete", uid, database: db).status == 0)
        #expect(try analytics("dx=READINESS_PCT&pe=2017&ou=PAV_EKIBASTUZ") == nil)

        // A district moved to another region from 2016: its values follow it, the totals stay.
        let before = (
            zko: try analytics("dx=TG_REACHED&pe=2016&ou=ZKO"), akt: try analytics("dx=TG_REACHED&pe=2016&ou=AKT"),
            oral: try analytics("dx=TG_REACHED&pe=2016&ou=ZKO_ORAL"), kz: try analytics("dx=TG_REACHED&pe=2016&ou=KZ")
        )
        let oral = try #require(before.oral)
        let move = Fixtures.temporaryPath("move.json")
        try Data(
            #"{"organisationUnits":[{"code":"ZKO_ORAL","name":"Oral","openingDate":"2000-01-01","parents":[{"from":"2000-01-01","parent":"ZKO"},{"from":"2016-01-01","parent":"AKT"}]}]}"#
                .utf8
        ).write(to: URL(fileURLWithPath: move))
        let moved = try cli.qorgan("metadata", "import", move, database: db)
        #expect(moved.status == 0, "\(moved.err)")
        #expect(try analytics("dx=TG_REACHED&pe=2016&ou=ZKO") == (before.zko ?? 0) - oral)
        #expect(try analytics("dx=TG_REACHED&pe=2016&ou=AKT") == (before.akt ?? 0) + oral)
        #expect(try analytics("dx=TG_REACHED&pe=2016&ou=KZ") == before.kz)
    }

    /// A server killed with SIGKILL in the middle of a large write starts again with an engine
    /// equal to the store (from its snapshot and the log), whether the write committed or not.
    @Test func aServerKilledDuringAWriteRestartsEqualToTheStore() throws {
        let cli = CLIRunner()
        let db = Fixtures.temporaryPath()
        let first = try ServedDemo.start(database: db)
        let token =
            try cli.qorgan("users", "token", "admin", database: db).out
            .split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("qgn_") }.map(String.init) ?? ""
        let catalog = try Store(path: db).catalog()
        // Twenty thousand values of one element over every unit and many months.
        var rows: [String] = []
        let units = catalog.organisationUnits.map(\.uid)
        for (n, unit) in units.enumerated() {
            for m in 0..<max(1, 20_000 / units.count) {
                let period = "\(2000 + m / 12)\(m % 12 < 9 ? "0" : "")\(m % 12 + 1)"
                rows.append(
                    #"{"dataElement":"CONVICTIONS","period":"\#(period)","orgUnit":"\#(unit)","value":"\#((n + m) % 7)"}"#
                )
            }
        }
        let body = Fixtures.temporaryPath("values.json")
        try Data(#"{"dataValues":[\#(rows.joined(separator: ","))]}"#.utf8).write(to: URL(fileURLWithPath: body))
        let post = Process()
        post.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        post.arguments = [
            "-s", "-o", "/dev/null", "-X", "POST", "-H", "Authorization: Bearer \(token)", "-H",
            "Content-Type: application/json", "--data-binary", "@\(body)", "\(first.address)/api/dataValueSets",
        ]
        try post.run()
        Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.6))
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        post.waitUntilExit()

        let store = try Store(path: db)
        let stored = try store.values(elements: [try #require(catalog.element("CONVICTIONS")).uid]).count
        let second = try ServedDemo.start(database: db)
        defer { second.stop() }
        let reference = try store.referenceAggregator()
        for year in [2000, 2001, 2005, 2017] {
            for unit in ["KZ", "ZKO", "AKT"] {
                let r = try Follow.get(
                    "\(second.address)/api/analytics?dx=CONVICTIONS&pe=\(year)&ou=\(unit)", token: token)
                let expected = reference.value(
                    .element("CONVICTIONS"), unit: unit, periods: try PeriodSelection(String(year)))
                #expect(
                    try Follow.single(r.body) == expected,
                    "\(unit) \(year) after the restart (\(stored) values stored): \(r.body)")
            }
        }
        // The same start in this process: snapshot and log, cell by cell.
        let (engine, opening) = try AnalyticsEngine.open(store: store, snapshot: db + ".engine")
        #expect(opening.snapshotSequence != nil, "\(opening.snapshotIgnored ?? "")")
        try Follow.expectEqual(engine, to: store, "after SIGKILL", periods: ["2000", "2001", "2016", "2017"])
    }

    /// POST through curl: the HTTP status.
    static func post(_ url: String, token: String) throws -> Int {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30", "-X", "POST", "-H",
            "Authorization: Bearer \(token)", url,
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Int(String(decoding: data, as: UTF8.self)) ?? 0
    }

    /// Two servers on one database, as behind a proxy: what is saved through one is in the other's
    /// next answer and report; one killed with SIGKILL while values pour in leaves the other
    /// serving, with every value the killed one acknowledged.
    @Test(arguments: TestBackend.allCases)
    func twoServersOnOneDatabaseAgreeAndOneKilledUnderLoadLosesNothing(on backend: TestBackend) throws {
        let cli = CLIRunner()
        let db = try TestBackend.url(try WebFixture.demo(on: backend))
        let a = try ServedDemo.start(database: db)
        defer { a.stop() }
        let b = try ServedDemo.start(database: db)
        defer { b.stop() }
        let token =
            try cli.qorgan("users", "token", "admin", database: db).out
            .split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("qgn_") }.map(String.init) ?? ""
        #expect(try Follow.figure("F2", b, token: token) == "1")
        let saved = try Self.post(
            "\(a.address)/api/dataValues?de=DEPARTURES_STOPPED&pe=201711&ou=ZKO&value=3&force=true", token: token)
        #expect((200..<300).contains(saved))
        #expect(try Follow.figure("F2", b, token: token) == "4")
        let r = try Follow.get("\(b.address)/api/analytics?dx=DEPARTURES_STOPPED&pe=201711&ou=ZKO", token: token)
        #expect(try Follow.single(r.body) == 3)

        // Values pour into A, one request after another, until A is killed.
        let acknowledged = Mutex<[(period: String, value: Int)]>([])
        let stopped = DispatchSemaphore(value: 0)
        let address = a.address
        DispatchQueue.global().async {
            defer { stopped.signal() }
            for m in 0..<120 {
                let period = "\(2000 + m / 12)\(m % 12 < 9 ? "0" : "")\(m % 12 + 1)"
                let value = 100 + m
                guard
                    let status = try? Self.post(
                        "\(address)/api/dataValues?de=CONVICTIONS&pe=\(period)&ou=ZKO&value=\(value)", token: token),
                    (200..<300).contains(status)
                else { return }
                acknowledged.withLock { $0.append((period, value)) }
            }
        }
        // Killed once writes flow (ten acknowledged), however fast this machine is today.
        let flowing = Date().addingTimeInterval(60)
        while acknowledged.withLock({ $0.count }) < 10 && Date() < flowing { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.2)
        kill(a.process.processIdentifier, SIGKILL)
        a.process.waitUntilExit()
        stopped.wait()
        let writes = acknowledged.withLock { $0 }
        #expect(writes.count >= 10 && writes.count < 120, "values acknowledged before the kill: \(writes.count)")
        for w in writes {
            let answer = try Follow.get(
                "\(b.address)/api/analytics?dx=CONVICTIONS&pe=\(w.period)&ou=ZKO", token: token)
            let value = try Follow.single(answer.body)
            #expect(answer.status == 200 && value == Double(w.value), "\(w.period): \(answer.body)")
        }
        // B still takes writes, and a server started again on the database agrees with it.
        #expect(
            (200..<300).contains(
                try Self.post(
                    "\(b.address)/api/dataValues?de=DEPARTURES_STOPPED&pe=201711&ou=ZKO&value=5&force=true",
                    token: token)))
        #expect(try Follow.figure("F2", b, token: token) == "6")
        let again = try ServedDemo.start(database: db)
        defer { again.stop() }
        #expect(try Follow.figure("F2", again, token: token) == "6")
    }

    // MARK: Two writers, interleaved

    /// Two writers on one database file (a command's single connection and a server's pool),
    /// changes in random order — values, deletions, new elements and indicators, units moved —
    /// and a third process now and then: after each round every engine equals the store, and
    /// so does one started from the snapshot and the log.
    @Test(arguments: TestBackend.allCases, [11, 12, 13] as [UInt64])
    func twoWritersInAnyOrderKeepEveryEngineEqualToTheStore(on backend: TestBackend, seed: UInt64) throws {
        let location = try backend.location()
        let database = location.path ?? location.description
        let url = try TestBackend.url(location)
        let snapshot = (location.path ?? Fixtures.temporaryPath()) + ".engine"
        let a = try Store(location: location)
        try a.importMetadata(Fixtures.smallCatalogDocument(), user: "a")
        let b = try Store(location: location, concurrentReads: true)
        let (engineA, _) = try AnalyticsEngine.open(store: a)
        let (engineB, _) = try AnalyticsEngine.open(store: b)
        var g = SplitMix64(seed: seed)
        func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &g) }
        func month(_ y: Int, _ m: Int) -> String { "\(y)\(m < 10 ? "0" : "")\(m)" }
        var elements = ["SUM", "AVG", "LAST", "MAX", "INT", "YEARLY", "AVGSUM"]
        let districts = ["A1", "A2", "B1"]
        var snapshotSaved = false
        for step in 0..<45 {
            let writer = int(0...1) == 0 ? a : b
            switch int(0...11) {
            case 0:
                // A district moves to the other region from some month.
                var doc = Catalog()
                doc.categoryCombos = []
                let code = districts[int(0...2)]
                let to = int(0...1) == 0 ? "A" : "B"
                let from = Day.firstOfMonth(int(2015...2018), int(1...12))
                doc.organisationUnits = [
                    OrgUnit(
                        uid: "", code: code, name: "Unit \(code)", openingDate: Day.firstOfMonth(2010, 1),
                        parents: [
                            ParentLink(parent: code.hasPrefix("A") ? "A" : "B", from: Day.firstOfMonth(2010, 1)),
                            ParentLink(parent: to, from: from),
                        ])
                ]
                try writer.importMetadata(doc, user: "mover")
            case 1:
                // A new element and an indicator on it.
                var doc = Catalog()
                doc.categoryCombos = []
                let code = "NEW\(step)"
                doc.dataElements = [
                    DataElement(
                        uid: "", code: code, name: code, valueType: .number, aggregationType: .sum,
                        categoryCombo: "default")
                ]
                doc.indicators = [Indicator(uid: "", code: "I\(code)", name: "I\(code)", numerator: "#{\(code)} * 2")]
                try writer.importMetadata(doc, user: "designer")
                elements.append(code)
            case 2 where step % 4 == 2:
                // A third process: the command line.
                let r = try CLIRunner().qorgan(
                    "values", "set", "--element", "SUM", "--combo", int(0...1) == 0 ? "M" : "F", "--unit",
                    districts[int(0...2)], "--period", month(int(2015...2018), int(1...12)),
                    "--value", String(int(0...90)), database: url)
                #expect(r.status == 0, "\(database): \(r.err)")
            default:
                var batch: [DataValueInput] = []
                var seen = Set<String>()
                for _ in 0..<int(1...6) {
                    let element = elements[int(0...elements.count - 1)]
                    let unit = element == "YEARLY" ? districts[int(0...2)] : (districts + ["A", "B"])[int(0...4)]
                    let period = element == "YEARLY" ? String(int(2015...2018)) : month(int(2015...2018), int(1...12))
                    let combo = element == "SUM" ? (int(0...1) == 0 ? "M" : "F") : ""
                    guard seen.insert("\(element)|\(unit)|\(period)|\(combo)").inserted else { continue }
                    batch.append(
                        DataValueInput(
                            element: element, period: period, unit: unit, optionCombo: combo,
                            value: String(int(0...120)), deleted: int(0...4) == 0 ? "true" : nil))
                }
                try writer.saveValues(batch, user: "writer")
            }
            if step % 5 == 4 {
                try a.catchUp()
                try b.catchUp()
                try Follow.expectEqual(engineA, to: a, "seed \(seed) step \(step), writer A's engine")
                try Follow.expectEqual(engineB, to: b, "seed \(seed) step \(step), writer B's engine")
                if !snapshotSaved {
                    try engineB.save(to: snapshot, store: b)
                    snapshotSaved = true
                }
            }
        }
        // A start from the snapshot saved early on and the log after it.
        let c = try Store(location: location)
        let (engineC, opening) = try AnalyticsEngine.open(store: c, snapshot: snapshot)
        #expect(opening.snapshotSequence != nil, "\(opening.snapshotIgnored ?? "")")
        #expect((opening.snapshotSequence ?? 0) < (try c.lastChange()))
        try Follow.expectEqual(engineC, to: c, "seed \(seed), started from the snapshot")
    }
}
