/// Jaeger propagation: the `uber-trace-id` header and `uberctx-{key}` baggage headers
/// (`OTEL_PROPAGATORS` name `jaeger`, deprecated in OpenTelemetry; use it to talk to services that
/// still run Jaeger clients).
///
/// `uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}`. Extraction:
/// - the value is percent-decoded first, because some clients send the separators as `%3A`;
/// - the trace id is 1 to 32 hex digits, the span id 1 to 16, both left-padded with zeros
///   ("Receivers MUST accept hex-strings shorter than 32 characters and 0-pad them on the left");
///   either case is accepted; zero ids are invalid;
/// - the parent span id is deprecated and ignored;
/// - the flags are one or two hex digits: `0x01` sampled, `0x02` debug (which implies sampled and
///   sets ``Context/isDebugSampled``); other bits are ignored;
/// - each `uberctx-{key}` header becomes a baggage entry: the key is the rest of the header name in
///   lowercase (header names are case-insensitive), the value is percent-decoded (`+` stays `+`).
///   Keys that are not valid baggage keys are skipped; so are values longer than 8192 bytes and
///   headers after the 64th entry (the baggage propagation limits).
///
/// Injection writes a 32-digit lowercase trace id, the 16-digit span id, `0` as the parent (as
/// OpenTelemetry's propagators do) and the flags as one hex digit (`0`, `1`, or `3` for debug), plus
/// one `uberctx-{key}` header per baggage entry with the value percent-encoded (everything but
/// letters, digits and `-._~`). Because header names are case-insensitive, a baggage key with
/// uppercase letters comes back lowercased on the other side.
public struct JaegerPropagator: Propagator {
    /// The Jaeger propagator.
    public init() {}

    /// The name of the trace header.
    public static let traceHeader = "uber-trace-id"
    /// The prefix of the baggage headers.
    public static let baggagePrefix = "uberctx-"

    public var fields: [String] { [Self.traceHeader] }

    public func inject(_ context: Context, into carrier: inout some HeaderCarrier) {
        if let spanContext = context.injectableSpanContext {
            let flags = context.isDebugSampled ? "3" : (spanContext.isSampled ? "1" : "0")
            carrier.setHeader(
                Self.traceHeader, "\(spanContext.traceID.hexString):\(spanContext.spanID.hexString):0:\(flags)")
        }
        for entry in context.baggage.entries {
            carrier.setHeader(
                Self.baggagePrefix + entry.key,
                HeaderSyntax.percentEncode(entry.value, allowing: HeaderSyntax.isUnreserved))
        }
    }

    public func extract(from carrier: some HeaderCarrier, into context: Context) -> Context {
        var result = context
        if let header = carrier.firstValue(forHeader: Self.traceHeader),
           let found = Self.parseTraceHeader(header) {
            result = result.withRemoteParent(found.spanContext, debug: found.debug)
        }
        var incoming = Baggage()
        carrier.forEachHeader { name, value in
            // Within the baggage limits, so work and memory are bounded however many headers come:
            // at most 64 entries, none longer than 8192 bytes (they could not be propagated anyway).
            guard HeaderSyntax.name(name, hasPrefix: Self.baggagePrefix), value.utf8.count <= Baggage.maximumBytes,
                  incoming.count < Baggage.maximumMembers
            else { return }
            let key = String(
                decoding: name.utf8.dropFirst(Self.baggagePrefix.utf8.count).map(HeaderSyntax.lowercased),
                as: UTF8.self)
            let decoded = HeaderSyntax.percentDecode(Substring(value).utf8.trimmingOWS())
            if let updated = try? incoming.setting(key, decoded) { incoming = updated }
        }
        if !incoming.isEmpty { result.baggage = result.baggage.merging(incoming) }
        return result
    }

    /// Parses an `uber-trace-id` value.
    static func parseTraceHeader(_ header: String) -> ExtractedParent? {
        guard let decoded = HeaderSyntax.strictPercentDecode(header) else { return nil }
        let value = Substring(decoded).utf8.trimmingOWS()
        let parts = value.split(separator: UInt8(ascii: ":"), maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 4,
              (1...32).contains(parts[0].count), (1...16).contains(parts[1].count),
              (1...2).contains(parts[3].count),
              let traceID = TraceID(hex: Substring(parts[0]), allowUppercase: true, allowShort: true),
              let spanID = SpanID(hex: Substring(parts[1]), allowUppercase: true, allowShort: true),
              let flagBits = Hex.parse(parts[3], allowUppercase: true),
              traceID.isValid, spanID.isValid
        else { return nil }
        let debug = flagBits & 0x02 != 0
        let flags: TraceFlags = (flagBits & 0x01 != 0 || debug) ? .sampled : []
        return ExtractedParent(
            spanContext: SpanContext(traceID: traceID, spanID: spanID, traceFlags: flags, isRemote: true),
            debug: debug)
    }
}
