import Synchronization

/// Keeps `Context.current` in agreement with another library's task-local context, for bridges such
/// as `TrailTracing` (swift-distributed-tracing's `InstrumentationContext`). Most programs never
/// implement one: a bridge module installs its own.
///
/// Once installed, every binding of a Trail context (``Context/restore(_:)``, `withSpan`,
/// `withFields`) is also made in the other library through ``bind(_:_:)``, so the other context
/// always holds the innermost span of both; and ``Context/current`` takes its span and baggage from
/// ``currentSpanContext()`` when the other library holds one, so a span it started is the active
/// span for Trail's logger and the parent of Trail's spans.
public protocol ContextBridge: Sendable {
    /// The span and baggage the other library holds as current, or `nil` when it holds none.
    func currentSpanContext() -> (span: Span, baggage: Baggage)?

    /// Runs `operation` with `context` bound in the other library too.
    func bind<T>(_ context: Context, _ operation: () throws -> T) rethrows -> T

    /// Runs `operation` with `context` bound in the other library too.
    func bind<T>(_ context: Context, isolation: isolated (any Actor)?, _ operation: () async throws -> T) async rethrows -> T
}

extension Context {
    /// Installs `bridge` for the whole process (a bridge module calls this from its bootstrap).
    /// Installing again replaces the previous bridge.
    public static func install(bridge: any ContextBridge) {
        ContextBridgeRegistry.install(bridge)
    }
}

/// The installed bridge. Without one, reading the context costs one relaxed atomic load more.
@usableFromInline
enum ContextBridgeRegistry {
    /// An installed bridge. Boxes are never freed: readers use one without retaining it.
    final class Box: Sendable {
        let bridge: any ContextBridge
        init(_ bridge: any ContextBridge) { self.bridge = bridge }
    }

    /// The address of the current `Box`, 0 before the first install: read with one atomic load on
    /// every context read and span start, where a lock would make every thread queue on it.
    @usableFromInline
    static let currentBox = Atomic<UInt>(0)
    /// Every box installed, kept alive (installing again replaces the bridge; a reader may still be
    /// using the previous box). A process installs once; tests a few times.
    private static let installedBoxes = Locked<[Box]>([])

    static func install(_ bridge: any ContextBridge) {
        let box = Box(bridge)
        installedBoxes.withLock { $0.append(box) }
        currentBox.store(UInt(bitPattern: Unmanaged.passUnretained(box).toOpaque()), ordering: .releasing)
    }

    /// Whether a bridge was installed: the cheap check before the context is merged.
    @inlinable
    static var isInstalled: Bool { currentBox.load(ordering: .relaxed) != 0 }

    /// The installed bridge, if any.
    @usableFromInline
    static var current: (any ContextBridge)? {
        guard let address = UnsafeRawPointer(bitPattern: currentBox.load(ordering: .acquiring)) else { return nil }
        return Unmanaged<Box>.fromOpaque(address).takeUnretainedValue().bridge
    }

    /// `local` with the other library's span and baggage when it holds a span that is not `local`'s.
    @usableFromInline
    static func merged(_ local: Context) -> Context {
        guard let bridge = current, let other = bridge.currentSpanContext() else { return local }
        if let span = local.span, span.context.spanID == other.span.context.spanID, span.context.traceID == other.span.context.traceID {
            return local
        }
        var merged = local
        merged.span = other.span
        merged.baggage = other.baggage
        return merged
    }
}
