/// An OTLP `AnyValue` as a log record carries it: any JSON value of a log line, with its type.
indirect enum OTLPValue: Equatable, Sendable {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case array([OTLPValue])
    case kvlist([OTLPKeyValue])
    /// JSON `null`: an `AnyValue` with no value set.
    case empty
}

struct OTLPKeyValue: Equatable, Sendable {
    var key: String
    var value: OTLPValue
}

/// Parses one JSON value into an ``OTLPValue``: integers that fit in 64 bits stay integers, other
/// numbers become doubles, objects keep their key order. Used for the values of a log line that
/// ``JSONLineScanner`` hands over as raw text (numbers, literals, arrays, objects).
struct OTLPJSONValueParser {
    private var cursor: JSONCursor
    /// Nesting deeper than this is not followed (the parser recurses).
    static let maxDepth = 64

    /// The value `text` holds, or `nil` when it is not exactly one JSON value.
    static func parse(_ text: String) -> OTLPValue? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { buffer in
            var parser = OTLPJSONValueParser(cursor: JSONCursor(bytes: buffer))
            parser.cursor.skipSpace()
            guard let value = parser.value(depth: 0) else { return nil }
            parser.cursor.skipSpace()
            return parser.cursor.atEnd ? value : nil
        }
    }

    private mutating func value(depth: Int) -> OTLPValue? {
        guard !cursor.atEnd, depth < Self.maxDepth else { return nil }
        switch cursor.bytes[cursor.i] {
        case UInt8(ascii: "\""): return cursor.string().map(OTLPValue.string)
        case UInt8(ascii: "["):
            cursor.i += 1
            var values: [OTLPValue] = []
            cursor.skipSpace()
            if cursor.take(UInt8(ascii: "]")) { return .array(values) }
            while true {
                cursor.skipSpace()
                guard let element = value(depth: depth + 1) else { return nil }
                values.append(element)
                cursor.skipSpace()
                if cursor.take(UInt8(ascii: ",")) { continue }
                return cursor.take(UInt8(ascii: "]")) ? .array(values) : nil
            }
        case UInt8(ascii: "{"):
            cursor.i += 1
            var members: [OTLPKeyValue] = []
            cursor.skipSpace()
            if cursor.take(UInt8(ascii: "}")) { return .kvlist(members) }
            while true {
                cursor.skipSpace()
                guard let key = cursor.string() else { return nil }
                cursor.skipSpace()
                guard cursor.take(UInt8(ascii: ":")) else { return nil }
                cursor.skipSpace()
                guard let member = value(depth: depth + 1) else { return nil }
                members.append(OTLPKeyValue(key: key, value: member))
                cursor.skipSpace()
                if cursor.take(UInt8(ascii: ",")) { continue }
                return cursor.take(UInt8(ascii: "}")) ? .kvlist(members) : nil
            }
        case UInt8(ascii: "t"): return cursor.literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return cursor.literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return cursor.literal("null") ? .empty : nil
        default: return number()
        }
    }

    /// A number: an integer when it has no fraction or exponent and fits in 64 bits, a double otherwise.
    private mutating func number() -> OTLPValue? {
        let start = cursor.i
        guard cursor.number() else { return nil }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: cursor.bytes[start..<cursor.i]), as: UTF8.self)
        if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let n = Int64(text) { return .int(n) }
        guard let d = Double(text), d.isFinite else { return nil }
        return .double(d)
    }
}
