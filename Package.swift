// swift-tools-version: 6.1
import PackageDescription

// The default build has no package dependencies: the toolchain and the system zlib only. The two
// bridges depend on swift-log and swift-distributed-tracing only when their trait is enabled;
// SwiftPM neither fetches nor builds a dependency that only a disabled trait uses.
let package = Package(
    name: "Trail",
    platforms: [.macOS("26.0")],
    products: [
        .library(name: "Trail", targets: ["Trail"]),
        .library(name: "TrailTesting", targets: ["TrailTesting"]),
        .library(name: "TrailSwiftLog", targets: ["TrailSwiftLog"]),
        .library(name: "TrailTracing", targets: ["TrailTracing"]),
        .executable(name: "trail", targets: ["trail"]),
    ],
    traits: [
        .trait(name: "SwiftLog", description: "TrailSwiftLog: a swift-log LogHandler that writes Trail lines"),
        .trait(name: "DistributedTracing", description: "TrailTracing: a swift-distributed-tracing Tracer made of Trail spans"),
        .default(enabledTraits: []),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Trail", dependencies: ["CZlib"]),
        .target(name: "TrailTesting", dependencies: ["Trail"]),
        .target(name: "TrailSwiftLog", dependencies: [
            "Trail", .product(name: "Logging", package: "swift-log", condition: .when(traits: ["SwiftLog"])),
        ]),
        .target(name: "TrailTracing", dependencies: [
            "Trail", .product(name: "Tracing", package: "swift-distributed-tracing", condition: .when(traits: ["DistributedTracing"])),
        ]),
        .executableTarget(name: "trail", dependencies: ["Trail", "TrailTesting"]),
        .testTarget(name: "TrailTests", dependencies: ["Trail", "TrailTesting"], exclude: ["Python"]),
        .testTarget(name: "TrailBridgeTests", dependencies: [
            "Trail", "TrailTesting", "TrailSwiftLog", "TrailTracing",
            .product(name: "Logging", package: "swift-log", condition: .when(traits: ["SwiftLog"])),
            .product(name: "Tracing", package: "swift-distributed-tracing", condition: .when(traits: ["DistributedTracing"])),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
