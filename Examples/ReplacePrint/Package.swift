// swift-tools-version: 6.1
// A small import script, moved from `print` to Trail: `swift run --package-path Examples/ReplacePrint`.
// The `print` version it started from is `Sources/ReplacePrint/Before.swift.txt` (not compiled).
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where Trail was cloned.
let trail = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.lastPathComponent

let package = Package(
    name: "ReplacePrint",
    platforms: [.macOS("26.0")],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "ReplacePrint",
            dependencies: [.product(name: "Trail", package: trail)],
            exclude: ["Before.swift.txt"]
        ),
        // The Trail code of MIGRATION.md, so `swift build` checks the guide against the real API.
        .target(name: "MigrationSnippets", dependencies: [.product(name: "Trail", package: trail)]),
    ],
    swiftLanguageModes: [.v6]
)
