/// Builds the JSON body of a Loki push (PROTOCOLS.md §5.1) from a batch of log lines:
/// `{"streams":[{"stream":{labels},"values":[["<ns>","<line>",{metadata}]]}]}`.
///
/// Lines are grouped into streams by their label set; within a stream, values are sorted by
/// timestamp (stable for equal ones). Timestamps are Unix nanoseconds as strings, taken from the
/// line's `timestamp` (OpenTelemetry) or `@timestamp` (ECS) field, else the time of sending.
struct LokiPush {
    /// What the push needs from a sink's options.
    struct Settings: Sendable {
        var staticLabels: [(name: String, value: String)]
        var serviceName: String?
        var levelLabel: Bool
        var structuredMetadata: Bool
        var maxLineBytes: Int
    }

    /// The body, the number of lines in it and the number dropped as oversize.
    struct Encoded {
        var body: [UInt8]
        var lines: Int
        var droppedOversize: Int
    }

    private struct Entry {
        var nanoseconds: UInt64
        var line: [UInt8]
        var traceID: String?
        var spanID: String?
    }

    private struct Stream {
        var labels: [(name: String, value: String)]
        var entries: [Entry] = []
    }

    static func encode(_ batch: [LogLine], settings: Settings, now: UInt64) -> Encoded {
        var streams: [Stream] = []
        var streamIndex: [String: Int] = [:]
        var dropped = 0
        for line in batch {
            line.withBytes { raw in
                var end = raw.count
                while end > 0, raw[end - 1] == UInt8(ascii: "\n") || raw[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                guard end <= settings.maxLineBytes else {
                    dropped += 1
                    return
                }
                let bytes = UnsafeRawBufferPointer(rebasing: raw[..<end])
                let fields = JSONLineScanner.fields(bytes) ?? []
                func string(_ keys: String...) -> String? {
                    for key in keys {
                        if case .string(let value)? = fields.first(where: { $0.key == key })?.value { return value }
                    }
                    return nil
                }
                let time = string("timestamp", "@timestamp").flatMap(RFC3339.nanoseconds) ?? now
                var labels = settings.staticLabels
                let service = settings.serviceName ?? string("service.name") ?? "unknown_service"
                labels.append(("service_name", service.isEmpty ? "unknown_service" : service))
                if settings.levelLabel { labels.append(("level", line.level.name)) }
                labels.sort { $0.name < $1.name }
                let key = labels.map { "\($0.name)=\($0.value)" }.joined(separator: "\u{0}")
                let entry = Entry(nanoseconds: time, line: Array(bytes),
                                  traceID: settings.structuredMetadata ? string("trace_id", "trace.id") : nil,
                                  spanID: settings.structuredMetadata ? string("span_id", "span.id") : nil)
                if let index = streamIndex[key] {
                    streams[index].entries.append(entry)
                } else {
                    streamIndex[key] = streams.count
                    streams.append(Stream(labels: labels, entries: [entry]))
                }
            }
        }
        var encoder = JSONLineEncoder(capacity: batch.reduce(64) { $0 + $1.byteCount + 64 })
        encoder.appendRaw("{\"streams\":[")
        var lines = 0
        for (index, stream) in streams.enumerated() {
            if index > 0 { encoder.appendRaw(UInt8(ascii: ",")) }
            encoder.appendRaw("{\"stream\":{")
            for label in stream.labels { encoder.appendKey(label.name); encoder.appendString(label.value) }
            encoder.appendRaw("},\"values\":[")
            // Stable: equal timestamps keep the order the lines were logged in.
            let sorted = stream.entries.enumerated().sorted { ($0.element.nanoseconds, $0.offset) < ($1.element.nanoseconds, $1.offset) }
            for (position, item) in sorted.enumerated() {
                let entry = item.element
                if position > 0 { encoder.appendRaw(UInt8(ascii: ",")) }
                encoder.appendRaw("[")
                encoder.appendString(String(entry.nanoseconds))
                encoder.appendRaw(",\"")
                entry.line.withUnsafeBufferPointer { encoder.appendEscaped(utf8: $0) }
                encoder.appendRaw("\"")
                if entry.traceID != nil || entry.spanID != nil {
                    encoder.appendRaw(",{")
                    if let traceID = entry.traceID { encoder.appendKey("trace_id"); encoder.appendString(traceID) }
                    if let spanID = entry.spanID { encoder.appendKey("span_id"); encoder.appendString(spanID) }
                    encoder.appendRaw("}")
                }
                encoder.appendRaw("]")
                lines += 1
            }
            encoder.appendRaw("]}")
        }
        encoder.appendRaw("]}")
        return Encoded(body: encoder.bytes, lines: lines, droppedOversize: dropped)
    }
}
