/// What a span does for the work it measures.
public enum SpanKind: Int, Hashable, Sendable, CaseIterable {
    /// An operation inside the process (the default).
    case `internal` = 1
    /// The server side of a synchronous request (an incoming HTTP request).
    case server = 2
    /// The client side of a synchronous request (an outgoing HTTP call).
    case client = 3
    /// The sender of an asynchronous message.
    case producer = 4
    /// The receiver of an asynchronous message.
    case consumer = 5
}

/// The outcome of a span: unset (the default), ok, or an error with an optional description.
public enum SpanStatus: Hashable, Sendable, CustomStringConvertible {
    case unset
    case ok
    case error(description: String? = nil)

    /// `true` for `.error`.
    public var isError: Bool { if case .error = self { true } else { false } }

    public var description: String {
        switch self {
        case .unset: "unset"
        case .ok: "ok"
        case .error(let description?): "error: \(description)"
        case .error(nil): "error"
        }
    }
}

/// A time-stamped annotation on a span, such as an `exception`.
public struct SpanEvent: Hashable, Sendable {
    public var name: String
    /// Wall-clock time, nanoseconds since the Unix epoch.
    public var timeUnixNano: UInt64
    public var attributes: Attributes

    public init(name: String, timeUnixNano: UInt64, attributes: Attributes = [:]) {
        self.name = name
        self.timeUnixNano = timeUnixNano
        self.attributes = attributes
    }
}

/// A reference from one span to another span, in the same trace or another (batch jobs, fan-in).
public struct SpanLink: Hashable, Sendable {
    public var context: SpanContext
    public var attributes: Attributes

    public init(context: SpanContext, attributes: Attributes = [:]) {
        self.context = context
        self.attributes = attributes
    }
}

/// The name and version of the library or component that produced a span.
public struct InstrumentationScope: Hashable, Sendable {
    public var name: String
    public var version: String?

    public init(name: String, version: String? = nil) {
        self.name = name
        self.version = version
    }
}

/// An ended span: an immutable record handed to span processors and exporters.
public struct SpanData: Sendable, Hashable {
    public var context: SpanContext
    /// The parent's span id, or `nil` for a root span.
    public var parentSpanID: SpanID?
    /// Whether the parent came from another process; `nil` for a root span.
    public var parentIsRemote: Bool?
    public var name: String
    public var kind: SpanKind
    /// Wall-clock start, nanoseconds since the Unix epoch.
    public var startTimeUnixNano: UInt64
    /// Wall-clock end, nanoseconds since the Unix epoch. Computed from the start time and a
    /// monotonic duration, so it is never before the start even if the wall clock steps back.
    public var endTimeUnixNano: UInt64
    public var attributes: Attributes
    public var droppedAttributesCount: Int
    public var events: [SpanEvent]
    public var droppedEventsCount: Int
    public var links: [SpanLink]
    public var droppedLinksCount: Int
    public var status: SpanStatus
    public var resource: Resource
    public var scope: InstrumentationScope

    /// `endTimeUnixNano - startTimeUnixNano`.
    public var durationNanoseconds: UInt64 { endTimeUnixNano - startTimeUnixNano }
}
