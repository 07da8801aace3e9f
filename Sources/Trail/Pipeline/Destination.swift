/// Anything that accepts batches of records: a log sink, a span exporter, or your own.
///
/// A destination is driven by one ``BatchingWriter``, which calls ``write(_:)`` from its own
/// thread, one batch at a time, in order. A throwing `write` counts the batch as failed; it never
/// reaches the code that produced the records.
public protocol Destination<Record>: Sendable {
    associatedtype Record: Sendable

    /// Writes one batch (never empty).
    func write(_ batch: [Record]) async throws

    /// Releases resources after the last batch. The default does nothing.
    func shutdown() async
}

extension Destination {
    public func shutdown() async {}
}

/// A destination that accepts and discards everything (benchmarks, disabled outputs).
public struct DiscardingDestination<Record: Sendable>: Destination {
    public init() {}
    public func write(_ batch: [Record]) async throws {}
}
