import Testing
import Trail
import TrailTesting

@Suite struct B3PropagationTests {
    let single = B3Propagator()
    let multiple = B3Propagator(encoding: .multiple)
    static let traceID = "80f198ee56343ba864fe8b2a57d3eff7"
    static let spanID = "e457b5a2e4d86bd1"
    static let parentID = "05e3ac9a4f6e3b90"

    private func extract(_ headers: HTTPHeaderList) -> Context {
        single.extract(from: headers, into: Context())
    }

    private func remote(flags: TraceFlags = .sampled, debug: Bool = false) -> Context {
        let spanContext = SpanContext(
            traceID: TraceID(hex: Self.traceID)!, spanID: SpanID(hex: Self.spanID)!, traceFlags: flags)
        var context = Context(span: Span(remote: spanContext))
        context.isDebugSampled = debug
        return context
    }

    // MARK: single header

    @Test func theSingleHeaderWithAllFieldsIsExtracted() throws {
        let context = extract([("b3", "\(Self.traceID)-\(Self.spanID)-1-\(Self.parentID)")])
        let spanContext = try #require(context.spanContext)
        #expect(spanContext.traceID.hexString == Self.traceID)
        #expect(spanContext.spanID.hexString == Self.spanID)
        #expect(spanContext.isSampled)
        #expect(spanContext.isRemote)
        #expect(!context.isDebugSampled)
    }

    @Test func theSamplingStateOfTheSingleHeaderIsRead() {
        #expect(extract([("b3", "\(Self.traceID)-\(Self.spanID)-0")]).spanContext?.traceFlags == [])
        #expect(extract([("b3", "\(Self.traceID)-\(Self.spanID)-1")]).spanContext?.traceFlags == .sampled)
        #expect(extract([("b3", "\(Self.traceID)-\(Self.spanID)")]).spanContext?.traceFlags == [])
    }

    @Test func debugInTheSingleHeaderSetsSampledAndTheDebugFlag() {
        let context = extract([("b3", "\(Self.traceID)-\(Self.spanID)-d")])
        #expect(context.spanContext?.isSampled == true)
        #expect(context.isDebugSampled)
    }

    @Test func aDenyOnlySingleHeaderExtractsNoParent() {
        let context = extract([("b3", "0")])
        #expect(context.span == nil)
        #expect(extract([("b3", "1")]).span == nil)
        #expect(extract([("b3", "d")]).span == nil)
    }

    @Test func aDenyOnlySingleHeaderUnsamplesIdsFromTheMultipleHeaders() {
        let context = extract([("b3", "0"), ("X-B3-TraceId", Self.traceID), ("X-B3-SpanId", Self.spanID), ("X-B3-Sampled", "1")])
        #expect(context.spanContext?.traceID.hexString == Self.traceID)
        #expect(context.spanContext?.isSampled == false)
    }

    @Test func a64BitTraceIDIsLeftPadded() {
        let context = extract([("b3", "a3ce929d0e0e4736-\(Self.spanID)-1")])
        #expect(context.spanContext?.traceID.hexString == "0000000000000000a3ce929d0e0e4736")
    }

    @Test func uppercaseHexIsAcceptedAndSentInLowercase() throws {
        let context = extract([("B3", "\(Self.traceID.uppercased())-\(Self.spanID.uppercased())-1")])
        #expect(context.spanContext?.traceID.hexString == Self.traceID)
        var out: [String: String] = [:]
        single.inject(context, into: &out)
        #expect(out["b3"] == "\(Self.traceID)-\(Self.spanID)-1")
    }

    @Test func malformedSingleHeadersAreIgnored() {
        for value in [
            "", "-", "\(Self.traceID)", "\(Self.traceID)-", "\(Self.traceID)-\(Self.spanID)-x",
            "\(Self.traceID)-\(Self.spanID)-1-", "\(Self.traceID)-\(Self.spanID)-1--",
            "\(Self.traceID)-\(Self.spanID)-1-\(Self.parentID)-extra",
            "\(Self.traceID)-\(Self.spanID)-1-05e3",
            "00000000000000000000000000000000-\(Self.spanID)-1",
            "\(Self.traceID)-0000000000000000-1",
            "\(Self.traceID)0-\(Self.spanID)-1", "80f198ee56343ba864-\(Self.spanID)-1",
            "\(Self.traceID)-e457b5a2e4d86b-1", "\(Self.traceID)-\(Self.spanID)-true",
        ] {
            #expect(extract([("b3", value)]).span == nil, "\(value)")
        }
    }

    @Test func theSingleHeaderTakesPrecedenceOverTheMultipleHeaders() {
        let headers: HTTPHeaderList = [
            ("X-B3-TraceId", "1111111111111111"), ("X-B3-SpanId", "2222222222222222"), ("X-B3-Sampled", "0"),
            ("b3", "\(Self.traceID)-\(Self.spanID)-1"),
        ]
        let context = multiple.extract(from: headers, into: Context())
        #expect(context.spanContext?.traceID.hexString == Self.traceID)
        #expect(context.spanContext?.isSampled == true)
    }

    @Test func aMalformedSingleHeaderFallsBackToTheMultipleHeaders() {
        let headers: HTTPHeaderList = [("b3", "nonsense"), ("X-B3-TraceId", Self.traceID), ("X-B3-SpanId", Self.spanID)]
        #expect(extract(headers).spanContext?.spanID.hexString == Self.spanID)
    }

    // MARK: multiple headers

    @Test func theMultipleHeadersAreExtracted() throws {
        let context = extract([
            ("X-B3-TraceId", Self.traceID), ("X-B3-SpanId", Self.spanID),
            ("X-B3-ParentSpanId", Self.parentID), ("X-B3-Sampled", "1"),
        ])
        let spanContext = try #require(context.spanContext)
        #expect(spanContext.traceID.hexString == Self.traceID)
        #expect(spanContext.spanID.hexString == Self.spanID)
        #expect(spanContext.isSampled)
    }

    @Test func sampledAcceptsTrueAndFalseLeniently() {
        let base: HTTPHeaderList = [("x-b3-traceid", Self.traceID), ("x-b3-spanid", Self.spanID)]
        for (value, sampled) in [("true", true), ("TRUE", true), ("false", false), ("False", false), ("0", false)] {
            var headers = base
            headers.append("x-b3-sampled", value)
            #expect(extract(headers).spanContext?.isSampled == sampled, "\(value)")
        }
        #expect(extract(base).spanContext?.isSampled == false)
    }

    @Test func theDebugFlagHeaderSetsSampledAndTheDebugFlag() {
        let context = extract([("x-b3-traceid", Self.traceID), ("x-b3-spanid", Self.spanID), ("X-B3-Flags", "1")])
        #expect(context.spanContext?.isSampled == true)
        #expect(context.isDebugSampled)
    }

    @Test func theFirstValueOfARepeatedHeaderWins() {
        let context = extract([
            ("X-B3-TraceId", Self.traceID), ("X-B3-TraceId", "1111111111111111"),
            ("X-B3-SpanId", Self.spanID), ("x-b3-spanid", "2222222222222222"),
            ("X-B3-Sampled", "1"), ("X-B3-Sampled", "0"),
        ])
        #expect(context.spanContext?.traceID.hexString == Self.traceID)
        #expect(context.spanContext?.spanID.hexString == Self.spanID)
        #expect(context.spanContext?.isSampled == true)
    }

    @Test func a64BitMultiHeaderTraceIDIsLeftPadded() {
        let context = extract([("X-B3-TraceId", "a3ce929d0e0e4736"), ("X-B3-SpanId", Self.spanID)])
        #expect(context.spanContext?.traceID == TraceID(high: 0, low: 0xa3ce929d0e0e4736))
    }

    @Test func malformedMultipleHeadersAreIgnored() {
        let ids: HTTPHeaderList = [("X-B3-TraceId", Self.traceID), ("X-B3-SpanId", Self.spanID)]
        for (name, value) in [("X-B3-Sampled", ""), ("X-B3-Sampled", "yes"), ("X-B3-ParentSpanId", "-"),
                              ("X-B3-Flags", "2"), ("X-B3-Flags", "")] {
            var headers = ids
            headers.append(name, value)
            #expect(extract(headers).span == nil, "\(name): \(value)")
        }
        #expect(extract([("X-B3-TraceId", Self.traceID)]).span == nil)
        #expect(extract([("X-B3-SpanId", Self.spanID)]).span == nil)
        #expect(extract([("X-B3-TraceId", "0000000000000000"), ("X-B3-SpanId", Self.spanID)]).span == nil)
        #expect(extract([("X-B3-TraceId", Self.traceID), ("X-B3-SpanId", "-")]).span == nil)
    }

    // MARK: inject

    @Test func theSingleHeaderIsInjectedByDefault() {
        var headers = HTTPHeaderList()
        single.inject(remote(), into: &headers)
        #expect(headers.fields == [.init(name: "b3", value: "\(Self.traceID)-\(Self.spanID)-1")])
        headers = HTTPHeaderList()
        single.inject(remote(flags: []), into: &headers)
        #expect(headers["b3"] == "\(Self.traceID)-\(Self.spanID)-0")
        #expect(single.fields == ["b3"])
    }

    @Test func debugIsInjectedAsDInTheSingleHeader() {
        var headers = HTTPHeaderList()
        single.inject(remote(debug: true), into: &headers)
        #expect(headers["b3"] == "\(Self.traceID)-\(Self.spanID)-d")
    }

    @Test func theMultipleHeadersAreInjectedInLowercaseWithoutAParent() {
        var headers = HTTPHeaderList()
        multiple.inject(remote(), into: &headers)
        #expect(headers.fields == [
            .init(name: "x-b3-traceid", value: Self.traceID), .init(name: "x-b3-spanid", value: Self.spanID),
            .init(name: "x-b3-sampled", value: "1"),
        ])
        #expect(!multiple.fields.contains("x-b3-parentspanid"))
    }

    @Test func debugIsInjectedAsFlagsWithoutSampledInTheMultipleHeaders() {
        var headers = HTTPHeaderList()
        multiple.inject(remote(debug: true), into: &headers)
        #expect(headers["x-b3-flags"] == "1")
        #expect(headers["x-b3-sampled"] == nil)
    }

    @Test func theParentSpanIDIsNeverInjected() {
        var headers: [String: String] = [:]
        let context = extract([("b3", "\(Self.traceID)-\(Self.spanID)-1-\(Self.parentID)")])
        single.inject(context, into: &headers)
        multiple.inject(context, into: &headers)
        #expect(headers.values.allSatisfy { !$0.contains(Self.parentID) })
        #expect(headers.values(forHeader: "x-b3-parentspanid").isEmpty)
    }

    @Test func nothingIsInjectedWithoutAValidSpanContext() {
        var headers: [String: String] = [:]
        single.inject(Context(), into: &headers)
        multiple.inject(Context(span: Span(remote: SpanContext(traceID: .invalid, spanID: .invalid))), into: &headers)
        #expect(headers.isEmpty)
    }

    @Test func theDebugFlagSurvivesALocalChildSpan() {
        let tracer = Tracer(resource: .detect(serviceName: "test"), processors: [InMemorySpanExporter()])
        let incoming = extract([("b3", "\(Self.traceID)-\(Self.spanID)-d")])
        let outgoing: [String: String] = incoming.restore {
            tracer.withSpan("child") { child in
                var headers: [String: String] = [:]
                single.inject(Context.current, into: &headers)
                return headers
            }
        }
        let value = outgoing["b3"] ?? ""
        #expect(value.hasPrefix(Self.traceID))
        #expect(value.hasSuffix("-d"))
        #expect(!value.contains(Self.spanID))
    }

    @Test func randomContextsSurviveBothEncodings() throws {
        var rng = SeededGenerator(seed: 0xb3b3)
        for _ in 0..<500 {
            var context = remote()
            let spanContext = SpanContext(
                traceID: TraceID(high: rng.next() >> UInt64.random(in: 0...63, using: &rng), low: rng.next() | 1),
                spanID: SpanID(rng.next() | 1), traceFlags: Bool.random(using: &rng) ? .sampled : [])
            context.span = Span(remote: spanContext)
            context.isDebugSampled = Int.random(in: 0..<4, using: &rng) == 0
            for propagator in [single, multiple] { try expectRoundTrip(context, through: propagator) }
        }
    }
}
