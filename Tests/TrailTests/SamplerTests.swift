import Testing
import Trail
import TrailTesting

@Suite struct SamplerTests {
    func parameters(traceID: TraceID, parent: SpanContext? = nil) -> SamplingParameters {
        SamplingParameters(parent: parent, traceID: traceID, name: "op", kind: .internal, attributes: [:], links: [])
    }

    @Test func ratioSamplerIsDeterministicOnTheTraceIDsRandomBits() {
        let sampler = TraceIDRatioSampler(ratio: 0.25)
        // Threshold is (1 - 0.25) * 2^56: ids at or above it are sampled, below are not.
        let threshold: UInt64 = 3 << 54
        let above = TraceID(high: 0, low: threshold)
        let below = TraceID(high: 0, low: threshold - 1)
        #expect(sampler.shouldSample(parameters(traceID: above)).decision == .recordAndSample)
        #expect(sampler.shouldSample(parameters(traceID: below)).decision == .drop)
        // The top byte of the low word is not part of the randomness.
        let highByteSet = TraceID(high: .max, low: (0xff << 56) | (threshold - 1))
        #expect(sampler.shouldSample(parameters(traceID: highByteSet)).decision == .drop)
        for _ in 0..<100 {
            let id = RandomIDGenerator().newTraceID()
            #expect(sampler.shouldSample(parameters(traceID: id)).decision == sampler.shouldSample(parameters(traceID: id)).decision)
        }
    }

    @Test func ratioSamplerSamplesAboutTheRatio() {
        let sampler = TraceIDRatioSampler(ratio: 0.1)
        let generator = RandomIDGenerator()
        let sampled = (0..<20_000).filter { _ in
            sampler.shouldSample(parameters(traceID: generator.newTraceID())).decision == .recordAndSample
        }.count
        #expect((1600...2400).contains(sampled))
    }

    @Test func ratioZeroSamplesNothingAndOneSamplesEverything() {
        let generator = RandomIDGenerator()
        for _ in 0..<500 {
            let id = generator.newTraceID()
            #expect(TraceIDRatioSampler(ratio: 0).shouldSample(parameters(traceID: id)).decision == .drop)
            #expect(TraceIDRatioSampler(ratio: 1).shouldSample(parameters(traceID: id)).decision == .recordAndSample)
        }
        #expect(TraceIDRatioSampler(ratio: 2).ratio == 1)
        #expect(TraceIDRatioSampler(ratio: .nan).ratio == 0)
    }

    @Test(arguments: [(true, true), (true, false), (false, true), (false, false)])
    func parentBasedUsesTheDelegateForEachParentKind(remote: Bool, sampled: Bool) {
        let sampler = ParentBasedSampler(
            root: AlwaysOffSampler(),
            remoteParentSampled: remote && sampled ? AlwaysOnSampler() : AlwaysOffSampler(),
            remoteParentNotSampled: remote && !sampled ? AlwaysOnSampler() : AlwaysOffSampler(),
            localParentSampled: !remote && sampled ? AlwaysOnSampler() : AlwaysOffSampler(),
            localParentNotSampled: !remote && !sampled ? AlwaysOnSampler() : AlwaysOffSampler())
        let parent = SpanContext(traceID: TraceID(high: 1, low: 1), spanID: SpanID(1), traceFlags: sampled ? .sampled : [], isRemote: remote)
        #expect(sampler.shouldSample(parameters(traceID: parent.traceID, parent: parent)).decision == .recordAndSample)
        #expect(sampler.shouldSample(parameters(traceID: parent.traceID)).decision == .drop)
    }

    @Test func parentBasedDefaultsFollowTheParent() {
        let sampler: ParentBasedSampler = .parentBased(root: .alwaysOn)
        let notSampled = SpanContext(traceID: TraceID(high: 1, low: 1), spanID: SpanID(1), traceFlags: [], isRemote: true)
        let sampled = SpanContext(traceID: TraceID(high: 1, low: 1), spanID: SpanID(1), traceFlags: .sampled, isRemote: false)
        #expect(sampler.shouldSample(parameters(traceID: notSampled.traceID, parent: notSampled)).decision == .drop)
        #expect(sampler.shouldSample(parameters(traceID: sampled.traceID, parent: sampled)).decision == .recordAndSample)
        #expect(sampler.shouldSample(parameters(traceID: sampled.traceID)).decision == .recordAndSample)
    }

    @Test func rateLimitingSamplerAllowsNPerSecondAndRefills() {
        let clock = ManualClock()
        let sampler = RateLimitingSampler(tracesPerSecond: 5, clock: clock)
        let id = TraceID(high: 1, low: 1)
        let first = (0..<20).filter { _ in sampler.shouldSample(parameters(traceID: id)).decision == .recordAndSample }.count
        #expect(first == 5)
        clock.advance(by: .milliseconds(400))
        let second = (0..<20).filter { _ in sampler.shouldSample(parameters(traceID: id)).decision == .recordAndSample }.count
        #expect(second == 2)
        clock.advance(by: .seconds(10))
        let third = (0..<20).filter { _ in sampler.shouldSample(parameters(traceID: id)).decision == .recordAndSample }.count
        #expect(third == 5)
    }

    @Test func anUnsampledSpanPropagatesItsContextButRecordsNothing() throws {
        let exporter = InMemorySpanExporter(includeUnsampled: true)
        let tracer = Tracer(resource: .detect(serviceName: "t"), sampler: .alwaysOff, processors: [exporter])
        tracer.withSpan("root") { root in
            #expect(!root.isRecording)
            #expect(root.context.isValid)
            #expect(!root.context.isSampled)
            root.setAttribute("ignored", 1)
            tracer.withSpan("child") { child in
                #expect(child.context.traceID == root.context.traceID)
                #expect(Context.current.spanContext == child.context)
            }
        }
        #expect(exporter.spans.isEmpty)
    }

    @Test func recordOnlySpansReachProcessorsButAreNotSampled() throws {
        struct RecordOnly: Sampler {
            func shouldSample(_ p: SamplingParameters) -> SamplingResult { SamplingResult(.recordOnly, attributes: ["sampler.note": "kept"]) }
            var description: String { "RecordOnly" }
        }
        let exporter = InMemorySpanExporter(includeUnsampled: true)
        let tracer = Tracer(resource: .detect(serviceName: "t"), sampler: RecordOnly(), processors: [exporter])
        tracer.withSpan("op") { span in #expect(span.isRecording) }
        let span = try #require(exporter.spans.first)
        #expect(!span.context.isSampled)
        #expect(span.attributes["sampler.note"] == "kept")
    }
}

/// A clock tests move by hand.
final class ManualClock: TraceClock {
    private let instant = Locked(TraceInstant(wallUnixNano: 1_700_000_000_000_000_000, monotonicNano: 1_000_000_000))
    func now() -> TraceInstant { instant.withLock { $0 } }
    func advance(by duration: Duration) {
        let ns = UInt64(duration.components.seconds) * 1_000_000_000 + UInt64(duration.components.attoseconds / 1_000_000_000)
        instant.withLock {
            $0.wallUnixNano += ns
            $0.monotonicNano += ns
        }
    }
}
