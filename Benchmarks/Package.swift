// swift-tools-version: 6.1
// Benchmarks for Trail, measured the way the peers in /work/shared/bench/peers are (WORKLOAD.md v1):
// workloads L1/L2 (logging) and S1 (spans).
//
// - TrailBenchmarks: ordo-one/benchmark targets (wallClock + mallocCountTotal), run with
//   `swift package benchmark` in this folder.
// - trail-bench: a plain executable (no ordo-one) that times S1, L1 and L2 in a plain loop and counts malloc calls
//   with its own tiny interposer (MallocCounter); a cross-check, and the binary to run under valgrind.
// - run-trail.sh: builds and runs both and prints `peer workload ns_per_op allocs_per_op` lines for
//   `peers/run.sh --extra`.
import PackageDescription

let package = Package(
    name: "TrailBenchmarks",
    platforms: [.macOS("26.0")],
    dependencies: [
        .package(name: "Trail", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The S1 fixture and operations, shared by both runners so they measure the same code.
        .target(
            name: "S1Workload",
            dependencies: [.product(name: "Trail", package: "Trail")]
        ),
        // The L1/L2 fixture (a pipeline into a discarding sink, the workload's span context) and calls.
        .target(
            name: "LoggingWorkload",
            dependencies: [.product(name: "Trail", package: "Trail")]
        ),
        .target(name: "MallocCounter"),
        .executableTarget(
            name: "trail-bench",
            dependencies: ["S1Workload", "LoggingWorkload", "MallocCounter", .product(name: "Trail", package: "Trail")]
        ),
        .executableTarget(
            name: "TrailBenchmarks",
            dependencies: [
                "S1Workload",
                "LoggingWorkload",
                .product(name: "Trail", package: "Trail"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "TrailBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
