// Workload S1 of /work/shared/bench/WORKLOAD.md (v1) for Trail: with a parent span current, start a
// child span named "child", set http.method="GET" and http.status_code=200, end it. Default sampler
// (parent-based, always on), BatchSpanProcessor with its defaults (queue 2048, batch 512, 5 s) into an
// exporter that only counts spans. Shared by the ordo-one benchmarks and the plain-loop trail-bench,
// so both measure the same code.
import Synchronization
import Trail

/// A span exporter that does nothing but count the spans it is given.
public final class CountingExporter: Destination {
    public typealias Record = SpanData
    private let exported = Atomic<Int>(0)

    public init() {}

    public func write(_ batch: [SpanData]) async throws {
        exported.add(batch.count, ordering: .relaxed)
    }

    /// Spans that reached `write`.
    public var count: Int { exported.load(ordering: .relaxed) }
}

/// One tracer + batch processor + counting exporter, and a parent span bound in `parentContext`.
public final class S1Fixture: Sendable {
    public let tracer: Tracer
    public let processor: BatchSpanProcessor
    public let exporter: CountingExporter
    /// `Context()` with the parent span: bind it with `parentContext.restore { ... }` around the loop.
    public let parentContext: Context
    public let parentIsSampled: Bool

    /// - Parameter sampledParent: `true`: the parent is a recording, sampled root span started by
    ///   `tracer` itself. `false`: the parent is a local root span that a second tracer's sampler
    ///   (parent-based with always-off for roots) did not sample, so the default sampler of `tracer`
    ///   drops the child (`localParentNotSampled` = always off).
    public init(sampledParent: Bool) {
        let exporter = CountingExporter()
        let processor = BatchSpanProcessor(exporter: exporter)  // .spanDefaults(): 2048 / 512 / 5 s
        let tracer = Tracer(resource: .detect(serviceName: "trail-bench"), processors: [processor])
        let parent: Span
        if sampledParent {
            parent = tracer.startSpan("parent", kind: .server, parent: Context())
        } else {
            let unsampling = Tracer(resource: .detect(serviceName: "trail-bench"), sampler: .parentBased(root: .alwaysOff))
            parent = unsampling.startSpan("parent", kind: .server, parent: Context())
        }
        precondition(parent.context.isSampled == sampledParent && parent.isRecording == sampledParent)
        self.exporter = exporter
        self.processor = processor
        self.tracer = tracer
        self.parentContext = Context().with(span: parent)
        self.parentIsSampled = sampledParent
    }

    /// Waits (up to 3 s) until the queue is exported, then describes what happened to the spans, like
    /// the Go peer's "exported N of M" line.
    public func report(name: String) -> String {
        let flushed = processor.writer.flushBlocking(timeout: .seconds(3))
        let c = processor.writer.counters
        let config = processor.writer.configuration
        let offered = c.accepted + c.droppedQueueFull + c.droppedAfterShutdown
        return "\(name): exporter counted \(exporter.count) spans; writer: offered \(offered), accepted \(c.accepted), written \(c.written), dropped (queue full) \(c.droppedQueueFull), failed \(c.failed)"
            + (flushed ? "" : ", flush timed out")
            + "; queue \(config.maxQueueSize), batch \(config.maxBatchSize), delay \(config.maxDelay)"
    }
}

/// `trail S1`: the closure style.
@inline(never)
public func s1WithSpan(_ tracer: Tracer) {
    tracer.withSpan("child") { span in
        span.setAttribute("http.method", "GET")
        span.setAttribute("http.status_code", 200)
    }
}

/// `trail S1-manual`: startSpan, two attributes, end.
@inline(never)
public func s1Manual(_ tracer: Tracer) {
    let span = tracer.startSpan("child")
    span.setAttribute("http.method", "GET")
    span.setAttribute("http.status_code", 200)
    span.end()
}

/// The benchmarks, by workload name (the second column of the output lines).
public enum S1Variant: String, CaseIterable, Sendable {
    case s1 = "S1"
    case s1Manual = "S1-manual"
    case s1Unsampled = "S1-unsampled"
    case s1UnsampledManual = "S1-unsampled-manual"

    public var sampledParent: Bool { self == .s1 || self == .s1Manual }

    /// Runs the operation `iterations` times; the caller binds the parent context around it.
    @inline(__always)
    public func run(_ tracer: Tracer, iterations: Int) {
        switch self {
        case .s1, .s1Unsampled:
            for _ in 0..<iterations { S1Workload.s1WithSpan(tracer) }
        case .s1Manual, .s1UnsampledManual:
            for _ in 0..<iterations { S1Workload.s1Manual(tracer) }
        }
    }
}
