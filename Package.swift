// swift-tools-version:6.0
import Foundation
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

var package = Package(
    name: "qorgan",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "qorgan", targets: ["qorgan"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .target(name: "QorganCore", swiftSettings: strict),
        .target(
            name: "QorganStore",
            dependencies: [
                "QorganCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict),
        .target(name: "QorganInterop", dependencies: ["QorganCore"], swiftSettings: strict),
        .target(name: "QorganAnalytics", dependencies: ["QorganCore", "QorganStore"], swiftSettings: strict),
        .target(
            name: "QorganBench",
            dependencies: [
                "QorganCore", "QorganAnalytics", "QorganStore", "QorganInterop", "QorganReports",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict),
        .target(name: "QorganDemo", dependencies: ["QorganCore", "QorganStore"], swiftSettings: strict),
        .target(
            name: "QorganReports", dependencies: ["QorganCore", "QorganAnalytics", "QorganInterop", "QorganStore"],
            swiftSettings: strict),
        .target(
            name: "QorganServer",
            dependencies: [
                "QorganCore", "QorganStore", "QorganAnalytics", "QorganInterop", "QorganReports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strict),
        .executableTarget(
            name: "qorgan",
            dependencies: [
                "QorganCore", "QorganStore", "QorganInterop", "QorganDemo", "QorganReports", "QorganAnalytics",
                "QorganBench", "QorganServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "QorganTestSupport", dependencies: ["QorganCore", "QorganStore", "QorganDemo", "QorganAnalytics"],
            swiftSettings: strict),
        .target(
            name: "QorganWebTestSupport",
            dependencies: [
                "QorganCore", "QorganStore", "QorganDemo", "QorganAnalytics", "QorganServer", "QorganTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .testTarget(name: "QorganCoreTests", dependencies: ["QorganCore", "QorganTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "QorganStoreTests",
            dependencies: [
                "QorganCore", "QorganStore", "QorganAnalytics", "QorganTestSupport",
                // To take a database apart as another version of Qorgan would have left it.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "QorganAnalyticsTests",
            dependencies: ["QorganCore", "QorganStore", "QorganAnalytics", "QorganTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "QorganInteropTests",
            dependencies: [
                "QorganCore", "QorganStore", "QorganAnalytics", "QorganInterop", "QorganDemo", "QorganTestSupport",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "QorganReportsTests",
            dependencies: [
                "QorganCore", "QorganStore", "QorganAnalytics", "QorganInterop", "QorganDemo", "QorganReports",
                "QorganTestSupport",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "QorganServerTests",
            dependencies: [
                "QorganCore", "QorganStore", "QorganAnalytics", "QorganInterop", "QorganDemo", "QorganReports",
                "QorganServer", "QorganTestSupport", "QorganWebTestSupport", "qorgan",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "QorganCLITests",
            dependencies: [
                "QorganCore", "QorganStore", "QorganAnalytics", "QorganInterop", "QorganDemo", "QorganReports",
                "QorganServer", "QorganTestSupport", "QorganWebTestSupport", "qorgan",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            // Run by DHIS2ClientTests with python3, read from its path: not a resource.
            exclude: ["dhis2_clients.py"],
            swiftSettings: strict),
        .testTarget(name: "QorganEndToEndTests", dependencies: ["QorganTestSupport", "qorgan"], swiftSettings: strict),
    ]
)

// `QORGAN_TEST_MODULES=Core,Store swift test` declares only those test targets (QorganCoreTests, …)
// and what they depend on, so that a module's tests build nothing above it: SwiftPM builds every
// target of a package on `swift test`, whatever `--filter` says. Unset, everything is declared.
if let only = ProcessInfo.processInfo.environment["QORGAN_TEST_MODULES"], !only.isEmpty {
    let tests = Set(only.split(separator: ",").map { "Qorgan\($0.trimmingCharacters(in: .whitespaces))Tests" })
    let byName = Dictionary(uniqueKeysWithValues: package.targets.map { ($0.name, $0) })
    for test in tests where byName[test]?.type != .test {
        let known = package.targets.filter { $0.type == .test }.map { $0.name.dropFirst(6).dropLast(5) }
        fatalError("QORGAN_TEST_MODULES: no test target \(test); the modules are \(known.joined(separator: ", "))")
    }
    var keep = Set<String>()
    func visit(_ name: String) {
        guard let target = byName[name], keep.insert(name).inserted else { return }
        for dependency in target.dependencies {
            switch dependency {
            case .targetItem(let name, _), .byNameItem(let name, _): visit(name)
            default: break
            }
        }
    }
    tests.forEach(visit)
    package.targets = package.targets.filter { keep.contains($0.name) }
    package.products = package.products.filter { product in product.name != "qorgan" || keep.contains("qorgan") }
}
