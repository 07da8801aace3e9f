import Foundation

/// Exports spans to Zipkin (or to Jaeger's Zipkin port, 9411) as Zipkin v2 JSON:
/// `POST http://localhost:9411/api/v2/spans` by default.
///
/// ```swift
/// let pipeline = Pipeline.bootstrap(serviceName: "checkout", spanExporters: [ZipkinExporter()])
/// ```
///
/// The mapping follows OpenTelemetry's Zipkin exporter rules: `localEndpoint.serviceName` is the
/// resource's `service.name`; internal spans have no `kind`; times are whole microseconds (a
/// duration is at least 1 µs); attributes become string tags (arrays as JSON text); events become
/// annotations (`name`, or `"name": {attributes as JSON}`); an error status sets
/// `otel.status_code: ERROR` and `error` (its description, or empty), an ok status
/// `otel.status_code: OK`; dropped counts become `otel.dropped_*` tags. Links and trace state have
/// no Zipkin form and are left out. 429 and 5xx answers are retried; other failures are not.
public final class ZipkinExporter: Destination {
    public typealias Record = SpanData

    public struct Options: Sendable {
        /// The full URL spans are posted to.
        public var endpoint: URL
        /// Gzip request bodies (Zipkin's server accepts `Content-Encoding: gzip`). Default off.
        public var gzip: Bool
        /// Extra request headers (authentication for a proxy in front of Zipkin, for example).
        public var headers: [(name: String, value: String)]
        /// Per request; default 10 s.
        public var timeout: Duration

        /// `http://localhost:9411/api/v2/spans`.
        public static let defaultEndpoint = URL(string: "http://localhost:9411/api/v2/spans")!

        public init(
            endpoint: URL = Options.defaultEndpoint, gzip: Bool = false, headers: [(name: String, value: String)] = [],
            timeout: Duration = .seconds(10)
        ) {
            self.endpoint = endpoint
            self.gzip = gzip
            self.headers = headers
            self.timeout = timeout
        }
    }

    public let options: Options
    private let poster: HTTPPoster

    public init(_ options: Options = Options()) {
        self.options = options
        poster = HTTPPoster(url: options.endpoint, headers: options.headers, gzip: options.gzip, timeout: options.timeout)
    }

    /// Configured by `OTEL_EXPORTER_ZIPKIN_ENDPOINT` (a full URL) and `OTEL_EXPORTER_ZIPKIN_TIMEOUT`
    /// (milliseconds); an invalid value is reported and the default used.
    public static func fromEnvironment(_ environment: [String: String] = Environment.process) -> ZipkinExporter {
        let env = Environment(environment)
        var options = Options()
        if let text = env["OTEL_EXPORTER_ZIPKIN_ENDPOINT"] {
            if let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" {
                options.endpoint = url
            } else {
                Diagnostics.report("OTEL_EXPORTER_ZIPKIN_ENDPOINT is not an http(s) URL; using \(Options.defaultEndpoint)")
            }
        }
        if let timeout = env.milliseconds("OTEL_EXPORTER_ZIPKIN_TIMEOUT") { options.timeout = timeout }
        return ZipkinExporter(options)
    }

    public func write(_ batch: [SpanData]) async throws {
        guard !batch.isEmpty else { return }
        let response = try await poster.post(ZipkinJSON.encode(batch), contentType: "application/json")
        guard (200..<300).contains(response.status) else {
            throw poster.failure(response, retryable: { $0 == 429 || $0 >= 500 }, what: "\(batch.count) spans")
        }
    }

    public func shutdown() async { poster.invalidate() }
}

/// Zipkin v2 JSON (`ListOfSpans`).
enum ZipkinJSON {
    static func encode(_ spans: [SpanData]) -> [UInt8] {
        var json = JSONLineEncoder(capacity: spans.count * 400)
        json.appendArray(spans) { span, json in json.zipkinSpan(span) }
        return json.bytes
    }

    static func kind(_ kind: SpanKind) -> StaticString? {
        switch kind {
        case .internal: nil
        case .server: "SERVER"
        case .client: "CLIENT"
        case .producer: "PRODUCER"
        case .consumer: "CONSUMER"
        }
    }

    /// A tag's string: scalars as text, arrays as JSON.
    static func tagValue(_ value: AttributeValue) -> String {
        switch value {
        case .string(let s): return s
        case .int, .double, .bool: return value.description
        default:
            var json = JSONLineEncoder(capacity: 64)
            json.zipkinJSONValue(value)
            return String(decoding: json.bytes, as: UTF8.self)
        }
    }

    /// An annotation's value: the event's name, then its attributes as a JSON object, if any.
    static func annotation(_ event: SpanEvent) -> String {
        guard !event.attributes.isEmpty else { return event.name }
        var json = JSONLineEncoder(capacity: 128)
        json.appendString(event.name)
        json.appendRaw(": {")
        var first = true
        for (key, value) in event.attributes {
            if !first { json.appendRaw(",") }
            first = false
            json.appendString(key)
            json.appendRaw(":")
            json.zipkinJSONValue(value)
        }
        json.appendRaw("}")
        return String(decoding: json.bytes, as: UTF8.self)
    }
}

extension JSONLineEncoder {
    mutating func zipkinSpan(_ span: SpanData) {
        appendRaw("{\"traceId\":\"")
        span.context.traceID.appendHex(to: &bytes)
        appendRaw("\",\"id\":\"")
        span.context.spanID.appendHex(to: &bytes)
        appendRaw("\"")
        if let parent = span.parentSpanID {
            appendRaw(",\"parentId\":\"")
            parent.appendHex(to: &bytes)
            appendRaw("\"")
        }
        appendRaw(",\"name\":")
        appendString(span.name)
        if let kind = ZipkinJSON.kind(span.kind) {
            appendRaw(",\"kind\":\"")
            appendRaw(kind)
            appendRaw("\"")
        }
        appendRaw(",\"timestamp\":")
        appendDecimal(span.startTimeUnixNano / 1000)
        appendRaw(",\"duration\":")
        appendDecimal(max(1, span.durationNanoseconds / 1000))
        appendRaw(",\"localEndpoint\":{\"serviceName\":")
        appendString(span.resource.serviceName)
        appendRaw("}")
        if !span.events.isEmpty {
            appendRaw(",\"annotations\":")
            appendArray(span.events) { event, json in
                json.appendRaw("{\"timestamp\":")
                json.appendDecimal(event.timeUnixNano / 1000)
                json.appendRaw(",\"value\":")
                json.appendString(ZipkinJSON.annotation(event))
                json.appendRaw("}")
            }
        }
        var tags: [(String, String)] = span.attributes.map { ($0.key, ZipkinJSON.tagValue($0.value)) }
        // Zipkin marks any span that has an `error` tag as failed: drop `error=false`, and let an
        // error status's own `error` tag replace an attribute of that name.
        tags.removeAll { $0.0 == "error" && ($0.1 == "false" || span.status.isError) }
        switch span.status {
        case .unset: break
        case .ok: tags.append(("otel.status_code", "OK"))
        case .error(let description):
            tags.append(("otel.status_code", "ERROR"))
            tags.append(("error", description ?? ""))
        }
        if !span.scope.name.isEmpty { tags.append(("otel.scope.name", span.scope.name)) }
        if let version = span.scope.version { tags.append(("otel.scope.version", version)) }
        if span.droppedAttributesCount > 0 { tags.append(("otel.dropped_attributes_count", String(span.droppedAttributesCount))) }
        if span.droppedEventsCount > 0 { tags.append(("otel.dropped_events_count", String(span.droppedEventsCount))) }
        if span.droppedLinksCount > 0 { tags.append(("otel.dropped_links_count", String(span.droppedLinksCount))) }
        if !tags.isEmpty {
            appendRaw(",\"tags\":{")
            for (index, tag) in tags.enumerated() {
                if index > 0 { appendRaw(",") }
                appendString(tag.0)
                appendRaw(":")
                appendString(tag.1)
            }
            appendRaw("}")
        }
        appendRaw("}")
    }

    /// An attribute value as JSON (for array tags and annotation attributes).
    mutating func zipkinJSONValue(_ value: AttributeValue) {
        switch value {
        case .string(let s): appendString(s)
        case .int(let n): appendInteger(n)
        case .double(let d): appendDouble(d)
        case .bool(let b): appendBool(b)
        case .stringArray(let values): appendArray(values) { v, json in json.appendString(v) }
        case .intArray(let values): appendArray(values) { v, json in json.appendInteger(v) }
        case .doubleArray(let values): appendArray(values) { v, json in json.appendDouble(v) }
        case .boolArray(let values): appendArray(values) { v, json in json.appendBool(v) }
        }
    }
}
