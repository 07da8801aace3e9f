@testable import Trail

extension FuzzChecks {
    // MARK: baggage

    /// Input: each line (at most 8) is one `baggage` field.
    ///
    /// Checks (§1.7): extracted baggage has at most 64 members with valid, unique keys and valid
    /// properties, and its header takes at most 8192 bytes; injecting it writes one field within the
    /// limits that extracts to the same baggage. Then the same lines are read as `key=value;metadata`
    /// and set through ``Baggage/setting(_:_:metadata:)``: every value (any Unicode text) comes back
    /// byte for byte from the header it produces, and a baggage within the limits comes back whole.
    static func baggage(_ bytes: [UInt8]) throws(FuzzFailure) {
        let lines = FuzzInput.lines(bytes, limit: 8)
        var carrier = HTTPHeaderList()
        for line in lines { carrier.append("baggage", lossyText(line)) }
        let propagator = BaggagePropagator()
        let baggage = propagator.extract(from: carrier).baggage
        try checkBaggage(baggage)

        var injected = HTTPHeaderList()
        propagator.inject(Context(baggage: baggage), into: &injected)
        let sent = injected.values(forHeader: "baggage")
        try fuzzRequire(sent.count == (baggage.isEmpty ? 0 : 1), "injected \(sent.count) baggage fields for \(baggage.count) entries")
        let again = propagator.extract(from: injected).baggage
        try fuzzRequire(sameEntries(again, baggage), "baggage changed through inject and extract: \(sent)")

        // The API: arbitrary values set, then written and read back.
        var built = Baggage()
        for line in lines {
            let equals = line.firstIndex(of: UInt8(ascii: "=")) ?? line.endIndex
            let rest = equals < line.endIndex ? line[(equals + 1)...] : []
            let semicolon = rest.firstIndex(of: UInt8(ascii: ";"))
            let value = lossyText(semicolon.map { rest[..<$0] } ?? rest)
            let metadata = semicolon.map { lossyText(rest[($0 + 1)...]) }
            if let updated = try? built.setting(lossyText(line[..<equals]), value, metadata: metadata) { built = updated }
        }
        let header = built.headerValue
        let parsed = Baggage(headerValue: header)
        try checkBaggage(parsed)
        try fuzzRequire(parsed.headerValue == header, "a written baggage header reads back differently: \(header.debugDescription)")
        for entry in parsed.entries {
            let original = built.entry(forKey: entry.key)
            try fuzzRequire(original.map { Array($0.value.utf8) == Array(entry.value.utf8) && $0.metadata == entry.metadata } == true,
                            "\(entry.key): \(entry.value.debugDescription) read back, \(String(describing: original)) set")
        }
        let fullSize = built.entries.reduce(max(0, built.count - 1)) { $0 + Baggage.encode($1).utf8.count }
        if built.count <= Baggage.maximumMembers, fullSize <= Baggage.maximumBytes {
            try fuzzRequire(parsed.count == built.count, "a baggage within the limits lost members: \(header.debugDescription)")
        }
    }

    /// Within the propagation limits, keys unique RFC 7230 tokens, properties valid.
    static func checkBaggage(_ baggage: Baggage) throws(FuzzFailure) {
        try fuzzRequire(baggage.count <= Baggage.maximumMembers, "\(baggage.count) baggage members")
        let header = baggage.headerValue
        try fuzzRequire(header.utf8.count <= Baggage.maximumBytes, "baggage header of \(header.utf8.count) bytes")
        try fuzzRequire(header.isEmpty ? baggage.isEmpty : header.utf8.split(separator: UInt8(ascii: ",")).count == baggage.count,
                        "the header does not hold every member: \(header.debugDescription)")
        var keys = Set<[UInt8]>()
        for entry in baggage.entries {
            try fuzzRequire(isToken(entry.key.utf8), "baggage key \(entry.key.debugDescription) is not a token")
            try fuzzRequire(keys.insert(Array(entry.key.utf8)).inserted, "baggage key \(entry.key) repeats")
            if let metadata = entry.metadata {
                try fuzzRequire(!metadata.isEmpty && Baggage.isValidMetadata(metadata), "metadata \(metadata.debugDescription)")
            }
        }
    }

    /// Equal keys, values (byte for byte) and metadata, in order.
    static func sameEntries(_ a: Baggage, _ b: Baggage) -> Bool {
        a.count == b.count && zip(a.entries, b.entries).allSatisfy {
            $0.key == $1.key && Array($0.value.utf8) == Array($1.value.utf8) && $0.metadata == $1.metadata
        }
    }

    /// An RFC 7230 token: letters, digits and ``!#$%&'*+-.^_`|~``, at least one.
    static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || "!#$%&'*+-.^_`|~".utf8.contains(c)
        }
    }
}
