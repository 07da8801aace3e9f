import Foundation
import Testing
@testable import Trail

@Suite(.enabled(if: TrailProcess.executable != nil))
struct TrailCommandGrepTests {
    typealias F = TraceFixtures

    /// Plain, rotated, gzipped and nested files; both key schemas; lines of other traces, a line
    /// naming the id only in its message, non-JSON lines. Returns the expected lines in time order.
    static func makeLogs(in dir: TemporaryDirectory) throws -> [String] {
        let l1 = F.otelLine(time: "2026-11-22T10:00:00.100000Z", message: "checkout started")
        let l2 = F.ecsLine(time: "2026-11-22T10:00:00.150Z", message: "charging card")
        let l3 = F.otelLine(time: "2026-11-22T10:00:00.200000Z", message: "cart loaded")
        let l4 = F.ecsLine(time: "2026-11-22T10:00:00.250Z", message: "payment declined")
        let l5 = F.otelLine(time: "2026-11-22T10:00:00.300000Z", message: "checkout failed")
        try F.write([
            F.otelLine(time: "2026-11-22T10:00:00.000000Z", trace: F.other, message: "another request"),
            l1, "not json at all \(F.trace)", "",
        ], to: dir.file("logs/app-2026-11-22T10-00-00.000.log.gz"), gzip: true)
        try F.write([
            l3, F.otelLine(time: "2026-11-22T10:00:00.220000Z", trace: F.other, message: "mentions \(F.trace) in its message only"),
            l5,
        ], to: dir.file("logs/app.log"))
        try F.write([l2, "{\"broken json \(F.trace)", l4], to: dir.file("logs/payments/payments.log"))
        try F.write([l1], to: dir.file("logs/.hidden/copy.log"))  // hidden directories are not searched
        return [l1, l2, l3, l4, l5]
    }

    @Test func grepPrintsEveryLineOfTheTraceFromPlainRotatedAndGzippedFilesInTimeOrder() async throws {
        let dir = try TemporaryDirectory()
        let expected = try Self.makeLogs(in: dir)
        let result = try await TrailCommand.run(["grep", "--json", F.trace, dir.file("logs")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines == expected)
        #expect(result.stderr.isEmpty)
    }

    @Test func theThreadCountComesFromTheEnvironmentAndABadOneIsNamedAndIgnored() async throws {
        let dir = try TemporaryDirectory()
        let expected = try Self.makeLogs(in: dir)
        let one = try await TrailCommand.run(["grep", "--json", F.trace, dir.file("logs")], environment: ["TRAIL_GREP_THREADS": "1"])
        #expect(one.status == 0 && one.stdoutLines == expected && one.stderr.isEmpty, "\(one.stderr)")
        let bad = try await TrailCommand.run(["grep", "--json", F.trace, dir.file("logs")], environment: ["TRAIL_GREP_THREADS": "zero"])
        #expect(bad.status == 0 && bad.stdoutLines == expected)
        #expect(bad.stderr.contains("TRAIL_GREP_THREADS=zero is not a positive whole number"), "\(bad.stderr)")
    }

    @Test func theDefaultOutputIsTheConsoleFormatAndTheDefaultPathIsTheCurrentDirectory() async throws {
        let dir = try TemporaryDirectory()
        _ = try Self.makeLogs(in: dir)
        // No path: `.`; run from the directory through `sh -c 'cd … && trail grep …'`-like cwd.
        guard let executable = TrailProcess.executable else { return }
        let result = try await onOwnThread { () -> (Int32, String) in
            let process = Process()
            process.executableURL = executable
            process.arguments = ["grep", F.trace.uppercased()]
            process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
            process.environment = ["NO_COLOR": "1"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()  // small output; ends when the child exits
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        #expect(result.0 == 0)
        let lines = result.1.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.first?.hasPrefix("10:00:00.100 INFO  checkout started") == true)
        #expect(lines.allSatisfy { $0.contains("trace=4bf92f35") })
        #expect(lines[1].contains("WARN  charging card"))
    }

    @Test(arguments: ["4bf92f35", "4bf92f3577b34da6a3ce929d0e0e47zz", "00000000000000000000000000000000", "", "4bf92f3577b34da6a3ce929d0e0e4736ff"])
    func anInvalidTraceIDIsAClearErrorWithExitStatus2(id: String) async throws {
        let result = try await TrailCommand.run(["grep", id, "/nonexistent"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("trace id"))
        #expect(result.stderr.contains("usage: trail grep"))
        #expect(result.stdout.isEmpty)
    }

    @Test func aMissingFileIsReportedByNameAndTheOthersAreStillSearched() async throws {
        let dir = try TemporaryDirectory()
        let expected = try Self.makeLogs(in: dir)
        let result = try await TrailCommand.run(["grep", "--json", F.trace, dir.file("missing.log"), dir.file("logs")])
        #expect(result.status == 2)
        #expect(result.stdoutLines == expected)
        #expect(result.stderr.contains("missing.log: No such file or directory"))
    }

    @Test func corruptOrTruncatedGzipIsReportedAndTheOtherFilesAreStillSearched() async throws {
        let dir = try TemporaryDirectory()
        let line = F.otelLine(time: "2026-11-22T10:00:01.000000Z", message: "before the damage")
        var gz = try Gzip.compress(Array((line + "\n" + String(repeating: "{\"pad\":1}\n", count: 20_000)).utf8))
        gz.removeLast(gz.count / 2)  // truncated
        try Data(gz).write(to: URL(fileURLWithPath: dir.file("cut.log.gz")))
        try Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + Array(repeating: 0xFF, count: 64)).write(to: URL(fileURLWithPath: dir.file("garbage.log.gz")))
        try Data("plain text, not gzip\n".utf8).write(to: URL(fileURLWithPath: dir.file("named.log.gz")))
        let good = F.otelLine(time: "2026-11-22T10:00:02.000000Z", message: "in a good file")
        try F.write([good], to: dir.file("good.log"))
        let result = try await TrailCommand.run(["grep", "--json", F.trace, dir.path])
        #expect(result.status == 2)
        #expect(result.stdoutLines == [line, good])
        #expect(result.stderr.contains("cut.log.gz: the gzip data ends early"))
        #expect(result.stderr.contains("garbage.log.gz: not valid gzip data"))
        #expect(result.stderr.contains("named.log.gz: not valid gzip data"))
    }

    @Test func nothingFoundExitsWith1AndSaysWhatWasSearched() async throws {
        let dir = try TemporaryDirectory()
        _ = try Self.makeLogs(in: dir)
        let result = try await TrailCommand.run(["grep", "ffffffffffffffffffffffffffffffff", dir.path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("no log line of trace ffffffffffffffffffffffffffffffff in 3 files"))
    }

    @Test func aTraceparentIsAcceptedAsTheTraceID() async throws {
        let dir = try TemporaryDirectory()
        let expected = try Self.makeLogs(in: dir)
        let result = try await TrailCommand.run(["grep", "--json", "00-\(F.trace)-00f067aa0ba902b7-01", dir.path])
        #expect(result.stdoutLines == expected)
    }

    @Test(arguments: [["grep", "--bogus", TraceFixtures.trace], ["grep"], ["show", TraceFixtures.trace], ["show", TraceFixtures.trace, "--spans"],
                      ["show", TraceFixtures.trace, "extra", "--spans", "a"], ["show", TraceFixtures.trace, "--logs", "x", "--html"],
                      ["pretty", "file.log"], ["pretty", "-x"], ["demo", "--dir"], ["demo", "what"]])
    func badArgumentsAreAClearErrorWithUsageAndExitStatus2(arguments: [String]) async throws {
        let result = try await TrailCommand.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("trail \(arguments[0]): "))
        #expect(result.stderr.contains("usage: trail \(arguments[0])"))
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: ["grep", "show", "pretty", "demo", "log"])
    func everyCommandHasHelp(command: String) async throws {
        let result = try await TrailCommand.run([command, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("usage: trail \(command)"))
        let top = try await TrailCommand.run(["--help"])
        #expect(top.status == 0)
        #expect(top.stdout.contains("  \(command) "))
    }
}
