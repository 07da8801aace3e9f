import Foundation
import Testing
@testable import Trail
import TrailTesting

/// One stream of a push as the receiver decoded it.
struct PushedStream: Equatable {
    var labels: [String: String]
    var values: [PushedValue]
}

struct PushedValue: Equatable {
    var timestamp: String
    var line: String
    var metadata: [String: String]?
}

/// The streams of a recorded Loki push.
func pushedStreams(_ request: RecordedRequest) throws -> [PushedStream] {
    func need<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw ReceiverFailure("the push has no valid \(what)") }
        return value
    }
    let document = try need(ReceivedJSON.parse(try request.decodedBody()), "JSON body")
    return try need(document["streams"]?.array, "streams").map { stream in
        let values = try need(stream["values"]?.array, "values").map { value in
            let parts = try need(value.array, "entry")
            return PushedValue(timestamp: try need(parts[0].string, "timestamp"), line: try need(parts[1].string, "line"),
                               metadata: parts.count > 2 ? try need(parts[2].stringMap, "metadata") : nil)
        }
        return PushedStream(labels: try need(stream["stream"]?.stringMap, "labels"), values: values)
    }
}

/// Every line pushed in `requests`, in order.
func pushedLines(_ requests: [RecordedRequest]) throws -> [String] {
    try requests.flatMap { try pushedStreams($0).flatMap { $0.values.map(\.line) } }
}

func jsonLine(_ text: String, level: LogLevel = .info) -> LogLine { LogLine(level: level, bytes: Array((text + "\n").utf8)) }

/// A receiver validating Loki pushes, and a sink pointed at it.
func lokiReceiverAndSink(
    requireTenant: Bool = false, script: [ScriptedAnswer] = [], port: Int = 0,
    _ adjust: (inout LokiSink.Options) -> Void = { _ in }
) throws -> (LoopbackReceiver, LokiSink) {
    let receiver = try LoopbackReceiver(port: port, validator: .lokiPush(requireTenant: requireTenant), script: script)
    var options = LokiSink.Options(url: receiver.baseURL, timeout: .seconds(5))
    adjust(&options)
    do {
        return (receiver, try LokiSink(options))
    } catch {
        receiver.stop()
        throw error
    }
}

@Suite struct LokiSinkTests {
    @Test func aPipelineDeliversLinesWithLabelsNanosecondTimesAndTraceMetadata() async throws {
        let (receiver, sink) = try lokiReceiverAndSink { $0.labels = ["env": "test"] }
        defer { receiver.stop() }
        let copy = InMemoryLogDestination()
        let pipeline = Pipeline(serviceName: "checkout", destinations: [sink, copy], writerConfiguration: .init(
            name: "loki", maxDelay: .milliseconds(20), retry: .never), environment: [:])
        let logger = Logger(label: "http", pipeline: pipeline)
        logger.info("before")
        let span = pipeline.tracer.withSpan("GET /cart") { span in
            logger.info("inside", ["status": 200])
            logger.warning("still inside")
            return span.context
        }
        #expect(await pipeline.flush(timeout: .seconds(10)))
        let requests = receiver.requests
        #expect(requests.count >= 1 && requests.allSatisfy { $0.answeredStatus == 204 && $0.rejection == nil })
        #expect(requests.first?.path == "/loki/api/v1/push")
        #expect(requests.first?.header("Content-Type")?.hasPrefix("application/json") == true)
        let streams = try requests.flatMap(pushedStreams)
        #expect(streams.allSatisfy { $0.labels == ["env": "test", "service_name": "checkout"] }, "no trace ids, no level in labels")
        let values = streams.flatMap(\.values)
        let expected = copy.lines.map { String($0.dropLast()) }
        #expect(values.map(\.line) == expected, "each line is the JSON line itself")
        for value in values {
            let object = try JSONSerialization.jsonObject(with: Data(value.line.utf8)) as? [String: Any]
            let stamp = try #require(object?["timestamp"] as? String)
            #expect(value.timestamp == RFC3339.nanoseconds(stamp).map(String.init), "ns from the line's timestamp")
        }
        #expect(values.map(\.timestamp).map { UInt64($0)! } == values.map(\.timestamp).map { UInt64($0)! }.sorted())
        #expect(values.first?.metadata == nil, "outside a span: no metadata")
        let traceMetadata = ["trace_id": span.traceID.hexString, "span_id": span.spanID.hexString]
        #expect(values.dropFirst().map(\.metadata) == [traceMetadata, traceMetadata])
        #expect(await pipeline.shutdown(timeout: .seconds(5)))
    }

    @Test func linesAreGroupedByLabelsAndSortedByTime() async throws {
        let (receiver, sink) = try lokiReceiverAndSink { $0.levelLabel = true }
        defer { receiver.stop() }
        try await sink.write([
            jsonLine(#"{"timestamp":"2026-11-22T10:00:03Z","level":"info","message":"c","service.name":"a"}"#),
            jsonLine(#"{"timestamp":"2026-11-22T10:00:01.5Z","level":"error","message":"x","service.name":"a"}"#, level: .error),
            jsonLine(#"{"timestamp":"2026-11-22T10:00:01.000000001Z","level":"info","message":"a","service.name":"a"}"#),
            jsonLine(#"{"timestamp":"2026-11-22T10:00:02Z","level":"info","message":"b","service.name":"a"}"#),
            jsonLine(#"{"level":"info","message":"no service, no time"}"#),
        ])
        let streams = try pushedStreams(try #require(receiver.requests.first))
        #expect(streams.map(\.labels) == [
            ["level": "info", "service_name": "a"], ["level": "error", "service_name": "a"],
            ["level": "info", "service_name": "unknown_service"],
        ])
        #expect(streams[0].values.map(\.timestamp) == ["1795341601000000001", "1795341602000000000", "1795341603000000000"])
        #expect(streams[0].values.map { $0.line.contains("\"message\":\"a\"") } == [true, false, false])
        #expect(streams[1].values.map(\.timestamp) == ["1795341601500000000"])
        let sendTime = try #require(UInt64(streams[2].values[0].timestamp))
        let now = UInt64(Date().timeIntervalSince1970 * 1e9)
        #expect(sendTime <= now && now - sendTime < 60_000_000_000, "a line without a time gets the time of sending")
    }

    @Test func theServiceNameOptionWinsAndECSFieldsAreRead() async throws {
        let (receiver, sink) = try lokiReceiverAndSink { $0.serviceName = "billing" }
        defer { receiver.stop() }
        try await sink.write([jsonLine(
            #"{"@timestamp":"2026-11-22T10:00:00.123Z","log.level":"info","message":"m","trace.id":"4bf92f3577b34da6a3ce929d0e0e4736","span.id":"00f067aa0ba902b7","service.name":"other"}"#)])
        let request = try #require(receiver.requests.first)
        let stream = try #require(try pushedStreams(request).first)
        #expect(stream.labels == ["service_name": "billing"])
        #expect(stream.values.first?.timestamp == "1795341600123000000")
        #expect(stream.values.first?.metadata == ["trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"])
    }

    @Test func structuredMetadataCanBeTurnedOff() async throws {
        let (receiver, sink) = try lokiReceiverAndSink { $0.structuredMetadata = false }
        defer { receiver.stop() }
        try await sink.write([jsonLine(#"{"message":"m","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}"#)])
        let request = try #require(receiver.requests.first)
        let value = try #require(try pushedStreams(request).first?.values.first)
        #expect(value.metadata == nil && value.line.contains("4bf92f3577b34da6a3ce929d0e0e4736"))
    }

    @Test func bodiesAreGzippedByDefaultAndPlainOnRequest() async throws {
        let line = jsonLine(#"{"message":"quote \" backslash \\ tab \t unicode é","n":1}"#)
        for gzip in [true, false] {
            let (receiver, sink) = try lokiReceiverAndSink { $0.gzip = gzip }
            defer { receiver.stop() }
            try await sink.write([line, line])
            let request = try #require(receiver.requests.first)
            #expect(request.header("Content-Encoding") == (gzip ? "gzip" : nil))
            #expect(request.answeredStatus == 204)
            #expect(try pushedLines([request]) == [String(line.text.dropLast()), String(line.text.dropLast())])
        }
    }

    @Test func tenantAndCredentialsAreSentAsHeaders() async throws {
        let cases: [(LokiSink.Auth?, String?)] = [
            (.basic(username: "12345", password: "s3cret"), "Basic " + Data("12345:s3cret".utf8).base64EncodedString()),
            (.bearer("tok-en"), "Bearer tok-en"),
            (nil, nil),
        ]
        for (auth, expected) in cases {
            let (receiver, sink) = try lokiReceiverAndSink(requireTenant: true) {
                $0.tenant = "team-a"
                $0.auth = auth
                $0.headers = ["X-Extra": "1"]
            }
            defer { receiver.stop() }
            try await sink.write([jsonLine(#"{"message":"m"}"#)])
            let request = try #require(receiver.requests.first)
            #expect(request.answeredStatus == 204)
            #expect(request.header("X-Scope-OrgID") == "team-a" && request.header("x-extra") == "1")
            #expect(request.header("Authorization") == expected)
        }
    }

    @Test func credentialsInTheURLBecomeBasicAuthAndLeaveTheURL() async throws {
        let receiver = try LoopbackReceiver(validator: .lokiPush(requireTenant: false))
        defer { receiver.stop() }
        let sink = try LokiSink(.init(url: URL(string: "http://user:p%40ss@127.0.0.1:\(receiver.port)/")!))
        #expect(sink.endpoint.absoluteString == "http://127.0.0.1:\(receiver.port)/loki/api/v1/push")
        #expect(sink.options.url == sink.endpoint && !"\(sink.options)".contains("p%40ss"))
        try await sink.write([jsonLine(#"{"message":"m"}"#)])
        #expect(receiver.requests.first?.header("Authorization") == "Basic " + Data("user:p@ss".utf8).base64EncodedString())
    }

    @Test func oversizeLinesAreDroppedAndCounted() async throws {
        let (receiver, sink) = try lokiReceiverAndSink { $0.maxLineBytes = 100 }
        defer { receiver.stop() }
        let long = jsonLine(#"{"message":"\#(String(repeating: "x", count: 200))"}"#)
        let exact = jsonLine(#"{"message":"\#(String(repeating: "y", count: 86))"}"#)  // 100 bytes without the newline
        try await sink.write([jsonLine(#"{"message":"a"}"#), long, exact])
        #expect(sink.droppedOversizeLines == 1)
        try await sink.write([long, long])
        #expect(sink.droppedOversizeLines == 3)
        #expect(receiver.requests.count == 1, "a batch of oversize lines only sends nothing")
        #expect(try pushedLines(receiver.requests) == [#"{"message":"a"}"#, String(exact.text.dropLast())])
    }

    @Test func theDefaultLimitKeepsLinesLokiAccepts() async throws {
        let (receiver, sink) = try lokiReceiverAndSink()
        defer { receiver.stop() }
        let fits = jsonLine(#"{"message":"\#(String(repeating: "z", count: 256_000 - 14))"}"#)
        try await sink.write([fits, jsonLine(#"{"message":"\#(String(repeating: "z", count: 256_000))"}"#)])
        #expect(sink.droppedOversizeLines == 1)
        #expect(receiver.requests.first?.answeredStatus == 204, "the validator accepts the longest line the sink sends")
    }
}
