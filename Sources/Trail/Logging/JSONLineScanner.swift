/// Reads the top-level fields of one JSON object line without building a document: keys and
/// string values are unescaped, any other value is kept as its raw JSON text. Used to show lines to
/// people (console format, `trail pretty`); returns `nil` for anything that is not a JSON object.
struct JSONLineScanner {
    enum Value: Equatable {
        case string(String)
        /// A number, `true`, `false`, `null`, an array or an object, as written.
        case raw(String)

        var text: String {
            switch self {
            case .string(let s), .raw(let s): s
            }
        }
    }

    static func fields(_ bytes: UnsafeRawBufferPointer) -> [(key: String, value: Value)]? {
        var scanner = Cursor(bytes: bytes)
        scanner.skipSpace()
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        var fields: [(String, Value)] = []
        scanner.skipSpace()
        if scanner.take(UInt8(ascii: "}")) { return fields }
        while true {
            scanner.skipSpace()
            guard let key = scanner.string() else { return nil }
            scanner.skipSpace()
            guard scanner.take(UInt8(ascii: ":")) else { return nil }
            scanner.skipSpace()
            guard let value = scanner.value() else { return nil }
            fields.append((key, value))
            scanner.skipSpace()
            if scanner.take(UInt8(ascii: ",")) { continue }
            guard scanner.take(UInt8(ascii: "}")) else { return nil }
            scanner.skipSpace()
            return scanner.atEnd ? fields : nil
        }
    }

    private struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        var atEnd: Bool { i >= bytes.count }

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }

        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var out: [UInt8] = []
            while i < bytes.count {
                let c = bytes[i]
                i += 1
                switch c {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard i < bytes.count else { return nil }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard let unit = hex4() else { return nil }
                        var scalar = UInt32(unit)
                        if (0xD800..<0xDC00).contains(unit), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                            i += 2
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        }
                        out.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
                    default: out.append(e)
                    }
                default: out.append(c)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt16? {
            guard i + 4 <= bytes.count else { return nil }
            var value: UInt16 = 0
            for _ in 0..<4 {
                guard let n = Hex.nibble(bytes[i], allowUppercase: true) else { return nil }
                value = value << 4 | UInt16(n)
                i += 1
            }
            return value
        }

        mutating func value() -> Value? {
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "\"") { return string().map(Value.string) }
            let start = i
            var depth = 0
            var inString = false
            while i < bytes.count {
                let c = bytes[i]
                if inString {
                    if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { inString = false }
                } else {
                    switch c {
                    case UInt8(ascii: "\""): inString = true
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        if depth == 0 { return raw(from: start) }
                        depth -= 1
                    case UInt8(ascii: ","):
                        if depth == 0 { return raw(from: start) }
                    default: break
                    }
                }
                i += 1
            }
            return depth == 0 && !inString ? raw(from: start) : nil
        }

        func raw(from start: Int) -> Value? {
            var end = i
            while end > start, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[end - 1]) { end -= 1 }
            guard end > start else { return nil }
            return .raw(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
        }
    }
}
