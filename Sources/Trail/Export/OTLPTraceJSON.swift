/// Encodes spans as an OTLP/JSON `ExportTraceServiceRequest` (`application/json`), grouped by
/// resource and scope like the protobuf form (``OTLPTraceProtobuf``).
enum OTLPTraceJSON {
    static func encode(_ spans: [SpanData]) -> [UInt8] {
        OTLPGrouping.json(spans, resource: \.resource, scope: \.scope, keys: ("resourceSpans", "scopeSpans", "spans")) {
            $0.otlpSpan($1)
        }
    }
}

extension JSONLineEncoder {
    /// One `Span` object.
    mutating func otlpSpan(_ span: SpanData) {
        appendRaw("{")
        otlpID("traceId", span.context.traceID.appendHex)
        otlpID("spanId", span.context.spanID.appendHex)
        otlpString("traceState", span.context.traceState.headerValue)
        if let parent = span.parentSpanID, parent.isValid { otlpID("parentSpanId", parent.appendHex) }
        otlpNumber("flags", OTLPFlags.span(span))
        otlpString("name", span.name)
        otlpNumber("kind", span.kind.rawValue)
        otlpUInt64("startTimeUnixNano", span.startTimeUnixNano)
        otlpUInt64("endTimeUnixNano", span.endTimeUnixNano)
        otlpAttributes("attributes", span.attributes)
        otlpNumber("droppedAttributesCount", span.droppedAttributesCount)
        if !span.events.isEmpty {
            otlpKey("events")
            appendArray(span.events) { event, json in
                json.appendRaw("{")
                json.otlpUInt64("timeUnixNano", event.timeUnixNano)
                json.otlpString("name", event.name)
                json.otlpAttributes("attributes", event.attributes)
                json.appendRaw("}")
            }
        }
        otlpNumber("droppedEventsCount", span.droppedEventsCount)
        if !span.links.isEmpty {
            otlpKey("links")
            appendArray(span.links) { link, json in
                json.appendRaw("{")
                json.otlpID("traceId", link.context.traceID.appendHex)
                json.otlpID("spanId", link.context.spanID.appendHex)
                json.otlpString("traceState", link.context.traceState.headerValue)
                json.otlpAttributes("attributes", link.attributes)
                json.otlpNumber("flags", OTLPFlags.link(link))
                json.appendRaw("}")
            }
        }
        otlpNumber("droppedLinksCount", span.droppedLinksCount)
        switch span.status {
        case .unset: break
        case .ok: appendRaw(",\"status\":{\"code\":1}")
        case .error(let description):
            appendRaw(",\"status\":{")
            otlpString("message", description ?? "")
            otlpNumber("code", 2)
            appendRaw("}")
        }
        appendRaw("}")
    }
}
