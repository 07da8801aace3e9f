import Foundation
@testable import Trail

/// A directory of its own under the system temporary directory, deleted with everything in it
/// when the value goes away (or on ``remove()``).
final class TemporaryDirectory: Sendable {
    let path: String

    init(_ label: String = #function) throws {
        let name = "trail-test-\(label.prefix(40).filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)"
        path = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { remove() }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name`.
    func file(_ name: String) -> String { path + "/" + name }

    /// The names in the directory (or in `sub`), sorted.
    func names(_ sub: String? = nil) -> [String] {
        let directory = sub.map { path + "/" + $0 } ?? path
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    func bytes(_ name: String) -> [UInt8] {
        (FileManager.default.contents(atPath: file(name))).map { [UInt8]($0) } ?? []
    }

    /// The content of `name`, decompressed when it ends in `.gz`.
    func text(_ name: String) throws -> String {
        String(decoding: try logFileBytes(file(name)), as: UTF8.self)
    }
}

/// The bytes of the log file at `path`, decompressed when its name ends in `.gz` (a rotated file).
func logFileBytes(_ path: String) throws -> [UInt8] {
    let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    return path.hasSuffix(".gz") ? try Gzip.decompress(raw) : raw
}

/// Runs `executable arguments…` to completion (at most `timeout`) and returns its exit status.
/// Blocks: call it inside ``onOwnThread(_:)``.
func runToCompletion(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(20)) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    return process.terminationStatus
}

let gzipExecutable = "/bin/gzip"
var hasGzipExecutable: Bool { FileManager.default.isExecutableFile(atPath: gzipExecutable) }

/// A clock that only moves when told to.
final class TestClock: Sendable {
    private let current: Locked<Date>

    init(_ start: Date) { current = Locked(start) }

    /// `2026-11-22T10:00:00.000Z`-style start.
    convenience init(_ iso: String) { self.init(utc(iso)) }

    var now: Date { current.withLock { $0 } }
    func set(_ iso: String) { current.withLock { $0 = utc(iso) } }
    func advance(seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// The instant written as `2026-11-22T10:00:00.000Z` (milliseconds optional).
func utc(_ iso: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = iso.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
    guard let date = formatter.date(from: iso) else { fatalError("bad test date \(iso)") }
    return date
}

/// Milliseconds since 1970 of a test date.
func utcMilliseconds(_ iso: String) -> Int64 { Int64((utc(iso).timeIntervalSince1970 * 1000).rounded()) }

/// A log line holding `text` (a newline is added).
func logLine(_ text: String) -> LogLine { LogLine(level: .info, bytes: Array((text + "\n").utf8)) }

extension FileSink {
    /// Writes `texts` as one batch of lines.
    func write(_ texts: [String]) throws { try writeSynchronously(texts.map(logLine)) }

    /// A sink on the test clock.
    static func testing(_ path: String, _ options: Options, clock: TestClock, write: FileSinkIO.WriteFunction? = nil) throws -> FileSink {
        try FileSink(path: path, options: options, now: { clock.now }, write: write ?? FileSinkIO.systemWrite)
    }

    /// Waits for background compression and retention on a thread of its own.
    func settle() async throws {
        let done = try await onOwnThread { self.waitForBackgroundWork(timeout: .seconds(20)) }
        if !done { throw SettleTimedOut() }
    }
}

struct SettleTimedOut: Error {}
