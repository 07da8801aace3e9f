import Foundation

extension BatchingWriter {
    /// The queue, the counters and the drain thread's loop.
    final class Core: Sendable {
        struct State {
            var queue: RingBuffer<Record>
            /// Bytes of the records in `queue`.
            var queuedBytes = 0
            var counters = Counters()
            /// Records that left the queue: written, failed or evicted.
            var processed = 0
            /// Flush requests want `processed` to reach this.
            var flushTarget = 0
            /// Producers waiting for room under the `block` policy.
            var blockedProducers = 0
            var shuttingDown = false
            /// Monotonic time after which failed batches are no longer retried (set by shutdown).
            var retryDeadline = UInt64.max
            var stopped = false
        }

        let lock: ConditionLock<State>
        let destination: any Destination<Record>
        /// Runs async writes on the drain thread.
        let executor = DrainExecutor()
        let configuration: Configuration
        let byteCount: @Sendable (Record) -> Int
        /// `byteCount` is the record's own ``ByteCountable/byteCount``: a record's size is known
        /// before it is made (``enqueue(size:making:)``).
        let measuresByteCount: Bool
        /// A producer wakes the sleeping drain thread when the queue reaches this many records, or
        /// ``wakeBytes`` bytes: a batch's worth, or half the queue (at least a batch) with
        /// ``Configuration/wakesAtHalfQueue``. The drain writes batches of at most
        /// ``Configuration/maxBatchSize`` either way, and a flush, a blocked producer, shutdown or
        /// ``Configuration/maxDelay`` wake it as well.
        let wakeCount: Int
        let wakeBytes: Int?

        init(
            destination: any Destination<Record>, configuration: Configuration, byteCount: @escaping @Sendable (Record) -> Int,
            measuresByteCount: Bool = false
        ) {
            self.destination = destination
            self.configuration = configuration
            self.byteCount = byteCount
            self.measuresByteCount = measuresByteCount
            let half = configuration.wakesAtHalfQueue
            self.wakeCount = half ? max(configuration.maxBatchSize, configuration.maxQueueSize / 2) : configuration.maxBatchSize
            self.wakeBytes = configuration.maxBatchBytes.map { batch in
                half ? max(batch, configuration.maxQueueBytes.map { $0 / 2 } ?? batch) : batch
            }
            self.lock = ConditionLock(State(queue: RingBuffer(capacity: configuration.maxQueueSize)))
        }

        private func hasRoom(_ state: State, for size: Int) -> Bool {
            if state.queue.isFull { return false }
            guard let limit = configuration.maxQueueBytes, !state.queue.isEmpty else { return true }
            return state.queuedBytes + size <= limit
        }

        /// Appends the record `initialize` makes in its slot; `true` when the drain thread should be
        /// woken (``wakeCount`` records or ``wakeBytes`` bytes are queued).
        @inline(__always)
        private func append(_ initialize: (UnsafeMutablePointer<Record>) -> Void, size: Int, to state: inout State) -> Bool {
            state.queue.append(initializing: initialize)
            state.queuedBytes += size
            state.counters.accepted += 1
            if state.queue.count == wakeCount { return true }
            if let limit = wakeBytes, state.queuedBytes >= limit, state.queuedBytes - size < limit { return true }
            return false
        }

        private enum Outcome { case accepted(wake: Bool), dropped, mustWait(Duration) }

        func enqueue(_ record: Record) -> Bool {
            enqueue(size: byteCount(record)) { $0.initialize(to: record) }
        }

        /// ``enqueue(_:)`` for a record of `size` (by `byteCount`) that `initialize` makes only once
        /// it is accepted, under the lock, in its (uninitialised) slot of the queue: a large record
        /// (a ``LogLine``) is then written once, not copied on every step of the way.
        @inline(__always)
        func enqueue(size: Int, initializing initialize: (UnsafeMutablePointer<Record>) -> Void) -> Bool {
            let outcome = lock.withLock { state -> Outcome in
                if state.shuttingDown {
                    state.counters.droppedAfterShutdown += 1
                    return .dropped
                }
                if !hasRoom(state, for: size) {
                    switch configuration.overflow {
                    case .dropNewest:
                        state.counters.droppedQueueFull += 1
                        return .dropped
                    case .dropOldest:
                        while !hasRoom(state, for: size), let evicted = state.queue.popFirst() {
                            state.queuedBytes -= byteCount(evicted)
                            state.counters.droppedOldest += 1
                            state.processed += 1
                        }
                    case .block(let timeout):
                        state.blockedProducers += 1
                        return .mustWait(timeout)
                    }
                }
                return .accepted(wake: append(initialize, size: size, to: &state))
            }
            switch outcome {
            case .accepted(let wake):
                if wake { lock.broadcast() }
                return true
            case .dropped:
                return false
            case .mustWait(let timeout):
                return withUnsafeTemporaryAllocation(of: Record.self, capacity: 1) { slot in
                    initialize(slot.baseAddress!)
                    return enqueueWaiting(slot.baseAddress!.move(), size: size, timeout: timeout)
                }
            }
        }

        /// The `block` policy's slow path: waits for the drain thread to take the queue.
        private func enqueueWaiting(_ record: Record, size: Int, timeout: Duration) -> Bool {
            let deadline = SystemTraceClock.monotonicNow() &+ timeout.clampedNanoseconds
            // Waiting producers are woken by the drain thread's broadcast after it takes the queue.
            let (accepted, wake) = lock.withLock(
                waitingUntil: { $0.shuttingDown || self.hasRoom($0, for: size) }, deadline: deadline
            ) { state, _ -> (Bool, Bool) in
                state.blockedProducers -= 1
                if state.shuttingDown {
                    state.counters.droppedAfterShutdown += 1
                    return (false, false)
                }
                guard hasRoom(state, for: size) else {
                    state.counters.droppedBlockTimeout += 1
                    return (false, false)
                }
                return (true, append({ $0.initialize(to: record) }, size: size, to: &state))
            }
            if wake { lock.broadcast() }
            return accepted
        }

        // Specialised for log lines: unspecialised, every record moved out of the queue looks up
        // the ring buffer's generic metadata.
        @_specialize(where Record == LogLine)
        func drainLoop() {
            let maxDelay = configuration.maxDelay.clampedNanoseconds
            let maxBatch = configuration.maxBatchSize
            let maxBatchBytes = configuration.maxBatchBytes ?? .max
            // The drain's own queue: under the lock it is swapped with the shared one (O(1)), and
            // batches are cut from it outside the lock, so producers never wait behind a copy.
            var taken = RingBuffer<Record>(capacity: configuration.maxQueueSize)
            while true {
                // Wait for a full batch, a flush or shutdown with records queued, a blocked
                // producer, shutdown with an empty queue (then exit), or the delay (then take
                // whatever is queued).
                let (exit, wakeProducers): (Bool, Bool) = lock.withLock(
                    waitingUntil: { state in
                        let count = state.queue.count
                        return count >= maxBatch || state.queuedBytes >= maxBatchBytes || state.shuttingDown
                            || (count > 0 && (state.flushTarget > state.processed || state.blockedProducers > 0))
                    },
                    deadline: SystemTraceClock.monotonicNow() &+ maxDelay
                ) { state, _ in
                    if state.queue.isEmpty { return (state.shuttingDown, false) }
                    swap(&state.queue, &taken)
                    state.queuedBytes = 0
                    return (false, state.blockedProducers > 0)
                }
                if exit { break }
                if wakeProducers { lock.broadcast() }
                while !taken.isEmpty {
                    deliver(taken.popFirst(max: maxBatch, maxBytes: maxBatchBytes, byteCount: byteCount))
                }
            }
            executor.close()
            lock.withLock { $0.stopped = true }
            lock.broadcast()
        }

        /// Writes one batch, retrying transient failures with backoff, and counts the outcome.
        private func deliver(_ batch: [Record]) {
            let retry = configuration.retry
            var attempt = 1
            while true {
                guard let error = write(batch) else {
                    finish(batch.count, written: true)
                    return
                }
                let classified = error as? any RetryClassifiable
                let transient = classified?.isTransient ?? true
                let pastDeadline = lock.withLock { SystemTraceClock.monotonicNow() >= $0.retryDeadline }
                if !transient || attempt >= retry.maxAttempts || pastDeadline {
                    finish(batch.count, written: false)
                    let why = !transient ? "" : attempt > 1 ? " after \(attempt) tries" : ""
                    Diagnostics.report("destination \"\(configuration.name)\" failed to write a batch\(why): \(error) (its records are counted as failed in the writer's counters)")
                    return
                }
                let delay = retry.delay(afterAttempt: attempt, retryAfter: classified?.retryAfter, random: Double.random(in: 0..<1))
                lock.withLock { $0.counters.retries += 1 }
                Diagnostics.report("destination \"\(configuration.name)\" failed to write a batch: \(error); retrying with backoff")
                sleep(for: delay)
                attempt += 1
            }
        }

        private func finish(_ count: Int, written: Bool) {
            lock.withLock { state in
                state.processed += count
                if written {
                    state.counters.written += count
                } else {
                    state.counters.failed += count
                    state.counters.failedBatches += 1
                }
            }
            lock.broadcast()
        }

        /// Waits out a backoff delay, cut short at the shutdown's retry deadline.
        private func sleep(for delay: Duration) {
            let end = SystemTraceClock.monotonicNow() &+ delay.clampedNanoseconds
            // Until shutdown begins (it sets the retry deadline) or the delay ends; then, if
            // shutdown began, until the earlier of the delay's end and its deadline.
            let cap = lock.withLock(waitingUntil: { $0.retryDeadline != .max }, deadline: end) { state, _ in state.retryDeadline }
            if cap != .max {
                lock.withLock(waitingUntil: { _ in false }, deadline: min(end, cap)) { _, _ in }
            }
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

        /// Stops accepting records; failed batches are retried until `timeout` from now, no later.
        func beginShutdown(timeout: Duration) {
            let deadline = SystemTraceClock.monotonicNow() &+ timeout.clampedNanoseconds
            lock.withLock { state in
                state.shuttingDown = true
                state.retryDeadline = min(state.retryDeadline, deadline)
            }
            lock.broadcast()
        }

        func shutdown(timeout: Duration) -> Bool {
            beginShutdown(timeout: timeout)
            let deadline = SystemTraceClock.monotonicNow() &+ timeout.clampedNanoseconds
            return lock.withLock(waitingUntil: { $0.stopped }, deadline: deadline) { state, _ in state.stopped }
        }
    }
}
