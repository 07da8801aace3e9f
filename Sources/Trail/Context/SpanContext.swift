/// The part of a span that crosses process boundaries: ids, flags and vendor trace state.
///
/// A `SpanContext` is what `traceparent`/`tracestate` carry and what every log line written inside a
/// span is correlated with.
public struct SpanContext: Hashable, Sendable, CustomStringConvertible {
    public var traceID: TraceID
    public var spanID: SpanID
    public var traceFlags: TraceFlags
    public var traceState: TraceState
    /// `true` when this context was extracted from an incoming request rather than created here.
    public var isRemote: Bool

    @inlinable
    public init(
        traceID: TraceID, spanID: SpanID, traceFlags: TraceFlags = [],
        traceState: TraceState = TraceState(), isRemote: Bool = false
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.traceFlags = traceFlags
        self.traceState = traceState
        self.isRemote = isRemote
    }

    /// Both ids are non-zero.
    @inlinable
    public var isValid: Bool { traceID.isValid && spanID.isValid }

    /// The sampled flag (bit 0 of the trace flags).
    @inlinable
    public var isSampled: Bool { traceFlags.contains(.sampled) }

    /// The version-00 `traceparent` value: `00-<trace id>-<span id>-<flags>`, 55 characters.
    public var traceparent: String {
        "00-\(traceID.hexString)-\(spanID.hexString)-\(TraceFlags(rawValue: traceFlags.rawValue & TraceFlags.known.rawValue).hexString)"
    }

    public var description: String { traceparent }
}
