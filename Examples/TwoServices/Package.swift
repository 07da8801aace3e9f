// swift-tools-version: 6.1
// Two Hummingbird services that continue one trace across HTTP:
// `swift run --package-path Examples/TwoServices` (see "Tracing HTTP requests across services" in the
// root README, and check.sh, which CI runs).
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where Trail was cloned.
let trail = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.lastPathComponent

let package = Package(
    name: "TwoServices",
    platforms: [.macOS("26.0")],
    dependencies: [
        .package(path: "../..", traits: ["DistributedTracing"]),   // TrailTracer, for Hummingbird's own TracingMiddleware
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "TwoServices",
            dependencies: [
                .product(name: "Trail", package: trail),
                .product(name: "TrailTracing", package: trail),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
