/// Appends protobuf (proto3) wire-format fields to one byte buffer.
///
/// Only what the OTLP messages need: varints, `fixed32`/`fixed64`, `double`, strings, bytes and
/// nested messages. A nested message is written in place after a one-byte length placeholder; when
/// the finished child is 128 bytes or longer, the child is moved right to make room for its full
/// varint length, so lengths are always minimal and the output equals that of the reference
/// serializers. Following proto3, callers skip fields holding their default value (the `…IfSet`
/// helpers do that).
struct ProtobufWriter {
    /// Wire types (the low three bits of a tag).
    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    /// A `uint32`, `uint64`, `bool` or enum field, or an `int64` given as its two's complement
    /// (a negative `int64` takes ten bytes). Written even when zero.
    mutating func varintField(_ field: Int, _ value: UInt64) {
        tag(field, .varint)
        varint(value)
    }

    /// ``varintField(_:_:)`` unless `value` is zero.
    mutating func varintFieldIfSet(_ field: Int, _ value: UInt64) {
        if value != 0 { varintField(field, value) }
    }

    mutating func fixed64Field(_ field: Int, _ value: UInt64) {
        tag(field, .fixed64)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func fixed64FieldIfSet(_ field: Int, _ value: UInt64) {
        if value != 0 { fixed64Field(field, value) }
    }

    mutating func fixed32FieldIfSet(_ field: Int, _ value: UInt32) {
        guard value != 0 else { return }
        tag(field, .fixed32)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `double`, written even when zero (inside a `oneof` the value must be present).
    mutating func doubleField(_ field: Int, _ value: Double) {
        fixed64Field(field, value.bitPattern)
    }

    /// A `string` or `bytes` field, written even when empty.
    mutating func bytesField(_ field: Int, _ value: some Collection<UInt8>) {
        tag(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func stringField(_ field: Int, _ value: String) {
        var value = value
        value.withUTF8 { bytesField(field, $0) }
    }

    mutating func stringFieldIfSet(_ field: Int, _ value: String) {
        if !value.isEmpty { stringField(field, value) }
    }

    /// A nested message whose fields `body` writes (an empty message is written as length 0).
    mutating func messageField(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        tag(field, .lengthDelimited)
        let lengthAt = bytes.count
        bytes.append(0)
        body(&self)
        let length = bytes.count - lengthAt - 1
        if length < 0x80 {
            bytes[lengthAt] = UInt8(length)
            return
        }
        var prefix = ProtobufWriter()
        prefix.varint(UInt64(length))
        bytes.replaceSubrange(lengthAt..<(lengthAt + 1), with: prefix.bytes)
    }
}
