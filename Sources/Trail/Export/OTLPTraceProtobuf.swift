/// Encodes spans as an OTLP `ExportTraceServiceRequest` in protobuf (`application/x-protobuf`).
///
/// Field numbers are those of `opentelemetry/proto/trace/v1/trace.proto` and
/// `collector/trace/v1/trace_service.proto`. Fields are written in field-number order and default
/// values are left out, as the reference serializers do.
enum OTLPTraceProtobuf {
    static func encode(_ spans: [SpanData]) -> [UInt8] {
        OTLPGrouping.protobuf(spans, resource: \.resource, scope: \.scope) { $0.span($1) }
    }
}

extension ProtobufWriter {
    /// The fields of one `Span`.
    mutating func span(_ span: SpanData) {
        bytesField(1, span.context.traceID.bytes)
        bytesField(2, span.context.spanID.bytes)
        stringFieldIfSet(3, span.context.traceState.headerValue)
        if let parent = span.parentSpanID, parent.isValid { bytesField(4, parent.bytes) }
        stringFieldIfSet(5, span.name)
        varintFieldIfSet(6, UInt64(span.kind.rawValue))
        fixed64FieldIfSet(7, span.startTimeUnixNano)
        fixed64FieldIfSet(8, span.endTimeUnixNano)
        attributes(9, span.attributes)
        varintFieldIfSet(10, UInt64(clamping: span.droppedAttributesCount))
        for event in span.events {
            messageField(11) { e in  // Span.Event
                e.fixed64FieldIfSet(1, event.timeUnixNano)
                e.stringFieldIfSet(2, event.name)
                e.attributes(3, event.attributes)
            }
        }
        varintFieldIfSet(12, UInt64(clamping: span.droppedEventsCount))
        for link in span.links {
            messageField(13) { l in  // Span.Link
                l.bytesField(1, link.context.traceID.bytes)
                l.bytesField(2, link.context.spanID.bytes)
                l.stringFieldIfSet(3, link.context.traceState.headerValue)
                l.attributes(4, link.attributes)
                l.fixed32FieldIfSet(6, OTLPFlags.link(link))
            }
        }
        varintFieldIfSet(14, UInt64(clamping: span.droppedLinksCount))
        switch span.status {
        case .unset: break
        case .ok: messageField(15) { $0.varintField(3, 1) }  // Status.code = OK
        case .error(let description):
            messageField(15) { status in
                status.stringFieldIfSet(2, description ?? "")  // Status.message
                status.varintField(3, 2)  // Status.code = ERROR
            }
        }
        fixed32FieldIfSet(16, OTLPFlags.span(span))
    }
}
