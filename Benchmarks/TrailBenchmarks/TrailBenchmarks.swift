// Workload S1 (WORKLOAD.md v1) for Trail, configured like the peers' ordo-one benchmarks
// (peers/swift-otel-peers/Benchmarks/OTelPeers): wallClock + mallocCountTotal, ns, 5 warm-ups,
// scalingFactor .kilo (one sample = 1,000 spans), at most 2 s.
//
//   trail S1                     tracer.withSpan("child") { span in 2 × setAttribute }, sampled parent
//   trail S1-manual              startSpan("child") + 2 × setAttribute + end(), sampled parent
//   trail S1-unsampled           like S1 under a parent that was not sampled (child is dropped)
//   trail S1-unsampled-manual    like S1-manual under that parent
//   trail context-read-empty     read Context.current's span context with nothing bound (target: 0 allocations)
//
// Each benchmark has its own tracer, BatchSpanProcessor (defaults) and counting exporter, made in
// setup; teardown flushes and reports exported/dropped spans to $TRAIL_BENCH_REPORT (appended) or
// stderr.
import Benchmark
import S1Workload
import Synchronization
import Trail

#if canImport(Glibc)
import Glibc
#endif

/// The fixture of the benchmark that is running (made in its setup hook, dropped in teardown).
final class Current: Sendable {
    private let fixture = Mutex<S1Fixture?>(nil)
    func set(_ f: S1Fixture?) { fixture.withLock { $0 = f } }
    var value: S1Fixture { fixture.withLock { $0! } }
}

func report(_ line: String) {
    if let path = getenv("TRAIL_BENCH_REPORT").map({ String(cString: $0) }), let file = fopen(path, "a") {
        fputs(line + "\n", file)
        fclose(file)
    } else {
        var text = "# " + line + "\n"
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 5,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    Benchmark("trail context-read-empty") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Context.current.spanContext) }
    }

    for variant in S1Variant.allCases {
        let current = Current()
        let name = "trail \(variant.rawValue)"
        Benchmark(
            name,
            closure: { benchmark in
                let fixture = current.value
                let tracer = fixture.tracer
                fixture.parentContext.restore {
                    switch variant {
                    case .s1, .s1Unsampled:
                        for _ in benchmark.scaledIterations { s1WithSpan(tracer) }
                    case .s1Manual, .s1UnsampledManual:
                        for _ in benchmark.scaledIterations { s1Manual(tracer) }
                    }
                }
            },
            setup: { current.set(S1Fixture(sampledParent: variant.sampledParent)) },
            teardown: {
                report(current.value.report(name: name))
                current.set(nil)
            }
        )
    }
}
