/// Writes trace context into outgoing headers and reads it from incoming ones, in one wire format
/// (W3C `traceparent`, `baggage`, B3, Jaeger …).
///
/// Extraction never throws and never traps: input that is missing or malformed in any way leaves the
/// context as it was, so a server simply starts a new trace.
///
/// ```swift
/// // Server: continue the caller's trace.
/// let context = propagator.extract(from: requestHeaders, into: Context.current)
/// try await context.restore { try await tracer.withSpan("GET /items", kind: .server) { _ in … } }
///
/// // Client: send the current trace on.
/// propagator.inject(Context.current, into: &request)
/// ```
public protocol Propagator: Sendable {
    /// The header names this propagator writes, lowercase (Jaeger's `uberctx-` baggage headers,
    /// whose names depend on the keys, are not listed).
    var fields: [String] { get }

    /// Writes the context's span context (and, depending on the format, its baggage) into `carrier`.
    /// Writes nothing for a context without a valid span context.
    func inject(_ context: Context, into carrier: inout some HeaderCarrier)

    /// Returns `context` updated from `carrier`: when a valid span context is found, ``Context/span``
    /// becomes a non-recording ``Span/init(remote:)`` for it (with ``SpanContext/isRemote`` set), and
    /// baggage found is merged into ``Context/baggage``. Returns `context` unchanged when nothing
    /// valid is found.
    func extract(from carrier: some HeaderCarrier, into context: Context) -> Context
}

extension Propagator {
    /// Injects `Context.current`.
    public func inject(into carrier: inout some HeaderCarrier) {
        inject(Context.current, into: &carrier)
    }

    /// Extracts into an empty context (no local span, no baggage).
    public func extract(from carrier: some HeaderCarrier) -> Context {
        extract(from: carrier, into: Context())
    }
}

extension Context {
    /// This context with a remote parent `spanContext` as its span.
    ///
    /// The debug flag describes one incoming span context: it is set from `debug`, and kept from
    /// this context only when the new span context has the same ids as the current one (two formats
    /// carrying the same parent), so a flag never leaks onto an unrelated trace.
    func withRemoteParent(_ spanContext: SpanContext, debug: Bool) -> Context {
        var remote = spanContext
        remote.isRemote = true
        let previous = span?.context
        let sameParent = previous?.traceID == remote.traceID && previous?.spanID == remote.spanID
        var copy = self
        copy.span = Span(remote: remote)
        copy.isDebugSampled = debug || (sameParent && isDebugSampled)
        return copy
    }

    /// The span context to inject: the active span's, when its ids are valid.
    var injectableSpanContext: SpanContext? {
        guard let spanContext = span?.context, spanContext.isValid else { return nil }
        return spanContext
    }
}

/// A span context read from headers, with the debug flag of the formats that have one.
struct ExtractedParent {
    var spanContext: SpanContext
    var debug: Bool
}
