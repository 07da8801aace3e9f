import Foundation

/// The two OTLP signals Trail exports, and the path each is posted to under a base endpoint.
public enum OTLPSignal: String, Sendable, Hashable, CaseIterable {
    /// Spans, posted to `/v1/traces`.
    case traces
    /// Log records, posted to `/v1/logs`.
    case logs

    /// `v1/traces` or `v1/logs`.
    public var path: String { "v1/" + rawValue }

    /// `TRACES` or `LOGS`, as in `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`.
    var variableInfix: String { rawValue.uppercased() }
}

/// How an OTLP exporter encodes its requests. gRPC is not supported.
public enum OTLPProtocol: String, Sendable, Hashable, CaseIterable {
    /// Protobuf bodies, `Content-Type: application/x-protobuf` (the default, as the specification
    /// recommends).
    case httpProtobuf = "http/protobuf"
    /// OTLP/JSON bodies, `Content-Type: application/json`.
    case httpJSON = "http/json"

    /// The `Content-Type` of requests.
    public var contentType: String {
        switch self {
        case .httpProtobuf: "application/x-protobuf"
        case .httpJSON: "application/json"
        }
    }
}

/// Where and how an OTLP exporter posts: endpoint, protocol, compression, headers and timeout.
///
/// ```swift
/// let exporter = OTLPSpanExporter(configuration: .init(endpoint: URL(string: "http://collector:4318")!, gzip: true))
/// let fromEnv = OTLPSpanExporter(configuration: .fromEnvironment(signal: .traces))
/// ```
public struct OTLPExporterConfiguration: Sendable {
    /// The base URL: the exporter posts to `<endpoint>/v1/traces` or `<endpoint>/v1/logs`
    /// (exactly one `/` in between). Default `http://localhost:4318`.
    public var endpoint: URL
    /// A full URL for one signal, used as is; when set it wins over ``endpoint``.
    public var signalEndpoint: URL?
    /// Protobuf (the default) or JSON.
    public var wireProtocol: OTLPProtocol
    /// Gzip request bodies (`Content-Encoding: gzip`).
    public var gzip: Bool
    /// Extra request headers, e.g. `Authorization` or a tenant header. Their values never appear
    /// in error messages.
    public var headers: [(name: String, value: String)]
    /// The limit for one export request. Default 10 seconds.
    public var timeout: Duration

    /// The collector's default OTLP/HTTP address.
    public static let defaultEndpoint = URL(string: "http://localhost:4318")!

    public init(
        endpoint: URL = OTLPExporterConfiguration.defaultEndpoint, signalEndpoint: URL? = nil,
        wireProtocol: OTLPProtocol = .httpProtobuf, gzip: Bool = false,
        headers: [(name: String, value: String)] = [], timeout: Duration = .seconds(10)
    ) {
        self.endpoint = endpoint
        self.signalEndpoint = signalEndpoint
        self.wireProtocol = wireProtocol
        self.gzip = gzip
        self.headers = headers
        self.timeout = timeout
    }

    /// The URL `signal` is posted to: ``signalEndpoint`` as is (an empty path becoming `/`), or
    /// ``endpoint`` with `v1/traces` / `v1/logs` appended after exactly one `/`.
    public func url(for signal: OTLPSignal) -> URL {
        if let signalEndpoint {
            guard var components = URLComponents(url: signalEndpoint, resolvingAgainstBaseURL: false), components.path.isEmpty else {
                return signalEndpoint
            }
            components.path = "/"
            return components.url ?? signalEndpoint
        }
        guard var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false) else {
            return endpoint.appendingPathComponent(signal.path)
        }
        components.path = (components.path.hasSuffix("/") ? components.path : components.path + "/") + signal.path
        return components.url ?? endpoint.appendingPathComponent(signal.path)
    }
}
