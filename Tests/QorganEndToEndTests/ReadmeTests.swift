import Foundation
import QorganTestSupport
import Testing

/// The README is a contract: Tests/readme/readme_test.py runs every command block of README.md in
/// order, in a fresh folder, with the built binary (servers on free loopback ports, DHIS2's Python
/// client against them), and checks every output the README states ("F2 is now 3", "190 of 192").
@Suite(.serialized) struct ReadmeTests {
    @Test func everyCommandBlockOfTheReadmeRunsAndSaysWhatItStates() throws {
        let (status, text) = try E2ETests.python(
            "Tests/readme/readme_test.py", [CLIRunner.binary.path, E2ETests.root.path])
        #expect(status == 0, "\(text.suffix(4000))")
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
