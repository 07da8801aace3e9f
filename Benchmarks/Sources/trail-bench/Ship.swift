// Workloads SHIP-LOKI and SHIP-OTLP: the CPU time Trail spends shipping to a network destination
// (issue 5's "Done means"). Not part of WORKLOAD.md v1 (the peers have no counterpart).
//
// SHIP-LOKI: 100,000 L1 calls (the workload's message, 5 fields and span ids) through Logger +
//   Pipeline into a LokiSink (gzip on, default batching: 512 lines / 1 MiB / 100 ms) pushing to a
//   loopback receiver.
// SHIP-OTLP: 10,000 S1 spans (child "child" + 2 attributes under a sampled parent, default sampler)
//   through the pipeline's batch span processor (defaults: 512 / 5 s) into an OTLPSpanExporter
//   (protobuf, default compression: none) posting to the loopback receiver.
//
// Both writers use `.block` instead of the default drop policy, so that every line and span is
// delivered (the run checks it): producing faster than HTTP can carry would otherwise drop most of
// them, and a benchmark that dropped its load would flatter itself.
//
// The receiver (Benchmarks/loopback-receiver.py) runs in a process of its own, started and stopped
// by each run, so its CPU time is not in the sender's getrusage(RUSAGE_SELF). Measured: from before
// the first call to after the flush returns; CPU = user + system time of this whole process (the
// caller, the writer's drain thread, encoding, gzip, URLSession).
import Foundation
import LoggingWorkload
import S1Workload
import Trail

#if canImport(Glibc)
import Glibc
#endif

enum ShipWorkload: String, CaseIterable {
    case loki = "SHIP-LOKI"
    case otlp = "SHIP-OTLP"

    var operations: Int { self == .loki ? 100_000 : 10_000 }
    var unit: String { self == .loki ? "lines" : "spans" }
}

/// User and system CPU time of this process so far, in nanoseconds.
func processCPUTime() -> (user: UInt64, system: UInt64) {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    func nanos(_ t: timeval) -> UInt64 { UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_usec) * 1_000 }
    return (nanos(usage.ru_utime), nanos(usage.ru_stime))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("trail-bench: \(message)\n".utf8))
    exit(1)
}

/// What the receiver counted (its JSON line at exit).
struct ReceiverStats: Decodable {
    var requests: Int
    var body_bytes: Int
    var loki_lines: Int
    var spans: Int
    var gzip_requests: Int
    var errors: Int
    var first_error: String?
}

/// loopback-receiver.py in a child process: started with a bound on its life, stopped by closing
/// its stdin, every wait bounded.
final class ReceiverProcess {
    let process = Process()
    private let stdin = Pipe()
    private let stdout = Pipe()
    private var buffered: [UInt8] = []
    private(set) var port = 0

    /// The script: `TRAIL_BENCH_RECEIVER`, else next to this package's Sources folder.
    static var script: String {
        if let path = ProcessInfo.processInfo.environment["TRAIL_BENCH_RECEIVER"] { return path }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../loopback-receiver.py").standardized.path
    }

    init(maxSeconds: Int = 300) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--port", "0", "--max-seconds", "\(maxSeconds)"]
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        guard let line = readLine(deadline: monotonicNanos() + 15_000_000_000), line.hasPrefix("port "),
              let port = Int(line.dropFirst(5)) else {
            process.terminate()
            fail("the loopback receiver (\(Self.script)) did not start within 15 s (is python3 installed?)")
        }
        self.port = port
    }

    /// One line of the receiver's stdout, or nil at end of file or when `deadline` passes.
    private func readLine(deadline: UInt64) -> String? {
        let fd = stdout.fileHandleForReading.fileDescriptor
        while true {
            if let newline = buffered.firstIndex(of: 0x0A) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            let now = monotonicNanos()
            guard now < deadline else { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(min(1_000, (deadline - now) / 1_000_000 + 1))) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffered += chunk[..<n]
        }
    }

    /// Closes the receiver's stdin, reads its counts and waits (at most 15 s) for it to exit.
    func stop() -> ReceiverStats {
        try? stdin.fileHandleForWriting.close()
        let line = readLine(deadline: monotonicNanos() + 15_000_000_000)
        let deadline = monotonicNanos() + 5_000_000_000
        while process.isRunning && monotonicNanos() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        guard let line, let stats = try? JSONDecoder().decode(ReceiverStats.self, from: Data(line.utf8)) else {
            fail("the loopback receiver did not report its counts")
        }
        return stats
    }
}

/// One measured run.
struct ShipRun {
    var cpuUser: UInt64
    var cpuSystem: UInt64
    var wall: UInt64
    var received: ReceiverStats
    var written: Int
    var summary: String

    var cpu: UInt64 { cpuUser + cpuSystem }
}

/// Runs `workload` once against a fresh receiver and pipeline; exits non-zero if anything was lost.
func shipOnce(_ workload: ShipWorkload) async -> ShipRun {
    let receiver: ReceiverProcess
    do { receiver = try ReceiverProcess() } catch { fail("cannot start python3 \(ReceiverProcess.script): \(error)") }
    let endpoint = URL(string: "http://127.0.0.1:\(receiver.port)")!
    let n = workload.operations

    let pipeline: Pipeline
    var loki: LokiSink?
    switch workload {
    case .loki:
        do { loki = try LokiSink(.init(url: endpoint)) } catch { fail("\(error)") }
        var configuration = BatchingWriter<LogLine>.Configuration.logDefaults
        configuration.overflow = .block(timeout: .seconds(30))
        pipeline = Pipeline(serviceName: "trail-bench", level: .info, destinations: [loki!], writerConfiguration: configuration, environment: [:])
    case .otlp:
        let exporter = OTLPSpanExporter(configuration: .init(endpoint: endpoint))  // protobuf, no gzip: the defaults
        var configuration = BatchingWriter<SpanData>.Configuration.spanDefaults(environment: [:])
        configuration.overflow = .block(timeout: .seconds(30))
        pipeline = Pipeline(serviceName: "trail-bench", destinations: [], spanExporters: [exporter], spanWriterConfiguration: configuration, environment: [:])
    }
    let writerCounters: () -> BatchingWriter<LogLine>.Counters? = { pipeline.writers.first?.counters }
    let logger = Logger(label: "bench", level: .info, pipeline: pipeline)
    let tracer = pipeline.tracer
    // The parent of the S1 spans is never ended, so exactly `n` spans are exported.
    let context = workload == .loki
        ? Context().with(span: Span(remote: workloadSpanContext))
        : Context().with(span: tracer.startSpan("parent", kind: .server, parent: Context()))

    let cpu0 = processCPUTime()
    let t0 = monotonicNanos()
    context.restore {
        switch workload {
        case .loki: for _ in 0..<n { callL1(logger) }
        case .otlp: for _ in 0..<n { s1WithSpan(tracer) }
        }
    }
    let flushed = await pipeline.flush(timeout: .seconds(120))
    let t1 = monotonicNanos()
    let cpu1 = processCPUTime()

    let written: Int, failed: Int, dropped: Int
    if let c = writerCounters() {
        (written, failed, dropped) = (c.written, c.failed, c.dropped)
    } else {
        let c = pipeline.spanProcessors[0].writer.counters
        (written, failed, dropped) = (c.written, c.failed, c.dropped)
    }
    _ = await pipeline.shutdown(timeout: .seconds(10))
    let stats = receiver.stop()
    let received = workload == .loki ? stats.loki_lines : stats.spans

    var problems: [String] = []
    if !flushed { problems.append("the flush timed out") }
    if received != n { problems.append("the receiver counted \(received) \(workload.unit), expected \(n)") }
    if written != n || failed != 0 || dropped != 0 { problems.append("writer: written \(written), failed \(failed), dropped \(dropped)") }
    if let oversize = loki?.droppedOversizeLines, oversize > 0 { problems.append("\(oversize) lines dropped as oversize") }
    if stats.errors > 0 { problems.append("receiver errors: \(stats.errors) (\(stats.first_error ?? ""))") }
    if !problems.isEmpty { fail("\(workload.rawValue): " + problems.joined(separator: "; ")) }

    let summary = "\(stats.requests) requests (\(stats.gzip_requests) gzipped), \(stats.body_bytes) body bytes"
        + " (\(String(format: "%.1f", Double(stats.body_bytes) / Double(n))) per \(workload.unit.dropLast())), receiver counted \(received) \(workload.unit)"
    return ShipRun(cpuUser: cpu1.user - cpu0.user, cpuSystem: cpu1.system - cpu0.system, wall: t1 - t0, received: stats, written: written, summary: summary)
}

/// `trail-bench SHIP-LOKI` / `SHIP-OTLP`: `runs` runs each, every run printed, then the medians.
func runShip(_ workloads: [ShipWorkload], runs: Int, peer: String) async {
    func ms(_ ns: Double) -> String { String(format: "%.1f", ns / 1e6) }
    for workload in workloads {
        let n = workload.operations
        let what = workload == .loki
            ? "\(n) L1 lines, Logger + Pipeline -> LokiSink (JSON push, gzip on; batch 512 lines / 1 MiB / 100 ms; overflow block)"
            : "\(n) S1 spans, Tracer -> batch span processor (batch 512, 5 s; overflow block) -> OTLPSpanExporter (http/protobuf, no gzip)"
        print("# \(peer) \(workload.rawValue): \(what) -> loopback receiver (python3, own process); CPU = getrusage(RUSAGE_SELF) user+sys from the first call to the end of the flush")
        var results: [ShipRun] = []
        for run in 1...max(1, runs) {
            let r = await shipOnce(workload)
            results.append(r)
            print("# \(peer) \(workload.rawValue) run \(run): CPU \(ms(Double(r.cpu))) ms (user \(ms(Double(r.cpuUser))), sys \(ms(Double(r.cpuSystem)))), \(String(format: "%.2f", Double(r.cpu) / Double(n) / 1000)) µs per \(workload.unit.dropLast()); wall \(ms(Double(r.wall))) ms; \(r.summary)")
        }
        let cpu = median(results.map { Double($0.cpu) })
        let wall = median(results.map { Double($0.wall) })
        let bytes = median(results.map { Double($0.received.body_bytes) })
        let requests = median(results.map { Double($0.received.requests) })
        print("\(peer) \(workload.rawValue) cpu_ms_per_\(n)_\(workload.unit)=\(ms(cpu)) cpu_ns_per_\(workload.unit.dropLast())=\(String(format: "%.0f", cpu / Double(n))) wall_ms=\(ms(wall)) wire_bytes=\(Int(bytes)) requests=\(Int(requests)) delivered=\(n)/\(n) (medians of \(results.count) runs)")
    }
}
