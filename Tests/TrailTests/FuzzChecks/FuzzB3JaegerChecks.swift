@testable import Trail

extension FuzzChecks {
    // MARK: B3

    /// Input: `name:value` header lines (at most 12), so both the single `b3` header and the
    /// `X-B3-*` headers, repeated or not, in any case.
    ///
    /// Checks (§2.1): the extracted parent is the one a plain reading of the rules gives (single
    /// header first, then the multiple headers, first value wins, `b3: 0` denies); debug implies
    /// sampled; injecting in either encoding writes lowercase 32/16-digit ids, never
    /// `X-B3-ParentSpanId`, debug as `d` or `X-B3-Flags: 1` alone, and extracts to the same parent.
    static func b3(_ bytes: [UInt8]) throws(FuzzFailure) {
        let carrier = FuzzInput.headers(bytes, limit: 12)
        let context = B3Propagator().extract(from: carrier)
        let expected = referenceB3(carrier)
        let found = context.spanContext.map { ($0.traceID.hexString, $0.spanID.hexString, $0.isSampled, context.isDebugSampled) }
        try fuzzRequire(found?.0 == expected?.traceID && found?.1 == expected?.spanID && found?.2 == expected?.sampled
                            && found?.3 == expected?.debug,
                        "B3 extracted \(String(describing: found)), expected \(String(describing: expected)) from \(carrier.fields)")
        guard let spanContext = context.spanContext else { return }
        try fuzzRequire(spanContext.isValid && spanContext.isRemote, "extracted B3 ids invalid or not remote")

        for encoding in [B3Propagator.Encoding.single, .multiple] {
            var injected = HTTPHeaderList()
            B3Propagator(encoding: encoding).inject(context, into: &injected)
            try fuzzRequire(injected.values(forHeader: "x-b3-parentspanid").isEmpty, "X-B3-ParentSpanId injected")
            let ids = "\(spanContext.traceID.hexString)-\(spanContext.spanID.hexString)"
            let state = context.isDebugSampled ? "d" : spanContext.isSampled ? "1" : "0"
            switch encoding {
            case .single:
                try fuzzRequire(injected.fields.map(\.name) == ["b3"] && injected["b3"] == "\(ids)-\(state)", "b3 injected: \(injected.fields)")
            case .multiple:
                let decision = context.isDebugSampled ? ("x-b3-flags", "1") : ("x-b3-sampled", state)
                let names = injected.fields.map(\.name), values = injected.fields.map(\.value)
                try fuzzRequire(names == ["x-b3-traceid", "x-b3-spanid", decision.0]
                                    && values == [spanContext.traceID.hexString, spanContext.spanID.hexString, decision.1],
                                "X-B3 injected: \(injected.fields)")
            }
            let again = B3Propagator().extract(from: injected)
            try fuzzRequire(again.spanContext?.traceID == spanContext.traceID && again.spanContext?.spanID == spanContext.spanID
                                && again.spanContext?.traceFlags == spanContext.traceFlags && again.isDebugSampled == context.isDebugSampled,
                            "B3 \(encoding) inject then extract changed the parent")
        }
    }

    /// The parent §2.1 reads from `carrier`, written apart from the library's parser (with its
    /// documented leniency: hex in either case, `true`/`false` for `X-B3-Sampled`).
    static func referenceB3(_ carrier: HTTPHeaderList) -> (traceID: String, spanID: String, sampled: Bool, debug: Bool)? {
        func traceID(_ b: [UInt8]) -> String? {
            guard b.count == 16 || b.count == 32, isHex(b, uppercase: true) else { return nil }
            let id = paddedLowerHex(b, width: 32)
            return isAllZeros(id) ? nil : id
        }
        func spanID(_ b: [UInt8]) -> String? {
            guard b.count == 16, isHex(b, uppercase: true) else { return nil }
            let id = paddedLowerHex(b, width: 16)
            return isAllZeros(id) ? nil : id
        }
        var denied = false
        if let single = carrier["b3"] {
            let parts = trimmedOWS(single).split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false).map(Array.init)
            if parts.count == 1 {
                denied = parts[0] == Array("0".utf8)
            } else if parts.count <= 4, let t = traceID(parts[0]), let s = spanID(parts[1]),
                      parts.count < 3 || [Array("0".utf8), Array("1".utf8), Array("d".utf8)].contains(parts[2]),
                      parts.count < 4 || spanID(parts[3]) != nil {
                let state = parts.count >= 3 ? lossyText(parts[2]) : ""
                return (t, s, state == "1" || state == "d", state == "d")
            }
        }
        func first(_ name: String) -> [UInt8]? { carrier[name].map(trimmedOWS) }
        guard let t = first("x-b3-traceid").flatMap(traceID), let s = first("x-b3-spanid").flatMap(spanID) else { return nil }
        if let parent = first("x-b3-parentspanid"), spanID(parent) == nil { return nil }
        var sampled = false, debug = false
        if let value = first("x-b3-sampled") {
            switch lossyText(value.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }) {
            case "1", "true": sampled = true
            case "0", "false": break
            default: return nil
            }
        }
        if let value = first("x-b3-flags") {
            switch lossyText(value) {
            case "1": debug = true; sampled = true
            case "0": break
            default: return nil
            }
        }
        return denied ? (t, s, false, false) : (t, s, sampled, debug)
    }

    // MARK: Jaeger

    /// Input: `name:value` header lines (at most 12): `uber-trace-id` and `uberctx-*` baggage.
    ///
    /// Checks (§2.2): an `uber-trace-id` without `%` is read as the rules say (1–32 and 1–16 hex
    /// digits left-padded, either case, non-zero, one or two flag digits, debug implies sampled);
    /// baggage keys are lowercase tokens; injecting writes `{32}:{16}:0:{0|1|3}` and one header per
    /// baggage entry, and extracting that gives the same parent and baggage.
    static func jaeger(_ bytes: [UInt8]) throws(FuzzFailure) {
        let carrier = FuzzInput.headers(bytes, limit: 12)
        let propagator = JaegerPropagator()
        let context = propagator.extract(from: carrier)
        let spanContext = context.spanContext
        if let header = carrier["uber-trace-id"], !header.contains("%") {
            let parts = trimmedOWS(header).split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map(Array.init)
            var expected: (String, String, Bool, Bool)?
            if parts.count == 4, (1...32).contains(parts[0].count), (1...16).contains(parts[1].count), (1...2).contains(parts[3].count),
               isHex(parts[0], uppercase: true), isHex(parts[1], uppercase: true), isHex(parts[3], uppercase: true),
               let flags = UInt8(lossyText(parts[3]), radix: 16) {
                let t = paddedLowerHex(parts[0], width: 32), s = paddedLowerHex(parts[1], width: 16)
                if !isAllZeros(t), !isAllZeros(s) { expected = (t, s, flags & 0x03 != 0, flags & 0x02 != 0) }
            }
            let found = spanContext.map { ($0.traceID.hexString, $0.spanID.hexString, $0.isSampled, context.isDebugSampled) }
            try fuzzRequire(found?.0 == expected?.0 && found?.1 == expected?.1 && found?.2 == expected?.2 && found?.3 == expected?.3,
                            "Jaeger extracted \(String(describing: found)), expected \(String(describing: expected)) from \(header.debugDescription)")
        }
        if let spanContext {
            try fuzzRequire(spanContext.isValid && spanContext.isRemote, "extracted Jaeger ids invalid or not remote")
            try fuzzRequire(!context.isDebugSampled || spanContext.isSampled, "debug without sampled")
        } else {
            try fuzzRequire(!context.isDebugSampled, "debug without a parent")
        }
        for entry in context.baggage.entries {
            try fuzzRequire(isToken(entry.key.utf8) && !entry.key.utf8.contains { $0 >= 0x41 && $0 <= 0x5A },
                            "Jaeger baggage key \(entry.key.debugDescription)")
        }

        var injected = HTTPHeaderList()
        propagator.inject(context, into: &injected)
        if let spanContext {
            let flags = context.isDebugSampled ? "3" : spanContext.isSampled ? "1" : "0"
            try fuzzRequire(injected.values(forHeader: "uber-trace-id") == ["\(spanContext.traceID.hexString):\(spanContext.spanID.hexString):0:\(flags)"],
                            "uber-trace-id injected: \(injected.fields)")
        }
        try fuzzRequire(injected.count == (spanContext == nil ? 0 : 1) + context.baggage.count, "injected \(injected.count) headers")
        let again = propagator.extract(from: injected)
        try fuzzRequire(again.spanContext?.traceID == spanContext?.traceID && again.spanContext?.spanID == spanContext?.spanID
                            && again.spanContext?.traceFlags == spanContext?.traceFlags && again.isDebugSampled == context.isDebugSampled,
                        "Jaeger inject then extract changed the parent")
        try fuzzRequire(again.baggage.count == context.baggage.count && zip(again.baggage.entries, context.baggage.entries).allSatisfy {
            $0.key == $1.key && Array($0.value.utf8) == Array($1.value.utf8)
        }, "Jaeger baggage changed through inject and extract")
    }
}
