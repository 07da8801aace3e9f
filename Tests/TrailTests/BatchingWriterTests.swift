import Foundation
import Synchronization
import Testing
@testable import Trail
import TrailTesting

/// A destination that records batches and can be told to fail or to stall.
final class ScriptedDestination: Destination {
    enum Mode { case ok, fail, stall }
    struct Failure: Error {}

    private let state = Locked<(batches: [[Int]], mode: Mode)>(([], .ok))
    /// While stalled, writes wait until `release()` (bounded by the writer's write timeout).
    private let gate = Locked(false)

    func setMode(_ mode: Mode) { state.withLock { $0.mode = mode } }
    var batches: [[Int]] { state.withLock { $0.batches } }
    var records: [Int] { batches.flatMap { $0 } }

    func write(_ batch: [Int]) async throws {
        let mode = state.withLock { $0.mode }
        switch mode {
        case .ok: state.withLock { $0.batches.append(batch) }
        case .fail: throw Failure()
        case .stall:
            // Stalls until released (bounded: a minute, far beyond any test that stalls it).
            _ = await eventually(within: .seconds(60)) { gate.withLock { $0 } }
            state.withLock { $0.batches.append(batch) }
        }
    }

    func release() { gate.withLock { $0 = true } }
}

@Suite struct BatchingWriterTests {
    func writer(
        _ destination: ScriptedDestination, queue: Int = 100, batch: Int = 10, delay: Duration = .seconds(60),
        timeout: Duration = .seconds(30), overflow: BatchingWriter<Int>.OverflowPolicy = .dropNewest,
        retry: RetryPolicy = .never
    ) -> BatchingWriter<Int> {
        BatchingWriter(destination: destination, configuration: .init(
            name: "test", maxQueueSize: queue, maxBatchSize: batch, maxDelay: delay, writeTimeout: timeout, overflow: overflow,
            retry: retry))
    }

    @Test func fullBatchesAreWrittenWithoutWaitingForTheDelay() async throws {
        let destination = ScriptedDestination()
        let writer = writer(destination, batch: 10, delay: .seconds(60))
        for i in 0..<30 { writer.enqueue(i) }
        // Whenever 10 are queued they go out; the drain may also write the tail of what it took
        // as a shorter batch, and up to 9 may wait for the delay.
        _ = await eventually { writer.counters.written >= 21 }
        let records = destination.records
        #expect(records.count >= 21 && records == Array(0..<records.count))
        #expect(destination.batches.allSatisfy { $0.count <= 10 })
        #expect(await writer.shutdown(timeout: .seconds(5)))
    }

    @Test func aLogWriterWakesAtHalfItsQueueAndStillWritesBatchesOfAtMostMaxBatchSize() async throws {
        var configuration = BatchingWriter<Int>.Configuration(name: "half", maxQueueSize: 100, maxBatchSize: 10, maxDelay: .seconds(600))
        configuration.wakesAtHalfQueue = true
        let destination = ScriptedDestination()
        let writer = BatchingWriter(destination: destination, configuration: configuration)
        #expect(writer.core.wakeCount == 50)
        for i in 0..<50 { writer.enqueue(i) }
        // The 50th record wakes the drain: no flush, no delay.
        #expect(await eventually { writer.counters.written == 50 })
        #expect(destination.records == Array(0..<50))
        #expect(destination.batches.allSatisfy { $0.count <= 10 })
        #expect(await writer.shutdown(timeout: .seconds(5)))
    }

    @Test func logWritersWakeAtHalfTheQueueAndSpanWritersAtEveryBatch() async {
        let logs = BatchingWriter(destination: InMemoryLogDestination(), configuration: .logDefaults)
        #expect(logs.core.wakeCount == 2048 && logs.core.wakeBytes == 4 << 20)
        let spans = BatchingWriter(destination: InMemorySpanExporter(), configuration: .spanDefaults(environment: [:]))
        #expect(spans.core.wakeCount == 512 && spans.core.wakeBytes == nil)
        var custom = BatchingWriter<LogLine>.Configuration.logDefaults
        custom.maxQueueSize = 600  // half of it is less than a batch: a batch it is
        let small = BatchingWriter(destination: InMemoryLogDestination(), configuration: custom)
        #expect(small.core.wakeCount == 512)
        for writer in [logs, small] { _ = await writer.shutdown(timeout: .seconds(5)) }
        _ = await spans.shutdown(timeout: .seconds(5))
    }

    @Test func aPartialBatchIsWrittenAfterTheDelay() async throws {
        let destination = ScriptedDestination()
        let writer = writer(destination, batch: 100, delay: .milliseconds(50))
        for i in 0..<3 { writer.enqueue(i) }
        _ = await eventually { writer.counters.written >= 3 }
        #expect(destination.batches == [[0, 1, 2]])
        #expect(writer.counters.written == 3)
    }

    @Test func flushWritesEverythingAcceptedBeforeIt() async {
        let destination = ScriptedDestination()
        let writer = writer(destination, batch: 7)
        for i in 0..<50 { writer.enqueue(i) }
        #expect(await writer.flush(timeout: .seconds(5)))
        #expect(destination.records == Array(0..<50))
        #expect(writer.counters.written == 50)
    }

    @Test func shutdownDrainsTheQueueAndLaterRecordsAreCountedAsDropped() async {
        let destination = ScriptedDestination()
        let writer = writer(destination, queue: 1000, batch: 64)
        for i in 0..<500 { writer.enqueue(i) }
        #expect(await writer.shutdown(timeout: .seconds(5)))
        #expect(destination.records == Array(0..<500))
        #expect(!writer.enqueue(501))
        let counters = writer.counters
        #expect(counters.accepted == 500 && counters.written == 500 && counters.droppedAfterShutdown == 1)
    }

    @Test func whenTheDestinationIsStuckDropNewestCountsExactlyTheOverflowAndNeverBlocks() async throws {
        let destination = ScriptedDestination()
        destination.setMode(.stall)
        let writer = writer(destination, queue: 20, batch: 5, delay: .milliseconds(1))
        writer.enqueue(-1)
        // Wait until the first record is in flight (the stalled write holds it).
        try #require(await eventually { isDrained(writer) })
        let clock = ContinuousClock()
        let elapsed = clock.measure { for i in 0..<1000 { writer.enqueue(i) } }
        // The stalled write never ends on its own: a waiting enqueue would not return at all.
        #expect(elapsed < .seconds(10), "enqueue never waits for the destination")
        let counters = writer.counters
        #expect(counters.accepted == 1 + 20)
        #expect(counters.droppedQueueFull == 1000 - 20)
        destination.setMode(.ok)
        destination.release()
        #expect(await writer.flush(timeout: .seconds(10)))
        #expect(destination.records == [-1] + Array(0..<20))
    }

    @Test func dropOldestKeepsTheNewestRecordsAndCountsTheEvicted() async throws {
        let destination = ScriptedDestination()
        destination.setMode(.stall)
        let writer = writer(destination, queue: 10, batch: 10, delay: .milliseconds(1), overflow: .dropOldest)
        writer.enqueue(-1)
        try #require(await eventually { isDrained(writer) })
        for i in 0..<100 { writer.enqueue(i) }
        destination.setMode(.ok)
        destination.release()
        #expect(await writer.flush(timeout: .seconds(10)))
        #expect(destination.records == [-1] + Array(90..<100))
        let counters = writer.counters
        #expect(counters.droppedOldest == 90)
        #expect(counters.accepted == counters.written + counters.droppedOldest)
    }

    @Test func aFailingDestinationCountsFailedBatchesAndTheWriterKeepsGoing() async {
        let destination = ScriptedDestination()
        destination.setMode(.fail)
        let writer = writer(destination, batch: 10)
        for i in 0..<25 { writer.enqueue(i) }
        #expect(await writer.flush(timeout: .seconds(5)))
        var counters = writer.counters
        // 3 batches of at most 10, or more when the drain takes the queue between enqueues.
        #expect(counters.failed == 25 && counters.failedBatches >= 3 && counters.written == 0)
        destination.setMode(.ok)
        for i in 0..<5 { writer.enqueue(i) }
        #expect(await writer.flush(timeout: .seconds(5)))
        counters = writer.counters
        #expect(counters.written == 5 && counters.accepted == 30)
    }

    @Test func aHangingWriteTimesOutAndIsCountedAsFailed() async {
        let destination = ScriptedDestination()
        destination.setMode(.stall)
        let writer = writer(destination, batch: 5, timeout: .milliseconds(100))
        for i in 0..<5 { writer.enqueue(i) }
        #expect(await writer.flush(timeout: .seconds(5)))
        #expect(writer.counters.failedBatches == 1)
        destination.release()
    }

    @Test func flushGivesUpAtItsDeadlineWhenTheDestinationIsStuck() async {
        let destination = ScriptedDestination()
        destination.setMode(.stall)
        let writer = writer(destination, batch: 5, timeout: .seconds(30))
        for i in 0..<5 { writer.enqueue(i) }
        let clock = ContinuousClock()
        let start = clock.now
        #expect(await writer.flush(timeout: .milliseconds(100)) == false)
        // Far below the 30 s write timeout it must not wait for (generous: the suite shares 2 cores
        // with the 8-producer file test).
        #expect(clock.now - start < .seconds(20))
        destination.release()
        #expect(await writer.flush(timeout: .seconds(10)))
    }

    @Test func theBatchSpanProcessorExportsSampledSpansInBatches() async throws {
        let exporter = InMemorySpanExporter()
        let processor = BatchSpanProcessor(exporter: exporter, configuration: .init(name: "spans", maxQueueSize: 100, maxBatchSize: 8))
        let tracer = Tracer(resource: .detect(serviceName: "b"), processors: [processor])
        for i in 0..<20 { tracer.withSpan("op", attributes: ["i": .int(i)]) { _ in } }
        let unsampled = Tracer(resource: .detect(serviceName: "b"), sampler: .alwaysOff, processors: [processor])
        unsampled.withSpan("dropped") { _ in }
        #expect(await tracer.forceFlush())
        #expect(exporter.spans.count == 20)
        #expect(exporter.batches.allSatisfy { $0 <= 8 })
        #expect(await tracer.shutdown())
        tracer.withSpan("late") { _ in }
        #expect(processor.writer.counters.droppedAfterShutdown == 1)
    }

    @Test func spanDefaultsComeFromTheOTELBSPVariables() {
        let config = BatchingWriter<SpanData>.Configuration.spanDefaults(environment: [
            "OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_EXPORT_TIMEOUT": "1000",
            "OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "",
        ])
        #expect(config.maxDelay == .milliseconds(250))
        #expect(config.writeTimeout == .seconds(1))
        #expect(config.maxQueueSize == 100)
        #expect(config.maxBatchSize == 100, "512 is capped at the queue size")
        let bad = BatchingWriter<SpanData>.Configuration.spanDefaults(environment: ["OTEL_BSP_MAX_QUEUE_SIZE": "lots"])
        #expect(bad.maxQueueSize == 2048)
    }

    @Test func anAsyncDestinationIsWrittenEvenWhileTheCooperativePoolIsBlocked() async throws {
        let destination = ScriptedDestination()  // its `write` is async
        let writer = writer(destination, batch: 10)
        // Occupy every thread of the pool (more blockers than threads) until released, at most 10 s.
        let gate = Gate()
        let blockers = (0..<ProcessInfo.processInfo.activeProcessorCount * 4).map { _ in
            Task.detached { gate.block(atMost: 10) }
        }
        let (flushed, elapsed) = try await onOwnThread { () -> (Bool, Duration) in
            defer { gate.open() }
            blockThisThread(seconds: 0.2)  // let the blockers take the pool
            for i in 0..<25 { writer.enqueue(i) }
            let clock = ContinuousClock()
            let start = clock.now
            // Shorter than the blockers' 10 s: a write that needed the pool could not finish in time.
            let ok = writer.flushBlocking(timeout: .seconds(8))
            return (ok, clock.now - start)
        }
        for blocker in blockers { await blocker.value }
        #expect(flushed, "written while the pool was blocked")
        #expect(elapsed < .seconds(8))
        #expect(destination.records == Array(0..<25))
    }

    @Test func aWriteThatTimedOutStillFinishesAfterShutdown() async throws {
        // The write waits for an answer that comes only after the writer gave up on it and shut
        // down; its remaining work must still run (and free its batch), not wait forever for the
        // drain thread that is gone.
        let destination = LateAnswerDestination()
        let writer = BatchingWriter(destination: destination, configuration: .init(
            name: "late", maxQueueSize: 10, maxBatchSize: 1, maxDelay: .milliseconds(1), writeTimeout: .milliseconds(50), retry: .never))
        writer.enqueue(1)
        try #require(await eventually { writer.counters.failed == 1 }, "the write timed out")
        #expect(await writer.shutdown(timeout: .seconds(5)))
        destination.answer()
        #expect(await eventually(within: .seconds(10)) { destination.finished.load(ordering: .acquiring) },
                "the rest of the write ran after the drain thread stopped")
    }

    /// `true` once nothing is queued (records may still be in flight).
    private func isDrained(_ writer: BatchingWriter<Int>) -> Bool {
        writer.counters.accepted > 0 && writer.queuedCount == 0
    }
}

/// A destination whose write waits for ``answer()`` (a server that answers late).
final class LateAnswerDestination: Destination {
    typealias Record = Int
    private let waiting = Locked<CheckedContinuation<Void, Never>?>(nil)
    private let answered = Atomic<Bool>(false)
    let finished = Atomic<Bool>(false)

    func write(_ batch: [Int]) async throws {
        await withCheckedContinuation { continuation in
            let now = waiting.withLock { slot -> Bool in
                if answered.load(ordering: .acquiring) { return true }
                slot = continuation
                return false
            }
            if now { continuation.resume() }
        }
        finished.store(true, ordering: .releasing)
    }

    func answer() {
        let continuation = waiting.withLock { slot -> CheckedContinuation<Void, Never>? in
            answered.store(true, ordering: .releasing)
            defer { slot = nil }
            return slot
        }
        continuation?.resume()
    }
}

/// Blocks the calling thread (deliberately, to occupy a thread of the cooperative pool).
func blockThisThread(seconds: Double) { Thread.sleep(forTimeInterval: seconds) }

/// Holds threads until it is opened.
final class Gate: Sendable {
    private let isOpen = Atomic<Bool>(false)

    func open() { isOpen.store(true, ordering: .releasing) }

    /// Blocks the calling thread until the gate opens, or for `atMost` seconds.
    func block(atMost seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while !isOpen.load(ordering: .acquiring) && Date() < deadline { blockThisThread(seconds: 0.005) }
    }
}
