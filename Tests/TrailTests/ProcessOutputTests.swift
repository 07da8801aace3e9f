import Foundation
import Testing
@testable import Trail

struct MissingExecutable: Error, CustomStringConvertible {
    var description: String { "the trail executable was not found next to the test bundle" }
}

/// Runs the `trail` executable built next to the test bundle.
struct TrailProcess {
    static var executable: URL? {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("trail")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Runs `trail arguments…` with JSON lines (`TRAIL_FORMAT=json`) and `environment`, closing
    /// stdin; gives up after `timeout` (see ``TrailCommand/run(_:stdin:environment:timeout:)``).
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(20)) async throws -> TrailCommand.Outcome {
        try await TrailCommand.run(arguments, environment: ["TRAIL_FORMAT": "json"].merging(environment) { $1 }, timeout: timeout)
    }
}

@Suite(.enabled(if: TrailProcess.executable != nil))
struct ProcessOutputTests {
    @Test func aLineLoggedJustBeforeExitIsFlushed() async throws {
        let result = try await TrailProcess.run(["log", "--service", "backup", "info", "backup finished", "files=1204", "seconds=81.5", "ok=true", "note=two words"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["message"] as? String == "backup finished")
        #expect(object["service.name"] as? String == "backup")
        #expect(object["files"] as? Int == 1204)
        #expect(object["seconds"] as? Double == 81.5)
        #expect(object["ok"] as? Bool == true)
        #expect(object["note"] as? String == "two words")
    }

    @Test func aTraceparentVariablePutsTheLineInThatTrace() async throws {
        let result = try await TrailProcess.run(["log", "warning", "disk low"], environment: ["TRACEPARENT": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"])
        #expect(result.stdout.contains(#""trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01""#))
    }

    @Test(arguments: [["log"], ["log", "loud", "x"], ["log", "info"], ["log", "info", "m", "novalue"], ["log", "--bogus", "x", "info", "m"], ["nonsense"]])
    func badArgumentsGiveAClearErrorAndExitCode2(arguments: [String]) async throws {
        let result = try await TrailProcess.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("trail"))
        #expect(result.stderr.contains("usage:"))
        #expect(result.stdout.isEmpty)
    }

    @Test func theDemoRunsAndShowsTheFailedRequestsLogLines() async throws {
        let result = try await TrailProcess.run(["demo"], timeout: .seconds(60))
        #expect(result.status == 0)
        #expect(result.stdout.contains("The failed request, across both services"))
        #expect(result.stdout.contains("payment declined"))
        #expect(result.stdout.contains("checkout failed"))
    }
}

@Suite struct StdoutSinkTests {
    @Test func aClosedPipeIsAnErrorNotACrash() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        let sink = StdoutSink(format: .json, fileDescriptor: fds[1])
        #expect(throws: FileDescriptor.WriteFailed.self) {
            try sink.writeSynchronously([LogLine(level: .info, bytes: Array("{\"a\":1}\n".utf8))])
        }
    }

    @Test func aBatchIsWrittenAsWholeLinesInOneGo() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let sink = StdoutSink(format: .json, fileDescriptor: fds[1])
        let lines = (0..<100).map { LogLine(level: .info, bytes: Array("{\"n\":\($0),\"pad\":\"\(String(repeating: "x", count: 600))\"}\n".utf8)) }
        try sink.writeSynchronously(lines)
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0]).readDataToEndOfFile()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text == lines.map(\.text).joined())
    }

    @Test func automaticFormatFollowsTRAILFORMATAndIsJSONWhenNotATerminal() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        #expect(StdoutSink(format: .automatic, fileDescriptor: fds[1], environment: [:]).format == .json)
        #expect(StdoutSink(format: .automatic, fileDescriptor: fds[1], environment: ["TRAIL_FORMAT": "console"]).format == .console(colors: false))
        #expect(StdoutSink(format: .automatic, fileDescriptor: fds[1], environment: ["TRAIL_FORMAT": "weird"]).format == .json)
    }
}
