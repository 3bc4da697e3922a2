import Foundation

/// Printing HTML to PDF with Debian's headless Chromium: the command line's `--format pdf` and
/// the web's report download share it.
public enum PDF {
    public static let browsers = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]

    /// Why no PDF came out: no Chromium on this machine, or Chromium failed.
    public struct Failure: Error, Sendable {
        public let message: String
        public let browserMissing: Bool
    }

    /// Whether this machine can print PDFs.
    public static var isAvailable: Bool { browser != nil }

    static var browser: String? { browsers.first { FileManager.default.isExecutableFile(atPath: $0) } }

    /// The PDF of `html`.
    public static func data(html: String) throws -> Data {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qorgan-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("report.pdf")
        try print(html: html, to: target.path, workDirectory: dir)
        return try Data(contentsOf: target)
    }

    /// Writes the PDF of `html` to `output`.
    public static func print(html: String, to output: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qorgan-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try print(html: html, to: output, workDirectory: dir)
    }

    static func print(html: String, to output: String, workDirectory dir: URL) throws {
        guard let browser else {
            throw Failure(
                message: "a PDF is printed by Chromium, which is not installed: apt-get install chromium",
                browserMissing: true)
        }
        let page = dir.appendingPathComponent("report.html")
        try Data(html.utf8).write(to: page)
        let target = URL(fileURLWithPath: output).standardizedFileURL
        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        p.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
            "--user-data-dir=\(dir.path)/profile",
            "--print-to-pdf=\(target.path)", page.absoluteString,
        ]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let data = FileManager.default.contents(atPath: target.path),
            data.starts(with: Data("%PDF".utf8))
        else {
            throw Failure(
                message: "Chromium could not print the report to '\(output)' (exit \(p.terminationStatus))",
                browserMissing: false)
        }
    }
}
