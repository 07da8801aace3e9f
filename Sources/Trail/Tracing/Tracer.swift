/// Starts spans and hands the ended ones to its span processors.
///
/// ```swift
/// let tracer = Tracer(resource: .detect(serviceName: "checkout"),
///                     processors: [BatchSpanProcessor(exporter: myExporter)])
/// let total = try await tracer.withSpan("checkout", kind: .server) { span in
///     span.setAttribute("cart.items", 3)
///     return try await priceCart()          // a thrown error is recorded on the span
/// }
/// ```
///
/// Spans started inside `withSpan` (in this task, its child tasks and task groups) become its
/// children, and log lines written there carry its ids. A tracer is immutable and `Sendable`: make
/// one at start-up and share it.
public final class Tracer: Sendable {
    public let resource: Resource
    public let scope: InstrumentationScope
    public let sampler: any Sampler
    public let idGenerator: any IDGenerator
    public let processors: [any SpanProcessor]
    public let clock: any TraceClock
    public let limits: SpanLimits

    /// - Parameters:
    ///   - resource: who produces the spans (`service.name` and friends); detected from the process
    ///     and the `OTEL_*` variables by default.
    ///   - sampler: from `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG`; OpenTelemetry's default,
    ///     parent-based with always-on for roots, when they are unset.
    ///   - processors: where ended spans go; usually one ``BatchSpanProcessor``.
    ///   - limits: from the `OTEL_SPAN_*_LIMIT` / `OTEL_ATTRIBUTE_*_LIMIT` variables, else 128 each.
    public init(
        resource: Resource = .detect(),
        scope: InstrumentationScope = InstrumentationScope(name: "trail"),
        sampler: any Sampler = SamplerConfiguration.makeSampler(fromEnvironment: Environment.process),
        processors: [any SpanProcessor] = [],
        idGenerator: any IDGenerator = RandomIDGenerator(),
        clock: any TraceClock = SystemTraceClock(),
        limits: SpanLimits = .fromEnvironment()
    ) {
        self.resource = resource
        self.scope = scope
        self.sampler = sampler
        self.processors = processors
        self.idGenerator = idGenerator
        self.clock = clock
        self.limits = limits
    }

    /// Starts a span that the caller must ``Span/end(timeUnixNano:)``, for code that cannot wrap the
    /// work in a closure. It does not become the current span; pass it on with
    /// `Context.current.with(span:)` and ``Context/restore(_:)`` if children should see it.
    ///
    /// - Parameter parent: the context whose span is the parent; `nil` (the default) means
    ///   `Context.current`. Pass `Context()` to start a new trace.
    public func startSpan(
        _ name: String,
        kind: SpanKind = .internal,
        attributes: Attributes = [:],
        links: [SpanLink] = [],
        parent: Context? = nil,
        startTimeUnixNano: UInt64? = nil
    ) -> Span {
        let parentContext = parent ?? Context.current
        return makeSpan(name, kind: kind, attributes: attributes, links: links, parent: parentContext, startTimeUnixNano: startTimeUnixNano)
    }

    /// Runs `operation` inside a new span, which is current for the closure and ends when it returns.
    /// A thrown error is recorded on the span (an `exception` event and an error status) and rethrown.
    public func withSpan<T>(
        _ name: String,
        kind: SpanKind = .internal,
        attributes: Attributes = [:],
        links: [SpanLink] = [],
        _ operation: (Span) throws -> T
    ) rethrows -> T {
        let parent = Context.current
        let span = makeSpan(name, kind: kind, attributes: attributes, links: links, parent: parent, startTimeUnixNano: nil)
        defer { span.end() }
        do {
            return try parent.with(span: span).restore { try operation(span) }
        } catch {
            span.recordError(error)
            throw error
        }
    }

    /// Runs `operation` inside a new span, which is current for the closure (across `await`s and in
    /// child tasks) and ends when it returns. A thrown error is recorded on the span and rethrown.
    public func withSpan<T>(
        _ name: String,
        kind: SpanKind = .internal,
        attributes: Attributes = [:],
        links: [SpanLink] = [],
        isolation: isolated (any Actor)? = #isolation,
        _ operation: (Span) async throws -> T
    ) async rethrows -> T {
        let parent = Context.current
        let span = makeSpan(name, kind: kind, attributes: attributes, links: links, parent: parent, startTimeUnixNano: nil)
        defer { span.end() }
        do {
            return try await parent.with(span: span).restore(isolation: isolation) { try await operation(span) }
        } catch {
            span.recordError(error)
            throw error
        }
    }

    /// Asks every processor to export what it holds. Returns `false` if one did not finish in time.
    @discardableResult
    public func forceFlush(timeout: Duration = .seconds(5)) async -> Bool {
        var ok = true
        for processor in processors { ok = await processor.forceFlush(timeout: timeout) && ok }
        return ok
    }

    /// Flushes and stops every processor. Spans ended afterwards are dropped and counted.
    @discardableResult
    public func shutdown(timeout: Duration = .seconds(5)) async -> Bool {
        var ok = true
        for processor in processors { ok = await processor.shutdown(timeout: timeout) && ok }
        return ok
    }

    // MARK: - Internals

    @usableFromInline
    func makeSpan(
        _ name: String, kind: SpanKind, attributes: Attributes, links: [SpanLink],
        parent: Context, startTimeUnixNano: UInt64?
    ) -> Span {
        let parentSpanContext = parent.span?.context
        let validParent = parentSpanContext.flatMap { $0.isValid ? $0 : nil }
        let traceID: TraceID
        var flags: TraceFlags
        var traceState: TraceState
        if let validParent {
            traceID = validParent.traceID
            // Keep the defined bits (the random bit must follow the trace id); the sampler owns bit 0.
            flags = validParent.traceFlags.intersection(.random)
            traceState = validParent.traceState
        } else {
            traceID = idGenerator.newTraceID()
            flags = .random
            traceState = TraceState()
        }
        let result = sampler.shouldSample(SamplingParameters(
            parent: validParent, traceID: traceID, name: name, kind: kind, attributes: attributes, links: links))
        if let state = result.traceState { traceState = state }
        if result.decision == .recordAndSample { flags.insert(.sampled) }
        let context = SpanContext(traceID: traceID, spanID: idGenerator.newSpanID(), traceFlags: flags, traceState: traceState)
        guard result.decision != .drop else { return Span(context: context, storage: nil) }

        var allAttributes = attributes
        for (key, value) in result.attributes { allAttributes[key] = value }
        var start = clock.now()
        if let startTimeUnixNano { start.wallUnixNano = startTimeUnixNano }
        let storage = SpanStorage.make(
            context: context, parent: validParent, name: name, kind: kind,
            attributes: allAttributes, links: links, start: start, tracer: self)
        let span = Span(context: context, storage: storage)
        for processor in processors { processor.onStart(span, parent: parent) }
        return span
    }

    func spanEnded(_ data: SpanData) {
        for processor in processors { processor.onEnd(data) }
    }
}
