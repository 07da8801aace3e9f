// trail-bench: workloads L1, L2 and S1 (WORKLOAD.md v1) for Trail in a plain loop, without
// ordo-one/benchmark.
//
//   trail-bench [--peer NAME] [--seconds S] [WORKLOAD ...]     # WORKLOAD: L1 L2 L1-lean S1 S1-manual S1-unsampled S1-unsampled-manual
//                                                              #   diagnostics (only when named): L1-nodest L1-nospan L1-nofields
//   trail-bench --iterations N WORKLOAD                        # just run N operations (for gdb/perf)
//   trail-bench --sample                                       # one L1 line, as a real stdout pipeline writes it
//   trail-bench [--peer NAME] L3                               # 1,000,000 L1 lines to a file (L3_LINES, L3_DIR); alone in its process
//   trail-bench [--peer NAME] [--runs N] SHIP-LOKI SHIP-OTLP   # CPU time to ship 100,000 lines to Loki / 10,000 spans over OTLP
//                                                              #   to a loopback receiver in its own process (Ship.swift); N default 5
//
// Like ordo-one's setup: samples of 1,000 operations, 5 warm-up samples, then samples for S seconds
// (default 2); ns_per_op = median sample / 1,000, allocs_per_op = median malloc calls per sample /
// 1,000 (MallocCounter: malloc/calloc/realloc/memalign/aligned_alloc/posix_memalign calls of all
// threads). Runs inside the async main task, as ordo-one runs its closures.
import Foundation
import LoggingWorkload
import MallocCounter
import S1Workload
import Trail

#if canImport(Glibc)
import Glibc
#endif

func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// CPU time the calling thread has used, in nanoseconds (running, not waiting).
func threadCPUNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// One benchmark: a logging workload (L1, L2, L1-lean) or a span workload (S1...).
enum Workload {
    case log(LogVariant)
    case span(S1Variant)

    /// The default set; the diagnostic L1 variants (L1-nodest, L1-nospan, L1-nofields) only run when named.
    static var all: [Workload] { LogVariant.headline.map(Workload.log) + S1Variant.allCases.map(Workload.span) }
    static var names: [String] { LogVariant.allCases.map(\.rawValue) + S1Variant.allCases.map(\.rawValue) }

    init?(rawValue: String) {
        if let v = LogVariant(rawValue: rawValue) { self = .log(v) } else if let v = S1Variant(rawValue: rawValue) { self = .span(v) } else { return nil }
    }

    var rawValue: String {
        switch self {
        case .log(let v): v.rawValue
        case .span(let v): v.rawValue
        }
    }

    /// Makes the fixture; returns the context to bind around the loop, the loop body (`iterations`
    /// operations) and the report to print after the samples.
    func prepare(peer: String) -> (context: Context, run: (Int) -> Void, report: () -> String) {
        let name = "\(peer) \(rawValue)"
        switch self {
        case .log(let v):
            let fixture = LoggingFixture(v)
            let logger = fixture.logger
            return (fixture.spanContext, { v.run(logger, iterations: $0) }, { fixture.report(name: name) })
        case .span(let v):
            let fixture = S1Fixture(sampledParent: v.sampledParent)
            let tracer = fixture.tracer
            return (fixture.parentContext, { v.run(tracer, iterations: $0) }, { fixture.report(name: name) })
        }
    }
}

/// `--sample`: the L1 call once through a pipeline with a real `StdoutSink(format: .json)`, inside the
/// workload's span, then a flush: exactly the line a discarding L1 run encodes (the timestamp aside).
func printSample() {
    let pipeline = Pipeline(
        serviceName: "trail-bench", level: .info, destinations: [StdoutSink(format: .json)], environment: [:])
    let logger = Logger(label: "bench", level: .info, pipeline: pipeline)
    Context().with(span: Span(remote: workloadSpanContext)).restore { callL1(logger) }
    _ = pipeline.flushBlocking(timeout: .seconds(5))
}

/// Everything runs in the async main task (ordo-one also calls its closures from a task, which
/// matters for task-local binding: inside a task it uses the task allocator, not malloc).
func main() async {
    var peer = "trail"
    var seconds = 2.0
    var iterationsOnly: Int?
    var workloads: [Workload] = []
    var shipWorkloads: [ShipWorkload] = []
    var runs = 5
    var args = CommandLine.arguments.dropFirst()
    while let arg = args.popFirst() {
        switch arg {
        case "--peer": peer = args.popFirst() ?? peer
        case "--seconds": seconds = args.popFirst().flatMap(Double.init) ?? seconds
        case "--iterations": iterationsOnly = args.popFirst().flatMap(Int.init)
        case "--runs": runs = args.popFirst().flatMap(Int.init) ?? runs
        case "--sample":
            printSample()
            return
        case "L3":
            runL3(peer: peer)
            return
        default:
            if let ship = ShipWorkload(rawValue: arg) {
                shipWorkloads.append(ship)
                continue
            }
            guard let w = Workload(rawValue: arg) else {
                FileHandle.standardError.write(Data("unknown argument \(arg); workloads: \((Workload.names + ShipWorkload.allCases.map(\.rawValue)).joined(separator: " "))\n".utf8))
                exit(2)
            }
            workloads.append(w)
        }
    }
    if !shipWorkloads.isEmpty {
        await runShip(shipWorkloads, runs: runs, peer: peer)
        if workloads.isEmpty { return }
    }
    if workloads.isEmpty { workloads = Workload.all }

    if let n = iterationsOnly {
        for variant in workloads {
            let (context, run, report) = variant.prepare(peer: peer)
            let m0 = trail_malloc_count()
            let t0 = monotonicNanos()
            context.restore { run(n) }
            let t1 = monotonicNanos()
            let m1 = trail_malloc_count()
            print("# \(peer) \(variant.rawValue): \(n) operations, \(Double(t1 - t0) / Double(n)) ns/op, \(Double(m1 - m0) / Double(n)) mallocs/op (means)")
            print("# " + report())
        }
        return
    }

    print("# \(peer): plain loop (trail-bench, not ordo-one): median of 1000-op samples over \(seconds) s after 5 warm-up samples; allocs = malloc calls (all threads) counted by MallocCounter")
    let samplesPerOp = 1000
    for variant in workloads {
        let (context, run, report) = variant.prepare(peer: peer)
        var times: [Double] = []
        var mallocs: [Double] = []
        times.reserveCapacity(100_000)
        mallocs.reserveCapacity(100_000)
        var totalOps = 0
        var totalMallocs = 0
        let deadline = monotonicNanos() + UInt64(seconds * 1e9)
        context.restore {
            for _ in 0..<5 { run(samplesPerOp) }
            while monotonicNanos() < deadline && times.count < 100_000 {
                let m0 = trail_malloc_count()
                let t0 = monotonicNanos()
                run(samplesPerOp)
                let t1 = monotonicNanos()
                let m1 = trail_malloc_count()
                times.append(Double(t1 - t0))
                mallocs.append(Double(m1 - m0))
                totalOps += samplesPerOp
                totalMallocs += m1 - m0
            }
        }
        let ns = median(times) / Double(samplesPerOp)
        let allocs = median(mallocs) / Double(samplesPerOp)
        print("# \(peer) \(variant.rawValue): \(times.count) samples; mean \(String(format: "%.3f", Double(totalMallocs) / Double(totalOps))) mallocs/op; " + report())
        print("\(peer) \(variant.rawValue) \(String(format: "%.1f", ns)) \(String(format: "%.2f", allocs))")
    }
}

await main()
