import Foundation
import QorganTestSupport
import Testing

/// The README is a contract: Tests/readme/readme_test.py runs every command block of README.md in
/// order, in a fresh folder, with the built binary (servers on free loopback ports, DHIS2's Python
/// client against them), and checks every output the README states ("F2 is now 3", "190 of 192").
@Suite(.serialized) struct ReadmeTests {
    @Test func everyCommandBlockOfTheReadmeRunsAndSaysWhatItStates() throws {
        let root = E2ETests.root
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments = [
            "python3", root.appendingPathComponent("Tests/readme/readme_test.py").path, CLITests.binary.path, root.path,
        ]
        let log = Pipe()
        run.standardOutput = log
        run.standardError = log
        try run.run()
        let text = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        #expect(run.terminationStatus == 0, "\(text.suffix(4000))")
        #expect(text.contains("all README blocks ran"))
        // Every README example's input file is in examples/.
        for file in [
            "gtd.csv", "provstate.csv", "dataValueSet.json", "assessment.json", "sites.csv", "inspection.json",
        ] {
            #expect(text.contains("examples/\(file)"), "examples/\(file) is used by the README")
        }
        #expect(text.contains("F2 is now 3, as the README says") && text.contains("F1 is now 13, as the README says"))
    }
}
