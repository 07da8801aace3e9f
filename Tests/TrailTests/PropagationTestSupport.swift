import Testing
import Trail

/// A seeded generator (SplitMix64), so the property-style propagation tests are reproducible.
struct PropagationRNG: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

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
