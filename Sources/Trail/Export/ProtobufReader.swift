/// Reads protobuf wire format field by field: enough to parse small responses (an OTLP
/// `partial_success`), skipping fields it is not asked about.
struct ProtobufReader {
    /// One field: its number and its value (a varint or fixed value as an integer, or the bytes of
    /// a length-delimited field).
    enum Value {
        case integer(UInt64)
        case bytes(ArraySlice<UInt8>)
    }

    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    /// The next field, `nil` at the end; throws on malformed input (truncated, a bad wire type).
    mutating func next() throws(Malformed) -> (field: Int, value: Value)? {
        guard index < bytes.endIndex else { return nil }
        let tag = try varint()
        let field = Int(tag >> 3)
        guard field > 0 else { throw Malformed() }
        switch tag & 7 {
        case 0: return (field, .integer(try varint()))
        case 1: return (field, .integer(try fixed(8)))
        case 5: return (field, .integer(try fixed(4)))
        case 2:
            let length = try varint()
            guard length <= UInt64(bytes.endIndex - index) else { throw Malformed() }
            let start = index
            index += Int(length)
            return (field, .bytes(bytes[start..<index]))
        default: throw Malformed()
        }
    }

    struct Malformed: Error {}

    private mutating func varint() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex, shift < 64 {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        throw Malformed()
    }

    private mutating func fixed(_ count: Int) throws(Malformed) -> UInt64 {
        guard bytes.endIndex - index >= count else { throw Malformed() }
        var result: UInt64 = 0
        for k in 0..<count { result |= UInt64(bytes[index + k]) << (8 * UInt64(k)) }
        index += count
        return result
    }
}
