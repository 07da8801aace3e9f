import Testing
import Trail

@Suite struct JaegerPropagationTests {
    let propagator = JaegerPropagator()

    private func extract(_ headers: HTTPHeaderList) -> Context {
        propagator.extract(from: headers, into: Context())
    }

    private func extract(_ value: String) -> SpanContext? {
        extract([("uber-trace-id", value)]).spanContext
    }

    @Test func theDocumentedExampleIsExtractedWithA64BitTraceIDLeftPadded() throws {
        let context = extract([("uber-trace-id", "269daf90c4589ce1:5c44cd976d8f8cd9:39e8e549de678267:1")])
        let spanContext = try #require(context.spanContext)
        #expect(spanContext.traceID.hexString == "0000000000000000269daf90c4589ce1")
        #expect(spanContext.spanID.hexString == "5c44cd976d8f8cd9")
        #expect(spanContext.isSampled)
        #expect(spanContext.isRemote)
        #expect(!context.isDebugSampled)
    }

    @Test func percentEncodedSeparatorsAreDecodedFirst() {
        #expect(extract("269daf90c4589ce1%3A5c44cd976d8f8cd9%3a39e8e549de678267%3A1")?.spanID.hexString == "5c44cd976d8f8cd9")
    }

    @Test func shortIDsAreLeftPaddedWithZeros() throws {
        let spanContext = try #require(extract("abc:def:0:1"))
        #expect(spanContext.traceID.hexString == "00000000000000000000000000000abc")
        #expect(spanContext.spanID.hexString == "0000000000000def")
    }

    @Test func a128BitTraceIDIsKeptWhole() {
        #expect(extract("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1")?.traceID.hexString == "4bf92f3577b34da6a3ce929d0e0e4736")
    }

    @Test func uppercaseHexIsAccepted() {
        #expect(extract("269DAF90C4589CE1:5C44CD976D8F8CD9:0:1")?.spanID.hexString == "5c44cd976d8f8cd9")
    }

    @Test func zeroIDsAreRejected() {
        #expect(extract("0:5c44cd976d8f8cd9:0:1") == nil)
        #expect(extract("00000000000000000000000000000000:5c44cd976d8f8cd9:0:1") == nil)
        #expect(extract("269daf90c4589ce1:0:0:1") == nil)
    }

    @Test func theParentSpanIDIsIgnored() {
        #expect(extract("269daf90c4589ce1:5c44cd976d8f8cd9:0:1") != nil)
        #expect(extract("269daf90c4589ce1:5c44cd976d8f8cd9:whatever:1") != nil)
    }

    @Test func flagsAreOneOrTwoHexDigits() {
        let prefix = "269daf90c4589ce1:5c44cd976d8f8cd9:0:"
        #expect(extract(prefix + "0")?.isSampled == false)
        #expect(extract(prefix + "1")?.isSampled == true)
        #expect(extract(prefix + "01")?.isSampled == true)
        #expect(extract(prefix + "05")?.isSampled == true)
        #expect(extract(prefix + "08")?.isSampled == false)
        for bad in ["", "001", "x", "1g"] { #expect(extract(prefix + bad) == nil, "\(bad)") }
    }

    @Test func theDebugFlagImpliesSampledAndIsKept() {
        let prefix = "269daf90c4589ce1:5c44cd976d8f8cd9:0:"
        for flags in ["2", "3", "03"] {
            let context = extract([("uber-trace-id", prefix + flags)])
            #expect(context.spanContext?.isSampled == true)
            #expect(context.isDebugSampled)
        }
    }

    @Test func malformedValuesAreIgnored() {
        for value in [
            "", ":::", "269daf90c4589ce1:5c44cd976d8f8cd9:1", "269daf90c4589ce1:5c44cd976d8f8cd9:0:1:5",
            "4bf92f3577b34da6a3ce929d0e0e47360:5c44cd976d8f8cd9:0:1", "269daf90c4589ce1:5c44cd976d8f8cd90:0:1",
            "269daf90c4589ce1-5c44cd976d8f8cd9-0-1", "269daf90c4589ce1%3Z5c44cd976d8f8cd9:0:1",
            "269daf90c4589cez:5c44cd976d8f8cd9:0:1", "269daf90c4589ce1%:5c44cd976d8f8cd9:0:1",
        ] {
            #expect(extract(value) == nil, "\(value)")
        }
    }

    @Test func injectionWritesThe128BitTraceIDAndZeroAsTheParent() {
        let spanContext = SpanContext(traceID: TraceID(high: 0, low: 0x269daf90c4589ce1), spanID: SpanID(0x5c44cd976d8f8cd9), traceFlags: .sampled)
        var headers = HTTPHeaderList()
        propagator.inject(Context(span: Span(remote: spanContext)), into: &headers)
        #expect(headers.fields == [.init(name: "uber-trace-id", value: "0000000000000000269daf90c4589ce1:5c44cd976d8f8cd9:0:1")])
        #expect(propagator.fields == ["uber-trace-id"])
    }

    @Test func injectedFlagsAreZeroOneOrThreeForDebug() {
        let spanContext = SpanContext(traceID: TraceID(high: 1, low: 2), spanID: SpanID(3))
        var context = Context(span: Span(remote: spanContext))
        var headers: [String: String] = [:]
        propagator.inject(context, into: &headers)
        #expect(headers["uber-trace-id"]?.hasSuffix(":0:0") == true)
        context.isDebugSampled = true
        propagator.inject(context, into: &headers)
        #expect(headers["uber-trace-id"]?.hasSuffix(":0:3") == true)
    }

    @Test func uberctxHeadersBecomeBaggageWithDecodedValues() {
        let context = extract([
            ("uberctx-key1", "value%201%20%2F%20blah"), ("Uberctx-User-Id", "42"), ("uberctx-plus", "a+b"),
            ("uberctx-", "no key"), ("other", "x"),
        ])
        #expect(context.span == nil)
        #expect(context.baggage["key1"] == "value 1 / blah")
        #expect(context.baggage["user-id"] == "42")
        #expect(context.baggage["plus"] == "a+b")
        #expect(context.baggage.count == 3)
    }

    @Test func baggageIsInjectedAsUberctxHeadersWithEncodedValues() throws {
        let baggage = try Baggage().setting("key1", "value 1 / blah").setting("emoji", "\u{1F600}")
        var headers = HTTPHeaderList()
        propagator.inject(Context(baggage: baggage), into: &headers)
        #expect(headers.fields == [
            .init(name: "uberctx-key1", value: "value%201%20%2F%20blah"), .init(name: "uberctx-emoji", value: "%F0%9F%98%80"),
        ])
        #expect(extract(headers).baggage == baggage)
    }

    @Test func extractedUberctxBaggageIsMergedIntoTheContext() throws {
        let before = Context(baggage: try Baggage().setting("a", "1").setting("b", "2"))
        let after = propagator.extract(from: ["uberctx-b": "3"], into: before)
        #expect(after.baggage.headerValue == "a=1,b=3")
    }

    @Test func randomContextsSurviveInjectionAndExtraction() throws {
        var rng = SeededGenerator(seed: 0x1a_e9e4)
        for _ in 0..<500 {
            let spanContext = SpanContext(
                traceID: TraceID(high: rng.next() >> UInt64.random(in: 0...63, using: &rng), low: rng.next() | 1),
                spanID: SpanID(rng.next() >> UInt64.random(in: 0...63, using: &rng) | 1),
                traceFlags: Bool.random(using: &rng) ? .sampled : [])
            var context = Context(span: Span(remote: spanContext))
            context.isDebugSampled = Int.random(in: 0..<4, using: &rng) == 0
            try expectRoundTrip(context, through: propagator)
        }
    }
}
