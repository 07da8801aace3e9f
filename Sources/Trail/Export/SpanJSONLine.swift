/// The span-file format of ``JSONLinesSpanExporter``: one JSON object per span, one span per line.
///
/// ```
/// {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","traceFlags":"01","parentSpanId":"53995c3f42cd8ad8",
///  "name":"GET /checkout","kind":"server","startTimeUnixNano":1795341845123456789,"endTimeUnixNano":1795341845135956789,
///  "startTime":"2026-11-22T10:04:05.123456789Z","endTime":"2026-11-22T10:04:05.135956789Z","durationNanos":12500000,
///  "status":{"code":"error","message":"payment failed"},"serviceName":"checkout","scope":{"name":"trail","version":"0.1.0"},
///  "attributes":{"http.request.method":"GET","http.response.status_code":502},
///  "events":[{"name":"exception","timeUnixNano":…,"time":"…","attributes":{…}}],"links":[{"traceId":…,"spanId":…,"attributes":{}}]}
/// ```
///
/// Key names follow OTLP/JSON's (`traceId`, `spanId`, `startTimeUnixNano`), so a span line is never
/// mistaken for a log line, whose keys are `trace_id` / `trace.id`. Ids are lowercase hex; times are
/// integer nanoseconds since the Unix epoch (and RFC 3339, UTC, for people); attribute values keep
/// their JSON types (`1` is an integer, `1.0` a double; non-finite doubles are the strings `"NaN"`,
/// `"+Inf"`, `"-Inf"`). `parentSpanId` is absent on a root span, `scope.version` when unknown, and
/// `droppedAttributesCount` / `droppedEventsCount` / `droppedLinksCount` when zero.
package enum SpanJSONLine {
    /// One span as a JSON object followed by `\n`, appended to `json`.
    package static func encode(_ span: SpanData, into json: inout JSONLineEncoder) {
        json.appendRaw("{\"traceId\":\"")
        span.context.traceID.appendHex(to: &json.bytes)
        json.appendRaw("\",\"spanId\":\"")
        span.context.spanID.appendHex(to: &json.bytes)
        json.appendRaw("\",\"traceFlags\":\"")
        json.bytes.append(contentsOf: span.context.traceFlags.hexString.utf8)
        json.appendRaw("\"")
        if let parent = span.parentSpanID {
            json.appendRaw(",\"parentSpanId\":\"")
            parent.appendHex(to: &json.bytes)
            json.appendRaw("\"")
            if let remote = span.parentIsRemote {
                json.appendRaw(",\"parentIsRemote\":")
                json.appendBool(remote)
            }
        }
        json.appendRaw(",\"name\":")
        json.appendString(span.name)
        json.appendRaw(",\"kind\":\"")
        json.bytes.append(contentsOf: kindName(span.kind).utf8)
        json.appendRaw("\",\"startTimeUnixNano\":")
        json.appendDecimal(span.startTimeUnixNano)
        json.appendRaw(",\"endTimeUnixNano\":")
        json.appendDecimal(span.endTimeUnixNano)
        json.appendRaw(",\"startTime\":")
        json.appendTimestamp(unixNano: span.startTimeUnixNano, fractionDigits: 9)
        json.appendRaw(",\"endTime\":")
        json.appendTimestamp(unixNano: span.endTimeUnixNano, fractionDigits: 9)
        json.appendRaw(",\"durationNanos\":")
        json.appendDecimal(span.durationNanoseconds)
        json.appendRaw(",\"status\":{\"code\":")
        switch span.status {
        case .unset: json.appendRaw("\"unset\"")
        case .ok: json.appendRaw("\"ok\"")
        case .error(let message):
            json.appendRaw("\"error\"")
            if let message {
                json.appendRaw(",\"message\":")
                json.appendString(message)
            }
        }
        json.appendRaw("},\"serviceName\":")
        json.appendString(span.resource.serviceName)
        json.appendRaw(",\"scope\":{\"name\":")
        json.appendString(span.scope.name)
        if let version = span.scope.version {
            json.appendRaw(",\"version\":")
            json.appendString(version)
        }
        json.appendRaw("},\"attributes\":")
        appendAttributes(span.attributes, to: &json)
        json.appendRaw(",\"events\":")
        json.appendArray(span.events) { event, json in
            json.appendRaw("{\"name\":")
            json.appendString(event.name)
            json.appendRaw(",\"timeUnixNano\":")
            json.appendDecimal(event.timeUnixNano)
            json.appendRaw(",\"time\":")
            json.appendTimestamp(unixNano: event.timeUnixNano, fractionDigits: 9)
            json.appendRaw(",\"attributes\":")
            appendAttributes(event.attributes, to: &json)
            json.appendRaw("}")
        }
        json.appendRaw(",\"links\":")
        json.appendArray(span.links) { link, json in
            json.appendRaw("{\"traceId\":\"")
            link.context.traceID.appendHex(to: &json.bytes)
            json.appendRaw("\",\"spanId\":\"")
            link.context.spanID.appendHex(to: &json.bytes)
            json.appendRaw("\",\"attributes\":")
            appendAttributes(link.attributes, to: &json)
            json.appendRaw("}")
        }
        for (key, count) in [("droppedAttributesCount", span.droppedAttributesCount), ("droppedEventsCount", span.droppedEventsCount), ("droppedLinksCount", span.droppedLinksCount)] where count > 0 {
            json.appendKey(key)
            json.appendInteger(count)
        }
        json.appendRaw("}\n")
    }

    static func appendAttributes(_ attributes: Attributes, to json: inout JSONLineEncoder) {
        json.appendObject(attributes) { attribute, json in
            json.appendKey(attribute.key)
            json.zipkinJSONValue(attribute.value)  // typed JSON: strings, numbers, booleans, homogeneous arrays
        }
    }

    static func kindName(_ kind: SpanKind) -> String {
        switch kind {
        case .internal: "internal"
        case .server: "server"
        case .client: "client"
        case .producer: "producer"
        case .consumer: "consumer"
        }
    }

    // MARK: Reading

    /// The span written on `line`, or `nil` when the line is not a span of this format (not JSON,
    /// or without valid `traceId`, `spanId`, `name` and times). Unknown keys are ignored.
    package static func decode(_ line: UnsafeRawBufferPointer) -> SpanData? {
        guard let object = JSONValue.parse(line), object.object != nil,
              let traceID = object["traceId"]?.string.flatMap({ TraceID(hex: $0, allowUppercase: true) }), traceID.isValid,
              let spanID = object["spanId"]?.string.flatMap({ SpanID(hex: $0, allowUppercase: true) }), spanID.isValid,
              let name = object["name"]?.string,
              let start = object["startTimeUnixNano"]?.uint64,
              let end = object["endTimeUnixNano"]?.uint64
        else { return nil }
        let parent = object["parentSpanId"]?.string.flatMap { SpanID(hex: $0, allowUppercase: true) }.flatMap { $0.isValid ? $0 : nil }
        let status: SpanStatus
        switch object["status"]?["code"]?.string {
        case "ok": status = .ok
        case "error": status = .error(description: object["status"]?["message"]?.string)
        default: status = .unset
        }
        var resource = Resource()
        if let service = object["serviceName"]?.string { resource.attributes["service.name"] = .string(service) }
        let events = (object["events"]?.array ?? []).compactMap { event -> SpanEvent? in
            guard let name = event["name"]?.string else { return nil }
            return SpanEvent(name: name, timeUnixNano: event["timeUnixNano"]?.uint64 ?? start, attributes: attributes(event["attributes"]))
        }
        let links = (object["links"]?.array ?? []).compactMap { link -> SpanLink? in
            guard let t = link["traceId"]?.string.flatMap({ TraceID(hex: $0, allowUppercase: true) }),
                  let s = link["spanId"]?.string.flatMap({ SpanID(hex: $0, allowUppercase: true) }) else { return nil }
            return SpanLink(context: SpanContext(traceID: t, spanID: s), attributes: attributes(link["attributes"]))
        }
        let flags = object["traceFlags"]?.string.flatMap { UInt8($0, radix: 16) }.map(TraceFlags.init(rawValue:)) ?? []
        var parentIsRemote: Bool?
        if case .bool(let remote)? = object["parentIsRemote"] { parentIsRemote = remote }
        return SpanData(
            context: SpanContext(traceID: traceID, spanID: spanID, traceFlags: flags), parentSpanID: parent, parentIsRemote: parentIsRemote,
            name: name, kind: kind(object["kind"]?.string), startTimeUnixNano: start, endTimeUnixNano: max(start, end),
            attributes: attributes(object["attributes"]), droppedAttributesCount: Int(object["droppedAttributesCount"]?.int ?? 0),
            events: events, droppedEventsCount: Int(object["droppedEventsCount"]?.int ?? 0),
            links: links, droppedLinksCount: Int(object["droppedLinksCount"]?.int ?? 0),
            status: status, resource: resource,
            scope: InstrumentationScope(name: object["scope"]?["name"]?.string ?? "", version: object["scope"]?["version"]?.string))
    }

    static func kind(_ name: String?) -> SpanKind {
        SpanKind.allCases.first { kindName($0) == name } ?? .internal
    }

    /// Typed attributes back from a JSON object; values of no attribute type (null, objects, mixed
    /// arrays) become their JSON text.
    static func attributes(_ value: JSONValue?) -> Attributes {
        var attributes = Attributes()
        for (key, value) in value?.object ?? [] {
            switch value {
            case .string(let s): attributes[key] = .string(s)
            case .int(let n): attributes[key] = .int(n)
            case .double(let d): attributes[key] = .double(d)
            case .bool(let b): attributes[key] = .bool(b)
            case .array(let elements):
                if let strings = elements.allMap(\.string) { attributes[key] = .stringArray(strings) }
                else if let ints = elements.allMap(\.int) { attributes[key] = .intArray(ints) }
                else if let doubles = elements.allMap({ v -> Double? in if case .double(let d) = v { d } else if case .int(let n) = v { Double(n) } else { nil } }) { attributes[key] = .doubleArray(doubles) }
                else if let bools = elements.allMap({ v -> Bool? in if case .bool(let b) = v { b } else { nil } }) { attributes[key] = .boolArray(bools) }
                else { attributes[key] = .string(text(value)) }
            default: attributes[key] = .string(text(value))
            }
        }
        return attributes
    }

    static func text(_ value: JSONValue) -> String {
        var json = JSONLineEncoder(capacity: 64)
        json.appendJSONValue(value)
        return String(decoding: json.bytes, as: UTF8.self)
    }
}

extension Array {
    /// Every element transformed, or `nil` if any transform fails.
    fileprivate func allMap<T>(_ transform: (Element) -> T?) -> [T]? {
        var out: [T] = []
        out.reserveCapacity(count)
        for element in self {
            guard let value = transform(element) else { return nil }
            out.append(value)
        }
        return out
    }
}

extension JSONLineEncoder {
    /// Appends a parsed JSON value back as compact JSON.
    package mutating func appendJSONValue(_ value: JSONValue) {
        switch value {
        case .null: appendNull()
        case .bool(let b): appendBool(b)
        case .int(let n): appendInteger(n)
        case .double(let d): appendDouble(d)
        case .string(let s): appendString(s)
        case .array(let elements): appendArray(elements) { element, json in json.appendJSONValue(element) }
        case .object(let fields):
            appendObject(fields) { field, json in
                json.appendKey(field.0)
                json.appendJSONValue(field.1)
            }
        }
    }
}
