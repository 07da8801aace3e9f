/// W3C Trace Context: the `traceparent` and `tracestate` headers (`OTEL_PROPAGATORS` name
/// `tracecontext`).
///
/// Extraction follows the receiver algorithm of the spec:
/// - there must be exactly one `traceparent` field; more than one is invalid;
/// - spaces and tabs around the value are ignored;
/// - the version is two lowercase hex digits followed by `-`, and not `ff`; version `00` is exactly
///   55 characters; a higher version is at least 55 characters and, when longer, has `-` at
///   offset 55, and only the version-00 fields are read ("Vendors MUST NOT parse or assume anything
///   about unknown fields");
/// - ids are lowercase hex and not all zero ("Vendors MUST ignore the traceparent when the
///   parent-id is invalid (for example, if it contains non-lowercase hex characters)");
/// - the flags are kept as `incoming & 0x03`: "Vendors MUST set those [reserved bits] to zero";
/// - `tracestate` is read only with a valid `traceparent` ("If the vendor failed to parse
///   traceparent, it MUST NOT attempt to parse tracestate"); several fields are combined with `,`;
///   an invalid `tracestate` is dropped whole without affecting `traceparent`.
///
/// Injection writes version `00` (55 characters, lowercase, reserved flag bits cleared) in a single
/// `traceparent` field, and `tracestate` only when it is not empty, truncated to 512 characters by
/// whole entries.
public struct TraceContextPropagator: Propagator {
    /// The W3C Trace Context propagator.
    public init() {}

    public var fields: [String] { ["traceparent", "tracestate"] }

    public func inject(_ context: Context, into carrier: inout some HeaderCarrier) {
        guard let spanContext = context.injectableSpanContext else { return }
        carrier.setHeader("traceparent", spanContext.traceparent)
        let traceState = spanContext.traceState.headerValue
        if !traceState.isEmpty { carrier.setHeader("tracestate", traceState) }
    }

    public func extract(from carrier: some HeaderCarrier, into context: Context) -> Context {
        let traceparents = carrier.values(forHeader: "traceparent")
        guard traceparents.count == 1,
              let parsed = Self.parseTraceparent(traceparents[0])
        else { return context }
        let traceStateFields = carrier.values(forHeader: "tracestate")
        let traceState = traceStateFields.isEmpty ? TraceState() : (TraceState(headerFields: traceStateFields) ?? TraceState())
        let spanContext = SpanContext(
            traceID: parsed.traceID, spanID: parsed.spanID, traceFlags: parsed.traceFlags,
            traceState: traceState, isRemote: true)
        return context.withRemoteParent(spanContext, debug: false)
    }

    /// The ids and flags of a `traceparent` value, or `nil` when it is invalid by the receiver
    /// algorithm described on ``TraceContextPropagator``. Reserved flag bits are cleared.
    public static func parseTraceparent(
        _ value: some StringProtocol
    ) -> (traceID: TraceID, spanID: SpanID, traceFlags: TraceFlags)? {
        let utf8 = Substring(value).utf8.trimmingOWS()
        let count = utf8.count
        guard count >= 55 else { return nil }
        let bytes = Array(utf8)
        func isLowerHex(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy { Hex.nibble($0, allowUppercase: false) != nil }
        }
        let dash = UInt8(ascii: "-")
        guard isLowerHex(0..<2), bytes[2] == dash else { return nil }
        let isVersion00 = bytes[0] == UInt8(ascii: "0") && bytes[1] == UInt8(ascii: "0")
        let isVersionFF = bytes[0] == UInt8(ascii: "f") && bytes[1] == UInt8(ascii: "f")
        guard !isVersionFF else { return nil }
        if isVersion00 {
            guard count == 55 else { return nil }
        } else if count > 55 {
            guard bytes[55] == dash else { return nil }
        }
        guard isLowerHex(3..<35), bytes[35] == dash,
              isLowerHex(36..<52), bytes[52] == dash,
              isLowerHex(53..<55),
              let high = Hex.parse(bytes[3..<19], allowUppercase: false),
              let low = Hex.parse(bytes[19..<35], allowUppercase: false),
              let span = Hex.parse(bytes[36..<52], allowUppercase: false),
              let flags = Hex.parse(bytes[53..<55], allowUppercase: false)
        else { return nil }
        let traceID = TraceID(high: high, low: low)
        let spanID = SpanID(span)
        guard traceID.isValid, spanID.isValid else { return nil }
        let traceFlags = TraceFlags(rawValue: UInt8(truncatingIfNeeded: flags)).intersection(.known)
        return (traceID, spanID, traceFlags)
    }
}

extension SpanContext {
    /// Parses a W3C `traceparent` value (see ``TraceContextPropagator``); `nil` when it is invalid.
    /// The context is remote unless `isRemote` says otherwise.
    public init?(traceparent: some StringProtocol, traceState: TraceState = TraceState(), isRemote: Bool = true) {
        guard let parsed = TraceContextPropagator.parseTraceparent(traceparent) else { return nil }
        self.init(
            traceID: parsed.traceID, spanID: parsed.spanID, traceFlags: parsed.traceFlags,
            traceState: traceState, isRemote: isRemote)
    }
}
