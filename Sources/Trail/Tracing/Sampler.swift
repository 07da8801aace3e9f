
/// What a sampler decided for a new span.
public enum SamplingDecision: Hashable, Sendable {
    /// Not recorded and not exported; the context still propagates, with the sampled flag clear.
    case drop
    /// Recorded (span processors see it) but not exported; the sampled flag is clear.
    case recordOnly
    /// Recorded and exported; the sampled flag is set.
    case recordAndSample
}

/// A sampler's decision plus what it adds to the span.
public struct SamplingResult: Sendable {
    public var decision: SamplingDecision
    /// Attributes added to the span when it is recorded.
    public var attributes: Attributes
    /// The trace state for the new span; `nil` keeps the parent's.
    public var traceState: TraceState?

    public init(_ decision: SamplingDecision, attributes: Attributes = [:], traceState: TraceState? = nil) {
        self.decision = decision
        self.attributes = attributes
        self.traceState = traceState
    }
}

/// Everything a sampler may look at.
public struct SamplingParameters: Sendable {
    /// The parent span's context when it is valid; `nil` for a new trace.
    public var parent: SpanContext?
    /// The new span's trace id (the parent's, or a fresh one for a root span).
    public var traceID: TraceID
    public var name: String
    public var kind: SpanKind
    public var attributes: Attributes
    public var links: [SpanLink]

    public init(
        parent: SpanContext?, traceID: TraceID, name: String, kind: SpanKind = .internal,
        attributes: Attributes = [:], links: [SpanLink] = []
    ) {
        self.parent = parent
        self.traceID = traceID
        self.name = name
        self.kind = kind
        self.attributes = attributes
        self.links = links
    }
}

/// Decides, when a span starts, whether it is recorded and exported.
public protocol Sampler: Sendable, CustomStringConvertible {
    func shouldSample(_ parameters: SamplingParameters) -> SamplingResult
}

/// Samples every span.
public struct AlwaysOnSampler: Sampler {
    public init() {}
    public func shouldSample(_ parameters: SamplingParameters) -> SamplingResult { SamplingResult(.recordAndSample) }
    public var description: String { "AlwaysOnSampler" }
}

/// Samples no span (contexts still propagate).
public struct AlwaysOffSampler: Sampler {
    public init() {}
    public func shouldSample(_ parameters: SamplingParameters) -> SamplingResult { SamplingResult(.drop) }
    public var description: String { "AlwaysOffSampler" }
}

/// Samples a fixed fraction of traces, decided by the trace id alone, so every service that uses the
/// same ratio makes the same decision for a trace.
///
/// The decision compares the 56 right-most bits of the trace id (the bits W3C Level 2 requires to
/// be random when the `random` flag is set) with the threshold `(1 - ratio) * 2^56`, as
/// OpenTelemetry's probability sampler does: sampled when the random value is at or above it.
public struct TraceIDRatioSampler: Sampler {
    public let ratio: Double
    @usableFromInline let threshold: UInt64

    static let randomnessBits: UInt64 = 56

    /// `ratio` is clamped to `0...1`.
    public init(ratio: Double) {
        let r = ratio.isNaN ? 0 : min(max(ratio, 0), 1)
        self.ratio = r
        let span = Double(UInt64(1) << Self.randomnessBits)
        self.threshold = r >= 1 ? 0 : UInt64(((1 - r) * span).rounded(.up))
    }

    public func shouldSample(_ parameters: SamplingParameters) -> SamplingResult {
        let random = parameters.traceID.low & ((UInt64(1) << Self.randomnessBits) - 1)
        return SamplingResult(random >= threshold ? .recordAndSample : .drop)
    }

    public var description: String { "TraceIDRatioSampler{\(ratio)}" }
}

/// Follows the parent's decision, and asks `root` for new traces.
///
/// The five delegates are OpenTelemetry's: one for roots, and one for each of remote/local parent ×
/// sampled/not sampled.
public struct ParentBasedSampler: Sampler {
    public let root: any Sampler
    public let remoteParentSampled: any Sampler
    public let remoteParentNotSampled: any Sampler
    public let localParentSampled: any Sampler
    public let localParentNotSampled: any Sampler

    public init(
        root: any Sampler,
        remoteParentSampled: any Sampler = AlwaysOnSampler(),
        remoteParentNotSampled: any Sampler = AlwaysOffSampler(),
        localParentSampled: any Sampler = AlwaysOnSampler(),
        localParentNotSampled: any Sampler = AlwaysOffSampler()
    ) {
        self.root = root
        self.remoteParentSampled = remoteParentSampled
        self.remoteParentNotSampled = remoteParentNotSampled
        self.localParentSampled = localParentSampled
        self.localParentNotSampled = localParentNotSampled
    }

    public func shouldSample(_ parameters: SamplingParameters) -> SamplingResult {
        guard let parent = parameters.parent else { return root.shouldSample(parameters) }
        let delegate: any Sampler = switch (parent.isRemote, parent.isSampled) {
        case (true, true): remoteParentSampled
        case (true, false): remoteParentNotSampled
        case (false, true): localParentSampled
        case (false, false): localParentNotSampled
        }
        return delegate.shouldSample(parameters)
    }

    public var description: String {
        "ParentBased{root=\(root),remoteParentSampled=\(remoteParentSampled),remoteParentNotSampled=\(remoteParentNotSampled),localParentSampled=\(localParentSampled),localParentNotSampled=\(localParentNotSampled)}"
    }
}

/// Samples at most `tracesPerSecond` spans per second (a token bucket that refills continuously and
/// holds at most one second's worth). Usually the `root` of a ``ParentBasedSampler``, so that it
/// limits traces rather than spans.
public final class RateLimitingSampler: Sampler {
    public let tracesPerSecond: Double
    private let clock: any TraceClock
    private let bucket: Locked<(tokens: Double, lastNano: UInt64)>

    public init(tracesPerSecond: Double, clock: any TraceClock = SystemTraceClock()) {
        let rate = max(0, tracesPerSecond.isFinite ? tracesPerSecond : 0)
        self.tracesPerSecond = rate
        self.clock = clock
        self.bucket = Locked((tokens: rate, lastNano: clock.now().monotonicNano))
    }

    public func shouldSample(_ parameters: SamplingParameters) -> SamplingResult {
        let now = clock.now().monotonicNano
        let rate = tracesPerSecond
        let granted = bucket.withLock { state -> Bool in
            let elapsed = Double(now &- state.lastNano) / 1e9
            state.lastNano = now
            state.tokens = min(rate, state.tokens + elapsed * rate)
            guard state.tokens >= 1 else { return false }
            state.tokens -= 1
            return true
        }
        return SamplingResult(granted ? .recordAndSample : .drop)
    }

    public var description: String { "RateLimitingSampler{\(tracesPerSecond)}" }
}

extension Sampler where Self == AlwaysOnSampler {
    /// Samples every span.
    public static var alwaysOn: AlwaysOnSampler { AlwaysOnSampler() }
}

extension Sampler where Self == AlwaysOffSampler {
    /// Samples no span.
    public static var alwaysOff: AlwaysOffSampler { AlwaysOffSampler() }
}

extension Sampler where Self == TraceIDRatioSampler {
    /// Samples `ratio` of the traces, decided by the trace id.
    public static func traceIDRatio(_ ratio: Double) -> TraceIDRatioSampler { TraceIDRatioSampler(ratio: ratio) }
}

extension Sampler where Self == ParentBasedSampler {
    /// Follows the parent, and `root` for new traces (OpenTelemetry's default with `.alwaysOn`).
    public static func parentBased(root: some Sampler) -> ParentBasedSampler { ParentBasedSampler(root: root) }
}

extension Sampler where Self == RateLimitingSampler {
    /// At most `tracesPerSecond` sampled spans per second.
    public static func rateLimiting(tracesPerSecond: Double) -> RateLimitingSampler {
        RateLimitingSampler(tracesPerSecond: tracesPerSecond)
    }
}
