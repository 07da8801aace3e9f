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
    private let bytes: [UInt8]
    private var i = 0
    /// Nesting deeper than this is not followed (the parser recurses).
    static let maxDepth = 64

    /// The value `text` holds, or `nil` when it is not exactly one JSON value.
    static func parse(_ text: String) -> OTLPValue? {
        var parser = OTLPJSONValueParser(bytes: Array(text.utf8))
        parser.skipSpace()
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        return parser.i == parser.bytes.count ? value : nil
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard i < bytes.count, bytes[i] == byte else { return false }
        i += 1
        return true
    }

    private mutating func value(depth: Int) -> OTLPValue? {
        guard i < bytes.count, depth < Self.maxDepth else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "\""): return string().map(OTLPValue.string)
        case UInt8(ascii: "["):
            i += 1
            var values: [OTLPValue] = []
            skipSpace()
            if take(UInt8(ascii: "]")) { return .array(values) }
            while true {
                skipSpace()
                guard let element = value(depth: depth + 1) else { return nil }
                values.append(element)
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]")) ? .array(values) : nil
            }
        case UInt8(ascii: "{"):
            i += 1
            var members: [OTLPKeyValue] = []
            skipSpace()
            if take(UInt8(ascii: "}")) { return .kvlist(members) }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard let member = value(depth: depth + 1) else { return nil }
                members.append(OTLPKeyValue(key: key, value: member))
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}")) ? .kvlist(members) : nil
            }
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .empty : nil
        default: return number()
        }
    }

    private mutating func literal(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard i + utf8.count <= bytes.count, Array(bytes[i..<(i + utf8.count)]) == utf8 else { return false }
        i += utf8.count
        return true
    }

    /// A number (its grammar was checked by ``JSONLineScanner``): an integer when it has no
    /// fraction or exponent and fits in 64 bits, a double otherwise.
    private mutating func number() -> OTLPValue? {
        let start = i
        var integral = true
        while i < bytes.count, Self.isNumberByte(bytes[i]) {
            if bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { integral = false }
            i += 1
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if integral, let n = Int64(text) { return .int(n) }
        guard let d = Double(text), d.isFinite else { return nil }
        return .double(d)
    }

    private static func isNumberByte(_ b: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+")
            || b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
    }

    /// A JSON string, unescaped (a lone surrogate escape becomes U+FFFD).
    private mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        var out: [UInt8] = []
        while i < bytes.count {
            let c = bytes[i]
            i += 1
            switch c {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case 0x00..<0x20: return nil
            case UInt8(ascii: "\\"):
                guard i < bytes.count else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard let unit = hex4() else { return nil }
                    var scalar: UInt32 = UInt32(unit)
                    if (0xD800..<0xDC00).contains(unit), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        let saved = i
                        i += 2
                        if let low = hex4(), (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        } else {
                            i = saved
                        }
                    }
                    out.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
                default: return nil
                }
            default: out.append(c)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt16? {
        guard i + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let n = Hex.nibble(bytes[i], allowUppercase: true) else { return nil }
            value = value << 4 | UInt16(n)
            i += 1
        }
        return value
    }
}
