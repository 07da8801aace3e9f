import Foundation
import Synchronization
import Testing
@testable import Trail
import TrailTesting

/// ElasticsearchSink against a loopback `_bulk` endpoint that answers per item (PROTOCOLS.md §6).
@Suite struct ElasticsearchSinkTests {
    private let fastRetry = RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(40))

    private func receiverAndSink(
        _ store: ElasticsearchStore, script: [ScriptedAnswer] = [], configure: (inout ElasticsearchSink.Options) -> Void = { _ in }
    ) throws -> (LoopbackReceiver, ElasticsearchSink) {
        let receiver = try LoopbackReceiver(validator: .elasticsearchBulk(store), script: script)
        var options = ElasticsearchSink.Options(url: receiver.baseURL)
        configure(&options)
        return (receiver, try ElasticsearchSink(options))
    }

    /// A writer that sends only on `flush()` (or 50 queued lines): the tests count requests and
    /// retries per batch, which a timer firing while they enqueue would split on a loaded machine.
    private func writer(_ sink: ElasticsearchSink, retry: RetryPolicy? = nil) -> BatchingWriter<LogLine> {
        BatchingWriter(destination: sink, configuration: .init(
            name: "es-test", maxQueueSize: 1000, maxBatchSize: 50, maxDelay: .seconds(600), retry: retry ?? fastRetry))
    }

    private func ecsLine(_ n: Int, service: String = "checkout") -> LogLine {
        jsonLine(#"{"@timestamp":"2026-11-22T10:00:00.\#(String(format: "%03d", n % 1000))Z","log.level":"info","message":"line \#(n)","service.name":"\#(service)","ecs.version":"8.11.0"}"#)
    }

    @Test func ecsLinesFromTheLoggerAreIndexedIntoTheServiceDataStream() async throws {
        let store = ElasticsearchStore(requiredAuthorization: "ApiKey c2VjcmV0LWlkOnNlY3JldC1rZXk=")
        let (receiver, sink) = try receiverAndSink(store) { $0.credentials = .apiKey("c2VjcmV0LWlkOnNlY3JldC1rZXk=") }
        defer { receiver.stop() }
        let pipeline = Pipeline(serviceName: "Checkout-API", fieldNames: .elasticCommonSchema, destinations: [sink], environment: [:])
        let logger = Logger(label: "shop", pipeline: pipeline)
        let span = pipeline.tracer.withSpan("GET /checkout") { span in
            logger.info("paid", ["order_id": 42])
            return span
        }
        logger.warning("outside")
        #expect(await pipeline.shutdown(timeout: .seconds(10)))
        let indexed = store.indexed
        #expect(indexed.map(\.index) == ["logs-checkout_api-default", "logs-checkout_api-default"])
        let documents = indexed.compactMap { try? JSONSerialization.jsonObject(with: Data($0.source.utf8)) as? [String: Any] }
        #expect(documents.count == 2)
        #expect(documents.first?["trace.id"] as? String == span.context.traceID.hexString)
        #expect(documents.first?["span.id"] as? String == span.context.spanID.hexString)
        #expect(documents.first?["log.level"] as? String == "info" && documents.last?["log.level"] as? String == "warning")
        #expect(documents.allSatisfy { $0["@timestamp"] is String && $0["ecs.version"] as? String == "8.11.0" })
        let request = try #require(receiver.requests.first)
        #expect(request.header("Content-Type") == "application/x-ndjson" && request.header("Content-Encoding") == "gzip")
        #expect(sink.indexedDocuments == 2 && sink.rejectedDocuments == 0)
    }

    @Test func linesWithOpenTelemetryNamesGetTheTimestampADataStreamNeeds() async throws {
        let store = ElasticsearchStore()
        let (receiver, sink) = try receiverAndSink(store) { $0.dataStream = "logs-app-prod" }
        defer { receiver.stop() }
        try await sink.write([
            jsonLine(#"{"timestamp":"2026-11-22T10:00:00.123456Z","level":"info","message":"hi","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}"#),
            jsonLine(#"{"message":"no time"}"#),
            jsonLine("{}"),
        ])
        let indexed = store.indexed
        #expect(indexed.count == 3 && indexed.allSatisfy { $0.index == "logs-app-prod" })
        #expect(indexed.first?.source == #"{"@timestamp":"2026-11-22T10:00:00.123456Z","timestamp":"2026-11-22T10:00:00.123456Z","level":"info","message":"hi","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}"#)
        let stamped = indexed.compactMap { try? JSONSerialization.jsonObject(with: Data($0.source.utf8)) as? [String: Any] }
        #expect(stamped.count == 3 && stamped.allSatisfy { RFC3339.nanoseconds($0["@timestamp"] as? String ?? "") != nil })
    }

    @Test func itemsRefusedForNowAreSentAgainAloneAndNoneTwice() async throws {
        // Every third document is refused with 429 the first time, every fifth with 503 twice.
        let store = ElasticsearchStore { source, arrivals in
            let n = Int(source.split(separator: " ").last?.prefix { $0.isNumber } ?? "") ?? 0
            if n % 3 == 0, arrivals == 0 { return 429 }
            if n % 5 == 0, arrivals < 2 { return 503 }
            return 201
        }
        let (receiver, sink) = try receiverAndSink(store)
        defer { receiver.stop() }
        let writer = writer(sink)
        for n in 0..<40 { writer.enqueue(ecsLine(n)) }
        #expect(await writer.flush(timeout: .seconds(60)))
        let messages = store.indexed.map { $0.source.components(separatedBy: "\"message\":\"line ")[1].prefix { $0.isNumber } }
        #expect(messages.sorted { Int($0)! < Int($1)! } == (0..<40).map { "\($0)"[...] }, "every line exactly once")
        #expect(sink.indexedDocuments == 40 && sink.rejectedDocuments == 0)
        // First attempt: all 40; second: the 429s and 503s; third: the 503s that failed twice.
        let retried = (0..<40).filter { $0 % 3 == 0 || $0 % 5 == 0 }.count + (0..<40).filter { $0 % 5 == 0 }.count
        #expect(sink.retriedDocuments == retried)
        #expect(writer.counters.written == 40 && writer.counters.retries == 2 && writer.counters.failed == 0)
        _ = await writer.shutdown(timeout: .seconds(5))
    }

    @Test func itemsRefusedForGoodAreCountedNotRetried() async throws {
        let store = ElasticsearchStore { source, _ in source.contains("line 2\"") ? 400 : 201 }
        let (receiver, sink) = try receiverAndSink(store)
        defer { receiver.stop() }
        let writer = writer(sink)
        for n in 0..<5 { writer.enqueue(ecsLine(n)) }
        #expect(await writer.flush(timeout: .seconds(60)))
        // Each document went out once (an action line and a source line each).
        let sentLines = receiver.requests.map { $0.decodedText.split(separator: "\n").count }.reduce(0, +)
        #expect(sentLines == 10, "no document sent twice")
        #expect(sink.indexedDocuments == 4 && sink.rejectedDocuments == 1 && sink.retriedDocuments == 0)
        #expect(writer.counters.written == 5 && writer.counters.retries == 0)
        _ = await writer.shutdown(timeout: .seconds(5))
    }

    @Test func wholeRequestFailuresAreClassified() async throws {
        let store = ElasticsearchStore()
        let (receiver, sink) = try receiverAndSink(store, script: [
            .status(429, headers: [("Retry-After", "0")]), .status(503),
        ])
        defer { receiver.stop() }
        let writer = writer(sink)
        for n in 0..<3 { writer.enqueue(ecsLine(n)) }
        #expect(await writer.flush(timeout: .seconds(60)))
        #expect(receiver.requests.map(\.answeredStatus) == [429, 503, 200])
        #expect(store.indexed.count == 3 && writer.counters.retries == 2)
        #expect(sink.retriedDocuments == 6, "the 3 documents, sent again twice")

        for status in [400, 401, 403, 413] {
            receiver.enqueue(.status(status, body: #"{"error":{"type":"x","reason":"nope"},"status":\#(status)}"#))
            do {
                try await sink.write([ecsLine(9)])
                Issue.record("\(status) did not throw")
            } catch let error as DestinationError {
                #expect(!error.isTransient, "\(status) is permanent")
                #expect(error.message.contains("nope"))
                if status == 413 { #expect(error.message.contains("maxBatchBytes")) }
            }
        }
        // After shutdown a write fails permanently (URLSession would trap on its closed session).
        _ = await writer.shutdown(timeout: .seconds(5))
        await #expect(throws: DestinationError.self) { try await sink.write([ecsLine(10)]) }
    }

    @Test func aMissingApiKeyIsRefusedAndTheKeyNeverAppearsInMessages() async throws {
        let store = ElasticsearchStore(requiredAuthorization: "ApiKey right")
        let (receiver, sink) = try receiverAndSink(store) { $0.credentials = .apiKey("wrong-secret") }
        defer { receiver.stop() }
        do {
            try await sink.write([ecsLine(1)])
            Issue.record("a 401 did not throw")
        } catch let error as DestinationError {
            #expect(!error.isTransient && error.message.contains("401") && !error.message.contains("wrong-secret"))
        }
        #expect(!"\(sink.options)".contains("wrong-secret"))
    }

    @Test func configurationFromOptionsAndEnvironment() throws {
        let sink = try ElasticsearchSink(.init(url: URL(string: "https://elastic:pw@es.example:9243/prefix/")!))
        #expect(sink.endpoint.absoluteString == "https://es.example:9243/prefix/_bulk")
        #expect("\(sink.options.credentials!)" == "basic(username: <redacted>, password: <redacted>)")
        #expect(throws: DestinationConfigurationError.self) { try ElasticsearchSink(.init(url: URL(string: "ftp://x")!)) }
        for name in ["Logs-App", "logs app", "-logs", "logs*", ""] {
            #expect(throws: DestinationConfigurationError.self, "\(name)") { try ElasticsearchSink(.init(url: URL(string: "http://x")!, dataStream: name)) }
        }
        #expect(try ElasticsearchSink.fromEnvironment([:]) == nil)
        let fromEnv = try #require(try ElasticsearchSink.fromEnvironment(["ELASTICSEARCH_URL": "http://localhost:9200", "ELASTICSEARCH_API_KEY": "k"]))
        #expect(fromEnv.endpoint.absoluteString == "http://localhost:9200/_bulk")
        #expect(throws: DestinationConfigurationError.self) {
            try ElasticsearchSink.fromEnvironment(["ELASTICSEARCH_URL": "http://x", "ELASTICSEARCH_USERNAME": "u"])
        }
        #expect(throws: DestinationConfigurationError.self) {
            try ElasticsearchSink.fromEnvironment(["ELASTICSEARCH_URL": "http://x", "ELASTICSEARCH_API_KEY": "k", "ELASTICSEARCH_USERNAME": "u", "ELASTICSEARCH_PASSWORD": "p"])
        }
        #expect(ElasticsearchBulk.dataset("My Service-API") == "my_service_api")
        #expect(ElasticsearchBulk.dataset(nil) == "generic" && ElasticsearchBulk.dataset("--") == "generic")
    }

    @Test func bulkBodiesAreNDJSONEndingWithANewline() {
        let target = ElasticsearchBulk.Target(dataStream: nil, serviceName: nil, namespace: "default")
        let documents = [ecsLine(1, service: "a"), ecsLine(2, service: "b")].map { ElasticsearchBulk.document($0, target: target, now: 0) }
        let body = String(decoding: ElasticsearchBulk.body(documents), as: UTF8.self)
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(body.hasSuffix("\n") && lines.count == 5)
        #expect(lines[0] == #"{"create":{"_index":"logs-a-default"}}"# && lines[2] == #"{"create":{"_index":"logs-b-default"}}"#)
        #expect(lines[1] == ecsLine(1, service: "a").text.dropLast()[...])
    }
}
