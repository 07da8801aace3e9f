import Foundation

/// Exports log lines to an OpenTelemetry collector, Grafana Loki (`/otlp/v1/logs`) or any OTLP/HTTP
/// receiver (`POST /v1/logs`).
///
/// Each ``LogLine`` is turned into an OTLP `LogRecord` (see ``init(configuration:resource:fieldNames:)``
/// for the mapping); a batch is one `ExportLogsServiceRequest`, records grouped by resource and
/// scope. Retries, partial success and the `OTEL_EXPORTER_OTLP_*` variables work as for
/// ``OTLPSpanExporter``; rejected records are counted in ``rejectedLogRecords``.
///
/// ```swift
/// let logs = OTLPLogExporter(configuration: .fromEnvironment(signal: .logs), resource: .detect(serviceName: "checkout"))
/// ```
public final class OTLPLogExporter: Destination {
    /// Encoded log lines, as loggers queue them.
    public typealias Record = LogLine

    /// The settings this exporter was made with.
    public let configuration: OTLPExporterConfiguration
    /// The resource of every record; a line's own service name replaces its `service.name`.
    public let resource: Resource
    /// The reserved keys the lines were written with.
    public let fieldNames: FieldNames
    private let sender: OTLPHTTPSender

    /// - Parameters:
    ///   - configuration: endpoint, protocol, compression, headers and timeout.
    ///   - resource: resource attributes for every record (`Resource.detect(…)` for the usual ones).
    ///   - fieldNames: the schema of the lines. The timestamp becomes the record's time (and
    ///     observed time), the level its severity number and text (the level as written), the
    ///     message its body, trace id, span id and trace flags its trace context, the service
    ///     name the resource's `service.name`, the logger name the instrumentation scope's name;
    ///     every other top-level field an attribute of the same JSON type (objects as key-value
    ///     lists).
    public init(
        configuration: OTLPExporterConfiguration = OTLPExporterConfiguration(), resource: Resource = Resource(),
        fieldNames: FieldNames = .openTelemetry
    ) {
        self.configuration = configuration
        self.resource = resource
        self.fieldNames = fieldNames
        sender = OTLPHTTPSender(signal: .logs, configuration: configuration)
    }

    /// An exporter configured by the `OTEL_EXPORTER_OTLP_*` variables (see
    /// ``OTLPExporterConfiguration/fromEnvironment(signal:environment:)``).
    public static func fromEnvironment(
        resource: Resource = Resource(), fieldNames: FieldNames = .openTelemetry,
        environment: [String: String] = Environment.process
    ) -> OTLPLogExporter {
        OTLPLogExporter(configuration: .fromEnvironment(signal: .logs, environment: environment), resource: resource, fieldNames: fieldNames)
    }

    /// The URL log records are posted to.
    public var url: URL { sender.poster.url }

    /// Log records the server reported as rejected in partial-success answers, since the start.
    public var rejectedLogRecords: Int64 { sender.rejected }

    /// Converts `batch` to log records, encodes them as one request and posts it.
    public func write(_ batch: [LogLine]) async throws {
        guard !batch.isEmpty else { return }  // "senders SHOULD NOT create empty envelopes"
        let observedAt = Self.nowUnixNano()
        try await sender.send(batch[...], noun: { $0 == 1 ? "1 log record" : "\($0) log records" }) {
            encode(Array($0), observedAt: observedAt)
        }
    }

    /// Closes the connections.
    public func shutdown() async { sender.shutdown() }

    /// The request body for `lines`.
    func encode(_ lines: [LogLine], observedAt: UInt64) -> [UInt8] {
        let records = lines.map { OTLPLogRecord(line: $0, fieldNames: fieldNames, resource: resource, observedAt: observedAt) }
        switch configuration.wireProtocol {
        case .httpProtobuf: return OTLPLogEncoding.protobuf(records)
        case .httpJSON: return OTLPLogEncoding.json(records)
        }
    }

    static func nowUnixNano() -> UInt64 { Date().unixNano }
}
