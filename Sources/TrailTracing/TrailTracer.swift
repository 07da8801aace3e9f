#if DistributedTracing
import Tracing
import Trail

/// swift-distributed-tracing's `Tracer`, made of Trail: spans started through the `Tracing` API
/// (`withSpan`, Hummingbird's tracing middleware, AsyncHTTPClient…) are Trail spans, exported by the
/// pipeline's span exporters, and headers are read and written by Trail's propagators.
///
/// ```swift
/// import Tracing
/// import TrailTracing
///
/// let pipeline = Pipeline.bootstrap(serviceName: "checkout", spanExporters: [OTLPSpanExporter.fromEnvironment()])
/// TrailTracer.bootstrap(pipeline: pipeline)      // InstrumentationSystem.bootstrap + the context bridge
/// ```
///
/// **One context for both APIs.** ``bootstrap(pipeline:propagator:)`` installs a ``ContextBridge``:
/// a span started with `Tracing.withSpan` is the active span for Trail's logger and the parent of
/// spans started with Trail's `withSpan`, and the other way round. A span whose parent context
/// carries no Trail span (a top-level `InstrumentationContext`) takes Trail's current span as its
/// parent, if any.
public struct TrailTracer: Tracing.Tracer {
    public typealias Span = TrailTracingSpan

    /// The Trail tracer that makes the spans.
    public let tracer: Trail.Tracer
    /// Reads and writes trace headers (`extract` / `inject`).
    public let propagator: any Propagator

    /// A tracer over `tracer`, propagating with `propagator` (`OTEL_PROPAGATORS`, else W3C trace
    /// context and baggage).
    public init(tracer: Trail.Tracer, propagator: any Propagator = CompositePropagator.environment) {
        self.tracer = tracer
        self.propagator = propagator
    }

    /// Makes a ``TrailTracer`` over `pipeline`'s tracer the process's tracer
    /// (`InstrumentationSystem.bootstrap`, which may be called once) and installs the context
    /// bridge. Returns the tracer.
    @discardableResult
    public static func bootstrap(pipeline: Pipeline = .shared, propagator: any Propagator = CompositePropagator.environment) -> TrailTracer {
        let tracer = TrailTracer(tracer: pipeline.tracer, propagator: propagator)
        InstrumentationSystem.bootstrap(tracer)
        installContextBridge()
        return tracer
    }

    /// Installs the context bridge alone, for programs (and tests) that use a ``TrailTracer``
    /// without making it the process's `InstrumentationSystem` tracer. ``bootstrap(pipeline:propagator:)``
    /// calls it.
    public static func installContextBridge() {
        Trail.Context.install(bridge: InstrumentationContextBridge())
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> InstrumentationContext,
        ofKind kind: Tracing.SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> TrailTracingSpan {
        let parentContext = context()
        let parent = parentContext.trailContext ?? Trail.Context.current
        let span = tracer.startSpan(operationName, kind: Self.kind(kind), parent: parent,
                                    startTimeUnixNano: instant().nanosecondsSinceEpoch)
        var spanContext = parentContext
        spanContext.trailContext = parent.with(span: span)
        return TrailTracingSpan(span, name: operationName, context: spanContext)
    }

    /// Spans are exported by the pipeline's writers; this asks the tracer's processors to export
    /// what they hold, without waiting.
    public func forceFlush() {
        let tracer = self.tracer
        Task { await tracer.forceFlush() }
    }

    public func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract
    ) where Extract.Carrier == Carrier {
        let headers = ExtractedHeaders(carrier: carrier, extractor: extractor, names: propagator.fields)
        context.trailContext = propagator.extract(from: headers, into: context.trailContext ?? Trail.Context())
    }

    public func inject<Carrier, Inject: Injector>(
        _ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject
    ) where Inject.Carrier == Carrier {
        guard let trailContext = context.trailContext else { return }
        var headers = HTTPHeaderList()
        propagator.inject(trailContext, into: &headers)
        for field in headers { injector.inject(field.value, forKey: field.name, into: &carrier) }
    }

    static func kind(_ kind: Tracing.SpanKind) -> Trail.SpanKind {
        switch kind {
        case .server: .server
        case .client: .client
        case .producer: .producer
        case .consumer: .consumer
        case .internal: .internal
        }
    }
}

/// The header fields a propagator asks for, read through a swift-distributed-tracing extractor
/// (which can only look names up: Jaeger's `uberctx-*` baggage fields are not found this way).
struct ExtractedHeaders<Carrier, Extract: Extractor>: HeaderCarrier where Extract.Carrier == Carrier {
    let carrier: Carrier
    let extractor: Extract
    let names: [String]

    func values(forHeader name: String) -> [String] {
        extractor.extract(key: name, from: carrier).map { [$0] } ?? []
    }

    mutating func setHeader(_ name: String, _ value: String) {}

    func forEachHeader(_ body: (_ name: String, _ value: String) -> Void) {
        for name in names {
            if let value = extractor.extract(key: name, from: carrier) { body(name, value) }
        }
    }
}

/// Where a Trail context travels inside an `InstrumentationContext`.
enum TrailContextKey: InstrumentationContextKey {
    typealias Value = Trail.Context
    static var nameOverride: String? { "trail.context" }
}

extension InstrumentationContext {
    /// The Trail context (span, baggage) this context carries, if any.
    public var trailContext: Trail.Context? {
        get { self[TrailContextKey.self] }
        set { self[TrailContextKey.self] = newValue }
    }
}

/// Binds Trail contexts in `InstrumentationContext.current` too, and reads spans from it.
struct InstrumentationContextBridge: ContextBridge {
    func currentSpanContext() -> (span: Trail.Span, baggage: Baggage)? {
        guard let context = InstrumentationContext.current?.trailContext, let span = context.span else { return nil }
        return (span, context.baggage)
    }

    func bind<T>(_ context: Trail.Context, _ operation: () throws -> T) rethrows -> T {
        var instrumentation = InstrumentationContext.current ?? .topLevel
        instrumentation.trailContext = context
        return try InstrumentationContext.withValue(instrumentation, operation: operation)
    }

    func bind<T>(_ context: Trail.Context, isolation: isolated (any Actor)?, _ operation: () async throws -> T) async rethrows -> T {
        var instrumentation = InstrumentationContext.current ?? .topLevel
        instrumentation.trailContext = context
        return try await InstrumentationContext.withValue(instrumentation, isolation: isolation, operation: operation)
    }
}
#endif
