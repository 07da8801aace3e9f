// swift-tools-version: 6.1
import PackageDescription

// The default build has no package dependencies: the toolchain and the system zlib only.
let package = Package(
    name: "Trail",
    platforms: [.macOS("26.0")],
    products: [
        .library(name: "Trail", targets: ["Trail"]),
        .library(name: "TrailTesting", targets: ["TrailTesting"]),
        .executable(name: "trail", targets: ["trail"]),
    ],
    targets: [
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Trail", dependencies: ["CZlib"]),
        .target(name: "TrailTesting", dependencies: ["Trail"]),
        .executableTarget(name: "trail", dependencies: ["Trail", "TrailTesting"]),
        .testTarget(name: "TrailTests", dependencies: ["Trail", "TrailTesting"], exclude: ["Python"]),
    ],
    swiftLanguageModes: [.v6]
)
