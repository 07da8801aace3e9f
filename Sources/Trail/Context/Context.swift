import Synchronization

/// The ambient context of the current task: the active span and the baggage that travels with it.
///
/// `Context.current` is a task-local value. `Tracer.withSpan` binds it for its closure, so everything
/// inside (child spans, log lines, outgoing requests) sees the span, across `await`s and into child
/// tasks and task groups. Reading it when nothing is bound is cheap and allocation-free.
///
/// Detached tasks, threads and Dispatch queues do not inherit task-locals. Capture the context where
/// it is set and restore it where the work runs:
///
/// ```swift
/// let context = Context.current                       // capture
/// DispatchQueue.global().async {
///     context.restore { logger.info("still in the request's trace") }   // restore
/// }
/// Task.detached { await context.restore { await work() } }
/// ```
public struct Context: Sendable {
    /// The active span: a local span, or a remote parent extracted from a request. `nil` outside
    /// any span.
    public var span: Span?
    /// W3C baggage: application key/values that propagate with the trace.
    public var baggage: Baggage
    /// The caller forced this trace to be recorded: the B3 debug flag (`b3: …-d`, `X-B3-Flags: 1`) or
    /// the Jaeger debug bit (`0x02` in `uber-trace-id`). W3C `traceparent` has no such flag, so it is
    /// kept here, next to the remote parent it arrived with, and sent on by the B3 and Jaeger
    /// propagators. A debug trace is always sampled. `false` unless a propagator set it.
    public var isDebugSampled: Bool = false
    /// Log fields bound with `withFields`, already encoded; written on every line logged while this
    /// context is current.
    public internal(set) var fields = BoundFields()

    @inlinable
    public init(span: Span? = nil, baggage: Baggage = Baggage()) {
        self.span = span
        self.baggage = baggage
    }

    /// The active span's context, if any.
    @inlinable
    public var spanContext: SpanContext? { span?.context }

    @TaskLocal
    @usableFromInline
    static var storage = Context()

    /// The context bound to the current task (or thread, outside tasks). An empty context when
    /// nothing is bound. With a ``ContextBridge`` installed, the span (and baggage) of the other
    /// library's context when it holds a different one: the innermost of the two.
    @inlinable
    public static var current: Context {
        guard ContextBridgeRegistry.isInstalled else { return storage }
        return ContextBridgeRegistry.merged(storage)
    }

    /// Calls `body` with the current context where it is stored, without copying it (a copy
    /// retains and releases each of its references): the logger's hot path. With a bridge
    /// installed, `body` gets the merged copy that ``current`` returns.
    @inline(__always)
    static func withCurrent<R>(_ body: (UnsafePointer<Context>) -> R) -> R {
        if ContextBridgeRegistry.isInstalled {
            var merged = current
            return withUnsafePointer(to: &merged, body)
        }
        #if os(Linux) && compiler(>=6.3) && compiler(<6.4)
        // The runtime's lookup that `TaskLocal.get()` makes before copying the value out: the
        // innermost value bound for this key in the task (or thread), stored as a `Context`, alive
        // for as long as the binding scope, which encloses this synchronous call. The runtime
        // entry point is not public API: only used with the runtime it was checked against
        // (Swift 6.3 on Linux, which ships its runtime with the toolchain); elsewhere the copy.
        if let value = taskLocalValue(Unmanaged.passUnretained($storage).toOpaque()) {
            return body(value.assumingMemoryBound(to: Context.self))
        }
        return withUnsafePointer(to: Context.empty, body)
        #else
        let copy = storage
        return withUnsafePointer(to: copy, body)
        #endif
    }

    private static let empty = Context()

    /// Runs `operation` with this context as `Context.current`, then restores the previous one.
    public func restore<T>(_ operation: () throws -> T) rethrows -> T {
        if let bridge = ContextBridgeRegistry.current {
            return try bridge.bind(self) { try Context.$storage.withValue(self, operation: operation) }
        }
        return try Context.$storage.withValue(self, operation: operation)
    }

    /// Runs `operation` with this context as `Context.current`, then restores the previous one.
    public func restore<T>(
        isolation: isolated (any Actor)? = #isolation, _ operation: () async throws -> T
    ) async rethrows -> T {
        if let bridge = ContextBridgeRegistry.current {
            return try await bridge.bind(self, isolation: isolation) {
                try await Context.$storage.withValue(self, operation: operation, isolation: isolation)
            }
        }
        return try await Context.$storage.withValue(self, operation: operation, isolation: isolation)
    }

    /// A copy of this context with `span` as the active span.
    @inlinable
    public func with(span: Span?) -> Context {
        var copy = self
        copy.span = span
        return copy
    }

    /// A copy of this context with `baggage` replaced.
    @inlinable
    public func with(baggage: Baggage) -> Context {
        var copy = self
        copy.baggage = baggage
        return copy
    }
}

#if os(Linux) && compiler(>=6.3) && compiler(<6.4)
/// The Swift runtime's task-local lookup (what `TaskLocal.get()` calls): a pointer to the value bound
/// for `key` (the `TaskLocal` object) in the current task or thread, `nil` when none is bound.
@_silgen_name("swift_task_localValueGet")
func taskLocalValue(_ key: UnsafeMutableRawPointer) -> UnsafeRawPointer?
#endif
