import Foundation
@testable import Trail

/// Runs the built `trail` executable with its output in files (so a large output cannot fill a pipe
/// and stall the child), stdin from a file or nothing; gives up after `timeout`, killing the child.
enum TrailCommand {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast(stdout.hasSuffix("\n") ? 1 : 0).map(String.init) }
    }

    struct TimedOut: Error, CustomStringConvertible {
        let arguments: [String]
        var description: String { "trail \(arguments.joined(separator: " ")) did not finish in time" }
    }

    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: Duration = .seconds(30)) async throws -> Outcome {
        try await onOwnThread { try runBlocking(arguments, stdin: stdin, environment: environment, timeout: timeout) }
    }

    static func runBlocking(_ arguments: [String], stdin: String?, environment: [String: String], timeout: Duration) throws -> Outcome {
        guard let executable = TrailProcess.executable else { throw MissingExecutable() }
        let scratch = try TemporaryDirectory("trail-run")
        _ = FileManager.default.createFile(atPath: scratch.file("out"), contents: nil)
        _ = FileManager.default.createFile(atPath: scratch.file("err"), contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"].merging(environment) { $1 }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("out")))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("err")))
        defer { try? out.close(); try? err.close() }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = try stdin.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) } ?? FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TimedOut(arguments: arguments)
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: try scratch.text("out"), stderr: try scratch.text("err"))
    }
}

/// Log lines and span lines for the command tests.
enum TraceFixtures {
    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let other = "0af7651916cd43dd8448eb211c80319c"

    /// An OpenTelemetry-schema line (Trail's default keys) at `time` (RFC 3339).
    static func otelLine(time: String, trace: String = trace, span: String = "00f067aa0ba902b7", message: String, extra: String = "") -> String {
        #"{"timestamp":"\#(time)","level":"info","message":"\#(message)","trace_id":"\#(trace)","span_id":"\#(span)","trace_flags":"01","service.name":"checkout","logger":"http"\#(extra)}"#
    }

    /// An ECS line (`@timestamp`, `trace.id`).
    static func ecsLine(time: String, trace: String = trace, span: String = "00f067aa0ba902b7", message: String) -> String {
        #"{"@timestamp":"\#(time)","log.level":"warn","message":"\#(message)","trace.id":"\#(trace)","span.id":"\#(span)","service.name":"payments","log.logger":"charges","ecs.version":"8.11.0"}"#
    }

    static func write(_ lines: [String], to path: String, gzip: Bool = false) throws {
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(gzip ? Gzip.compress(bytes) : bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A span of `trace` with the given ids and times (milliseconds after a fixed start).
    static func span(
        _ name: String, id: UInt64, parent: UInt64?, startMs: UInt64, endMs: UInt64, service: String = "checkout",
        status: SpanStatus = .unset, attributes: Attributes = [:], events: [SpanEvent] = [], trace: String = trace
    ) -> SpanData {
        let base: UInt64 = 1_795_341_845_000_000_000
        return SpanData(
            context: SpanContext(traceID: TraceID(hex: trace)!, spanID: SpanID(id), traceFlags: .sampled),
            parentSpanID: parent.map(SpanID.init), parentIsRemote: parent == nil ? nil : false, name: name, kind: .server,
            startTimeUnixNano: base + startMs * 1_000_000, endTimeUnixNano: base + endMs * 1_000_000,
            attributes: attributes, droppedAttributesCount: 0, events: events, droppedEventsCount: 0, links: [], droppedLinksCount: 0,
            status: status, resource: Resource(attributes: ["service.name": .string(service)]),
            scope: InstrumentationScope(name: "trail", version: "0.1.0"))
    }

    /// `time` in RFC 3339 for `ms` milliseconds after the spans' fixed start (2026-11-22T10:04:05Z).
    static func time(ms: UInt64) -> String {
        var json = JSONLineEncoder(capacity: 40)
        json.appendTimestamp(unixNano: 1_795_341_845_000_000_000 + ms * 1_000_000, fractionDigits: 6)
        return String(decoding: json.bytes.dropFirst().dropLast(), as: UTF8.self)
    }
}
