// Workload L3 of /work/shared/bench/WORKLOAD.md: the L1 call, 1,000,000 times, appended to a new file
// in /tmp through Trail's normal file path (a Pipeline with a FileSink), timed from before the first
// call to after the pipeline's flush returns.
//
// The writer uses `.block` instead of the default `.dropNewest`, so that every one of the lines is
// in the file (the run checks it): a benchmark that dropped lines would flatter itself.
import Foundation
import LoggingWorkload
import Trail

#if canImport(Glibc)
import Glibc
#endif

/// Peak resident set size of this process so far, in bytes.
func peakRSS() -> Int {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024
}

/// The calling thread's context switches so far: `waited` when it blocked (for queue room, say),
/// `preempted` when the scheduler gave its core to another thread.
func threadContextSwitches() -> (waited: Int, preempted: Int) {
    var usage = rusage()
    getrusage(1, &usage)  // RUSAGE_THREAD (Linux), which Glibc does not import
    return (usage.ru_nvcsw, usage.ru_nivcsw)
}

/// Resident set size now, in bytes (from /proc/self/statm).
func currentRSS() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func mebibytes(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

/// Runs L3 and prints `peer L3 ns_per_line - lines_per_second file_bytes` plus `#` details.
/// Run it in a process of its own (`trail-bench L3`), so that the peak RSS is L3's.
func runL3(peer: String) {
    let env = ProcessInfo.processInfo.environment
    let lines = Int(env["L3_LINES"] ?? "") ?? 1_000_000
    let dir = env["L3_DIR"] ?? "/tmp"
    let path = "\(dir)/trail-l3-\(getpid()).log"
    unlink(path)
    defer { unlink(path) }

    let rssAtStart = currentRSS()
    var configuration = BatchingWriter<LogLine>.Configuration.logDefaults
    configuration.overflow = .block(timeout: .seconds(30))
    let sink: FileSink
    do { sink = try FileSink(path: path) } catch {
        FileHandle.standardError.write(Data("L3: \(error)\n".utf8))
        exit(1)
    }
    let pipeline = Pipeline(
        serviceName: "trail-bench", level: .info, destinations: [sink], writerConfiguration: configuration, environment: [:])
    let logger = Logger(label: "bench", level: .info, pipeline: pipeline)
    let context = Context().with(span: Span(remote: workloadSpanContext))

    let start = monotonicNanos()
    let cpuStart = threadCPUNanos()
    let switchesStart = threadContextSwitches()
    context.restore { for _ in 0..<lines { callL1(logger) } }
    let callerCPU = threadCPUNanos() - cpuStart
    let switchesEnd = threadContextSwitches()
    let callsDone = monotonicNanos()
    let flushed = pipeline.flushBlocking(timeout: .seconds(120))
    let end = monotonicNanos()

    var info = stat()
    let size = stat(path, &info) == 0 ? Int(info.st_size) : -1
    let newlines = countNewlines(path)
    let counters = pipeline.writers[0].counters
    let elapsed = Double(end - start)
    let nsPerLine = elapsed / Double(lines)
    let linesPerSecond = Double(lines) / (elapsed / 1e9)
    print("\(peer) L3 \(String(format: "%.1f", nsPerLine)) - \(Int(linesPerSecond)) \(size)")
    print("# \(peer) L3: \(lines) lines, \(size) bytes (\(size / max(1, lines)) per line), \(newlines) lines in the file"
        + (newlines == lines ? "" : " (EXPECTED \(lines))") + (flushed ? "" : ", FLUSH TIMED OUT")
        + "; caller loop \(String(format: "%.1f", Double(callsDone - start) / Double(lines))) ns/line"
        + " (of which running: \(String(format: "%.1f", Double(callerCPU) / Double(lines))) ns/line of the caller thread's CPU time;"
        + " it waited \(switchesEnd.waited - switchesStart.waited) times and was preempted \(switchesEnd.preempted - switchesStart.preempted) times), flush after it \(String(format: "%.1f", Double(end - callsDone) / 1e6)) ms"
        + "; peak RSS \(mebibytes(peakRSS())) (\(mebibytes(rssAtStart)) before the pipeline)"
        + "; writer: accepted \(counters.accepted), written \(counters.written), dropped \(counters.dropped), queue \(configuration.maxQueueSize) lines / \(mebibytes(configuration.maxQueueBytes ?? 0)), policy block")
}

/// The number of `\n` bytes in the file at `path`.
func countNewlines(_ path: String) -> Int {
    guard let handle = FileHandle(forReadingAtPath: path) else { return -1 }
    defer { try? handle.close() }
    var count = 0
    while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        for byte in chunk where byte == 0x0A { count += 1 }
    }
    return count
}
