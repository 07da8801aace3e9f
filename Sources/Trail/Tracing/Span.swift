
/// A handle to a span: the unit of work a trace is made of.
///
/// `Span` is a small value; copies refer to the same span. It is thread-safe: any task or thread may
/// set attributes, add events or end it. A span ends exactly once; later calls to ``end(at:)``, and
/// changes after the end, are ignored.
///
/// A span that was not sampled (or that wraps a remote parent) carries only its ``context``: it
/// propagates, but records nothing, and every method is a cheap no-op.
public struct Span: Sendable, CustomStringConvertible {
    /// The ids and flags that propagate to children and to outgoing requests.
    public let context: SpanContext

    /// Thread-safe: what it was started with never changes, and its state is read and written only
    /// with its mutex held. (A `ManagedBuffer` subclass cannot declare itself `Sendable`.)
    nonisolated(unsafe) let storage: SpanStorage?

    init(context: SpanContext, storage: SpanStorage?) {
        self.context = context
        self.storage = storage
    }

    /// A non-recording span that stands for a parent in another process, such as the caller whose
    /// `traceparent` a server extracted. Make it the parent with `Context.current.with(span:)`.
    public init(remote context: SpanContext) {
        self.init(context: context, storage: nil)
    }

    /// `true` while the span records (it was sampled, or kept by a record-only decision, and has not
    /// ended).
    public var isRecording: Bool { storage?.isRecording ?? false }

    /// Sets an attribute; a key that is present is replaced. Past the attribute-count limit, new keys
    /// are dropped and counted.
    public func setAttribute(_ key: String, _ value: AttributeValue) {
        storage?.mutate { $0.setAttribute(key, value, limits: $1) }
    }

    /// Sets several attributes at once.
    public func setAttributes(_ attributes: Attributes) {
        guard let storage, !attributes.isEmpty else { return }
        storage.mutate { state, limits in
            for (key, value) in attributes { state.setAttribute(key, value, limits: limits) }
        }
    }

    /// Adds a time-stamped event (now, unless `timeUnixNano` is given).
    public func addEvent(_ name: String, attributes: Attributes = [:], timeUnixNano: UInt64? = nil) {
        guard let storage else { return }
        let time = timeUnixNano ?? storage.tracer.clock.now().wallUnixNano
        storage.mutate { state, limits in
            guard state.events.count < limits.eventCountLimit else {
                state.droppedEventsCount += 1
                return
            }
            var attributes = attributes
            state.truncate(&attributes, limits: limits)
            state.events.append(SpanEvent(name: name, timeUnixNano: time, attributes: attributes))
        }
    }

    /// Adds a link to another span (links given at start are preferred: samplers see those).
    public func addLink(_ link: SpanLink) {
        storage?.mutate { state, limits in
            guard state.links.count < limits.linkCountLimit else {
                state.droppedLinksCount += 1
                return
            }
            state.links.append(link)
        }
    }

    /// Sets the status. Per OpenTelemetry, `.unset` is ignored and `.ok` is final: once a span is ok,
    /// a later error does not change it.
    public func setStatus(_ status: SpanStatus) {
        storage?.mutate { state, _ in
            switch (state.status, status) {
            case (.ok, _), (_, .unset): return
            default: state.status = status
            }
        }
    }

    /// Records `error` as an `exception` event (`exception.type`, `exception.message`) and sets the
    /// status to error with the error's description.
    public func recordError(_ error: any Error, attributes: Attributes = [:]) {
        guard storage != nil else { return }
        let message = String(describing: error)
        var eventAttributes: Attributes = [
            "exception.type": .string(String(reflecting: type(of: error))),
            "exception.message": .string(message),
        ]
        for (key, value) in attributes { eventAttributes[key] = value }
        addEvent("exception", attributes: eventAttributes)
        setStatus(.error(description: message))
    }

    /// Renames the span (for instance once an HTTP route is known).
    public func updateName(_ name: String) {
        storage?.mutate { state, _ in state.name = name }
    }

    /// Ends the span now (or at `timeUnixNano`) and hands it to the span processors. Only the first
    /// call counts.
    public func end(timeUnixNano: UInt64? = nil) {
        storage?.end(explicitWallUnixNano: timeUnixNano)
    }

    public var description: String {
        "Span(\(context.traceID)/\(context.spanID)\(isRecording ? "" : ", not recording"))"
    }
}

/// Limits on what one span may hold; past them, items are dropped and counted (OpenTelemetry's
/// defaults: 128 each, no value-length limit).
public struct SpanLimits: Hashable, Sendable {
    public var attributeCountLimit = 128
    public var eventCountLimit = 128
    public var linkCountLimit = 128
    /// Longer string values (and strings in arrays) are truncated to this many characters.
    public var attributeValueLengthLimit: Int? = nil

    public init(
        attributeCountLimit: Int = 128, eventCountLimit: Int = 128, linkCountLimit: Int = 128,
        attributeValueLengthLimit: Int? = nil
    ) {
        self.attributeCountLimit = attributeCountLimit
        self.eventCountLimit = eventCountLimit
        self.linkCountLimit = linkCountLimit
        self.attributeValueLengthLimit = attributeValueLengthLimit
    }
}

/// A recording span: what it was started with, its mutable state and the pthread mutex that guards
/// the state, in one allocation (see `Locked` for why a pthread mutex).
final class SpanStorage: MutexBuffer<SpanStorage.Header> {
    struct State {
        var name: String
        var attributes: Attributes
        var droppedAttributesCount = 0
        var events: [SpanEvent] = []
        var droppedEventsCount = 0
        var links: [SpanLink]
        var droppedLinksCount = 0
        var status = SpanStatus.unset
        var ended = false

        mutating func setAttribute(_ key: String, _ value: AttributeValue, limits: SpanLimits) {
            var value = value
            if let max = limits.attributeValueLengthLimit { value = value.truncated(to: max) }
            if !attributes.set(key, value, limit: limits.attributeCountLimit) { droppedAttributesCount += 1 }
        }

        func truncate(_ attributes: inout Attributes, limits: SpanLimits) {
            guard let max = limits.attributeValueLengthLimit else { return }
            for i in attributes.storage.indices { attributes.storage[i].1 = attributes.storage[i].1.truncated(to: max) }
        }
    }

    struct Header {
        let context: SpanContext
        let parentSpanID: SpanID?
        let parentIsRemote: Bool?
        let kind: SpanKind
        let start: TraceInstant
        let tracer: Tracer
        /// Read and written only with the mutex held.
        var state: State
    }

    static func make(
        context: SpanContext, parent: SpanContext?, name: String, kind: SpanKind,
        attributes: Attributes, links: [SpanLink], start: TraceInstant, tracer: Tracer
    ) -> SpanStorage {
        let limits = tracer.limits
        var state = State(name: name, attributes: [:], links: [])
        if attributes.isEmpty {
            // Most spans get a few attributes after they start: one allocation instead of a regrowth
            // per append.
            state.attributes.storage.reserveCapacity(min(8, limits.attributeCountLimit))
        } else if attributes.count <= limits.attributeCountLimit && limits.attributeValueLengthLimit == nil {
            state.attributes = attributes
        } else {
            for (key, value) in attributes { state.setAttribute(key, value, limits: limits) }
        }
        if links.count <= limits.linkCountLimit {
            state.links = links
        } else {
            state.links = Array(links.prefix(limits.linkCountLimit))
            state.droppedLinksCount = links.count - limits.linkCountLimit
        }
        let header = Header(
            context: context, parentSpanID: parent?.spanID, parentIsRemote: parent?.isRemote, kind: kind, start: start,
            tracer: tracer, state: state)
        return make(header)
    }

    // What the span was started with never changes: read without the mutex, field by field.
    var context: SpanContext { withUnsafeMutablePointerToHeader { $0.pointee.context } }
    var start: TraceInstant { withUnsafeMutablePointerToHeader { $0.pointee.start } }
    var tracer: Tracer { withUnsafeMutablePointerToHeader { $0.pointee.tracer } }

    var isRecording: Bool { withLock { !$0.state.ended } }

    /// Applies `body` unless the span has ended.
    func mutate(_ body: (inout State, SpanLimits) -> Void) {
        let limits = tracer.limits
        withLock { span in
            guard !span.state.ended else { return }
            body(&span.state, limits)
        }
    }

    func end(explicitWallUnixNano: UInt64?) {
        let start = self.start, tracer = self.tracer
        let endWall: UInt64
        if let explicitWallUnixNano {
            endWall = max(explicitWallUnixNano, start.wallUnixNano)
        } else {
            endWall = start.wallUnixNano &+ (tracer.clock.monotonicNow() &- start.monotonicNano)
        }
        let data: SpanData? = withLock { span in
            guard !span.state.ended else { return nil }
            span.state.ended = true
            return SpanData(
                context: span.context, parentSpanID: span.parentSpanID, parentIsRemote: span.parentIsRemote,
                name: span.state.name, kind: span.kind, startTimeUnixNano: start.wallUnixNano, endTimeUnixNano: endWall,
                attributes: span.state.attributes, droppedAttributesCount: span.state.droppedAttributesCount,
                events: span.state.events, droppedEventsCount: span.state.droppedEventsCount,
                links: span.state.links, droppedLinksCount: span.state.droppedLinksCount,
                status: span.state.status, resource: tracer.resource, scope: tracer.scope)
        }
        if let data { tracer.spanEnded(data) }
    }
}

extension AttributeValue {
    func truncated(to max: Int) -> AttributeValue {
        switch self {
        case .string(let s) where s.count > max: .string(String(s.prefix(max)))
        case .stringArray(let a) where a.contains(where: { $0.count > max }): .stringArray(a.map { String($0.prefix(max)) })
        default: self
        }
    }
}
