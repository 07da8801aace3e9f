import Foundation
import Synchronization
import Testing
import Trail

/// A destination that fails its first writes as scripted, then succeeds, and records every attempt.
final class FlakyDestination: SynchronousDestination {
    typealias Record = Int
    private struct State {
        var script: [any Error]
        var batches: [[Int]] = []
        var attempts: [ContinuousClock.Instant] = []
        var failForever: (any Error)?
    }
    private let state: Locked<State>

    init(failing script: [any Error] = [], forever: (any Error)? = nil) {
        state = Locked(State(script: script, failForever: forever))
    }

    func writeSynchronously(_ batch: [Int]) throws {
        let failure = state.withLock { state -> (any Error)? in
            state.attempts.append(ContinuousClock.now)
            if let forever = state.failForever { return forever }
            if !state.script.isEmpty { return state.script.removeFirst() }
            state.batches.append(batch)
            return nil
        }
        if let failure { throw failure }
    }

    var batches: [[Int]] { state.withLock { $0.batches } }
    var attempts: [ContinuousClock.Instant] { state.withLock { $0.attempts } }
}

/// A destination that blocks every write until opened (bounded at 10 s).
final class GatedDestination: SynchronousDestination {
    typealias Record = Int
    let gate = Gate()
    private let received = Locked<[Int]>([])
    let started = Atomic<Int>(0)

    func writeSynchronously(_ batch: [Int]) throws {
        started.add(1, ordering: .relaxed)
        gate.block(atMost: 60)
        received.withLock { $0.append(contentsOf: batch) }
    }

    var records: [Int] { received.withLock { $0 } }
}

struct Transient: Error {}

@Suite struct BatchingWriterPolicyTests {
    private let quickRetry = RetryPolicy(maxAttempts: 4, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(4))

    /// By default the writer sends only on `flush()` (or a full batch): tests that count batches
    /// and attempts would see a batch split by a timer firing while they enqueue on a loaded
    /// machine. Tests that need the writer to send on its own pass `timer`.
    private static let timer = Duration.milliseconds(5)

    private func config(
        queue: Int = 100, queueBytes: Int? = nil, batch: Int = 10, batchBytes: Int? = nil,
        overflow: BatchingWriter<Int>.OverflowPolicy = .dropNewest, retry: RetryPolicy = .never, delay: Duration = .seconds(600)
    ) -> BatchingWriter<Int>.Configuration {
        .init(name: "policy", maxQueueSize: queue, maxQueueBytes: queueBytes, maxBatchSize: batch, maxBatchBytes: batchBytes,
              maxDelay: delay, writeTimeout: .seconds(30), overflow: overflow, retry: retry)
    }

    // MARK: retry

    @Test func backoffGrowsExponentiallyIsCappedAndJittered() {
        let policy = RetryPolicy(maxAttempts: 10, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1), multiplier: 2, jitter: 0.5)
        #expect(policy.delay(afterAttempt: 1, random: 0) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 2, random: 0) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 4, random: 0) == .milliseconds(800))
        #expect(policy.delay(afterAttempt: 5, random: 0) == .seconds(1), "capped")
        #expect(policy.delay(afterAttempt: 60, random: 0) == .seconds(1))
        #expect(policy.delay(afterAttempt: 2, random: 0.999_999) > .milliseconds(100))
        #expect(policy.delay(afterAttempt: 2, random: 1) == .milliseconds(100), "jitter takes at most half")
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(7), random: 0.5) == .seconds(7), "Retry-After replaces the backoff")
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(600), random: 0) == .seconds(60), "capped at maxRetryAfter")
        #expect(RetryPolicy.never.maxAttempts == 1)
    }

    @Test func transientFailuresAreRetriedUntilTheBatchIsWritten() async {
        let destination = FlakyDestination(failing: [Transient(), DestinationError.transient("503")])
        let writer = BatchingWriter(destination: destination, configuration: config(retry: quickRetry))
        for i in 0..<5 { writer.enqueue(i) }
        #expect(await writer.flush(timeout: .seconds(60)))
        #expect(destination.batches == [[0, 1, 2, 3, 4]])
        let counters = writer.counters
        #expect(counters.retries == 2 && counters.written == 5 && counters.failed == 0)
    }

    @Test func aPermanentErrorDropsTheBatchWithoutRetrying() async {
        let destination = FlakyDestination(failing: [DestinationError.permanent("400 bad request")])
        let writer = BatchingWriter(destination: destination, configuration: config(retry: quickRetry))
        for i in 0..<3 { writer.enqueue(i) }
        #expect(await writer.flush(timeout: .seconds(60)))
        for i in 3..<5 { writer.enqueue(i) }
        #expect(await writer.flush(timeout: .seconds(60)))
        #expect(destination.attempts.count == 2)
        #expect(destination.batches == [[3, 4]])
        let counters = writer.counters
        #expect(counters.retries == 0 && counters.failed == 3 && counters.failedBatches == 1 && counters.written == 2)
    }

    @Test func aBatchIsDroppedAfterItsLastTry() async {
        let destination = FlakyDestination(forever: Transient())
        let writer = BatchingWriter(destination: destination, configuration: config(retry: quickRetry))
        for i in 0..<3 { writer.enqueue(i) }
        #expect(await writer.flush(timeout: .seconds(60)))
        #expect(destination.attempts.count == 4)
        let counters = writer.counters
        #expect(counters.retries == 3 && counters.failed == 3 && counters.failedBatches == 1 && counters.dropped == 3)
    }

    @Test func retryAfterIsObeyed() async {
        let destination = FlakyDestination(failing: [DestinationError.transient("429", retryAfter: .milliseconds(300))])
        let writer = BatchingWriter(destination: destination, configuration: config(retry: quickRetry))
        writer.enqueue(1)
        #expect(await writer.flush(timeout: .seconds(60)))
        let attempts = destination.attempts
        #expect(attempts.count == 2)
        if attempts.count == 2 { #expect(attempts[1] - attempts[0] >= .milliseconds(300)) }
    }

    @Test func shutdownCutsABackoffShortAndCountsTheBatchAsFailed() async throws {
        let slow = RetryPolicy(maxAttempts: 10, initialBackoff: .seconds(60), maxBackoff: .seconds(60))
        let destination = FlakyDestination(forever: Transient())
        let writer = BatchingWriter(destination: destination, configuration: config(retry: slow, delay: Self.timer))
        writer.enqueue(1)
        try #require(await eventually { !destination.attempts.isEmpty })
        let clock = ContinuousClock()
        let start = clock.now
        // Retries stop at the deadline; the drain then gives the batch up, just after shutdown returns.
        _ = await writer.shutdown(timeout: .milliseconds(200))
        _ = await eventually { writer.counters.failed > 0 }
        // Generous for a loaded machine or a sanitizer build; the backoff alone would take 60 s.
        #expect(clock.now - start < .seconds(30), "not the 60 s backoff")
        // Two attempts, or one when a slow machine reached the first failure's deadline check after
        // the shutdown's 200 ms had passed.
        #expect(writer.counters.failed == 1 && (1...2).contains(destination.attempts.count))
    }

    // MARK: block

    @Test func blockWaitsForRoomAndLosesNothing() async throws {
        let destination = GatedDestination()
        let writer = BatchingWriter(destination: destination, configuration: config(queue: 4, batch: 4, overflow: .block(timeout: .seconds(60)), delay: Self.timer))
        let producer = Task.detached {
            // Runs on its own thread: it is expected to block.
            try await onOwnThread { for i in 0..<40 { writer.enqueue(i) } }
        }
        try #require(await eventually { destination.started.load(ordering: .relaxed) > 0 })
        try await Task.sleep(for: .milliseconds(50))
        #expect(writer.counters.accepted <= 8, "the producer waits while the destination is stuck")
        destination.gate.open()
        try await producer.value
        #expect(await writer.flush(timeout: .seconds(60)))
        #expect(destination.records == Array(0..<40))
        #expect(writer.counters.dropped == 0)
    }

    @Test func blockGivesUpAfterItsTimeoutAndCountsExactly() async throws {
        let destination = GatedDestination()
        let writer = BatchingWriter(destination: destination, configuration: config(queue: 3, batch: 3, overflow: .block(timeout: .milliseconds(20)), delay: Self.timer))
        writer.enqueue(-1)
        try #require(await eventually { destination.started.load(ordering: .relaxed) > 0 }, "the drain thread holds -1, so the queue has exactly 3 places")
        let results = try await onOwnThread { (0..<5).map { writer.enqueue($0) } }
        #expect(results == [true, true, true, false, false])
        #expect(writer.counters.droppedBlockTimeout == 2)
        destination.gate.open()
        #expect(await writer.flush(timeout: .seconds(60)))
        #expect(destination.records == [-1, 0, 1, 2])
    }

    @Test func manyBlockingProducersEachKeepTheirOrder() async throws {
        let destination = FlakyDestination()
        let writer = BatchingWriter(destination: destination, configuration: config(queue: 16, batch: 8, overflow: .block(timeout: .seconds(60)), delay: Self.timer))
        try await onOwnThread {
            let threads = (0..<4).map { producer in
                Thread { for i in 0..<5000 { writer.enqueue(producer * 100_000 + i) } }
            }
            threads.forEach { $0.start() }
            for _ in 0..<12_000 where writer.counters.accepted < 20_000 { Thread.sleep(forTimeInterval: 0.005) }
        }
        #expect(await writer.flush(timeout: .seconds(60)))
        let records = destination.batches.flatMap { $0 }
        #expect(records.count == 20_000 && writer.counters.dropped == 0)
        for producer in 0..<4 {
            #expect(records.filter { $0 / 100_000 == producer } == (0..<5000).map { producer * 100_000 + $0 })
        }
    }

    // MARK: isolation

    @Test func aSlowDestinationNeverBlocksTheCallerAndEveryRecordIsAccountedFor() async throws {
        let destination = SlowLines(delay: 0.02)
        let writer = BatchingWriter(destination: destination, configuration: .init(
            name: "slow", maxQueueSize: 64, maxBatchSize: 16, maxDelay: .milliseconds(1), retry: .never))
        let clock = ContinuousClock()
        let elapsed = clock.measure { for i in 0..<10_000 { writer.enqueue(LogLine(level: .info, bytes: Array("\(i)\n".utf8))) } }
        // Waiting for the writes would take over 12 s (625 batches of 20 ms).
        #expect(elapsed < .seconds(5), "10,000 enqueues do not wait for 20 ms writes")
        #expect(await writer.flush(timeout: .seconds(60)))
        let counters = writer.counters
        #expect(counters.accepted + counters.droppedQueueFull == 10_000)
        #expect(counters.written == counters.accepted && counters.written == destination.count)
    }

    @Test func aStuckDestinationDoesNotHoldBackAnother() async throws {
        let stuck = GatedLines()
        let healthy = LineBatches()
        let pipeline = Pipeline(serviceName: "s", destinations: [stuck, healthy], writerConfiguration: .init(
            name: "logs", maxQueueSize: 10, maxBatchSize: 5, maxDelay: .milliseconds(1), retry: .never), environment: [:])
        let logger = Logger(label: "l", pipeline: pipeline)
        for i in 0..<100 {
            logger.info("line \(i)")
            if i % 5 == 4 { _ = await pipeline.writers[1].flush(timeout: .seconds(5)) }
        }
        #expect(healthy.sizes.reduce(0, +) == 100, "every line reached the healthy destination")
        let stuckCounters = pipeline.writers[0].counters
        #expect(stuckCounters.accepted + stuckCounters.droppedQueueFull == 100 && stuckCounters.droppedQueueFull > 0)
        stuck.gate.open()
        #expect(await pipeline.shutdown(timeout: .seconds(10)))
    }

    // MARK: bytes

    @Test func batchesAreCutByBytesAndAnOversizedRecordGoesAlone() async {
        let destination = FlakyDestination()
        let writer = BatchingWriter(destination: destination, configuration: config(batch: 100, batchBytes: 250), byteCount: { $0 })
        for size in [100, 100, 100, 1000, 50, 50, 50, 50, 50] { writer.enqueue(size) }
        #expect(await writer.flush(timeout: .seconds(60)))
        #expect(destination.batches.flatMap { $0 } == [100, 100, 100, 1000, 50, 50, 50, 50, 50])
        for batch in destination.batches { #expect(batch.count == 1 || batch.reduce(0, +) <= 250) }
        #expect(destination.batches.contains([1000]))
    }

    @Test func theQueueIsLimitedInBytes() async throws {
        let destination = GatedDestination()
        let writer = BatchingWriter(destination: destination, configuration: config(queue: 1000, queueBytes: 1000, batch: 1000, delay: Self.timer), byteCount: { _ in 100 })
        writer.enqueue(-1)
        try #require(await eventually { destination.started.load(ordering: .relaxed) > 0 })
        for i in 0..<50 { writer.enqueue(i) }
        let counters = writer.counters
        #expect(counters.accepted == 11 && counters.droppedQueueFull == 40, "ten 100-byte records fit in 1000 bytes")
        destination.gate.open()
        #expect(await writer.flush(timeout: .seconds(60)))
        #expect(destination.records == [-1] + Array(0..<10))
    }

    @Test func logLinesAreMeasuredByTheirEncodedLength() async {
        let destination = LineBatches()
        let writer = BatchingWriter(destination: destination, configuration: .init(
            name: "bytes", maxQueueSize: 100, maxBatchSize: 100, maxBatchBytes: 25, maxDelay: .seconds(600)))
        for text in ["0123456789\n", "abcdefghij\n", "klmnopqrst\n"] { writer.enqueue(LogLine(level: .info, bytes: Array(text.utf8))) }
        #expect(await writer.flush(timeout: .seconds(60)))
        #expect(destination.sizes == [2, 1], "two 11-byte lines fit in 25 bytes, three do not")
    }
}

final class LineBatches: SynchronousDestination {
    typealias Record = LogLine
    private let batches = Locked<[Int]>([])
    func writeSynchronously(_ batch: [LogLine]) throws { batches.withLock { $0.append(batch.count) } }
    var sizes: [Int] { batches.withLock { $0 } }
}

final class SlowLines: SynchronousDestination {
    typealias Record = LogLine
    let delay: Double
    private let written = Atomic<Int>(0)
    init(delay: Double) { self.delay = delay }
    func writeSynchronously(_ batch: [LogLine]) throws {
        Thread.sleep(forTimeInterval: delay)
        written.add(batch.count, ordering: .relaxed)
    }
    var count: Int { written.load(ordering: .relaxed) }
}

final class GatedLines: SynchronousDestination {
    typealias Record = LogLine
    let gate = Gate()
    func writeSynchronously(_ batch: [LogLine]) throws { gate.block(atMost: 60) }
}
