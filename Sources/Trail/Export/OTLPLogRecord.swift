/// One OTLP `LogRecord` built from a JSON log line (OpenTelemetry logs data model).
struct OTLPLogRecord: Equatable, Sendable {
    var timeUnixNano: UInt64
    var observedTimeUnixNano: UInt64
    var severityNumber: Int
    var severityText: String
    var body: OTLPValue?
    var attributes: [OTLPKeyValue]
    var traceID: TraceID?
    var spanID: SpanID?
    /// The W3C trace flags (the low 8 bits of `LogRecord.flags`).
    var flags: UInt32
    var resource: Resource
    var scope: InstrumentationScope
}

extension OTLPLogRecord {
    /// The record for `line`, read with the reserved keys of `fieldNames`:
    /// - the timestamp field → `time_unix_nano` (and `observed_time_unix_nano`, the same value, as
    ///   the data model recommends when a record is created; `observedAt` when the line has no
    ///   readable timestamp, in which case `time_unix_nano` is left unset);
    /// - the line's level → `severity_number` (TRACE 1, DEBUG 5, INFO 9, notice INFO2 10, WARN 13,
    ///   ERROR 17, critical FATAL 21) and the level field's text, as written, → `severity_text`;
    /// - the message → `body` (a string);
    /// - trace id, span id and trace flags (lowercase hex) → the record's own fields; a value that
    ///   is not a valid id stays an attribute;
    /// - the service name → the resource's `service.name` (the other resource attributes come from
    ///   `resource`);
    /// - the logger name → the instrumentation scope's name;
    /// - every other top-level field → an attribute with its JSON type (string, integer, double,
    ///   boolean, array, nested object as a key-value list, null as an empty value).
    ///
    /// A line that is not a JSON object becomes a record whose body is the whole line as text.
    init(line: LogLine, fieldNames: FieldNames, resource: Resource, observedAt: UInt64) {
        self.init(
            timeUnixNano: 0, observedTimeUnixNano: observedAt, severityNumber: line.level.severityNumber,
            severityText: line.level.name, body: nil, attributes: [], traceID: nil, spanID: nil, flags: 0,
            resource: resource, scope: InstrumentationScope(name: ""))
        guard let fields = line.withBytes({ JSONLineScanner.fields($0) }) else {
            var text = line.text
            if text.hasSuffix("\n") { text.removeLast() }
            body = .string(text)
            return
        }
        for (key, value) in fields {
            if key == fieldNames.timestamp, case .string(let text) = value, let time = RFC3339.nanoseconds(text) {
                timeUnixNano = time
                observedTimeUnixNano = time
                continue
            }
            switch (key, value) {
            case (fieldNames.level, .string(let text)):
                severityText = text
            case (fieldNames.message, .string(let text)):
                body = .string(text)
            case (fieldNames.traceID, .string(let text)) where TraceID(hex: text).map(\.isValid) == true:
                traceID = TraceID(hex: text)
            case (fieldNames.spanID, .string(let text)) where SpanID(hex: text).map(\.isValid) == true:
                spanID = SpanID(hex: text)
            case (let name, .string(let text)) where name == fieldNames.traceFlags && text.utf8.count == 2 && UInt8(text, radix: 16) != nil:
                flags = UInt32(UInt8(text, radix: 16)!)
            case (fieldNames.serviceName, .string(let text)):
                self.resource.attributes["service.name"] = .string(text)
            case (fieldNames.logger, .string(let text)):
                scope = InstrumentationScope(name: text)
            case (_, .string(let text)):
                attributes.append(OTLPKeyValue(key: key, value: .string(text)))
            case (_, .raw(let text)):
                attributes.append(OTLPKeyValue(key: key, value: OTLPJSONValueParser.parse(text) ?? .string(text)))
            }
        }
    }
}
