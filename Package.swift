// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "qorgan",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "qorgan", targets: ["qorgan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(name: "QorganCore", swiftSettings: strict),
        .target(name: "QorganStore",
                dependencies: ["QorganCore", .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "GRDBSQLite", package: "GRDB.swift")],
                swiftSettings: strict),
        .target(name: "QorganInterop", dependencies: ["QorganCore"], swiftSettings: strict),
        .target(name: "QorganAnalytics", dependencies: ["QorganCore"], swiftSettings: strict),
        .target(name: "QorganBench",
                dependencies: ["QorganCore", "QorganAnalytics", "QorganStore", "QorganInterop", "QorganReports",
                               .product(name: "GRDB", package: "GRDB.swift")],
                swiftSettings: strict),
        .target(name: "QorganDemo", dependencies: ["QorganCore", "QorganStore"], swiftSettings: strict),
        .target(name: "QorganReports", dependencies: ["QorganCore", "QorganAnalytics"], swiftSettings: strict),
        .executableTarget(name: "qorgan",
                          dependencies: ["QorganCore", "QorganStore", "QorganInterop", "QorganDemo", "QorganReports", "QorganAnalytics", "QorganBench",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: strict),
        .target(name: "QorganTestSupport", dependencies: ["QorganCore", "QorganStore", "QorganDemo"],
                swiftSettings: strict),
        .testTarget(name: "QorganTests",
                    dependencies: ["QorganCore", "QorganStore", "QorganInterop", "QorganDemo", "QorganReports",
                                   "QorganTestSupport", "QorganAnalytics", "qorgan"],
                    swiftSettings: strict),
    ]
)
