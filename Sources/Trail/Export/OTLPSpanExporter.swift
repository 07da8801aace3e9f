import Foundation

/// Exports spans to an OpenTelemetry collector, Jaeger, Grafana Tempo or any OTLP/HTTP receiver
/// (`POST /v1/traces`).
///
/// Use it as a span destination of a ``Pipeline`` (it is driven by a ``BatchingWriter``, which
/// batches, retries and bounds memory):
///
/// ```swift
/// let exporter = OTLPSpanExporter(configuration: .fromEnvironment(signal: .traces))
/// ```
///
/// Each batch is one `ExportTraceServiceRequest`, spans grouped by resource and instrumentation
/// scope, in protobuf or OTLP/JSON, optionally gzipped. HTTP 429, 502, 503 and 504 and network
/// failures are retried (honouring `Retry-After`); other failures are not. A partial success is not
/// retried either: the spans the server rejected are counted in ``rejectedSpans`` and its message is
/// reported through ``Diagnostics``.
public final class OTLPSpanExporter: Destination {
    /// Spans, as the tracer hands them over when they end.
    public typealias Record = SpanData

    /// The settings this exporter was made with.
    public let configuration: OTLPExporterConfiguration
    private let sender: OTLPHTTPSender

    /// - Parameter configuration: endpoint, protocol, compression, headers and timeout; see
    ///   ``OTLPExporterConfiguration/fromEnvironment(signal:environment:)`` for the `OTEL_*` variables.
    public init(configuration: OTLPExporterConfiguration = OTLPExporterConfiguration()) {
        self.configuration = configuration
        sender = OTLPHTTPSender(signal: .traces, configuration: configuration)
    }

    /// An exporter configured by the `OTEL_EXPORTER_OTLP_*` variables (see
    /// ``OTLPExporterConfiguration/fromEnvironment(signal:environment:)``).
    public static func fromEnvironment(_ environment: [String: String] = Environment.process) -> OTLPSpanExporter {
        OTLPSpanExporter(configuration: .fromEnvironment(signal: .traces, environment: environment))
    }

    /// The URL spans are posted to.
    public var url: URL { sender.poster.url }

    /// Spans the server reported as rejected in partial-success answers, since the start.
    public var rejectedSpans: Int64 { sender.rejected }

    /// Encodes `batch` as one request and posts it.
    public func write(_ batch: [SpanData]) async throws {
        guard !batch.isEmpty else { return }  // "senders SHOULD NOT create empty envelopes"
        let wireProtocol = configuration.wireProtocol
        try await sender.send(batch[...], noun: { $0 == 1 ? "1 span" : "\($0) spans" }) { Self.encode(Array($0), as: wireProtocol) }
    }

    /// Closes the connections.
    public func shutdown() async { sender.shutdown() }

    /// The request body for `spans`.
    static func encode(_ spans: [SpanData], as wireProtocol: OTLPProtocol) -> [UInt8] {
        switch wireProtocol {
        case .httpProtobuf: OTLPTraceProtobuf.encode(spans)
        case .httpJSON: OTLPTraceJSON.encode(spans)
        }
    }
}
