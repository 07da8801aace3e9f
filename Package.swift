// swift-tools-version: 6.1
import PackageDescription

// The default build has no package dependencies: the toolchain only.
let package = Package(
    name: "Trail",
    platforms: [.macOS("26.0")],
    products: [
        .library(name: "Trail", targets: ["Trail"]),
        .library(name: "TrailTesting", targets: ["TrailTesting"]),
        .executable(name: "trail", targets: ["trail"]),
    ],
    targets: [
        .target(name: "Trail"),
        .target(name: "TrailTesting", dependencies: ["Trail"]),
        .executableTarget(name: "trail", dependencies: ["Trail", "TrailTesting"]),
        .testTarget(name: "TrailTests", dependencies: ["Trail", "TrailTesting"]),
    ],
    swiftLanguageModes: [.v6]
)
