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

/// A destination with writer settings of its own, for a ``Pipeline`` whose other destinations use
/// the pipeline's defaults. Made by ``Destination/withWriterConfiguration(_:)``.
public struct WriterConfiguredDestination<Record: Sendable>: Destination {
    /// The destination itself.
    public let destination: any Destination<Record>
    /// Adjusts the pipeline's configuration for this destination's writer.
    public let configure: @Sendable (inout BatchingWriter<Record>.Configuration) -> Void

    /// Writes through to ``destination`` (a pipeline hands ``destination`` to the writer directly).
    public func write(_ batch: [Record]) async throws { try await destination.write(batch) }
    public func shutdown() async { await destination.shutdown() }

    /// The destination to drive, and its writer's configuration given the pipeline's.
    func resolve(_ base: BatchingWriter<Record>.Configuration) -> (any Destination<Record>, BatchingWriter<Record>.Configuration) {
        var configuration = base
        configure(&configuration)
        return (destination, configuration)
    }
}

extension Destination {
    /// This destination with its own queue, batching, overflow or retry settings inside a
    /// ``Pipeline``: `configure` adjusts the pipeline's writer configuration for it alone.
    ///
    /// ```swift
    /// Pipeline.bootstrap(destinations: [
    ///     StdoutSink(),                                                  // the defaults: drop when full
    ///     try FileSink(path: "logs/app.log").withWriterConfiguration {   // never lose a file line
    ///         $0.overflow = .block(timeout: .seconds(2))
    ///     },
    /// ])
    /// ```
    public func withWriterConfiguration(
        _ configure: @escaping @Sendable (inout BatchingWriter<Record>.Configuration) -> Void
    ) -> WriterConfiguredDestination<Record> {
        WriterConfiguredDestination(destination: self, configure: configure)
    }
}

extension BatchingWriter {
    /// A writer for `destination` named `name`: `base`, adjusted by the destination's own settings
    /// when it is a ``WriterConfiguredDestination``.
    static func make(for destination: any Destination<Record>, base: Configuration, name: String) -> (any Destination<Record>, Configuration) {
        var (target, configuration) = (destination, base)
        if let configured = destination as? WriterConfiguredDestination<Record> {
            (target, configuration) = configured.resolve(base)
        }
        if configuration.name == base.name { configuration.name = name }
        return (target, configuration)
    }
}
