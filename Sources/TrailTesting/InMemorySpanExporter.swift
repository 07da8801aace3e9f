import Trail

/// Collects ended spans in memory, for tests.
///
/// Use it as a span processor (spans arrive synchronously, as they end) or as the destination of a
/// ``BatchSpanProcessor`` (to test batching). Only sampled spans are kept when it is a processor,
/// as an exporter would see them; set `includeUnsampled` to see record-only spans too.
public final class InMemorySpanExporter: SpanProcessor, Destination {
    private let collected = Locked<[SpanData]>([])
    private let batchSizes = Locked<[Int]>([])
    public let includeUnsampled: Bool

    public init(includeUnsampled: Bool = false) { self.includeUnsampled = includeUnsampled }

    public func onEnd(_ span: SpanData) {
        guard includeUnsampled || span.context.isSampled else { return }
        collected.withLock { $0.append(span) }
    }

    public func write(_ batch: [SpanData]) async throws {
        collected.withLock { $0.append(contentsOf: batch) }
        batchSizes.withLock { $0.append(batch.count) }
    }

    /// Every span received so far, in the order they ended.
    public var spans: [SpanData] { collected.withLock { $0 } }

    /// The size of each batch received through ``write(_:)``.
    public var batches: [Int] { batchSizes.withLock { $0 } }

    /// The spans named `name`.
    public func spans(named name: String) -> [SpanData] { spans.filter { $0.name == name } }

    /// Forgets everything received.
    public func reset() {
        collected.withLock { $0.removeAll() }
        batchSizes.withLock { $0.removeAll() }
    }
}
