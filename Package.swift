// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
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
            name: "QorganTestSupport", dependencies: ["QorganCore", "QorganStore", "QorganDemo"],
            swiftSettings: strict),
        .testTarget(
            name: "QorganTests",
            dependencies: [
                "QorganCore", "QorganStore", "QorganInterop", "QorganDemo", "QorganReports",
                "QorganTestSupport", "QorganAnalytics", "QorganServer", "qorgan",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // To take a database apart as another version of Qorgan would have left it.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            // Run by DHIS2ClientTests with python3, read from its path: not a resource.
            exclude: ["dhis2_clients.py"],
            swiftSettings: strict),
    ]
)
