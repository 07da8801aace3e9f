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
        var scanner = JSONCursor(bytes: bytes)
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
}

/// Reads JSON text byte by byte: the grammar checks and string unescaping shared by
/// ``JSONLineScanner`` and the other readers of log lines (OTLP's value parser).
struct JSONCursor {
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
            case 0x00..<0x20: return nil  // a raw control character is not allowed in a JSON string
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
                    var scalar = UInt32(unit)
                    if (0xD800..<0xDC00).contains(unit), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        let next = i
                        i += 2
                        if let low = hex4(), (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        } else {
                            i = next  // a lone high surrogate: the next escape is read on its own
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

    /// A string, or any other value as its JSON text after checking its grammar.
    mutating func value() -> JSONLineScanner.Value? {
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: "\"") { return string().map(JSONLineScanner.Value.string) }
        let start = i
        guard skipValue(depth: 0) else { return nil }
        return .raw(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
    }

    /// Nesting deeper than this is rejected rather than followed (the check recurses).
    static let maxDepth = 256

    /// Moves past one JSON value; `false` when it is not one.
    mutating func skipValue(depth: Int) -> Bool {
        guard depth < Self.maxDepth, i < bytes.count else { return false }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            return string() != nil
        case UInt8(ascii: "{"):
            i += 1
            skipSpace()
            if take(UInt8(ascii: "}")) { return true }
            while true {
                skipSpace()
                guard string() != nil else { return false }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return false }
                skipSpace()
                guard skipValue(depth: depth + 1) else { return false }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}"))
            }
        case UInt8(ascii: "["):
            i += 1
            skipSpace()
            if take(UInt8(ascii: "]")) { return true }
            while true {
                skipSpace()
                guard skipValue(depth: depth + 1) else { return false }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]"))
            }
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count else { return false }
        for k in 0..<count where bytes[i + k] != word.utf8Start[k] { return false }
        i += count
        return true
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    mutating func number() -> Bool {
        _ = take(UInt8(ascii: "-"))
        if !take(UInt8(ascii: "0")) {
            guard i < bytes.count, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[i]) else { return false }
            skipDigits()
        }
        if take(UInt8(ascii: ".")) {
            guard skipDigits() > 0 else { return false }
        }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard skipDigits() > 0 else { return false }
        }
        return true
    }

    @discardableResult
    mutating func skipDigits() -> Int {
        let start = i
        while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
        return i - start
    }
}
