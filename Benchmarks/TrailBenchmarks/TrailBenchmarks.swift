// Workloads L1, L2 and S1 (WORKLOAD.md v1) for Trail, configured like the peers' ordo-one benchmarks
// (peers/swift/Benchmarks/SwiftLogPeers, peers/swift-otel-peers/Benchmarks/OTelPeers): wallClock +
// mallocCountTotal, ns, 5 warm-ups, scalingFactor .kilo (one sample = 1,000 calls or spans), at most 2 s.
//
//   trail L1                     logger.info("request handled", [5 fields]) inside the workload's span,
//                                pipeline with one discarding destination (LoggingWorkload)
//   trail L2                     the same call at debug, logger at info
//   trail L1-lean                L1 with no source object, no trace_flags, ms timestamp (LogKeys.lean)
//   trail S1                     tracer.withSpan("child") { span in 2 × setAttribute }, sampled parent
//   trail S1-manual              startSpan("child") + 2 × setAttribute + end(), sampled parent
//   trail S1-unsampled           like S1 under a parent that was not sampled (child is dropped)
//   trail S1-unsampled-manual    like S1-manual under that parent
//   trail context-read-empty     read Context.current's span context with nothing bound (target: 0 allocations)
//
// Each S1 benchmark has its own tracer, BatchSpanProcessor (defaults) and counting exporter, made in
// setup; each L benchmark its own pipeline and discarding sink. Teardown flushes and reports
// exported/dropped spans or accepted/written/dropped lines to $TRAIL_BENCH_REPORT (appended) or stderr.
import Benchmark
import LoggingWorkload
import S1Workload
import Synchronization
import Trail

#if canImport(Glibc)
import Glibc
#endif

/// The fixture of the benchmark that is running (made in its setup hook, dropped in teardown).
final class Current<Fixture: Sendable>: Sendable {
    private let fixture = Mutex<Fixture?>(nil)
    func set(_ f: Fixture?) { fixture.withLock { $0 = f } }
    var value: Fixture { fixture.withLock { $0! } }
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

    for variant in LogVariant.headline {
        let current = Current<LoggingFixture>()
        let name = "trail \(variant.rawValue)"
        Benchmark(
            name,
            closure: { benchmark in
                let fixture = current.value
                let logger = fixture.logger
                fixture.spanContext.restore {
                    switch variant {
                    case .l2:
                        for _ in benchmark.scaledIterations { callL2(logger) }
                    case .l1NoFields:
                        for _ in benchmark.scaledIterations { callL1NoFields(logger) }
                    default:
                        for _ in benchmark.scaledIterations { callL1(logger) }
                    }
                }
            },
            setup: { current.set(LoggingFixture(variant)) },
            teardown: {
                report(current.value.report(name: name))
                current.set(nil)
            }
        )
    }

    for variant in S1Variant.allCases {
        let current = Current<S1Fixture>()
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
