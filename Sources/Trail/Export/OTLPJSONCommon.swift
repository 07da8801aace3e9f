/// The OTLP/JSON forms shared by both signals (`docs/specification.md` § "JSON Protobuf Encoding"):
/// lowerCamelCase keys, 64-bit integers as decimal strings, enums as integers, trace and span ids
/// as lowercase hex (not base64), fields with default values left out.
extension JSONLineEncoder {
    /// `"key":[{"key":…,"value":{…}},…]`, nothing when `attributes` is empty.
    mutating func otlpAttributes(_ key: StaticString, _ attributes: Attributes) {
        guard !attributes.isEmpty else { return }
        otlpKey(key)
        appendArray(attributes) { attribute, json in
            json.appendRaw("{\"key\":")
            json.appendString(attribute.key)
            json.appendRaw(",\"value\":")
            json.otlpAnyValue(attribute.value)
            json.appendRaw("}")
        }
    }

    /// An `AnyValue` object: `{"stringValue":"x"}`, `{"intValue":"10"}`, `{"arrayValue":{"values":[…]}}`…
    mutating func otlpAnyValue(_ value: AttributeValue) {
        switch value {
        case .string(let s): otlpScalar("stringValue") { $0.appendString(s) }
        case .bool(let b): otlpScalar("boolValue") { $0.appendBool(b) }
        case .int(let i): otlpScalar("intValue") { $0.otlpInt64(i) }
        case .double(let d): otlpScalar("doubleValue") { $0.otlpDouble(d) }
        case .stringArray(let a): otlpArrayValue(a) { s, json in json.otlpScalar("stringValue") { $0.appendString(s) } }
        case .boolArray(let a): otlpArrayValue(a) { b, json in json.otlpScalar("boolValue") { $0.appendBool(b) } }
        case .intArray(let a): otlpArrayValue(a) { i, json in json.otlpScalar("intValue") { $0.otlpInt64(i) } }
        case .doubleArray(let a): otlpArrayValue(a) { d, json in json.otlpScalar("doubleValue") { $0.otlpDouble(d) } }
        }
    }

    /// `{"<key>":<value>}`.
    mutating func otlpScalar(_ key: StaticString, _ value: (inout JSONLineEncoder) -> Void) {
        appendRaw("{\"")
        appendRaw(key)
        appendRaw("\":")
        value(&self)
        appendRaw("}")
    }

    /// `{"arrayValue":{"values":[…]}}` (an empty array keeps `"values":[]`).
    mutating func otlpArrayValue<C: Sequence>(_ elements: C, _ element: (C.Element, inout JSONLineEncoder) -> Void) {
        appendRaw("{\"arrayValue\":{\"values\":")
        appendArray(elements, element)
        appendRaw("}}")
    }

    /// A 64-bit integer as a decimal string, as proto3 JSON writes `int64`/`fixed64`.
    mutating func otlpInt64(_ value: Int64) {
        appendRaw("\"")
        appendInteger(value)
        appendRaw("\"")
    }

    /// `"key":"<decimal>"` for a `fixed64`/`uint64` field, nothing when zero.
    mutating func otlpUInt64(_ key: StaticString, _ value: UInt64) {
        guard value != 0 else { return }
        otlpKey(key)
        appendRaw("\"")
        appendInteger(value)
        appendRaw("\"")
    }

    /// `"key":<n>` for a `uint32`/`fixed32`/enum field, nothing when zero.
    mutating func otlpNumber(_ key: StaticString, _ value: some BinaryInteger) {
        guard value != 0 else { return }
        otlpKey(key)
        appendInteger(value)
    }

    /// `"key":"<text>"`, nothing when `value` is empty.
    mutating func otlpString(_ key: StaticString, _ value: String) {
        guard !value.isEmpty else { return }
        otlpKey(key)
        appendString(value)
    }

    /// `"key":"<lowercase hex>"` for a trace or span id.
    mutating func otlpID(_ key: StaticString, _ append: (inout [UInt8]) -> Void) {
        otlpKey(key)
        appendRaw("\"")
        append(&bytes)
        appendRaw("\"")
    }

    /// A double as proto3 JSON writes it: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
    mutating func otlpDouble(_ value: Double) {
        if value.isNaN {
            appendRaw("\"NaN\"")
        } else if value.isInfinite {
            value > 0 ? appendRaw("\"Infinity\"") : appendRaw("\"-Infinity\"")
        } else {
            appendDouble(value)
        }
    }

    /// `"key":` with a comma before it unless it opens the object.
    mutating func otlpKey(_ key: StaticString) {
        if keyNeedsComma { appendRaw(",") }
        appendRaw("\"")
        appendRaw(key)
        appendRaw("\":")
    }

    /// `"resource":{…}`: the resource's attributes.
    mutating func otlpResource(_ resource: Resource) {
        otlpKey("resource")
        appendRaw("{")
        otlpAttributes("attributes", resource.attributes)
        appendRaw("}")
    }

    /// `"scope":{…}`: name and version.
    mutating func otlpScope(_ scope: InstrumentationScope) {
        otlpKey("scope")
        appendRaw("{")
        otlpString("name", scope.name)
        otlpString("version", scope.version ?? "")
        appendRaw("}")
    }
}
