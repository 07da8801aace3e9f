/// Zipkin B3 propagation: the single `b3` header (`OTEL_PROPAGATORS` name `b3`) or the
/// `X-B3-*` headers (`b3multi`).
///
/// Extraction tries the single header first, then the multiple headers, whatever the injection
/// encoding: "The single-header variant takes precedence over the multiple header one when
/// extracting fields." Its rules:
/// - trace ids are 16 or 32 hex digits, a 16-digit id is left-padded with zeros to 16 bytes; span
///   ids are 16 hex digits; either case is accepted; all-zero ids are invalid;
/// - `b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]` with sampling state `1` (accept),
///   `0` (deny) or `d` (debug); a missing state defers the decision, which Trail reads as not
///   sampled;
/// - `b3: 0` alone is a deny decision without ids: no parent is extracted. When the multiple
///   headers carry ids as well, they are used, and the deny decision clears their sampled flag;
/// - multiple headers: "When extracting state headers, the first value wins"; `X-B3-Sampled` is
///   `1`/`0`, or `true`/`false` in any case; `X-B3-Flags: 1` is debug;
/// - debug implies sampled: the OpenTelemetry rules say a propagator "MUST set the sampled trace flag
///   when the debug flag is set", and ``Context/isDebugSampled`` keeps the flag for injection;
/// - anything malformed (an empty or nonsense value in any of these fields, a bad parent span id)
///   makes the whole encoding ignored, never a crash.
///
/// Injection writes lowercase 32-digit trace ids and the sampling state (`d` when debug), and never
/// `X-B3-ParentSpanId` (OpenTelemetry: "MUST NOT propagate X-B3-ParentSpanId"). In the multiple
/// encoding, debug is sent as `X-B3-Flags: 1` without `X-B3-Sampled` ("Debug implies an accept
/// decision, so don't also send the X-B3-Sampled header"). Header names are written in lowercase.
public struct B3Propagator: Propagator {
    /// Which headers ``B3Propagator/inject(_:into:)`` writes.
    public enum Encoding: Hashable, Sendable {
        /// One `b3` header (the default, as OpenTelemetry requires).
        case single
        /// `X-B3-TraceId`, `X-B3-SpanId` and `X-B3-Sampled` or `X-B3-Flags`.
        case multiple
    }

    /// The headers written on injection; extraction reads both encodings.
    public var encoding: Encoding

    /// A B3 propagator that injects `encoding` (the single `b3` header unless told otherwise).
    public init(encoding: Encoding = .single) {
        self.encoding = encoding
    }

    public var fields: [String] {
        switch encoding {
        case .single: ["b3"]
        case .multiple: ["x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags"]
        }
    }

    public func inject(_ context: Context, into carrier: inout some HeaderCarrier) {
        guard let spanContext = context.injectableSpanContext else { return }
        let traceID = spanContext.traceID.hexString
        let spanID = spanContext.spanID.hexString
        switch encoding {
        case .single:
            let state = context.isDebugSampled ? "d" : (spanContext.isSampled ? "1" : "0")
            carrier.setHeader("b3", "\(traceID)-\(spanID)-\(state)")
        case .multiple:
            carrier.setHeader("x-b3-traceid", traceID)
            carrier.setHeader("x-b3-spanid", spanID)
            if context.isDebugSampled {
                carrier.setHeader("x-b3-flags", "1")
            } else {
                carrier.setHeader("x-b3-sampled", spanContext.isSampled ? "1" : "0")
            }
        }
    }

    public func extract(from carrier: some HeaderCarrier, into context: Context) -> Context {
        var denied = false
        if let single = carrier.firstValue(forHeader: "b3") {
            switch Self.parseSingle(single) {
            case .context(let found):
                return context.withRemoteParent(found.spanContext, debug: found.debug)
            case .denyOnly:
                denied = true
            case .malformed:
                break
            }
        }
        guard var found = Self.parseMultiple(carrier) else { return context }
        if denied {
            found.spanContext.traceFlags.remove(.sampled)
            found.debug = false
        }
        return context.withRemoteParent(found.spanContext, debug: found.debug)
    }

    // MARK: - Parsing

    enum SingleResult {
        case context(ExtractedParent)
        case denyOnly
        case malformed
    }

    static func parseSingle(_ header: String) -> SingleResult {
        let value = Substring(header).utf8.trimmingOWS()
        // At most 5 pieces (4 is the most valid): a header of a million dashes costs no million pieces.
        let parts = value.split(separator: UInt8(ascii: "-"), maxSplits: 4, omittingEmptySubsequences: false)
        if parts.count == 1 {
            // A sampling state alone; only a deny decision means something without ids.
            return parts[0].elementsEqual("0".utf8) ? .denyOnly : .malformed
        }
        guard parts.count <= 4,
              let traceID = traceID(parts[0]),
              let spanID = spanID(parts[1])
        else { return .malformed }
        var flags: TraceFlags = []
        var debug = false
        if parts.count >= 3 {
            switch Array(parts[2]) {
            case [UInt8(ascii: "1")]: flags = .sampled
            case [UInt8(ascii: "0")]: break
            case [UInt8(ascii: "d")]: flags = .sampled; debug = true
            default: return .malformed
            }
        }
        if parts.count == 4 {
            guard Self.spanID(parts[3]) != nil else { return .malformed }
        }
        return .context(ExtractedParent(
            spanContext: SpanContext(traceID: traceID, spanID: spanID, traceFlags: flags, isRemote: true),
            debug: debug))
    }

    static func parseMultiple(_ carrier: some HeaderCarrier) -> ExtractedParent? {
        func first(_ name: String) -> Substring.UTF8View? {
            carrier.firstValue(forHeader: name).map { Substring($0).utf8.trimmingOWS() }
        }
        guard let traceText = first("x-b3-traceid"), let spanText = first("x-b3-spanid"),
              let traceID = traceID(traceText), let spanID = spanID(spanText)
        else { return nil }
        if let parent = first("x-b3-parentspanid") {
            guard self.spanID(parent) != nil else { return nil }
        }
        var flags: TraceFlags = []
        var debug = false
        if let sampled = first("x-b3-sampled") {
            switch String(Substring(sampled)).lowercased() {
            case "1", "true": flags = .sampled
            case "0", "false": break
            default: return nil
            }
        }
        if let debugFlag = first("x-b3-flags") {
            switch Array(debugFlag) {
            case [UInt8(ascii: "1")]: debug = true; flags = .sampled
            case [UInt8(ascii: "0")]: break
            default: return nil
            }
        }
        return ExtractedParent(
            spanContext: SpanContext(traceID: traceID, spanID: spanID, traceFlags: flags, isRemote: true),
            debug: debug)
    }

    /// A valid trace id of 16 (left-padded) or 32 hex digits, either case.
    static func traceID(_ text: Substring.UTF8View) -> TraceID? {
        guard text.count == 16 || text.count == 32,
              let id = TraceID(hex: Substring(text), allowUppercase: true, allowShort: true), id.isValid
        else { return nil }
        return id
    }

    /// A valid span id of 16 hex digits, either case.
    static func spanID(_ text: Substring.UTF8View) -> SpanID? {
        guard let id = SpanID(hex: Substring(text), allowUppercase: true), id.isValid else { return nil }
        return id
    }
}
