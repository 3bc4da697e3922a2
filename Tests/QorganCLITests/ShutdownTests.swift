import Foundation
import QorganStore
import QorganTestSupport
import Testing

/// SIGTERM with a large import in flight (issue 27): the server stops within seconds, not after the
/// import, and nothing of the import is stored.
@Suite(.serialized) struct ShutdownTests {
    @Test func aStopDuringALargeImportRollsItBackAndExitsAtOnce() throws {
        let db = Fixtures.temporaryPath()
        let cli = CLIRunner()
        let served = try ServedDemo.start(database: db)
        let token =
            try cli.qorgan("users", "token", "admin", database: db).out
            .split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("qgn_") }.map(String.init) ?? ""
        let before = try Store(path: db).valueCount()
        // About 40 MB of ADX: far more than the server reads in the moment before it is stopped.
        var adx = "<adx xmlns=\"urn:ihe:qrph:adx:2015\">"
        let group =
            "<group orgUnit=\"AKT\" period=\"2018-01-01/P1M\" dataSet=\"SECURITY\">"
            + String(repeating: "<dataValue dataElement=\"CONVICTIONS\" value=\"3\"/>", count: 1_000) + "</group>"
        adx += String(repeating: group, count: 800) + "</adx>"
        let file = Fixtures.temporaryPath("big.adx")
        try Data(adx.utf8).write(to: URL(fileURLWithPath: file))
        let upload = Process()
        upload.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        upload.arguments = [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)", "-H",
            "Content-Type: application/adx+xml", "-H", "Expect:", "--data-binary", "@\(file)",
            "\(served.address)/api/dataValueSets",
        ]
        let answer = Pipe()
        upload.standardOutput = answer
        try upload.run()
        Thread.sleep(forTimeInterval: 2)
        #expect(upload.isRunning, "the import was still in flight when the server was stopped")
        let stopped = Date()
        served.process.terminate()
        served.process.waitUntilExit()
        let took = Date().timeIntervalSince(stopped)
        upload.waitUntilExit()
        let status = String(decoding: answer.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        print(
            "shutdown with a 40 MB import in flight: the server exited after \(took) s; the import answered \(status)")
        #expect(took < 2, "the server took \(took) s to stop")
        #expect(["503", "000"].contains(status), "the import answered \(status)")
        #expect(try Store(path: db).valueCount() == before)
    }
}
