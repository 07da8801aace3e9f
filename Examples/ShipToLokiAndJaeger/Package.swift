// swift-tools-version: 6.1
// Ships log lines to Loki and spans to Jaeger: `swift run --package-path Examples/ShipToLokiAndJaeger`.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where Trail was cloned.
let trail = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.lastPathComponent

let package = Package(
    name: "ShipToLokiAndJaeger",
    platforms: [.macOS("26.0")],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "ShipToLokiAndJaeger", dependencies: [.product(name: "Trail", package: trail)]),
    ],
    swiftLanguageModes: [.v6]
)
