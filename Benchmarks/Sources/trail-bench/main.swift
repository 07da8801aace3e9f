// trail-bench: workload S1 (WORKLOAD.md v1) for Trail in a plain loop, without ordo-one/benchmark.
//
//   trail-bench [--peer NAME] [--seconds S] [WORKLOAD ...]     # WORKLOAD: S1 S1-manual S1-unsampled S1-unsampled-manual
//   trail-bench --iterations N WORKLOAD                        # just run N operations (for valgrind/perf)
//
// Like ordo-one's setup: samples of 1,000 operations, 5 warm-up samples, then samples for S seconds
// (default 2); ns_per_op = median sample / 1,000, allocs_per_op = median malloc calls per sample /
// 1,000 (MallocCounter: malloc/calloc/realloc/memalign/aligned_alloc/posix_memalign calls of all
// threads). Runs inside the async main task, as ordo-one runs its closures.
import Foundation
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

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Everything runs in the async main task (ordo-one also calls its closures from a task, which
/// matters for task-local binding: inside a task it uses the task allocator, not malloc).
func main() async {
    var peer = "trail"
    var seconds = 2.0
    var iterationsOnly: Int?
    var workloads: [S1Variant] = []
    var args = CommandLine.arguments.dropFirst()
    while let arg = args.popFirst() {
        switch arg {
        case "--peer": peer = args.popFirst() ?? peer
        case "--seconds": seconds = args.popFirst().flatMap(Double.init) ?? seconds
        case "--iterations": iterationsOnly = args.popFirst().flatMap(Int.init)
        default:
            guard let w = S1Variant(rawValue: arg) else {
                FileHandle.standardError.write(Data("unknown argument \(arg); workloads: \(S1Variant.allCases.map(\.rawValue).joined(separator: " "))\n".utf8))
                exit(2)
            }
            workloads.append(w)
        }
    }
    if workloads.isEmpty { workloads = S1Variant.allCases }

    if let n = iterationsOnly {
        for variant in workloads {
            let fixture = S1Fixture(sampledParent: variant.sampledParent)
            let m0 = trail_malloc_count()
            let t0 = monotonicNanos()
            fixture.parentContext.restore { variant.run(fixture.tracer, iterations: n) }
            let t1 = monotonicNanos()
            let m1 = trail_malloc_count()
            print("# \(peer) \(variant.rawValue): \(n) operations, \(Double(t1 - t0) / Double(n)) ns/op, \(Double(m1 - m0) / Double(n)) mallocs/op (means)")
            print("# " + fixture.report(name: "\(peer) \(variant.rawValue)"))
        }
        return
    }

    print("# \(peer): plain loop (trail-bench, not ordo-one): median of 1000-op samples over \(seconds) s after 5 warm-up samples; allocs = malloc calls (all threads) counted by MallocCounter")
    let samplesPerOp = 1000
    for variant in workloads {
        let fixture = S1Fixture(sampledParent: variant.sampledParent)
        var times: [Double] = []
        var mallocs: [Double] = []
        times.reserveCapacity(100_000)
        mallocs.reserveCapacity(100_000)
        var totalOps = 0
        var totalMallocs = 0
        let deadline = monotonicNanos() + UInt64(seconds * 1e9)
        fixture.parentContext.restore {
            for _ in 0..<5 { variant.run(fixture.tracer, iterations: samplesPerOp) }
            while monotonicNanos() < deadline && times.count < 100_000 {
                let m0 = trail_malloc_count()
                let t0 = monotonicNanos()
                variant.run(fixture.tracer, iterations: samplesPerOp)
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
        print("# \(peer) \(variant.rawValue): \(times.count) samples; mean \(String(format: "%.3f", Double(totalMallocs) / Double(totalOps))) mallocs/op; " + fixture.report(name: "\(peer) \(variant.rawValue)"))
        print("\(peer) \(variant.rawValue) \(String(format: "%.1f", ns)) \(String(format: "%.2f", allocs))")
    }
}

await main()
