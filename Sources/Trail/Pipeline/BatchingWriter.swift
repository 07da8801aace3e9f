import Foundation

/// The one queue-and-batch mechanism behind every destination.
///
/// Producers call ``enqueue(_:)`` from any thread or task: it takes a lock, appends to a
/// preallocated ring buffer and returns; it never waits for the destination. A dedicated thread
/// drains the queue in batches (cut by count or by ``Configuration/maxDelay``) and hands each batch to
/// the ``Destination``. A slow or failing destination fills only its own queue; past the limit,
/// records are dropped by the ``Configuration/overflow`` policy and counted.
///
/// ``flush(timeout:)`` and ``shutdown(timeout:)`` drain everything accepted before they were
/// called, within a deadline, and a normal process exit flushes every writer (at most 2 s each).
public final class BatchingWriter<Record: Sendable>: Sendable, ExitFlushable {
    /// What to do with a record when the queue is full.
    public enum OverflowPolicy: Sendable, Hashable {
        /// Keep the queue, drop the new record.
        case dropNewest
        /// Drop the oldest queued record to make room for the new one.
        case dropOldest
    }

    public struct Configuration: Sendable, Hashable {
        /// Names the drain thread and the writer in diagnostics.
        public var name: String
        /// Records held at most; past it, ``overflow`` applies.
        public var maxQueueSize: Int
        /// Records per batch at most.
        public var maxBatchSize: Int
        /// A batch is written at the latest this long after its first record arrived.
        public var maxDelay: Duration
        /// A `write` that takes longer counts as failed (the drain moves on).
        public var writeTimeout: Duration
        public var overflow: OverflowPolicy

        public init(
            name: String, maxQueueSize: Int = 2048, maxBatchSize: Int = 512, maxDelay: Duration = .seconds(1),
            writeTimeout: Duration = .seconds(30), overflow: OverflowPolicy = .dropNewest
        ) {
            self.name = name
            self.maxQueueSize = max(1, maxQueueSize)
            self.maxBatchSize = max(1, min(maxBatchSize, self.maxQueueSize))
            self.maxDelay = maxDelay
            self.writeTimeout = writeTimeout
            self.overflow = overflow
        }
    }

    /// What happened to the records, readable at any time.
    /// `accepted == written + failed + droppedOverflowOldest + (still queued or in flight)`.
    public struct Counters: Sendable, Hashable {
        /// Records that entered the queue.
        public var accepted = 0
        /// Records in batches the destination wrote.
        public var written = 0
        /// Records refused because the queue was full (``OverflowPolicy/dropNewest``).
        public var droppedQueueFull = 0
        /// Queued records evicted to make room (``OverflowPolicy/dropOldest``).
        public var droppedOldest = 0
        /// Records offered after shutdown.
        public var droppedAfterShutdown = 0
        /// Records in batches the destination failed to write.
        public var failed = 0
        /// Batches the destination failed to write (threw or timed out).
        public var failedBatches = 0

        /// Every record lost for any reason.
        public var dropped: Int { droppedQueueFull + droppedOldest + droppedAfterShutdown + failed }
    }

    let core: Core

    public init(destination: some Destination<Record>, configuration: Configuration) {
        core = Core(destination: destination, configuration: configuration)
        let core = core
        let thread = Thread { core.drainLoop() }
        thread.name = "trail.\(configuration.name)"
        thread.start()
        ExitFlush.register(self)
    }

    deinit {
        // Nobody can enqueue any more: let the drain thread write what is queued and exit.
        core.beginShutdown()
    }

    public var configuration: Configuration { core.configuration }

    /// Queues `record`; returns `false` if it was dropped (queue full under `dropNewest`, or after
    /// shutdown). Never blocks on the destination.
    @discardableResult
    public func enqueue(_ record: Record) -> Bool { core.enqueue(record) }

    public var counters: Counters { core.lock.withLock { $0.counters } }

    /// Records waiting in the queue now. Records the drain thread has taken and is writing are not
    /// counted: up to ``Configuration/maxQueueSize`` more may be in flight.
    public var queuedCount: Int { core.lock.withLock { $0.queue.count } }

    /// Waits until every record accepted before this call has been written (or failed), or until
    /// `timeout` passes. Returns `false` on timeout. Blocks the calling thread: from async code use
    /// ``flush(timeout:)``.
    public func flushBlocking(timeout: Duration) -> Bool { core.flush(timeout: timeout) }

    /// Writes out everything accepted before this call; `false` if `timeout` passed first.
    public func flush(timeout: Duration) async -> Bool {
        await Core.offCooperativePool { self.core.flush(timeout: timeout) }
    }

    /// Stops accepting records, drains the queue, stops the thread and shuts the destination down.
    /// Returns `false` if that took longer than `timeout` (the queue keeps draining afterwards).
    public func shutdown(timeout: Duration) async -> Bool {
        let drained = await Core.offCooperativePool { self.core.shutdown(timeout: timeout) }
        if drained { await core.destination.shutdown() }
        return drained
    }
}

extension BatchingWriter {
    final class Core: Sendable {
        struct State {
            var queue: RingBuffer<Record>
            var counters = Counters()
            /// Records that left the queue: written, failed or evicted.
            var processed = 0
            /// Flush requests want `processed` to reach this.
            var flushTarget = 0
            var shuttingDown = false
            var stopped = false
        }

        let lock: ConditionLock<State>
        let destination: any Destination<Record>
        /// Runs async writes on the drain thread.
        let executor = DrainExecutor()
        let configuration: Configuration

        init(destination: any Destination<Record>, configuration: Configuration) {
            self.destination = destination
            self.configuration = configuration
            self.lock = ConditionLock(State(queue: RingBuffer(capacity: configuration.maxQueueSize)))
        }

        func enqueue(_ record: Record) -> Bool {
            let (accepted, wake) = lock.withLock { state -> (Bool, Bool) in
                if state.shuttingDown {
                    state.counters.droppedAfterShutdown += 1
                    return (false, false)
                }
                if state.queue.isFull {
                    switch configuration.overflow {
                    case .dropNewest:
                        state.counters.droppedQueueFull += 1
                        return (false, false)
                    case .dropOldest:
                        _ = state.queue.popFirst()
                        state.counters.droppedOldest += 1
                        state.processed += 1
                    }
                }
                state.queue.append(record)
                state.counters.accepted += 1
                return (true, state.queue.count == configuration.maxBatchSize)
            }
            if wake { lock.broadcast() }
            return accepted
        }

        func drainLoop() {
            let maxDelay = configuration.maxDelay.clampedNanoseconds
            let maxBatch = configuration.maxBatchSize
            // The drain's own queue: under the lock it is swapped with the shared one (O(1)), and
            // batches are cut from it outside the lock, so producers never wait behind a copy.
            var taken = RingBuffer<Record>(capacity: configuration.maxQueueSize)
            while true {
                // Wait for a full batch, a flush or shutdown with records queued, shutdown with an
                // empty queue (then exit), or the delay (then take whatever is queued).
                let exit: Bool = lock.withLock(
                    waitingUntil: { state in
                        let count = state.queue.count
                        return count >= maxBatch || state.shuttingDown || (count > 0 && state.flushTarget > state.processed)
                    },
                    deadline: SystemTraceClock.monotonicNow() &+ maxDelay
                ) { state, _ in
                    if state.queue.isEmpty { return state.shuttingDown }
                    swap(&state.queue, &taken)
                    return false
                }
                if exit { break }
                while !taken.isEmpty {
                    let batch = taken.popFirst(max: maxBatch)
                    let error = write(batch)
                    lock.withLock { state in
                        state.processed += batch.count
                        if error == nil {
                            state.counters.written += batch.count
                        } else {
                            state.counters.failed += batch.count
                            state.counters.failedBatches += 1
                        }
                    }
                    lock.broadcast()
                    if let error {
                        Diagnostics.report("destination \"\(configuration.name)\" failed to write a batch: \(error) (failed records are counted in its writer's counters)")
                    }
                }
            }
            lock.withLock { $0.stopped = true }
            lock.broadcast()
        }

        /// Writes a batch: directly for a ``SynchronousDestination``, otherwise by running the async
        /// `write` as a task whose jobs this thread runs (``DrainExecutor``), within the write timeout.
        private func write(_ batch: [Record]) -> (any Error)? {
            if let synchronous = destination as? any SynchronousDestination<Record> {
                do {
                    try synchronous.writeSynchronously(batch)
                    return nil
                } catch {
                    return error
                }
            }
            let destination = self.destination
            let deadline = SystemTraceClock.monotonicNow() &+ configuration.writeTimeout.clampedNanoseconds
            guard let outcome = executor.run(deadline: deadline, { try await destination.write(batch) }) else {
                return WriteTimedOut(timeout: configuration.writeTimeout)
            }
            return outcome
        }

        func flush(timeout: Duration) -> Bool {
            let deadline = SystemTraceClock.monotonicNow() &+ timeout.clampedNanoseconds
            let target = lock.withLock { state in
                state.flushTarget = max(state.flushTarget, state.counters.accepted)
                return state.counters.accepted
            }
            lock.broadcast()
            return lock.withLock(waitingUntil: { $0.processed >= target || $0.stopped }, deadline: deadline) { state, _ in
                state.processed >= target
            }
        }

        func beginShutdown() {
            lock.withLock { $0.shuttingDown = true }
            lock.broadcast()
        }

        func shutdown(timeout: Duration) -> Bool {
            beginShutdown()
            let deadline = SystemTraceClock.monotonicNow() &+ timeout.clampedNanoseconds
            return lock.withLock(waitingUntil: { $0.stopped }, deadline: deadline) { state, _ in state.stopped }
        }

        /// Runs blocking `work` on a thread of its own. Not on a Dispatch global queue: on Linux those
        /// share their (core-count wide) pool with Swift's cooperative executor, so a blocked wait
        /// there can starve the very write it waits for.
        static func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
            await withCheckedContinuation { continuation in
                let thread = Thread { continuation.resume(returning: work()) }
                thread.name = "trail.wait"
                thread.start()
            }
        }
    }
}

/// A destination's `write` did not return within the writer's `writeTimeout`.
public struct WriteTimedOut: Error, CustomStringConvertible {
    public let timeout: Duration
    public var description: String { "write did not finish within \(timeout)" }
}
