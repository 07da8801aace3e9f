import Foundation
import Testing
@testable import Trail

/// One request the Python receiver got, with its body decoded by the official classes.
struct ReceivedOTLPRequest<Item: Decodable & Equatable>: Decodable {
    var path: String
    var headers: [String: String]
    var request: DecodedRequest<Item>
}

/// `otlp_decode.py serve`: a loopback OTLP/HTTP receiver on 127.0.0.1 in a child process.
enum OTLPPythonReceiver {
    /// Holds the child process. Safe to send: it is started on one thread and only terminated and
    /// waited for later, on another, never used by two threads at once.
    final class Child: @unchecked Sendable {
        let process = Process()
    }

    /// Starts the receiver answering with `answers` (`"503"`, `"200:<hex body>"`…), runs `body` with
    /// its port, stops it, and returns the requests it received, in order.
    static func run<Item: Decodable & Equatable>(
        answers: [String], as: Item.Type, _ body: (Int) async throws -> Void
    ) async throws -> [ReceivedOTLPRequest<Item>] {
        try await runReturningLines(answers: answers, body).map { try JSONDecoder().decode(ReceivedOTLPRequest<Item>.self, from: $0) }
    }

    /// ``run(answers:as:_:)`` returning each request's JSON line undecoded (requests of both signals).
    static func runReturningLines(answers: [String], _ body: (Int) async throws -> Void) async throws -> [Data] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trail-otlp-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let received = directory.appendingPathComponent("received.jsonl")
        let (child, port) = try await onOwnThread { try start(directory: directory, received: received, answers: answers) }
        do {
            try await body(port)
        } catch {
            try? await onOwnThread { stop(child) }
            throw error
        }
        try await onOwnThread { stop(child) }
        let text = (try? String(contentsOf: received, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { Data($0.utf8) }
    }

    /// Blocking: starts the child and waits (at most 15 s) for the port it prints.
    private static func start(directory: URL, received: URL, answers: [String]) throws -> (Child, Int) {
        let portFile = directory.appendingPathComponent("port")
        let stderrFile = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: portFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        let child = Child()
        child.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.process.arguments = ["python3", OTLPPythonDecoder.script.path, "serve", received.path] + answers
        child.process.standardInput = FileHandle.nullDevice
        let output = try FileHandle(forWritingTo: portFile)
        let errors = try FileHandle(forWritingTo: stderrFile)
        // The child has its own copies once it runs; ours would stay open until the process ends.
        defer {
            try? output.close()
            try? errors.close()
        }
        child.process.standardOutput = output
        child.process.standardError = errors
        try child.process.run()
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: portFile, encoding: .utf8)) ?? ""
            if text.hasSuffix("\n"), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return (child, port) }
            if !child.process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        stop(child)
        let stderr = (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
        throw OTLPPythonDecoder.Failure(description: "the Python receiver did not start: \(stderr) \(OTLPPythonDecoder.installHint)")
    }

    /// Blocking: stops the child with SIGTERM, then SIGKILL if it still runs after 3 s; waits at
    /// most 6 s in all.
    private static func stop(_ child: Child) {
        guard child.process.isRunning else { return }
        child.process.terminate()
        let deadline = ContinuousClock.now + .seconds(3)
        while child.process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        guard child.process.isRunning else { return }
        kill(child.process.processIdentifier, SIGKILL)
        let killDeadline = ContinuousClock.now + .seconds(3)
        while child.process.isRunning, ContinuousClock.now < killDeadline { Thread.sleep(forTimeInterval: 0.01) }
    }
}

@Suite(.timeLimit(.minutes(2))) struct OTLPExporterHTTPTests {
    static func configuration(port: Int, _ wireProtocol: OTLPProtocol, gzip: Bool) -> OTLPExporterConfiguration {
        OTLPExporterConfiguration(
            endpoint: URL(string: "http://127.0.0.1:\(port)")!, wireProtocol: wireProtocol, gzip: gzip,
            headers: [(name: "x-tenant", value: "team-1")], timeout: .seconds(10))
    }

    @Test(arguments: [(OTLPProtocol.httpProtobuf, true), (.httpJSON, false)])
    func spansArePostedToV1TracesWithTheRightHeadersAndDecode(wireProtocol: OTLPProtocol, gzip: Bool) async throws {
        let spans = SpanFixtures.all
        let requests = try await OTLPPythonReceiver.run(answers: ["200"], as: DecodedSpan.self) { port in
            let exporter = OTLPSpanExporter(configuration: Self.configuration(port: port, wireProtocol, gzip: gzip))
            try await exporter.write(spans)
            await exporter.shutdown()
        }
        try #require(requests.count == 1)
        let request = requests[0]
        #expect(request.path == "/v1/traces")
        #expect(request.headers["content-type"] == wireProtocol.contentType)
        #expect(request.headers["content-encoding"] == (gzip ? "gzip" : nil))
        #expect(request.headers["user-agent"] == "OTel-OTLP-Exporter-Swift/\(TrailVersion.string)")
        #expect(request.headers["x-tenant"] == "team-1")
        if wireProtocol == .httpProtobuf { #expect(request.request.canonical == true) }
        OTLPTraceEncodingTests.compare(request.request, spans)
    }

    @Test func aBusyServerIsRetriedLaterAndAPartialSuccessIsCountedNotRetried() async throws {
        // ExportTraceServiceResponse { partial_success { rejected_spans: 3, error_message: "too old" } }
        let partial = "0a0b08031207" + Array("too old".utf8).map { String(format: "%02x", $0) }.joined()
        let span = SpanFixtures.all[1]
        let requests = try await OTLPPythonReceiver.run(answers: ["503", "200:" + partial, "400"], as: DecodedSpan.self) { port in
            let exporter = OTLPSpanExporter(configuration: Self.configuration(port: port, .httpProtobuf, gzip: false))
            await #expect {
                try await exporter.write([span])
            } throws: { error in
                let error = error as? DestinationError
                return error?.isTransient == true && error?.retryAfter == .seconds(1)
            }
            try await exporter.write([span])
            #expect(exporter.rejectedSpans == 3)
            await #expect {
                try await exporter.write([span])
            } throws: { error in
                (error as? DestinationError)?.isTransient == false
            }
            await exporter.shutdown()
        }
        #expect(requests.count == 3)
    }

    @Test func anEmptyBatchSendsNothing() async throws {
        let requests = try await OTLPPythonReceiver.run(answers: ["200"], as: DecodedSpan.self) { port in
            let exporter = OTLPSpanExporter(configuration: Self.configuration(port: port, .httpProtobuf, gzip: false))
            try await exporter.write([])
            await exporter.shutdown()
        }
        #expect(requests.isEmpty)
    }

    @Test(arguments: [(OTLPProtocol.httpProtobuf, true), (.httpJSON, true)])
    func logLinesArePostedToV1LogsAndDecode(wireProtocol: OTLPProtocol, gzip: Bool) async throws {
        let lines = OTLPLogEncodingTests.cases.map(\.line)
        let requests = try await OTLPPythonReceiver.run(answers: ["204"], as: DecodedLogRecord.self) { port in
            let exporter = OTLPLogExporter(configuration: Self.configuration(port: port, wireProtocol, gzip: gzip), resource: OTLPLogEncodingTests.base)
            try await exporter.write(lines)
            await exporter.shutdown()
        }
        try #require(requests.count == 1)
        #expect(requests[0].path == "/v1/logs")
        #expect(requests[0].headers["content-type"] == wireProtocol.contentType)
        #expect(requests[0].request.issues == [])
        // The line without a timestamp gets the time it was exported as observed time; the others
        // are compared exactly.
        let records = requests[0].request.resources.flatMap { $0.scopes.flatMap(\.items) }
        #expect(records.count == lines.count)
        #expect(records.filter { $0.timeUnixNano == "1763805845123456000" }.count == lines.count - 1)
        #expect(records.allSatisfy { $0.observedTimeUnixNano != "0" })
    }

    @Test func aPipelinesSpansAndTheLogLinesWrittenInsideThemArriveCorrelated() async throws {
        struct PathOnly: Decodable { var path: String }
        let lines = try await OTLPPythonReceiver.runReturningLines(answers: ["200"]) { port in
            let pipeline = Pipeline(
                serviceName: "shop", level: .info,
                destinations: [OTLPLogExporter(configuration: Self.configuration(port: port, .httpProtobuf, gzip: true))],
                spanExporters: [OTLPSpanExporter(configuration: Self.configuration(port: port, .httpJSON, gzip: false))],
                environment: [:])
            let logger = Logger(label: "http", pipeline: pipeline)
            pipeline.tracer.withSpan("GET /orders/:id", kind: .server, attributes: ["http.response.status_code": 200]) { _ in
                logger.info("order shown", ["order_id": "A-17", "items": 3])
            }
            #expect(await pipeline.shutdown(timeout: .seconds(10)))
        }
        let paths = try lines.map { try JSONDecoder().decode(PathOnly.self, from: $0).path }
        let spanRequest = try JSONDecoder().decode(ReceivedOTLPRequest<DecodedSpan>.self, from: try #require(lines.first { String(decoding: $0, as: UTF8.self).contains("\"/v1/traces\"") }))
        let logRequest = try JSONDecoder().decode(ReceivedOTLPRequest<DecodedLogRecord>.self, from: try #require(lines.first { String(decoding: $0, as: UTF8.self).contains("\"/v1/logs\"") }))
        #expect(paths.sorted() == ["/v1/logs", "/v1/traces"])
        let spanGroup = try #require(spanRequest.request.resources.first)
        let span = try #require(spanGroup.scopes.first?.items.first)
        let record = try #require(logRequest.request.resources.first?.scopes.first?.items.first)
        #expect(span.name == "GET /orders/:id")
        #expect(span.kind == 2)
        #expect(spanGroup.resource.attributes.first == DecodedKeyValue(key: "service.name", value: .string("shop")))
        #expect(record.traceId == span.traceId)
        #expect(record.spanId == span.spanId)
        #expect(record.flags == span.flags & 0xFF)
        #expect(record.body == .string("order shown"))
        #expect(record.severityNumber == 9)
        #expect(record.attributes.contains(DecodedKeyValue(key: "order_id", value: .string("A-17"))))
        #expect(record.attributes.contains(DecodedKeyValue(key: "items", value: .int(3))))
        #expect(logRequest.request.resources.first?.scopes.first?.scope.name == "http")
        #expect(logRequest.request.resources.first?.resource.attributes.contains(DecodedKeyValue(key: "service.name", value: .string("shop"))) == true)
    }
}
