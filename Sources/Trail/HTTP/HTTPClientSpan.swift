import Foundation

/// The CLIENT span of one outgoing HTTP request, for any HTTP client: it gives the headers to send
/// and records the outcome.
///
/// Use it with clients other than `URLSession` (which has
/// ``Foundation/URLSession/tracedData(for:tracer:propagator:urlTemplate:)``), e.g. AsyncHTTPClient:
///
/// ```swift
/// let response = try await tracer.withHTTPClientSpan(method: "GET", url: url) { client in
///     var request = HTTPClientRequest(url: url.absoluteString)
///     for field in client.headers { request.headers.add(name: field.name, value: field.value) }
///     let response = try await httpClient.execute(request, timeout: .seconds(10))
///     client.recordResponse(statusCode: Int(response.status.code))
///     return response
/// }
/// ```
///
/// The span is named by the method (`GET`, or `GET /users/{id}` with a URL template) and carries
/// the OpenTelemetry HTTP client attributes: `http.request.method`, `url.full` (credentials and
/// signed-URL and secret-looking query values redacted), `server.address`, `server.port`, `url.template` when given,
/// then `http.response.status_code` and `error.type`. A 4xx or 5xx response and a transport error
/// set the error status; a cancellation does not.
///
/// Each client span has its own span id, so each request carries a fresh `traceparent` parent-id,
/// with the trace id, flags and `tracestate` of the span it runs under.
public struct HTTPClientSpan: Sendable {
    /// The client span.
    public let span: Span
    /// The caller's context with ``span`` as its active span: what the request runs in and what the
    /// propagator injects.
    public let context: Context
    /// The propagator that writes ``headers``.
    public let propagator: any Propagator

    /// Starts a CLIENT span for a request with `method` to `url`.
    ///
    /// - Parameters:
    ///   - tracer: the tracer; the shared pipeline's by default.
    ///   - propagator: writes the trace headers; `OTEL_PROPAGATORS`' choice by default.
    ///   - urlTemplate: a low-cardinality form of the URL's path (`/users/{id}`), written as
    ///     `url.template` and appended to the span name; the path itself never names a span.
    ///   - parent: the context to run under; `Context.current` by default.
    public init(
        method: String, url: URL, tracer: Tracer = Pipeline.shared.tracer,
        propagator: any Propagator = CompositePropagator.environment, urlTemplate: String? = nil,
        parent: Context? = nil
    ) {
        var attributes = Attributes()
        let normalized = HTTPConventions.methodAttributes(method, into: &attributes)
        attributes["url.full"] = .string(HTTPConventions.fullURL(url))
        if let host = url.host, !host.isEmpty { attributes["server.address"] = .string(host) }
        if let port = HTTPConventions.port(of: url) { attributes["server.port"] = .int(port) }
        if let urlTemplate { attributes["url.template"] = .string(urlTemplate) }
        let parentContext = parent ?? Context.current
        let span = tracer.startSpan(
            HTTPConventions.spanName(method: normalized, target: urlTemplate), kind: .client,
            attributes: attributes, parent: parentContext)
        self.span = span
        self.context = parentContext.with(span: span)
        self.propagator = propagator
    }

    /// The trace headers to send with the request (`traceparent`, `tracestate`, `baggage`, … as
    /// the propagator writes them), carrying this span's id.
    public var headers: HTTPHeaderList {
        var headers = HTTPHeaderList()
        propagator.inject(context, into: &headers)
        return headers
    }

    /// Writes the trace headers into a request's headers (a `[String: String]`, an
    /// ``HTTPHeaderList``, a `URLRequest` or any ``HeaderCarrier``), replacing fields of the same
    /// names.
    public func inject(into carrier: inout some HeaderCarrier) {
        propagator.inject(context, into: &carrier)
    }

    /// Records the response's status: `http.response.status_code`, and for 4xx, 5xx (or a code
    /// outside 100…599) `error.type` and the error status.
    public func recordResponse(statusCode: Int) {
        HTTPConventions.record(statusCode: statusCode, kind: .client, on: span)
    }

    /// Records a failed request: `error.type` (the `URLError` code or the error's type), an
    /// `exception` event and the error status. A cancellation (`CancellationError`,
    /// `URLError.cancelled`) is noted as an `http.request.cancelled` event only: the convention does
    /// not count it as an error.
    public func recordError(_ error: any Error) {
        if HTTPConventions.isCancellation(error) {
            span.addEvent("http.request.cancelled")
            return
        }
        span.setAttribute("error.type", .string(HTTPConventions.errorType(error)))
        span.recordError(error)
    }

    /// Ends the span (only the first call counts).
    public func end() { span.end() }
}

extension Tracer {
    /// Runs `operation` inside a CLIENT span for one HTTP request made with any client, and ends the
    /// span when it returns.
    ///
    /// The span is current inside `operation`, so a client's own spans and log lines nest under it.
    /// `operation` sends ``HTTPClientSpan/headers`` with the request and reports the answer with
    /// ``HTTPClientSpan/recordResponse(statusCode:)``; an error it throws is recorded with
    /// ``HTTPClientSpan/recordError(_:)`` and rethrown.
    public func withHTTPClientSpan<T>(
        method: String, url: URL, propagator: any Propagator = CompositePropagator.environment,
        urlTemplate: String? = nil, isolation: isolated (any Actor)? = #isolation,
        _ operation: (HTTPClientSpan) async throws -> T
    ) async rethrows -> T {
        let client = HTTPClientSpan(method: method, url: url, tracer: self, propagator: propagator, urlTemplate: urlTemplate)
        defer { client.end() }
        do {
            return try await client.context.restore(isolation: isolation) { try await operation(client) }
        } catch {
            client.recordError(error)
            throw error
        }
    }
}
