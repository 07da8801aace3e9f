/// Appends spans to a file, one JSON object per span per line: a span file that `trail show` reads,
/// `jq` queries, and any service can write without a collector.
///
/// ```swift
/// let spans = try JSONLinesSpanExporter(path: "logs/spans.jsonl")
/// let pipeline = Pipeline.bootstrap(serviceName: "checkout", spanExporters: [spans])
/// // …
/// // $ trail show 4bf92f3577b34da6a3ce929d0e0e4736 --logs logs --spans logs/spans.jsonl
/// ```
///
/// Each line carries the span's ids (hex), name, kind, parent, start and end (integer nanoseconds
/// and RFC 3339), status, typed attributes, events, links, the resource's `service.name` and the
/// instrumentation scope; the keys are described at ``SpanJSONLine``. It is a ``Destination`` of
/// ``SpanData`` driven by the batching writer like every exporter: each batch is encoded and appended
/// with one write through a ``FileSink``, so the file only ever holds whole lines, and the sink's
/// ``FileSink/Options`` (size or time rotation, retention, gzip) apply to span files too.
public final class JSONLinesSpanExporter: SynchronousDestination {
    public typealias Record = SpanData

    /// The file the spans are appended to.
    public var path: String { file.path }
    private let file: FileSink

    /// Opens (or creates) the file at `path` for appending, creating its directory if missing.
    /// Throws a ``FileSinkError`` saying what to fix when the file cannot be opened.
    public init(path: String, options: FileSink.Options = FileSink.Options()) throws {
        file = try FileSink(path: path, options: options)
    }

    /// Encodes the batch and appends it in one write.
    public func writeSynchronously(_ batch: [SpanData]) throws {
        var json = JSONLineEncoder(capacity: batch.count * 600)
        for span in batch { SpanJSONLine.encode(span, into: &json) }
        try file.write(encodedLines: json.bytes)
    }

    /// Closes the file (waiting for pending compressions, as ``FileSink/shutdown()`` does).
    public func shutdown() async { await file.shutdown() }
}
