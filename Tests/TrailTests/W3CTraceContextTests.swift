import Testing
import Trail

@Suite struct W3CTraceContextTests {
    let propagator = TraceContextPropagator()
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let spanID = "00f067aa0ba902b7"
    static let valid = "00-\(traceID)-\(spanID)-01"

    private func extract(_ headers: HTTPHeaderList) -> SpanContext? {
        propagator.extract(from: headers, into: Context()).spanContext
    }

    private func extract(traceparent: String, tracestate: String? = nil) -> SpanContext? {
        var headers: HTTPHeaderList = [("traceparent", traceparent)]
        if let tracestate { headers.append("tracestate", tracestate) }
        return extract(headers)
    }

    // MARK: traceparent

    @Test func aValidTraceparentBecomesARemoteNonRecordingParent() throws {
        let context = propagator.extract(from: ["traceparent": Self.valid], into: Context())
        let span = try #require(context.span)
        #expect(span.context.traceID.hexString == Self.traceID)
        #expect(span.context.spanID.hexString == Self.spanID)
        #expect(span.context.traceFlags == .sampled)
        #expect(span.context.isRemote)
        #expect(!span.isRecording)
    }

    @Test func theHeaderNameIsCaseInsensitive() {
        #expect(extract([("TraceParent", Self.valid)]) != nil)
    }

    @Test func whitespaceAroundTheValueIsTolerated() {
        #expect(extract(traceparent: " \t\(Self.valid)\t ")?.traceID.hexString == Self.traceID)
    }

    @Test func aVersion00ValueWithAnExtraCharacterIsInvalid() {
        #expect(extract(traceparent: Self.valid + ".") == nil)
        #expect(extract(traceparent: Self.valid + "-what-the-future-will-be-like") == nil)
    }

    @Test func aHigherVersionWithExtraFieldsIsReadAtTheVersion00Offsets() throws {
        let context = try #require(extract(traceparent: "cc-\(Self.traceID)-\(Self.spanID)-01-what-the-future-will-be-like"))
        #expect(context.traceID.hexString == Self.traceID)
        #expect(context.spanID.hexString == Self.spanID)
        #expect(context.traceFlags == .sampled)
        #expect(extract(traceparent: "cc-\(Self.traceID)-\(Self.spanID)-01") != nil)
    }

    @Test func aHigherVersionLongerThan55CharactersNeedsADashAfterTheFlags() {
        #expect(extract(traceparent: "cc-\(Self.traceID)-\(Self.spanID)-01.what-the-future-will-be-like") == nil)
        #expect(extract(traceparent: "cc-\(Self.traceID)-\(Self.spanID)-010") == nil)
    }

    @Test func downstreamTheVersionIsAlways00() throws {
        let context = propagator.extract(from: ["traceparent": "cc-\(Self.traceID)-\(Self.spanID)-01-future"], into: Context())
        var out: [String: String] = [:]
        propagator.inject(context, into: &out)
        #expect(out["traceparent"] == Self.valid)
    }

    @Test func versionFFIsForbidden() {
        #expect(extract(traceparent: "ff-\(Self.traceID)-\(Self.spanID)-01") == nil)
    }

    @Test func aVersionThatIsNotTwoLowercaseHexDigitsFollowedByADashIsInvalid() {
        for version in ["0g", "GG", "0A", "zz", "-0"] {
            #expect(extract(traceparent: "\(version)-\(Self.traceID)-\(Self.spanID)-01") == nil, "\(version)")
        }
        #expect(extract(traceparent: "000\(Self.traceID)-\(Self.spanID)-01") == nil)
        #expect(extract(traceparent: "0-\(Self.traceID)-\(Self.spanID)-01x") == nil)
    }

    @Test func uppercaseHexIsInvalidInEveryField() {
        #expect(extract(traceparent: "00-\(Self.traceID.uppercased())-\(Self.spanID)-01") == nil)
        #expect(extract(traceparent: "00-\(Self.traceID)-\(Self.spanID.uppercased())-01") == nil)
        #expect(extract(traceparent: "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01") == nil)
        #expect(extract(traceparent: "00-\(Self.traceID)-\(Self.spanID)-0A") == nil)
    }

    @Test func allZeroTraceIDOrParentIDIsInvalid() {
        #expect(extract(traceparent: "00-00000000000000000000000000000000-\(Self.spanID)-01") == nil)
        #expect(extract(traceparent: "00-\(Self.traceID)-0000000000000000-01") == nil)
    }

    @Test func wrongSeparatorsOrNonHexCharactersAreInvalid() {
        #expect(extract(traceparent: "00-\(Self.traceID)_\(Self.spanID)-01") == nil)
        #expect(extract(traceparent: "00-\(Self.traceID)-\(Self.spanID)_01") == nil)
        #expect(extract(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e473g-\(Self.spanID)-01") == nil)
        #expect(extract(traceparent: "00-\(Self.traceID)-00f067aa0ba902bx-01") == nil)
        #expect(extract(traceparent: "00-\(Self.traceID)-\(Self.spanID)-0x") == nil)
        #expect(extract(traceparent: "00-\(Self.traceID)-\(Self.spanID)-1") == nil)
        #expect(extract(traceparent: "") == nil)
        #expect(extract(traceparent: "00-\u{e9}\(Self.traceID.dropFirst(2))-\(Self.spanID)-01") == nil)
    }

    @Test func reservedFlagBitsAreClearedOnExtraction() {
        #expect(extract(traceparent: "00-\(Self.traceID)-\(Self.spanID)-ff")?.traceFlags.rawValue == 0x03)
        #expect(extract(traceparent: "00-\(Self.traceID)-\(Self.spanID)-09")?.traceFlags.rawValue == 0x01)
        #expect(extract(traceparent: "00-\(Self.traceID)-\(Self.spanID)-02")?.traceFlags == .random)
    }

    @Test func aDuplicatedTraceparentIsInvalidEvenWhenBothAreEqual() {
        #expect(extract([("traceparent", Self.valid), ("traceparent", Self.valid)]) == nil)
        #expect(extract([("traceparent", Self.valid), ("Traceparent", "00-\(Self.traceID)-1111111111111111-01")]) == nil)
        #expect(propagator.extract(from: ["traceparent": Self.valid, "TRACEPARENT": Self.valid], into: Context()).span == nil)
    }

    @Test func aFoldedDuplicatedTraceparentFailsOnLength() {
        #expect(extract(traceparent: "\(Self.valid), \(Self.valid)") == nil)
    }

    @Test func anInvalidTraceparentLeavesTheContextAsItWas() throws {
        let baggage = try Baggage().setting("k", "v")
        let local = SpanContext(traceID: TraceID(high: 1, low: 2), spanID: SpanID(3))
        let before = Context(span: Span(remote: local), baggage: baggage)
        let after = propagator.extract(from: ["traceparent": "garbage", "tracestate": "a=1"], into: before)
        #expect(after.spanContext == local)
        #expect(after.baggage == baggage)
    }

    // MARK: tracestate

    @Test func tracestateIsExtractedWithAValidTraceparent() throws {
        let context = try #require(extract(traceparent: Self.valid, tracestate: "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7"))
        #expect(context.traceState.entries.map(\.key) == ["congo", "rojo"])
    }

    @Test func tracestateWithoutTraceparentIsDiscarded() {
        #expect(propagator.extract(from: ["tracestate": "a=1"], into: Context()).span == nil)
    }

    @Test func multipleTracestateFieldsAreCombinedInOrder() throws {
        let context = try #require(extract([("traceparent", Self.valid), ("tracestate", "a=1"), ("TraceState", "b=2,c=3")]))
        #expect(context.traceState.headerValue == "a=1,b=2,c=3")
    }

    @Test func anInvalidTracestateIsDroppedWithoutAffectingTraceparent() throws {
        let thirtyThree = (0..<33).map { "k\($0)=v" }.joined(separator: ",")
        let longKey = String(repeating: "k", count: 257) + "=v"
        for tracestate in [thirtyThree, longKey, "foo=,bar=3", "foo=1\tx", "Foo=1"] {
            let context = try #require(extract(traceparent: Self.valid, tracestate: tracestate))
            #expect(context.traceID.hexString == Self.traceID)
            #expect(context.traceState.isEmpty, "\(tracestate)")
        }
    }

    @Test func oneInvalidTracestateFieldDropsTheCombinedValue() throws {
        let context = try #require(extract([("traceparent", Self.valid), ("tracestate", "a=1"), ("tracestate", "b=")]))
        #expect(context.traceState.isEmpty)
    }

    // MARK: inject

    @Test func injectionWritesA55CharacterVersion00LowercaseTraceparent() throws {
        let spanContext = SpanContext(traceID: TraceID(high: 0xABCD, low: 0x1234), spanID: SpanID(0xFEDC), traceFlags: .sampled)
        var headers = HTTPHeaderList()
        propagator.inject(Context(span: Span(remote: spanContext)), into: &headers)
        #expect(headers.fields == [.init(name: "traceparent", value: "00-000000000000abcd0000000000001234-000000000000fedc-01")])
    }

    @Test func injectionClearsReservedFlagBits() {
        let spanContext = SpanContext(traceID: TraceID(high: 1, low: 1), spanID: SpanID(1), traceFlags: TraceFlags(rawValue: 0xFF))
        var headers: [String: String] = [:]
        propagator.inject(Context(span: Span(remote: spanContext)), into: &headers)
        #expect(headers["traceparent"]?.hasSuffix("-03") == true)
    }

    @Test func injectionReplacesAnExistingTraceparentWithOneField() throws {
        var headers: HTTPHeaderList = [("Traceparent", "old"), ("traceparent", "older")]
        let context = propagator.extract(from: ["traceparent": Self.valid], into: Context())
        propagator.inject(context, into: &headers)
        #expect(headers.values(forHeader: "traceparent") == [Self.valid])
    }

    @Test func tracestateIsInjectedOnlyWhenNotEmpty() throws {
        var headers: [String: String] = [:]
        propagator.inject(propagator.extract(from: ["traceparent": Self.valid], into: Context()), into: &headers)
        #expect(Set(headers.keys) == ["traceparent"])
        headers = [:]
        let withState = propagator.extract(from: ["traceparent": Self.valid, "tracestate": "a=1, b= 2"], into: Context())
        propagator.inject(withState, into: &headers)
        #expect(headers["tracestate"] == "a=1,b= 2")
    }

    @Test func injectedTracestateIsTruncatedTo512Characters() throws {
        var state = TraceState()
        for i in 0..<20 { state = try state.setting("k\(i)", String(repeating: "v", count: 60)) }
        let spanContext = SpanContext(traceID: TraceID(high: 1, low: 1), spanID: SpanID(1), traceState: state)
        var headers: [String: String] = [:]
        propagator.inject(Context(span: Span(remote: spanContext)), into: &headers)
        #expect(try #require(headers["tracestate"]).utf8.count <= 512)
    }

    @Test func nothingIsInjectedWithoutAValidSpanContext() {
        var headers: [String: String] = [:]
        propagator.inject(Context(), into: &headers)
        let invalid = SpanContext(traceID: .invalid, spanID: SpanID(1))
        propagator.inject(Context(span: Span(remote: invalid)), into: &headers)
        let invalidSpan = SpanContext(traceID: TraceID(high: 0, low: 1), spanID: .invalid)
        propagator.inject(Context(span: Span(remote: invalidSpan)), into: &headers)
        #expect(headers.isEmpty)
    }

    @Test func spanContextCanBeParsedDirectlyFromATraceparent() {
        #expect(SpanContext(traceparent: Self.valid)?.isRemote == true)
        #expect(SpanContext(traceparent: "00-\(Self.traceID)-\(Self.spanID)-01-x") == nil)
        #expect(propagator.fields == ["traceparent", "tracestate"])
    }

    @Test func randomContextsSurviveInjectionAndExtraction() throws {
        var rng = SeededGenerator(seed: 0x3c_0000_0001)
        for _ in 0..<500 {
            let traceID = TraceID(high: rng.next() >> UInt64.random(in: 0...63, using: &rng),
                                  low: rng.next() >> UInt64.random(in: 0...63, using: &rng) | 1)
            let spanID = SpanID(rng.next() | (Bool.random(using: &rng) ? 0 : 1) | 0x10)
            let flags = TraceFlags(rawValue: UInt8.random(in: 0...255, using: &rng))
            let sent = SpanContext(traceID: traceID, spanID: spanID, traceFlags: flags)
            var headers = HTTPHeaderList()
            propagator.inject(Context(span: Span(remote: sent)), into: &headers)
            let value = try #require(headers["traceparent"])
            #expect(value.utf8.count == 55)
            #expect(value == value.lowercased())
            let received = try #require(propagator.extract(from: headers, into: Context()).spanContext)
            #expect(received.traceID == traceID)
            #expect(received.spanID == spanID)
            #expect(received.traceFlags.rawValue == flags.rawValue & 0x03)
            #expect(received.isRemote)
        }
    }
}
