// swift-tools-version: 6.1
// The README's quick start as a runnable package: `swift run --package-path Examples/QuickStart`.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where Trail was cloned.
let trail = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.lastPathComponent

let package = Package(
    name: "QuickStart",
    platforms: [.macOS("26.0")],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "QuickStart", dependencies: [.product(name: "Trail", package: trail)]),
    ],
    swiftLanguageModes: [.v6]
)
