/// Encodes log records as an OTLP `ExportLogsServiceRequest`, in protobuf (field numbers of
/// `logs.proto` and `logs_service.proto`, field-number order, defaults left out) or OTLP/JSON,
/// grouped by resource and scope.
enum OTLPLogEncoding {
    static func protobuf(_ records: [OTLPLogRecord]) -> [UInt8] {
        OTLPGrouping.protobuf(records, resource: \.resource, scope: \.scope) { $0.logRecord($1) }
    }

    static func json(_ records: [OTLPLogRecord]) -> [UInt8] {
        OTLPGrouping.json(records, resource: \.resource, scope: \.scope, keys: ("resourceLogs", "scopeLogs", "logRecords")) {
            $0.otlpLogRecord($1)
        }
    }
}

extension ProtobufWriter {
    /// The fields of one `LogRecord`.
    mutating func logRecord(_ record: OTLPLogRecord) {
        fixed64FieldIfSet(1, record.timeUnixNano)
        varintFieldIfSet(2, UInt64(clamping: record.severityNumber))
        stringFieldIfSet(3, record.severityText)
        if let body = record.body { messageField(5) { $0.anyValue(body) } }
        for attribute in record.attributes { messageField(6) { $0.keyValue(attribute) } }
        fixed32FieldIfSet(8, record.flags)
        if let traceID = record.traceID { bytesField(9, traceID.bytes) }
        if let spanID = record.spanID { bytesField(10, spanID.bytes) }
        fixed64FieldIfSet(11, record.observedTimeUnixNano)
    }

    /// The fields of a `KeyValue`.
    mutating func keyValue(_ kv: OTLPKeyValue) {
        stringFieldIfSet(1, kv.key)
        messageField(2) { $0.anyValue(kv.value) }
    }

    /// The fields of an `AnyValue` (none for ``OTLPValue/empty``).
    mutating func anyValue(_ value: OTLPValue) {
        switch value {
        case .string(let s): stringField(1, s)
        case .bool(let b): varintField(2, b ? 1 : 0)
        case .int(let i): varintField(3, UInt64(bitPattern: i))
        case .double(let d): doubleField(4, d)
        case .array(let values): messageField(5) { array in for v in values { array.messageField(1) { $0.anyValue(v) } } }
        case .kvlist(let members): messageField(6) { list in for kv in members { list.messageField(1) { $0.keyValue(kv) } } }
        case .empty: break
        }
    }
}

extension JSONLineEncoder {
    /// One `LogRecord` object.
    mutating func otlpLogRecord(_ record: OTLPLogRecord) {
        appendRaw("{")
        otlpUInt64("timeUnixNano", record.timeUnixNano)
        otlpNumber("severityNumber", record.severityNumber)
        otlpString("severityText", record.severityText)
        if let body = record.body {
            otlpKey("body")
            otlpAnyValue(body)
        }
        if !record.attributes.isEmpty {
            otlpKey("attributes")
            appendArray(record.attributes) { kv, json in json.otlpKeyValue(kv) }
        }
        otlpNumber("flags", record.flags)
        if let traceID = record.traceID { otlpID("traceId", traceID.appendHex) }
        if let spanID = record.spanID { otlpID("spanId", spanID.appendHex) }
        otlpUInt64("observedTimeUnixNano", record.observedTimeUnixNano)
        appendRaw("}")
    }

    mutating func otlpKeyValue(_ kv: OTLPKeyValue) {
        appendRaw("{\"key\":")
        appendString(kv.key)
        appendRaw(",\"value\":")
        otlpAnyValue(kv.value)
        appendRaw("}")
    }

    /// An `AnyValue` object (`{}` for ``OTLPValue/empty``).
    mutating func otlpAnyValue(_ value: OTLPValue) {
        switch value {
        case .string(let s): otlpScalar("stringValue") { $0.appendString(s) }
        case .bool(let b): otlpScalar("boolValue") { $0.appendBool(b) }
        case .int(let i): otlpScalar("intValue") { $0.otlpInt64(i) }
        case .double(let d): otlpScalar("doubleValue") { $0.otlpDouble(d) }
        case .array(let values): otlpArrayValue(values) { v, json in json.otlpAnyValue(v) }
        case .kvlist(let members):
            appendRaw("{\"kvlistValue\":{\"values\":")
            appendArray(members) { kv, json in json.otlpKeyValue(kv) }
            appendRaw("}}")
        case .empty: appendRaw("{}")
        }
    }
}
