/// Receives spans as they start and end. The tracer calls processors synchronously on the thread
/// that starts or ends the span, so they must be quick: the batch processor only enqueues.
public protocol SpanProcessor: Sendable {
    /// Called when a recording span starts. The default does nothing.
    func onStart(_ span: Span, parent: Context)
    /// Called once when a recording span ends.
    func onEnd(_ span: SpanData)
    /// Exports everything received so far; returns `false` if the timeout passed first.
    func forceFlush(timeout: Duration) async -> Bool
    /// Flushes, then stops accepting spans.
    func shutdown(timeout: Duration) async -> Bool
}

extension SpanProcessor {
    public func onStart(_ span: Span, parent: Context) {}
    public func forceFlush(timeout: Duration) async -> Bool { true }
    public func shutdown(timeout: Duration) async -> Bool { await forceFlush(timeout: timeout) }
}

/// Queues sampled spans on a ``BatchingWriter`` that exports them in batches on its own thread.
///
/// Defaults follow OpenTelemetry's batch span processor (`OTEL_BSP_*`): queue 2048, batches of
/// 512, a batch at least every 5 s, export timeout 30 s. When the queue is full, new spans are
/// dropped and counted (see ``BatchingWriter/counters``).
public struct BatchSpanProcessor: SpanProcessor {
    public let writer: BatchingWriter<SpanData>

    /// Exports to `exporter` with `configuration` (by default read from the `OTEL_BSP_*` variables).
    public init(
        exporter: some Destination<SpanData>,
        configuration: BatchingWriter<SpanData>.Configuration = .spanDefaults()
    ) {
        self.writer = BatchingWriter(destination: exporter, configuration: configuration)
    }

    @inlinable
    public func onEnd(_ span: SpanData) {
        guard span.context.isSampled else { return }
        writer.enqueue(span)
    }

    public func forceFlush(timeout: Duration) async -> Bool { await writer.flush(timeout: timeout) }
    public func shutdown(timeout: Duration) async -> Bool { await writer.shutdown(timeout: timeout) }
}

extension BatchingWriter<SpanData>.Configuration {
    /// OpenTelemetry's batch-span-processor defaults, overridden by `OTEL_BSP_SCHEDULE_DELAY`,
    /// `OTEL_BSP_EXPORT_TIMEOUT`, `OTEL_BSP_MAX_QUEUE_SIZE` and `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`
    /// (milliseconds and counts; invalid values are reported and ignored).
    public static func spanDefaults(environment: [String: String] = Environment.process) -> Self {
        var config = Self(name: "spans", maxQueueSize: 2048, maxBatchSize: 512, maxDelay: .seconds(5), writeTimeout: .seconds(30))
        let env = Environment(environment)
        if let ms = env.milliseconds("OTEL_BSP_SCHEDULE_DELAY") { config.maxDelay = ms }
        if let ms = env.milliseconds("OTEL_BSP_EXPORT_TIMEOUT") { config.writeTimeout = ms }
        if let n = env.positiveInt("OTEL_BSP_MAX_QUEUE_SIZE") { config.maxQueueSize = n }
        if let n = env.positiveInt("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") { config.maxBatchSize = n }
        if config.maxBatchSize > config.maxQueueSize {
            Diagnostics.report("OTEL_BSP_MAX_EXPORT_BATCH_SIZE (\(config.maxBatchSize)) is larger than the queue (\(config.maxQueueSize)); using \(config.maxQueueSize)")
            config.maxBatchSize = config.maxQueueSize
        }
        return config
    }
}
