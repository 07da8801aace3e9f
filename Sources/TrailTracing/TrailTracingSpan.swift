#if DistributedTracing
import Tracing
import Trail

/// A swift-distributed-tracing `Span` that is a Trail span: attributes, events, links, status,
/// errors and the end time go to ``trailSpan``, which the pipeline exports like any other.
public final class TrailTracingSpan: Tracing.Span {
    /// The Trail span behind this one.
    public let trailSpan: Trail.Span
    /// The parent's `InstrumentationContext` with this span as its Trail context.
    public let context: InstrumentationContext
    private let state: Locked<(name: String, attributes: SpanAttributes)>

    init(_ span: Trail.Span, name: String, context: InstrumentationContext) {
        trailSpan = span
        self.context = context
        state = Locked((name, [:]))
    }

    public var operationName: String {
        get { state.withLock { $0.name } }
        set {
            state.withLock { $0.name = newValue }
            trailSpan.updateName(newValue)
        }
    }

    /// The attributes set through this API (Trail's own setters are not reflected here).
    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set {
            state.withLock { $0.attributes = newValue }
            trailSpan.setAttributes(Self.attributes(newValue))
        }
    }

    public var isRecording: Bool { trailSpan.isRecording }

    public func setStatus(_ status: Tracing.SpanStatus) {
        switch status.code {
        case .ok: trailSpan.setStatus(.ok)
        case .error: trailSpan.setStatus(.error(description: status.message))
        }
    }

    public func addEvent(_ event: Tracing.SpanEvent) {
        trailSpan.addEvent(event.name, attributes: Self.attributes(event.attributes), timeUnixNano: event.nanosecondsSinceEpoch)
    }

    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        trailSpan.recordError(error, attributes: Self.attributes(attributes))
    }

    /// Links to the span `link.context` carries; a context without a Trail span is not linked.
    public func addLink(_ link: Tracing.SpanLink) {
        guard let linked = link.context.trailContext?.span?.context else { return }
        trailSpan.addLink(Trail.SpanLink(context: linked, attributes: Self.attributes(link.attributes)))
    }

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        trailSpan.end(timeUnixNano: instant().nanosecondsSinceEpoch)
    }

    /// swift-distributed-tracing attributes as Trail attributes (values that are
    /// `CustomStringConvertible` become strings).
    static func attributes(_ attributes: SpanAttributes) -> Trail.Attributes {
        var result = Trail.Attributes()
        attributes.forEach { name, attribute in
            if let value = value(attribute) { result[name] = value }
        }
        return result
    }

    static func value(_ attribute: SpanAttribute) -> AttributeValue? {
        switch attribute {
        case .int32(let value): .int(Int64(value))
        case .int64(let value): .int(value)
        case .double(let value): .double(value)
        case .bool(let value): .bool(value)
        case .string(let value): .string(value)
        case .int32Array(let values): .intArray(values.map(Int64.init))
        case .int64Array(let values): .intArray(values)
        case .doubleArray(let values): .doubleArray(values)
        case .boolArray(let values): .boolArray(values)
        case .stringArray(let values): .stringArray(values)
        case .stringConvertible(let value): .string(value.description)
        case .stringConvertibleArray(let values): .stringArray(values.map(\.description))
        default: nil
        }
    }
}
#endif
