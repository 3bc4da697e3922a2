import Foundation

/// The command-line tool as a person uses it: the real binary (built next to the test runner).
public struct CLIRunner {
    public struct Run: Sendable {
        public var status: Int32
        public var out: String
        public var err: String
    }

    public init() {}

    public static let binary: URL = {
        var candidates: [URL] = []
        if let exe = Bundle.main.executableURL {
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent("qorgan"))
        }
        candidates.append(
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("qorgan"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let built = root.appendingPathComponent(".build/debug/qorgan")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? built
    }()

    @discardableResult
    public func qorgan(_ args: String..., database: String) throws -> Run {
        try qorgan(args, database: database)
    }

    @discardableResult
    public func qorgan(_ args: [String], database: String) throws -> Run {
        var env = ProcessInfo.processInfo.environment
        env["QORGAN_USER"] = "cli-test"
        return try Self.run(Self.binary, args + ["--database", database], environment: env)
    }

    /// Runs a program to its end: its status, standard output and standard error.
    public static func run(_ executable: URL, _ args: [String], environment: [String: String]? = nil) throws -> Run {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        if let environment { p.environment = environment }
        let out = Pipe()
        // Standard error to a file: a long list of problems must not fill a pipe nobody reads yet.
        let errPath = Fixtures.temporaryPath("stderr.txt")
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try err.close()
        let e = FileManager.default.contents(atPath: errPath) ?? Data()
        return Run(
            status: p.terminationStatus, out: String(decoding: o, as: UTF8.self),
            err: String(decoding: e, as: UTF8.self))
    }
}
