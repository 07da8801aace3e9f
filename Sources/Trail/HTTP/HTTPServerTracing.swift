/// What a SERVER span says about an incoming HTTP request. The framework adapter fills it in; the
/// headers are passed separately, as any ``HeaderCarrier``.
public struct HTTPServerRequest: Sendable, Hashable {
    /// The method as received (`GET`, `POST`, …); normalised per the conventions for
    /// `http.request.method`.
    public var method: String
    /// The matched route template, low-cardinality (`/users/:id`), or `nil` when it is not known
    /// yet (see ``HTTPServerSpan/setRoute(_:)``). Never the raw path: "Instrumentation MUST NOT
    /// default to using URI path as a {target}".
    public var route: String?
    /// The request target: path and query as received (`/users/42?expand=1`).
    public var target: String
    /// `url.scheme`: `http` or `https`.
    public var scheme: String
    /// `server.address`; read from the `Host` (or `:authority`) header when `nil`.
    public var serverAddress: String?
    /// `server.port`; read from the `Host` (or `:authority`) header when `nil`, else the
    /// scheme's default.
    public var serverPort: Int?
    /// `client.address`: the peer's address (or the original client's, behind a trusted proxy).
    public var clientAddress: String?

    /// Describes a request; only the method and the target are required.
    public init(
        method: String, route: String? = nil, target: String, scheme: String = "http",
        serverAddress: String? = nil, serverPort: Int? = nil, clientAddress: String? = nil
    ) {
        self.method = method
        self.route = route
        self.target = target
        self.scheme = scheme
        self.serverAddress = serverAddress
        self.serverPort = serverPort
        self.clientAddress = clientAddress
    }
}

/// Trace-context headers a server adds to its responses, so a client (or a person filing a bug
/// report) can quote the trace.
public struct TraceResponseHeaders: Sendable, Hashable {
    /// Adds W3C `traceresponse` (Trace Context Level 2, `spec/21-http_response_header_format.md`):
    /// the `traceparent` format with the server span's id and flags, `00-<trace id>-<span id>-<flags>`.
    public var traceresponse: Bool
    /// The name of a header that carries the bare trace id (e.g. `x-trace-id`), or `nil`.
    public var traceIDHeader: String?

    /// Chooses the headers; by default none.
    public init(traceresponse: Bool = false, traceIDHeader: String? = nil) {
        self.traceresponse = traceresponse
        self.traceIDHeader = traceIDHeader
    }

    /// No header.
    public static let none = TraceResponseHeaders()

    /// The headers for `spanContext`.
    public func headers(for spanContext: SpanContext) -> HTTPHeaderList {
        var headers = HTTPHeaderList()
        guard spanContext.isValid else { return headers }
        if traceresponse { headers.append("traceresponse", spanContext.traceparent) }
        if let traceIDHeader, !traceIDHeader.isEmpty { headers.append(traceIDHeader, spanContext.traceID.hexString) }
        return headers
    }
}

/// Server-side HTTP instrumentation for any framework: continues the caller's trace in a SERVER
/// span around a request handler.
///
/// ```swift
/// let tracing = HTTPServerTracing(responseHeaders: TraceResponseHeaders(traceresponse: true))
/// let response = try await tracing.handle(
///     HTTPServerRequest(method: "GET", route: "/users/:id", target: "/users/42?expand=1",
///                       clientAddress: peer),
///     headers: requestHeaders
/// ) { server in
///     logger.info("loading user")                  // carries the server span's trace_id / span_id
///     let response = try await route(request)
///     server.recordResponse(statusCode: response.status)
///     return response.adding(server.responseHeaders)
/// }
/// ```
///
/// For each request ``handle(_:headers:isolation:_:)``:
/// 1. extracts the caller's context from the headers with the propagator. Headers that are
///    invalid by their spec (a malformed, duplicated or `ff` `traceparent`, an invalid
///    `tracestate`) are ignored and a new trace starts; a higher `traceparent` version is read by
///    its version-00 fields. Nothing from the server's own current span or baggage leaks in: a
///    request continues only what its caller sent (bound log fields are kept);
/// 2. starts a SERVER span named `METHOD route` (or `METHOD` while the route is unknown) with
///    `http.request.method`, `http.route`, `url.path`, `url.query` (signed-URL and secret-looking values redacted),
///    `url.scheme`, `server.address`, `server.port`, `client.address` and `user_agent.original`;
/// 3. runs the handler with that span current, so log lines, child spans and outgoing requests
///    (``Foundation/URLSession/tracedData(for:tracer:propagator:urlTemplate:)``) carry its ids;
/// 4. records the status the handler reports (5xx is an error, 4xx is not, for a server) and an
///    error it throws: `error.type`, an `exception` event, the error status, and
///    `http.response.status_code` 500 (or the code ``statusCodeForError`` maps it to; a mapped
///    code below 500 is not an error). The error is rethrown, the handler's value returned.
public struct HTTPServerTracing: Sendable {
    /// The tracer of the server spans.
    public let tracer: Tracer
    /// Reads the caller's context from the request headers.
    public let propagator: any Propagator
    /// What ``HTTPServerSpan/responseHeaders`` holds.
    public let responseHeaders: TraceResponseHeaders
    /// The status the framework will answer for an error the handler throws (e.g. its
    /// `HTTPError`'s status), or `nil` for an unexpected error, which counts as 500.
    public let statusCodeForError: @Sendable (any Error) -> Int?

    /// - Parameters:
    ///   - tracer: the tracer; the shared pipeline's by default.
    ///   - propagator: `OTEL_PROPAGATORS`' choice by default (W3C trace context and baggage).
    ///   - responseHeaders: trace headers for the response (``TraceResponseHeaders/none`` by default).
    ///   - statusCodeForError: the status a thrown error becomes; `nil` (the default) means 500.
    public init(
        tracer: Tracer = Pipeline.shared.tracer, propagator: any Propagator = CompositePropagator.environment,
        responseHeaders: TraceResponseHeaders = .none,
        statusCodeForError: @escaping @Sendable (any Error) -> Int? = { _ in nil }
    ) {
        self.tracer = tracer
        self.propagator = propagator
        self.responseHeaders = responseHeaders
        self.statusCodeForError = statusCodeForError
    }

    /// Runs `handler` inside a SERVER span for `request`, continuing the trace its `headers` carry
    /// (see ``HTTPServerTracing`` for every step). Returns what `handler` returns; rethrows what it
    /// throws, after recording it.
    public func handle<T>(
        _ request: HTTPServerRequest, headers: some HeaderCarrier,
        isolation: isolated (any Actor)? = #isolation,
        _ handler: (HTTPServerSpan) async throws -> T
    ) async rethrows -> T {
        let server = start(request, headers: headers)
        defer { server.span.end() }
        do {
            return try await server.context.restore(isolation: isolation) { try await handler(server) }
        } catch {
            record(error, on: server)
            throw error
        }
    }

    /// Starts the SERVER span for `request` without running anything: for adapters that cannot
    /// wrap the handler in a closure. Run the handler in ``HTTPServerSpan/context`` (with
    /// ``Context/restore(_:)``), report the status, and end ``HTTPServerSpan/span``.
    public func start(_ request: HTTPServerRequest, headers: some HeaderCarrier) -> HTTPServerSpan {
        // The request starts from what the caller sent: no span, baggage or debug flag of the
        // server's own context, but its bound log fields.
        var base = Context.current
        base.span = nil
        base.baggage = Baggage()
        base.isDebugSampled = false
        let extracted = propagator.extract(from: headers, into: base)
        let remoteParent = extracted.span.flatMap { $0.context.isRemote && $0.context.isValid ? $0.context : nil }

        var attributes = Attributes()
        let method = HTTPConventions.methodAttributes(request.method, into: &attributes)
        if let route = request.route { attributes["http.route"] = .string(route) }
        let target = request.target.prefix { $0 != "#" }
        let path = target.prefix { $0 != "?" }
        attributes["url.path"] = .string(path.isEmpty ? "/" : String(path))
        if path.count < target.count {
            attributes["url.query"] = .string(HTTPConventions.redactedQuery(target[target.index(after: path.endIndex)...]))
        }
        attributes["url.scheme"] = .string(request.scheme)
        let host = (headers.firstValue(forHeader: "host") ?? headers.firstValue(forHeader: ":authority"))
            .map(HTTPConventions.splitHost)
        if let address = request.serverAddress ?? host?.address, !address.isEmpty {
            attributes["server.address"] = .string(address)
        }
        if let port = request.serverPort ?? host?.port ?? HTTPConventions.defaultPort(ofScheme: request.scheme) {
            attributes["server.port"] = .int(port)
        }
        if let client = request.clientAddress { attributes["client.address"] = .string(client) }
        if let agent = headers.firstValue(forHeader: "user-agent") { attributes["user_agent.original"] = .string(agent) }

        let span = tracer.startSpan(
            HTTPConventions.spanName(method: method, target: request.route), kind: .server,
            attributes: attributes, parent: extracted)
        return HTTPServerSpan(
            span: span, context: extracted.with(span: span), method: method, remoteParent: remoteParent,
            responseHeaders: responseHeaders.headers(for: span.context))
    }

    /// Records an error the handler threw.
    func record(_ error: any Error, on server: HTTPServerSpan) {
        if HTTPConventions.isCancellation(error) {
            server.span.addEvent("http.request.cancelled")
            return
        }
        let status = statusCodeForError(error) ?? 500
        server.span.setAttribute("http.response.status_code", .int(status))
        guard HTTPConventions.isError(statusCode: status, kind: .server) else { return }
        server.span.setAttribute("error.type", .string(HTTPConventions.errorType(error)))
        server.span.recordError(error)
    }
}

/// The SERVER span of one request, as the handler sees it.
public struct HTTPServerSpan: Sendable {
    /// The server span; add attributes and events to it as usual.
    public let span: Span
    /// The context the handler runs in: the caller's trace with ``span`` as the active span.
    public let context: Context
    /// The normalised method (`GET`, or `_OTHER`), for the span name.
    let method: String
    /// The caller's span context when the request carried a valid one; `nil` when the server
    /// started a new trace.
    public let remoteParent: SpanContext?
    /// The trace headers to add to the response, as configured by
    /// ``HTTPServerTracing/responseHeaders`` (empty by default).
    public let responseHeaders: HTTPHeaderList

    /// Sets `http.route` and renames the span `METHOD route`, for frameworks that match the route
    /// after the span started.
    public func setRoute(_ route: String) {
        span.setAttribute("http.route", .string(route))
        span.updateName(HTTPConventions.spanName(method: method, target: route))
    }

    /// Records the response status: `http.response.status_code`, and for 5xx (or a code outside
    /// 100…599) `error.type` and the error status. A 4xx is the client's mistake and leaves the
    /// status unset.
    public func recordResponse(statusCode: Int) {
        HTTPConventions.record(statusCode: statusCode, kind: .server, on: span)
    }
}
