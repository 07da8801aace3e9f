import Foundation
import Testing
@testable import Trail

/// `trail grep` on a generated gigabyte (TRAIL_GREP_TEST_MB sets the size; 0 skips the test):
/// plain files and multi-member gzip files of ~400-byte lines of other traces, with the searched
/// trace's lines scattered at random times. Generated in the test's own temporary directory and
/// deleted at the end; nothing is committed.
let largeGrepMegabytes = Int(ProcessInfo.processInfo.environment["TRAIL_GREP_TEST_MB"] ?? "") ?? 1000

@Suite(.enabled(if: TrailProcess.executable != nil && largeGrepMegabytes > 0))
struct TrailCommandGrepLargeTests {
    typealias F = TraceFixtures

    /// xorshift64*: deterministic and fast.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    /// Writes the files; returns the searched trace's lines in time order and the bytes written
    /// (uncompressed).
    static func generate(in dir: TemporaryDirectory, megabytes: Int) throws -> (expected: [String], bytes: Int) {
        var random = Random(state: 0x9E37_79B9_7F4A_7C15)
        var blockLines: [String] = []
        for n in 0..<20_000 {
            let trace = String(format: "%016llx%016llx", random.next(), random.next())
            let time = F.time(ms: random.next() % 3_600_000)
            blockLines.append(F.otelLine(time: time, trace: trace, span: String(format: "%016llx", random.next()), message: "request handled",
                                         extra: #","method":"GET","path":"/api/users/\#(n)","status":200,"duration_ms":12.5"#))
        }
        // A line of another trace that names the searched id in its message: found by the byte search, refused by the field check.
        blockLines[777] = F.otelLine(time: F.time(ms: 5), trace: F.other, message: "retry of \(F.trace)")
        let block = Array(blockLines.map { $0 + "\n" }.joined().utf8)
        let gzBlock = try Gzip.compress(block, level: 1)
        let files = 6, gzFiles = 2
        let perFile = megabytes * 1_000_000 / files
        var expected: [(ms: UInt64, line: String)] = []
        var usedMs = Set<UInt64>()
        var total = 0
        for f in 0..<files {
            let gz = f >= files - gzFiles
            let path = dir.file(gz ? "logs/archive/app-2026-11-22T0\(f)-00-00.000.log.gz" : "logs/app-\(f).log")
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            var written = 0
            while written < perFile {
                try handle.write(contentsOf: gz ? gzBlock : block)
                written += block.count
                for _ in 0..<(1 + random.next() % 2) {
                    var ms = random.next() % 3_600_000
                    while !usedMs.insert(ms).inserted { ms += 1 }  // distinct times: one right order
                    let line = f % 2 == 0
                        ? F.otelLine(time: F.time(ms: ms), span: String(format: "%016llx", random.next() | 1), message: "searched \(expected.count)")
                        : F.ecsLine(time: F.time(ms: ms), message: "searched \(expected.count)")
                    let bytes = Array((line + "\n").utf8)
                    try handle.write(contentsOf: gz ? try Gzip.compress(bytes, level: 1) : bytes)
                    written += bytes.count
                    expected.append((ms, line))
                }
            }
            total += written
        }
        return (expected.sorted { $0.ms < $1.ms }.map(\.line), total)
    }

    @Test(.timeLimit(.minutes(4)))
    func grepFindsExactlyTheTracesLinesInAGigabyteInTimeOrder() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ContinuousClock()
        let generationStart = clock.now
        // A gigabyte takes a while: on a thread of its own, not one of the cooperative pool's two.
        let (expected, bytes) = try await onOwnThread { try Self.generate(in: dir, megabytes: largeGrepMegabytes) }
        let generated = clock.now - generationStart
        #expect(expected.count > 100)

        let start = clock.now
        let result = try await TrailCommand.run(["grep", "--json", F.trace, dir.file("logs")], timeout: .seconds(180))
        let elapsed = clock.now - start
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines == expected)
        let seconds = elapsed.seconds
        print("trail grep (test build): \(bytes / 1_000_000) MB in \(elapsed) = \(Int(Double(bytes) / 1e6 / max(seconds, 0.001))) MB/s; generated in \(generated)")

        // The library's search, with progress reports every millisecond: they arrive, and add up.
        let reports = Locked<[TraceSearch.Progress]>([])
        let search = TraceSearch(traceID: TraceID(hex: F.trace)!, filter: .logs)
        let direct = try await onOwnThread {
            search.run(paths: [dir.file("logs")], progressInterval: .milliseconds(1)) { progress in reports.withLock { $0.append(progress) } }
        }
        #expect(direct.matches.map { String(decoding: $0.line, as: UTF8.self) } == expected)
        #expect(direct.problems.isEmpty)
        let seen = reports.withLock { $0 }
        #expect(!seen.isEmpty)
        #expect(seen.allSatisfy { $0.files == 6 && $0.bytesRead <= $0.bytes && $0.filesDone <= 6 })
    }
}
