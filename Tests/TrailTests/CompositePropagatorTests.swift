import Testing
import Trail

@Suite struct CompositePropagatorTests {
    static let w3cTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let b3Trace = "80f198ee56343ba864fe8b2a57d3eff7"
    static let traceparent = "00-\(w3cTrace)-00f067aa0ba902b7-01"
    static let b3 = "\(b3Trace)-e457b5a2e4d86bd1-1"

    /// A readable description of each propagator, to compare configurations.
    private func names(_ composite: CompositePropagator) -> [String] {
        composite.propagators.map { propagator in
            switch propagator {
            case is TraceContextPropagator: "tracecontext"
            case is BaggagePropagator: "baggage"
            case let b3 as B3Propagator: b3.encoding == .single ? "b3" : "b3multi"
            case is JaegerPropagator: "jaeger"
            default: "?"
            }
        }
    }

    private func configured(_ value: String?) -> (names: [String], reports: [String]) {
        var reports: [String] = []
        let composite = CompositePropagator.fromEnvironment(value.map { ["OTEL_PROPAGATORS": $0] } ?? [:]) { reports.append($0) }
        return (names(composite), reports)
    }

    @Test func theDefaultIsTraceContextThenBaggage() {
        #expect(names(.default) == ["tracecontext", "baggage"])
        #expect(CompositePropagator.default.fields == ["traceparent", "tracestate", "baggage"])
    }

    @Test func anUnsetOrEmptyVariableGivesTheDefault() {
        #expect(configured(nil) == (["tracecontext", "baggage"], []))
        #expect(configured("") == (["tracecontext", "baggage"], []))
        #expect(configured("  ") == (["tracecontext", "baggage"], []))
    }

    @Test func namesAreTrimmedCaseInsensitiveAndDeduplicated() {
        #expect(configured(" B3 ,b3multi, TraceContext,b3,JAEGER ,baggage,tracecontext").names
            == ["b3", "b3multi", "tracecontext", "jaeger", "baggage"])
        #expect(configured("b3,,tracecontext,").names == ["b3", "tracecontext"])
    }

    @Test func noneConfiguresNoPropagator() {
        let result = configured("none")
        #expect(result.names.isEmpty)
        #expect(result.reports.isEmpty)
        var headers: [String: String] = [:]
        let context = Context(span: Span(remote: SpanContext(traceparent: Self.traceparent)!))
        CompositePropagator.fromEnvironment(["OTEL_PROPAGATORS": "none"]).inject(context, into: &headers)
        #expect(headers.isEmpty)
    }

    @Test func unsupportedAndUnknownNamesAreReportedOnceAndSkipped() {
        let result = configured("xray,tracecontext,foo,ottrace,FOO,xray")
        #expect(result.names == ["tracecontext"])
        #expect(result.reports.count == 3)
        #expect(result.reports.contains { $0.contains("'xray'") && $0.contains("not supported") })
        #expect(result.reports.contains { $0.contains("'ottrace'") && $0.contains("not supported") })
        #expect(result.reports.contains { $0.contains("unknown propagator 'foo'") })
    }

    @Test func injectionRunsEveryPropagator() throws {
        let composite = CompositePropagator([TraceContextPropagator(), B3Propagator(), JaegerPropagator(), BaggagePropagator()])
        let context = Context(span: Span(remote: SpanContext(traceparent: Self.traceparent)!), baggage: try Baggage().setting("k", "v"))
        var headers = HTTPHeaderList()
        composite.inject(context, into: &headers)
        #expect(headers.map(\.name) == ["traceparent", "b3", "uber-trace-id", "uberctx-k", "baggage"])
        #expect(composite.fields == ["traceparent", "tracestate", "b3", "uber-trace-id", "baggage"])
    }

    @Test func aLaterExtractorOverridesTheSpanContextOnlyWithAValidOne() {
        let composite = CompositePropagator([TraceContextPropagator(), B3Propagator()])
        let both = composite.extract(from: ["traceparent": Self.traceparent, "b3": Self.b3])
        #expect(both.spanContext?.traceID.hexString == Self.b3Trace)
        let badB3 = composite.extract(from: ["traceparent": Self.traceparent, "b3": "garbage"])
        #expect(badB3.spanContext?.traceID.hexString == Self.w3cTrace)
        let badW3C = composite.extract(from: ["traceparent": "garbage", "b3": Self.b3])
        #expect(badW3C.spanContext?.traceID.hexString == Self.b3Trace)
    }

    @Test func baggageFromSeveralExtractorsIsMerged() {
        let composite = CompositePropagator([BaggagePropagator(), JaegerPropagator()])
        let context = composite.extract(from: ["baggage": "a=1,b=2", "uberctx-b": "3", "uberctx-c": "4"])
        #expect(context.baggage.headerValue == "a=1,b=3,c=4")
    }

    @Test func theDebugFlagIsKeptWhenAnotherFormatCarriesTheSameParent() {
        let composite = CompositePropagator([B3Propagator(), TraceContextPropagator()])
        let same = composite.extract(from: ["b3": "\(Self.w3cTrace)-00f067aa0ba902b7-d", "traceparent": Self.traceparent])
        #expect(same.isDebugSampled)
        let different = composite.extract(from: ["b3": "\(Self.b3Trace)-e457b5a2e4d86bd1-d", "traceparent": Self.traceparent])
        #expect(!different.isDebugSampled)
        #expect(different.spanContext?.traceID.hexString == Self.w3cTrace)
    }

    @Test func nothingValidLeavesTheContextUnchanged() throws {
        let before = Context(baggage: try Baggage().setting("a", "1"))
        let after = CompositePropagator.fromEnvironment(["OTEL_PROPAGATORS": "tracecontext,baggage,b3multi,jaeger"])
            .extract(from: ["traceparent": "00-xyz", "b3": "-", "uber-trace-id": "::", "baggage": "bad key=1"], into: before)
        #expect(after.span == nil)
        #expect(after.baggage == before.baggage)
        #expect(!after.isDebugSampled)
    }
}
