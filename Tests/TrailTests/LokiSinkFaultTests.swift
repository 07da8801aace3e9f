import Foundation
import Testing
@testable import Trail
import TrailTesting

/// A LokiSink behind a BatchingWriter against a receiver that fails as scripted.
@Suite struct LokiSinkFaultTests {
    private let fastRetry = RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(40))

    /// By default the writer sends only on `flush()` (or 50 queued lines): the tests count requests
    /// per batch, which a timer firing while they enqueue would split on a loaded machine. Tests
    /// that need the writer to send on its own pass a short `delay`.
    private func writer(
        _ sink: LokiSink, retry: RetryPolicy, queue: Int = 100, writeTimeout: Duration = .seconds(10),
        delay: Duration = .seconds(600)
    ) -> BatchingWriter<LogLine> {
        BatchingWriter(destination: sink, configuration: .init(
            name: "loki-test", maxQueueSize: queue, maxBatchSize: 50, maxDelay: delay,
            writeTimeout: writeTimeout, retry: retry))
    }

    private func lines(_ range: Range<Int>) -> [LogLine] {
        range.map { jsonLine(#"{"timestamp":"2026-11-22T10:00:00.\#(String(format: "%06d", $0))Z","message":"line \#($0)"}"#) }
    }

    @Test func twoServiceUnavailableAnswersAreRetriedAndTheBatchDeliveredOnce() async throws {
        let (receiver, sink) = try lokiReceiverAndSink(script: [.status(503), .status(503)])
        defer { receiver.stop() }
        let writer = writer(sink, retry: fastRetry)
        for line in lines(0..<5) { writer.enqueue(line) }
        #expect(await writer.flush(timeout: .seconds(60)))
        let requests = receiver.requests
        #expect(requests.map(\.answeredStatus) == [503, 503, 204])
        #expect(try pushedLines(requests.suffix(1)) == (0..<5).map { #"{"timestamp":"2026-11-22T10:00:00.\#(String(format: "%06d", $0))Z","message":"line \#($0)"}"# })
        let counters = writer.counters
        #expect(counters.retries == 2 && counters.written == 5 && counters.failed == 0)
        _ = await writer.shutdown(timeout: .seconds(5))
    }

    @Test func tooManyRequestsWaitsForRetryAfter() async throws {
        let (receiver, sink) = try lokiReceiverAndSink(script: [.status(429, headers: [("Retry-After", "1")], body: "rate limited")])
        defer { receiver.stop() }
        let writer = writer(sink, retry: fastRetry)
        for line in lines(0..<3) { writer.enqueue(line) }
        #expect(await writer.flush(timeout: .seconds(60)))
        let requests = receiver.requests
        #expect(requests.map(\.answeredStatus) == [429, 204])
        if requests.count == 2 {
            #expect(requests[1].receivedAt - requests[0].receivedAt >= .seconds(1), "not the 10 ms backoff")
        }
        #expect(writer.counters.retries == 1 && writer.counters.written == 3)
        _ = await writer.shutdown(timeout: .seconds(5))
    }

    @Test func aBadRequestIsNotRetriedAndItsMessageIsReported() async throws {
        let (receiver, sink) = try lokiReceiverAndSink(script: [.status(400, body: "entry for stream has timestamp too old\n")]) {
            $0.auth = .bearer("secret-token")
        }
        defer { receiver.stop() }
        do {
            try await sink.write(lines(0..<2))
            Issue.record("a 400 did not throw")
        } catch let error as DestinationError {
            #expect(!error.isTransient)
            #expect(error.message.hasSuffix("timestamp too old"), "Loki's message, trimmed: \(error.message)")
            #expect(!error.message.contains("secret-token"))
        }
        let writer = writer(sink, retry: fastRetry)
        receiver.enqueue(.status(400, body: "bad"))
        for line in lines(0..<4) { writer.enqueue(line) }
        #expect(await writer.flush(timeout: .seconds(60)))
        #expect(receiver.requests.count == 2, "one request each: never retried")
        let counters = writer.counters
        #expect(counters.failed == 4 && counters.failedBatches == 1 && counters.retries == 0 && counters.written == 0)
        _ = await writer.shutdown(timeout: .seconds(5))
    }

    @Test func otherStatusesAreClassifiedForRetry() async throws {
        let answers: [(ScriptedAnswer, Bool)] = [
            (.status(401, body: "no org id"), false), (.status(413), false), (.status(404), false),
            (.status(500), true), (.status(502), true), (.status(504), true), (.status(429), true),
        ]
        let (receiver, sink) = try lokiReceiverAndSink(script: answers.map(\.0))
        defer { receiver.stop() }
        for (answer, transient) in answers {
            do {
                try await sink.write(lines(0..<1))
                Issue.record("\(answer) did not throw")
            } catch let error as DestinationError {
                #expect(error.isTransient == transient, "\(error.message)")
            }
        }
        try await sink.write(lines(0..<1))
        #expect(receiver.requests.last?.answeredStatus == 204)
    }

    @Test func linesAcceptedWhileLokiIsDownAreDeliveredOnceWhenItComesUp() async throws {
        let port = try LoopbackReceiver.unusedPort()
        // Refused connections fail at once; the long timeout keeps a late answer from counting as
        // a failure (and its lines from being sent twice) on a loaded machine.
        let sink = try LokiSink(.init(url: URL(string: "http://127.0.0.1:\(port)")!, timeout: .seconds(30)))
        // Patient in tries, not in time: the test's own task may wait seconds for a thread of a
        // busy cooperative pool before it starts the receiver, and the lines must still be there.
        let patient = RetryPolicy(maxAttempts: 1_000_000, initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(50))
        let writer = writer(sink, retry: patient, writeTimeout: .seconds(60), delay: .milliseconds(5))
        for line in lines(0..<20) { writer.enqueue(line) }
        try #require(await eventually { writer.counters.retries >= 2 }, "the refused pushes are retried")
        for line in lines(20..<30) { writer.enqueue(line) }
        let receiver = try LoopbackReceiver(port: port, validator: .lokiPush(requireTenant: false))
        defer { receiver.stop() }
        #expect(await writer.flush(timeout: .seconds(60)))
        let delivered = try pushedLines(receiver.requests)
        #expect(delivered.count == 30 && Set(delivered).count == 30, "every line once")
        #expect(writer.counters.written == 30 && writer.counters.failed == 0)
        _ = await writer.shutdown(timeout: .seconds(5))
    }

    @Test func aHangingLokiBlocksNeitherTheCallerNorAnotherDestination() async throws {
        let receiver = try LoopbackReceiver(validator: .lokiPush(requireTenant: false), defaultAnswer: .hang)
        defer { receiver.stop() }
        let sink = try LokiSink(.init(url: receiver.baseURL, timeout: .seconds(30)))
        let healthy = InMemoryLogDestination()
        let pipeline = Pipeline(serviceName: "s", destinations: [
            sink.withWriterConfiguration { $0.writeTimeout = .milliseconds(200) }, healthy,
        ], writerConfiguration: .init(name: "logs", maxQueueSize: 100, maxBatchSize: 10, maxDelay: .milliseconds(5), retry: .never),
            environment: [:])
        let logger = Logger(label: "l", pipeline: pipeline)
        let clock = ContinuousClock()
        let elapsed = clock.measure { for i in 0..<50 { logger.info("line \(i)") } }
        // A caller that waited for the hanging push would wait for the sink's 30 s timeout; the
        // bound leaves room for a loaded machine.
        #expect(elapsed < .seconds(10), "logging does not wait for Loki")
        #expect(await pipeline.writers[1].flush(timeout: .seconds(30)), "the healthy destination is not held back")
        #expect(healthy.lines.count == 50)
        _ = await receiver.waitForRequests(1, timeout: .seconds(5))
        #expect(await eventually { pipeline.writers[0].counters.failed > 0 }, "the hanging write timed out and was counted as failed")
        receiver.stop()
        _ = await pipeline.shutdown(timeout: .seconds(5))
    }

    @Test func queueOverflowCountsExactlyTheOverflow() async throws {
        // Timeouts far beyond the test, so the drain thread stays stuck in the first push until the
        // receiver stops, however slowly this machine runs (a sanitizer build is several times slower).
        let (receiver, sink) = try lokiReceiverAndSink(script: [.hang]) { $0.timeout = .seconds(60) }
        defer { receiver.stop() }
        let writer = writer(sink, retry: .never, queue: 10, writeTimeout: .seconds(60), delay: .milliseconds(5))
        writer.enqueue(jsonLine(#"{"message":"first"}"#))
        _ = await receiver.waitForRequests(1, timeout: .seconds(30))
        #expect(receiver.requests.count == 1, "the drain thread is stuck in the first push")
        for line in lines(0..<25) { writer.enqueue(line) }
        let counters = writer.counters
        #expect(counters.accepted == 11 && counters.droppedQueueFull == 15)
        receiver.stop()
        #expect(await writer.shutdown(timeout: .seconds(10)))
        #expect(writer.counters.accepted == writer.counters.written + writer.counters.failed)
    }
}
