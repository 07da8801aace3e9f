/// The messages of `opentelemetry/proto/common/v1` and `resource/v1` in protobuf, for both signals.
/// Field numbers from `common.proto` and `resource.proto`.
extension ProtobufWriter {
    /// `repeated KeyValue` under `field`, one entry per attribute.
    mutating func attributes(_ field: Int, _ attributes: Attributes) {
        for (key, value) in attributes {
            messageField(field) { kv in
                kv.stringFieldIfSet(1, key)  // KeyValue.key
                kv.messageField(2) { $0.anyValue(value) }  // KeyValue.value
            }
        }
    }

    /// The fields of an `AnyValue` holding `value`; arrays become an `ArrayValue`.
    mutating func anyValue(_ value: AttributeValue) {
        switch value {
        case .string(let s): stringField(1, s)
        case .bool(let b): varintField(2, b ? 1 : 0)
        case .int(let i): varintField(3, UInt64(bitPattern: i))
        case .double(let d): doubleField(4, d)
        case .stringArray(let a): messageField(5) { array in for s in a { array.messageField(1) { $0.stringField(1, s) } } }
        case .boolArray(let a): messageField(5) { array in for b in a { array.messageField(1) { $0.varintField(2, b ? 1 : 0) } } }
        case .intArray(let a): messageField(5) { array in for i in a { array.messageField(1) { $0.varintField(3, UInt64(bitPattern: i)) } } }
        case .doubleArray(let a): messageField(5) { array in for d in a { array.messageField(1) { $0.doubleField(4, d) } } }
        }
    }

    /// `Resource` fields: its attributes (field 1).
    mutating func resource(_ resource: Resource) {
        attributes(1, resource.attributes)
    }

    /// `InstrumentationScope` fields: name (1) and version (2).
    mutating func scope(_ scope: InstrumentationScope) {
        stringFieldIfSet(1, scope.name)
        stringFieldIfSet(2, scope.version ?? "")
    }
}
