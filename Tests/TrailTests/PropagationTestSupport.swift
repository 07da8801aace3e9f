import Testing
import Trail


/// Injects `context` with `propagator`, extracts it into an empty context, and checks that the ids,
/// the sampled decision and the debug flag survived the hop.
func expectRoundTrip(
    _ context: Context, through propagator: some Propagator, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let spanContext = try #require(context.spanContext, sourceLocation: sourceLocation)
    var headers = HTTPHeaderList()
    propagator.inject(context, into: &headers)
    let received = propagator.extract(from: headers, into: Context())
    let got = try #require(received.spanContext, sourceLocation: sourceLocation)
    #expect(got.traceID == spanContext.traceID, sourceLocation: sourceLocation)
    #expect(got.spanID == spanContext.spanID, sourceLocation: sourceLocation)
    #expect(got.isSampled == (spanContext.isSampled || context.isDebugSampled), sourceLocation: sourceLocation)
    #expect(received.isDebugSampled == context.isDebugSampled, sourceLocation: sourceLocation)
}
