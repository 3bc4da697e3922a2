import Foundation
import QorganTestSupport
import Testing

/// The web application in a real headless Chromium, against the real binary serving the
/// demo on a free loopback port: sign in, enter a value, see it in the pivot and the
/// dashboard at once in three languages, and a regional user kept out of another region.
/// Needs Debian's chromium and chromium-driver and selenium (`.ci/run` installs them);
/// saves a screenshot of each page into docs/screenshots/.
@Suite(.serialized) struct E2ETests {
    @Test func theWebApplicationInARealBrowser() throws {
        let root = Self.root
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            #expect(
                FileManager.default.isExecutableFile(atPath: tool),
                "\(tool) is missing: apt-get install chromium chromium-driver (.ci/run does)")
        }
        let served = try ServedDemo.start(database: Fixtures.temporaryPath())
        defer { served.stop() }
        let url = served.address
        let printed = served.printed
        #expect(printed.contains("Demo sign-ins"))

        let (status, text) = try Self.script("web_e2e.py", url)
        #expect(status == 0, "the browser test failed (needs: pip install selenium):\n\(text)")
        // The PDF report of a fresh demo, printed by Chromium, its first page as a picture.
        let fresh = Fixtures.temporaryPath()
        let demo = Process()
        demo.executableURL = CLIRunner.binary
        demo.arguments = ["demo", "--database", fresh]
        demo.standardOutput = FileHandle.nullDevice
        try demo.run()
        demo.waitUntilExit()
        let pdf = Fixtures.temporaryPath("report.pdf")
        let print = Process()
        print.executableURL = CLIRunner.binary
        print.arguments = ["report", "--format", "pdf", "--output", pdf, "--database", fresh]
        try print.run()
        print.waitUntilExit()
        #expect(print.terminationStatus == 0)
        let png = Process()
        png.executableURL = URL(fileURLWithPath: "/usr/bin/pdftoppm")
        png.arguments = [
            "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", pdf,
            root.appendingPathComponent("docs/screenshots/report-pdf").path,
        ]
        try png.run()
        png.waitUntilExit()
        #expect(png.terminationStatus == 0, "pdftoppm (apt-get install poppler-utils)")
        #expect(
            FileManager.default.fileExists(atPath: root.appendingPathComponent("docs/screenshots/report-pdf.png").path))
        #expect(text.contains("all end-to-end checks passed"))
        for page in [
            "login", "dashboard", "data-entry", "pivot", "history", "users", "metadata", "account", "dashboard-ru",
            "pivot-kk", "incidents", "incident-form", "incident", "readiness", "sites", "site", "report", "trace",
            "report-public-ru", "framework", "validation", "validation-entry", "approval", "completeness", "outliers",
            "outlier-dialog",
        ] {
            #expect(
                FileManager.default.fileExists(
                    atPath: root.appendingPathComponent("docs/screenshots/\(page).png").path), "\(page)")
        }
    }

    /// Every page at 390 and 1366 px in three languages (none scrolls sideways), axe-core on each,
    /// the keyboard path through a form and data entry's choices and checks: Tests/e2e/layout_e2e.py.
    /// Saves each page's screenshot at both widths into docs/screenshots/.
    @Test func everyPageOnAPhoneAndALaptopWithTheKeyboardAndAxe() throws {
        let served = try ServedDemo.start(database: Fixtures.temporaryPath())
        defer { served.stop() }
        let (status, text) = try Self.script("layout_e2e.py", served.address)
        #expect(status == 0, "the layout test failed (needs selenium and axe-playwright-python):\n\(text)")
        #expect(text.contains("all layout checks passed"))
        for page in ["login", "dashboard", "entry-prevention", "entry-rehab", "pivot", "report", "incidents", "site"] {
            for width in [390, 1366] {
                #expect(
                    FileManager.default.fileExists(
                        atPath: Self.root.appendingPathComponent("docs/screenshots/\(page)-\(width).png").path),
                    "\(page) at \(width) px")
            }
        }
    }

    /// A new administrator maintains the programme in the browser only, in Russian at 390 px and
    /// Kazakh at 1366 px: an element on a form, a field office, its move with the figures that
    /// move, an indicator checked as it is typed; touch targets, focus and axe-core on every page
    /// (Tests/e2e/maintenance_e2e.py).
    @Test func anAdministratorMaintainsTheProgrammeInTheBrowser() throws {
        let served = try ServedDemo.start(database: Fixtures.temporaryPath())
        defer { served.stop() }
        let (status, text) = try Self.python("Tests/e2e/maintenance_e2e.py", [served.address])
        #expect(status == 0, "\(text)")
        #expect(text.contains("all maintenance checks passed"))
    }

    /// A field officer on a phone, in Russian: the chosen form opens at its first cell, a broken
    /// rule beside its cells, the outlier question over a cell that says it is being checked, and
    /// offline, a page in the page's language that says what works offline (Tests/e2e/phone_e2e.py;
    /// it stops the server to cut the connection).
    @Test func aFieldOfficerOnAPhone() throws {
        let served = try ServedDemo.start(database: Fixtures.temporaryPath())
        defer { served.stop() }
        let (status, text) = try Self.python(
            "Tests/e2e/phone_e2e.py", [served.address, String(served.process.processIdentifier)])
        #expect(status == 0, "\(text)")
        #expect(text.contains("all phone checks passed"))
    }

    /// Two people in turn on one browser profile: the service worker never serves what one saw to
    /// the other, online or offline (Tests/e2e/offline_users_e2e.py).
    @Test func keptPagesNeverPassFromOneUserToTheNext() throws {
        let served = try ServedDemo.start(database: Fixtures.temporaryPath())
        defer { served.stop() }
        let (status, text) = try Self.python("Tests/e2e/offline_users_e2e.py", [served.address])
        #expect(status == 0, "\(text)")
        #expect(text.contains("all offline user checks passed"))
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs one of Tests/e2e's scripts against a served demo: its exit status and what it printed.
    static func script(_ name: String, _ address: some CustomStringConvertible) throws -> (Int32, String) {
        try python(
            "Tests/e2e/\(name)", [String(describing: address), root.appendingPathComponent("docs/screenshots").path])
    }

    /// Runs a Python script of the repository with `arguments`: its exit status and what it printed.
    static func python(_ script: String, _ arguments: [String]) throws -> (Int32, String) {
        let e2e = Process()
        e2e.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        e2e.arguments = ["python3", root.appendingPathComponent(script).path] + arguments
        let log = Pipe()
        e2e.standardOutput = log
        e2e.standardError = log
        try e2e.run()
        let text = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        e2e.waitUntilExit()
        print(text)
        return (e2e.terminationStatus, text)
    }
}
