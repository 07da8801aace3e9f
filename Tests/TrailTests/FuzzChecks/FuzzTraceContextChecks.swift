@testable import Trail

/// The property checks of the fuzz targets, one function per target. Each takes the raw input and
/// throws a ``FuzzFailure`` when the library breaks a rule of PROTOCOLS.md §1–2.
enum FuzzChecks {
    // MARK: traceparent + tracestate

    /// Input: the first line is the `traceparent` value, each further line (at most 8) one
    /// `tracestate` field.
    ///
    /// Checks: the parser agrees with a plain reading of the receiver algorithm (§1.3); an extracted
    /// context has valid ids and a trace state of at most 32 valid, unique members (none when the
    /// header is invalid as a whole); injecting it writes one 55-character version-00 `traceparent`
    /// and at most 512 characters of `tracestate`, made of whole entries in order; extracting that
    /// again gives the same context, and injecting once more the same headers.
    static func traceContext(_ bytes: [UInt8]) throws(FuzzFailure) {
        let lines = FuzzInput.lines(bytes, limit: 9)
        let traceparent = lossyText(lines[0])
        let stateFields = lines.dropFirst().map { lossyText($0) }
        var carrier = HTTPHeaderList()
        carrier.append("traceparent", traceparent)
        for field in stateFields { carrier.append("tracestate", field) }

        let expected = referenceTraceparent(traceparent)
        let parsed = TraceContextPropagator.parseTraceparent(traceparent)
        try fuzzRequire(
            parsed?.traceID.hexString == expected?.traceID && parsed?.spanID.hexString == expected?.spanID
                && parsed?.traceFlags.rawValue == expected?.flags,
            "parseTraceparent(\(traceparent.debugDescription)) = \(String(describing: parsed)), expected \(String(describing: expected))")

        let propagator = TraceContextPropagator()
        let context = propagator.extract(from: carrier)
        guard let spanContext = context.spanContext else {
            try fuzzRequire(expected == nil, "a valid traceparent was not extracted")
            return
        }
        try fuzzRequire(expected != nil, "an invalid traceparent was extracted")
        try fuzzRequire(spanContext.isValid && spanContext.isRemote, "extracted ids invalid or not remote")
        try fuzzRequire(spanContext.traceID.hexString == expected?.traceID, "trace id differs from the header")

        let state = spanContext.traceState
        try checkTraceState(state)
        let members = stateFields.joined(separator: ",").utf8
            .split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            .filter { !trimmedOWS(lossyText($0)).isEmpty }.count
        if members > TraceState.maximumMembers {
            try fuzzRequire(state.isEmpty, "a tracestate of \(members) members was kept")
        }

        var injected = HTTPHeaderList()
        propagator.inject(context, into: &injected)
        let flags = TraceFlags(rawValue: spanContext.traceFlags.rawValue & TraceFlags.known.rawValue)
        let outgoing = "00-\(spanContext.traceID.hexString)-\(spanContext.spanID.hexString)-\(flags.hexString)"
        try fuzzRequire(injected.values(forHeader: "traceparent") == [outgoing], "injected traceparent: \(injected.fields)")
        try fuzzRequire(outgoing.utf8.count == 55, "traceparent is not 55 characters")
        let outState = injected.values(forHeader: "tracestate")
        try fuzzRequire(outState.count <= 1, "more than one tracestate field injected")
        if let value = outState.first {
            try fuzzRequire(!value.isEmpty && value.utf8.count <= TraceState.maximumHeaderLength, "injected tracestate of \(value.utf8.count) characters")
        } else {
            // Truncation stops as soon as the list fits, so it empties it only for an entry too long alone.
            try fuzzRequire(state.isEmpty || state.entries.contains { TraceState.length(of: $0) > TraceState.maximumHeaderLength },
                            "a non-empty trace state was dropped whole")
        }
        let sentState = TraceState(headerValue: outState.first ?? "")
        try fuzzRequire(sentState != nil, "the injected tracestate does not parse: \(outState)")
        let sent = sentState?.entries ?? []
        try fuzzRequire(isSubsequence(sent, of: state.entries), "injected tracestate is not whole entries in order")
        if TraceState.serializedLength(of: state.entries) <= TraceState.maximumHeaderLength {
            try fuzzRequire(sent == state.entries, "a tracestate within 512 characters was changed")
        }

        let again = propagator.extract(from: injected)
        try fuzzRequire(again.spanContext?.traceID == spanContext.traceID && again.spanContext?.spanID == spanContext.spanID
                            && again.spanContext?.traceFlags == flags && again.spanContext?.traceState.entries == sent,
                        "inject then extract changed the context")
        var reinjected = HTTPHeaderList()
        propagator.inject(again, into: &reinjected)
        try fuzzRequire(reinjected == injected, "a second inject differs: \(reinjected.fields) vs \(injected.fields)")
    }

    /// A plain reading of the receiver algorithm of §1.3, written apart from the library's parser.
    static func referenceTraceparent(_ value: String) -> (traceID: String, spanID: String, flags: UInt8)? {
        let b = trimmedOWS(value)
        let dash = UInt8(ascii: "-")
        guard b.count >= 55, isHex(b[0..<2], uppercase: false), b[2] == dash else { return nil }
        let version = lossyText(b[0..<2])
        guard version != "ff" else { return nil }
        if version == "00", b.count != 55 { return nil }
        if b.count > 55, b[55] != dash { return nil }
        guard isHex(b[3..<35], uppercase: false), b[35] == dash, isHex(b[36..<52], uppercase: false), b[52] == dash,
              isHex(b[53..<55], uppercase: false), let flags = UInt8(lossyText(b[53..<55]), radix: 16)
        else { return nil }
        let traceID = lossyText(b[3..<35]), spanID = lossyText(b[36..<52])
        guard !isAllZeros(traceID), !isAllZeros(spanID) else { return nil }
        return (traceID, spanID, flags & 0x03)
    }

    /// At most 32 members, each with a valid key and value (§1.4), keys unique.
    static func checkTraceState(_ state: TraceState) throws(FuzzFailure) {
        try fuzzRequire(state.count <= TraceState.maximumMembers, "trace state of \(state.count) members")
        var keys = Set<[UInt8]>()
        for entry in state.entries {
            let key = Array(entry.key.utf8), value = Array(entry.value.utf8)
            let keyOK = (1...256).contains(key.count) && key.enumerated().allSatisfy { index, c in
                let lowerOrDigit = (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                return lowerOrDigit || (index > 0 && "_-*/@".utf8.contains(c))
            }
            let valueOK = (1...256).contains(value.count) && value.last != 0x20
                && value.allSatisfy { $0 >= 0x20 && $0 <= 0x7E && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "=") }
            try fuzzRequire(keyOK && valueOK, "invalid tracestate member \(entry.key.debugDescription)=\(entry.value.debugDescription)")
            try fuzzRequire(keys.insert(key).inserted, "tracestate key \(entry.key) repeats")
        }
    }

    /// `true` when `part` is `whole` with some elements left out, the rest in order.
    static func isSubsequence<T: Equatable>(_ part: [T], of whole: [T]) -> Bool {
        var index = whole.startIndex
        for element in part {
            guard let found = whole[index...].firstIndex(of: element) else { return false }
            index = found + 1
        }
        return true
    }
}
