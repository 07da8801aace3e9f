import Foundation
import Testing
@testable import Trail

@Suite(.enabled(if: TrailProcess.executable != nil))
struct TrailCommandPrettyTests {
    typealias F = TraceFixtures

    @Test func prettyFormatsJSONLinesAndPassesEverythingElseThroughUnchanged() async throws {
        let dir = try TemporaryDirectory()
        let long = #"{"timestamp":"2026-11-22T10:00:00.000000Z","level":"info","message":"big","blob":""# + String(repeating: "x", count: 3 << 20) + "\"}"
        let input = [
            F.otelLine(time: "2026-11-22T10:04:05.123456Z", message: "request handled", extra: #","status":200"#),
            "plain text line", "", "  {not json", F.ecsLine(time: "2026-11-22T10:04:06.5Z", message: "declined"), long,
        ].joined(separator: "\n") + "\n{\"level\":\"error\",\"message\":\"no newline at the end\"}"
        try Data(input.utf8).write(to: URL(fileURLWithPath: dir.file("in.log")))
        let result = try await TrailCommand.run(["pretty"], stdin: dir.file("in.log"))
        #expect(result.status == 0)
        let lines = result.stdoutLines
        #expect(lines.count == 7)
        #expect(lines[0] == "10:04:05.123 INFO  request handled  status=200  http trace=4bf92f35")
        #expect(lines[1] == "plain text line")
        #expect(lines[2] == "")
        #expect(lines[3] == "  {not json")
        #expect(lines[4] == "10:04:06.5 WARN  declined  charges trace=4bf92f35")
        #expect(lines[5].hasPrefix("10:00:00.000 INFO  big  blob=xxxx") && lines[5].count > 3 << 20)
        #expect(lines[6] == "ERROR no newline at the end")
    }

    @Test func prettyWritesEachLineAsSoonAsItArrives() async throws {
        guard let executable = TrailProcess.executable else { return }
        let line = try await onOwnThread { () -> String in
            let process = Process()
            process.executableURL = executable
            process.arguments = ["pretty", "--no-color"]
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer {
                try? input.fileHandleForWriting.close()
                let deadline = ContinuousClock.now + .seconds(10)
                while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
            }
            input.fileHandleForWriting.write(Data((F.otelLine(time: "2026-11-22T10:00:00.000000Z", message: "live") + "\n").utf8))
            // stdin stays open (like `tail -f`): the line must come out anyway, within 10 s.
            var pollFD = pollfd(fd: output.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&pollFD, 1, 10_000) == 1 else { return "(nothing within 10 s)" }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(pollFD.fd, &buffer, buffer.count)
            return String(decoding: buffer[..<max(n, 0)], as: UTF8.self)
        }
        #expect(line == "10:00:00.000 INFO  live  http trace=4bf92f35\n")
    }
}

@Suite struct JSONLinesSpanExporterTests {
    typealias F = TraceFixtures

    @Test func spansRoundTripThroughTheSpanFileWithTypedAttributesEventsAndLinks() throws {
        let dir = try TemporaryDirectory()
        var span = F.span("POST /charge \"quoted\"\n", id: 0xabc, parent: 0x1, startMs: 5, endMs: 9, status: .error(description: "card declined"),
                          attributes: ["s": "text", "i": 42, "d": 1.0, "b": true, "sa": .stringArray(["x", "y"]), "ia": .intArray([1, 2]),
                                       "da": .doubleArray([1.5, 2.0]), "ba": .boolArray([true])],
                          events: [SpanEvent(name: "exception", timeUnixNano: 1_795_341_845_007_000_000, attributes: ["exception.message": "boom"])])
        span.links = [SpanLink(context: SpanContext(traceID: TraceID(hex: F.other)!, spanID: SpanID(7)), attributes: ["why": "batch"])]
        span.droppedEventsCount = 3
        let root = F.span("root", id: 1, parent: nil, startMs: 0, endMs: 10, status: .ok)
        let exporter = try JSONLinesSpanExporter(path: dir.file("spans/spans.jsonl"))
        try exporter.writeSynchronously([span, root])
        let lines = try dir.text("spans/spans.jsonl").split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix(#"{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"0000000000000abc","traceFlags":"01","parentSpanId":"0000000000000001","parentIsRemote":false,"name":"POST /charge \"quoted\"\n","kind":"server","startTimeUnixNano":1795341845005000000,"endTimeUnixNano":1795341845009000000,"startTime":"2026-11-22T10:04:05.005000000Z""#))
        #expect(lines[0].contains(#""attributes":{"s":"text","i":42,"d":1.0,"b":true,"sa":["x","y"],"ia":[1,2],"da":[1.5,2.0],"ba":[true]}"#))
        #expect(lines[0].contains(#""status":{"code":"error","message":"card declined"},"serviceName":"checkout","scope":{"name":"trail","version":"0.1.0"}"#))
        #expect(lines[0].hasSuffix(#""droppedEventsCount":3}"#))
        for (line, original) in zip(lines, [span, root]) {
            let decoded = try #require(Array(line.utf8).withUnsafeBytes { SpanJSONLine.decode($0) })
            #expect(decoded == original)
        }
    }

    @Test func theExporterWritesSpansOfAPipelineThroughTheBatchingWriter() async throws {
        let dir = try TemporaryDirectory()
        let exporter = try JSONLinesSpanExporter(path: dir.file("spans.jsonl"))
        let pipeline = Pipeline(serviceName: "checkout", destinations: [], spanExporters: [exporter], environment: [:])
        pipeline.tracer.withSpan("parent") { _ in
            pipeline.tracer.withSpan("child") { span in span.setAttribute("n", 1) }
        }
        #expect(await pipeline.shutdown())
        let spans = try dir.text("spans.jsonl").split(separator: "\n").compactMap { Array($0.utf8).withUnsafeBytes { SpanJSONLine.decode($0) } }
        #expect(spans.map(\.name) == ["child", "parent"])
        #expect(spans[0].parentSpanID == spans[1].context.spanID)
        #expect(spans[0].attributes["n"] == .int(1))
        #expect(spans.allSatisfy { $0.resource.serviceName == "checkout" })
    }
}

@Suite struct LineReaderTests {
    func pieces(_ bytes: [UInt8], reader: LineReader) throws -> (lines: [String], overlong: [Int]) {
        let dir = try TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file("f")))
        var lines: [String] = [], overlong: [Int] = []
        try reader.read(path: dir.file("f")) { piece in
            switch piece {
            case .lines(let b): lines += String(decoding: b, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
            case .overlong(let b): overlong.append(b.count)
            }
        }
        return (lines, overlong)
    }

    @Test func linesLongerThanTheLimitComeInPiecesAndTheRestIsIntact() throws {
        var reader = LineReader()
        reader.initialBufferBytes = 64
        reader.maxLineBytes = 256
        let text = "short\n" + String(repeating: "a", count: 100) + "\n" + String(repeating: "b", count: 1000) + "\nafter\nlast"
        let result = try pieces(Array(text.utf8), reader: reader)
        #expect(result.lines == ["short", String(repeating: "a", count: 100), "after", "last"])
        #expect(result.overlong.reduce(0, +) == 1001)
    }

    @Test func concatenatedGzipMembersAreReadAsOneStream() throws {
        var reader = LineReader()
        reader.initialBufferBytes = 16
        let bytes = try Gzip.compress(Array("one\ntw".utf8)) + Gzip.compress(Array("o\nthree\n".utf8))
        #expect(try pieces(bytes, reader: reader).lines == ["one", "two", "three"])
    }
}
