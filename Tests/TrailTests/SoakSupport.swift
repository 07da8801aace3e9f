import Foundation
import Synchronization
@testable import Trail
#if canImport(Glibc)
import Glibc
#endif

/// The process's memory and descriptors, from Linux's `/proc/self`.
enum ProcessStats {
    /// A `kB` line of `/proc/self/status` (`VmRSS`, `VmHWM`) in bytes; `nil` where there is no `/proc`.
    static func statusBytes(_ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let number = line.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            return number.map { $0 * 1024 }
        }
        return nil
    }

    /// Resets the peak-RSS mark (`VmHWM`) to the current RSS by writing `5` to
    /// `/proc/self/clear_refs`; `false` where that is not permitted (the peak then includes
    /// whatever the process used before).
    static func resetPeakRSS() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// What each open descriptor is (`socket:[…]`, a path, `anon_inode:[eventfd]`), by number.
    static func descriptorTargets() -> [String: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var targets: [String: String] = [:]
        for name in names { targets[name] = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name)) ?? "?" }
        return targets
    }

    /// Entries of `/proc/self/fd` (the listing's own descriptor included, the same every time).
    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }
}

/// One phase of a receiver's failure cycle.
struct FaultPhase: Sendable {
    let name: String
    /// The answer to every valid request during the phase; `nil`: the normal one.
    let answer: ScriptedAnswer?
    var extraDelay: Duration = .zero

    /// Healthy first and last of each cycle. The slow answer stays far below the clients' 2 s
    /// request timeout, so a 2xx answer is never sent to a client that already gave up (which
    /// would be a duplicate delivery once it retries).
    static let cycle: [FaultPhase] = [
        FaultPhase(name: "healthy", answer: nil),
        FaultPhase(name: "429 Retry-After: 1", answer: .status(429, headers: [("Retry-After", "1")], body: "rate limited")),
        FaultPhase(name: "500", answer: .status(500, body: "internal error")),
        FaultPhase(name: "503", answer: .status(503, body: "unavailable")),
        FaultPhase(name: "slow (+300 ms)", answer: nil, extraDelay: .milliseconds(300)),
        FaultPhase(name: "reset", answer: .reset),
        FaultPhase(name: "hang", answer: .hang),
    ]
}

extension LoopbackReceiver {
    /// Cycles through ``FaultPhase/cycle`` from `offset`, `phase` long each, until `end` (at most
    /// `maxPhases` phases), then answers normally again. Returns the number of phases run. Blocks:
    /// run it on a thread of its own (``ThreadRun``), so that a busy cooperative pool cannot
    /// stretch the phases.
    func cycleFaults(until end: ContinuousClock.Instant, phase: Duration, offset: Int, maxPhases: Int = 10_000) -> Int {
        var count = 0
        while count < maxPhases && ContinuousClock.now < end {
            let current = FaultPhase.cycle[(offset + count) % FaultPhase.cycle.count]
            setFault(current.answer, extraDelay: current.extraDelay)
            count += 1
            let pause = min(phase, end - ContinuousClock.now)
            if pause > .zero { Thread.sleep(forTimeInterval: pause.seconds) }
        }
        setFault(nil)
        return count
    }
}

/// Work on a thread started at once (not when the cooperative pool gets to it, as an `async let`
/// of ``onOwnThread(_:)`` would be), whose result is awaited later.
final class ThreadRun<Value: Sendable>: Sendable {
    private let result = Locked<Value?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> Value) {
        Thread { [self] in
            let value = work()
            result.withLock { $0 = value }
            done.signal()
        }.start()
    }

    /// Waits (on a thread of its own, not the pool's) for the work to end.
    var value: Value {
        get async throws {
            try await onOwnThread {
                self.done.wait()
                self.done.signal()
                return self.result.withLock { $0! }
            }
        }
    }
}

/// What the soak's log files hold.
struct FileCheck: Sendable {
    var files = 0
    var gzipped = 0
    var lines = 0
    var problems: [String] = []
    var duration = Duration.zero

    /// Reads every file in `directory` (decompressing `.gz` ones): each line must be a JSON object
    /// with a `trace_id` and the producer's `task` field, and each file must end with a whole line.
    static func run(directory: String) throws -> FileCheck {
        var check = FileCheck()
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            let bytes = try logFileBytes(directory + "/" + name)
            check.files += 1
            if name.hasSuffix(".gz") { check.gzipped += 1 }
            if let last = bytes.last, last != 10 { check.problems.append("\(name) ends inside a line") }
            for line in bytes.split(separator: 10) {
                if isSoakLine(line) {
                    check.lines += 1
                } else if check.problems.count < 10 {
                    check.problems.append("\(name): \(String(decoding: line.prefix(160), as: UTF8.self))")
                }
            }
        }
        return check
    }
}

/// Whether `line` is a JSON object with a string `trace_id` and a `task`. Two parsers, whichever is
/// compiled optimised: Foundation's in a debug build (Trail's scanner unoptimised takes ~60 µs a
/// line), Trail's line scanner in a release build (Foundation's builds a dictionary per line).
private func isSoakLine(_ line: ArraySlice<UInt8>) -> Bool {
    #if DEBUG
    guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { return false }
    return object["trace_id"] is String && object["task"] is Int
    #else
    guard let fields = line.withUnsafeBytes({ JSONLineScanner.fields($0) }) else { return false }
    return fields.contains { $0.key == "trace_id" && { if case .string = $0 { true } else { false } }($0.value) }
        && fields.contains { $0.key == "task" && Int($0.value.text) != nil }
    #endif
}

/// A writer's counters, whatever its record type.
struct WriterCounts: Sendable {
    var accepted, written, droppedQueueFull, droppedOldest, droppedBlockTimeout, droppedAfterShutdown: Int
    var failed, failedBatches, retries: Int
    /// The library's own total of lost records (refused at the door, evicted, failed).
    var dropped: Int

    init<Record>(_ counters: BatchingWriter<Record>.Counters) {
        (accepted, written, failed, failedBatches, retries) =
            (counters.accepted, counters.written, counters.failed, counters.failedBatches, counters.retries)
        (droppedQueueFull, droppedOldest, droppedBlockTimeout, droppedAfterShutdown) =
            (counters.droppedQueueFull, counters.droppedOldest, counters.droppedBlockTimeout, counters.droppedAfterShutdown)
        dropped = counters.dropped
    }
}

/// The soak's final accounting, as a table.
struct SoakTable {
    private var rows: [[String]] = []
    let header: [String]

    init(_ header: String...) { self.header = header }

    mutating func add(_ cells: Any...) { rows.append(cells.map { "\($0)" }) }

    var text: String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func render(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                index == 0 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        return ([render(header), rule] + rows.map(render)).joined(separator: "\n")
    }
}

extension Int {
    /// `12.3 MiB`.
    var mebibytes: String { String(format: "%.1f MiB", Double(self) / 1_048_576) }
}
