import Foundation

/// The one queue-and-batch mechanism behind every destination.
///
/// Producers call ``enqueue(_:)`` from any thread or task: it takes a lock, appends to a
/// preallocated ring buffer and returns; under the drop policies it never waits for the
/// destination. A dedicated thread drains the queue in batches (cut by count, by bytes, or by
/// ``Configuration/maxDelay``) and hands each batch to the ``Destination``. A failed batch is
/// retried with backoff (``RetryPolicy``). A slow or failing destination fills only its own queue;
/// past the limits, records are dropped by the ``Configuration/overflow`` policy and counted.
///
/// ``flush(timeout:)`` and ``shutdown(timeout:)`` drain everything accepted before they were
/// called, within a deadline, and a normal process exit flushes every writer (at most 2 s each).
///
/// Memory: the queue holds at most ``Configuration/maxQueueSize`` records (and
/// ``Configuration/maxQueueBytes``); the drain thread may hold as many again that it took from the
/// queue and is writing.
public final class BatchingWriter<Record: Sendable>: Sendable, ExitFlushable {
    /// What to do with a record when the queue is full.
    public enum OverflowPolicy: Sendable, Hashable {
        /// Keep the queue, drop the new record (``Counters/droppedQueueFull``).
        case dropNewest
        /// Drop the oldest queued records to make room for the new one (``Counters/droppedOldest``).
        case dropOldest
        /// Make the caller wait for room, at most `timeout`, then drop the new record
        /// (``Counters/droppedBlockTimeout``). The wait stalls the calling thread, a Swift
        /// concurrency thread included: choose it when losing lines is worse than slowing down.
        case block(timeout: Duration)
    }

    public struct Configuration: Sendable, Hashable {
        /// Names the drain thread and the writer in diagnostics.
        public var name: String
        /// Records held at most; past it, ``overflow`` applies.
        public var maxQueueSize: Int
        /// Bytes held at most (by the record's ``ByteCountable/byteCount``), or `nil` for no byte
        /// limit. A single record larger than the limit is still taken into an empty queue.
        public var maxQueueBytes: Int?
        /// Records per batch at most.
        public var maxBatchSize: Int
        /// Bytes per batch at most, or `nil`; a record larger than this goes out alone.
        public var maxBatchBytes: Int?
        /// A batch is written at the latest this long after its first record arrived.
        public var maxDelay: Duration
        /// A `write` that takes longer counts as failed (and is retried, as a transient failure).
        public var writeTimeout: Duration
        public var overflow: OverflowPolicy
        public var retry: RetryPolicy
        /// Whether producers wake the sleeping drain thread only once half the queue is filled (at
        /// least a batch) instead of at every full batch: a busy logger then pays for a quarter of
        /// the wake-ups (each a futex call and, in a VM, an inter-processor interrupt), and a line
        /// still goes out within ``maxDelay``. Set by ``logDefaults``; span writers keep the batch
        /// processor's rule (export when a batch is full).
        var wakesAtHalfQueue = false

        public init(
            name: String, maxQueueSize: Int = 2048, maxQueueBytes: Int? = nil, maxBatchSize: Int = 512,
            maxBatchBytes: Int? = nil, maxDelay: Duration = .seconds(1), writeTimeout: Duration = .seconds(30),
            overflow: OverflowPolicy = .dropNewest, retry: RetryPolicy = .default
        ) {
            self.name = name
            self.maxQueueSize = max(1, maxQueueSize)
            let queueBytes = maxQueueBytes.map { max(1, $0) }
            self.maxQueueBytes = queueBytes
            self.maxBatchSize = max(1, min(maxBatchSize, self.maxQueueSize))
            self.maxBatchBytes = maxBatchBytes.map { max(1, min($0, queueBytes ?? .max)) }
            self.maxDelay = maxDelay
            self.writeTimeout = writeTimeout
            self.overflow = overflow
            self.retry = retry
        }
    }

    /// What happened to the records, readable at any time. Every accepted record ends up written,
    /// failed or evicted: `accepted == written + failed + droppedOldest + (queued or in flight)`.
    public struct Counters: Sendable, Hashable {
        /// Records that entered the queue.
        public var accepted = 0
        /// Records in batches the destination wrote.
        public var written = 0
        /// Records refused because the queue was full (``OverflowPolicy/dropNewest``).
        public var droppedQueueFull = 0
        /// Queued records evicted to make room (``OverflowPolicy/dropOldest``).
        public var droppedOldest = 0
        /// Records refused after waiting for room in vain (``OverflowPolicy/block(timeout:)``).
        public var droppedBlockTimeout = 0
        /// Records offered after shutdown began.
        public var droppedAfterShutdown = 0
        /// Records in batches given up on: a permanent error, or every retry failed.
        public var failed = 0
        /// Batches given up on.
        public var failedBatches = 0
        /// Write attempts that were retries of a failed batch.
        public var retries = 0

        /// Every record lost, for any reason.
        public var dropped: Int { droppedQueueFull + droppedOldest + droppedBlockTimeout + droppedAfterShutdown + failed }
    }

    let core: Core

    /// A writer for records that know their size: ``Configuration/maxQueueBytes`` and
    /// ``Configuration/maxBatchBytes`` apply.
    public convenience init(destination: some Destination<Record>, configuration: Configuration) where Record: ByteCountable {
        self.init(destination: destination, configuration: configuration, byteCount: { $0.byteCount }, measuresByteCount: true)
    }

    /// A writer whose byte limits measure records with `byteCount`.
    public convenience init(destination: some Destination<Record>, configuration: Configuration, byteCount: @escaping @Sendable (Record) -> Int) {
        self.init(destination: destination, configuration: configuration, byteCount: byteCount, measuresByteCount: false)
    }

    private init(
        destination: some Destination<Record>, configuration: Configuration, byteCount: @escaping @Sendable (Record) -> Int,
        measuresByteCount: Bool
    ) {
        core = Core(destination: destination, configuration: configuration, byteCount: byteCount, measuresByteCount: measuresByteCount)
        let core = core
        let thread = Thread { core.drainLoop() }
        thread.name = "trail.\(configuration.name)"
        thread.start()
        ExitFlush.register(self)
    }

    /// A writer for records without a size: only the count limits apply.
    public convenience init(destination: some Destination<Record>, configuration: Configuration) {
        self.init(destination: destination, configuration: configuration, byteCount: { _ in 0 })
    }

    deinit {
        // Nobody can enqueue any more: let the drain thread write what is queued and exit.
        core.beginShutdown(timeout: .seconds(2))
    }

    public var configuration: Configuration { core.configuration }

    /// Queues `record`; returns `false` if it was dropped (queue full, a `block` wait that timed
    /// out, or after shutdown). Never waits for the destination, except under
    /// ``OverflowPolicy/block(timeout:)``.
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
        await BlockingWork.run(name: "trail.wait") { self.core.flush(timeout: timeout) }
    }

    /// Stops accepting records, drains the queue, stops the thread and shuts the destination down.
    /// Failed batches are retried until `timeout`, not after. Returns `false` if draining took
    /// longer than `timeout` (the queue keeps draining afterwards, one try per batch).
    public func shutdown(timeout: Duration) async -> Bool {
        let drained = await BlockingWork.run(name: "trail.wait") { self.core.shutdown(timeout: timeout) }
        if drained { await core.destination.shutdown() }
        return drained
    }
}

/// A record that knows how many bytes it stands for (a log line's encoded length), so that a
/// ``BatchingWriter`` can limit its queue and its batches in bytes.
public protocol ByteCountable {
    var byteCount: Int { get }
}

extension LogLine: ByteCountable {}

extension BatchingWriter.Core where Record == LogLine {
    /// Queues the line of `bytes`, copied once, into the queue (``BatchingWriter/enqueue(_:)`` for
    /// an encoder's buffer). On the core rather than the writer: the writer is weakly referenced
    /// (``ExitFlush``), which makes each of its retains and releases take the runtime's slow path.
    @discardableResult
    func enqueue(level: LogLevel, bytes: UnsafeRawBufferPointer) -> Bool {
        guard measuresByteCount else { return enqueue(LogLine(level: level, bytes: bytes)) }
        return enqueue(size: bytes.count) { LogLine.initialize($0, level: level, bytes: bytes) }
    }
}

/// A destination's `write` did not return within the writer's `writeTimeout`.
public struct WriteTimedOut: Error, RetryClassifiable, CustomStringConvertible {
    public let timeout: Duration
    public var isTransient: Bool { true }
    public var description: String { "write did not finish within \(timeout)" }
}
