/// Writes bytes through a pointer into room that ``JSONLineEncoder/appendUnsafe(maximum:_:)``
/// reserved: one capacity check for many small pieces, instead of one array append (uniqueness
/// and capacity checks) per piece. The caller never writes more than it reserved.
struct ByteWriter {
    var position: UnsafeMutablePointer<UInt8>

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        position.initialize(to: byte)
        position += 1
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        position.initialize(from: base, count: bytes.count)
        position += bytes.count
    }

    @inline(__always)
    mutating func put(_ text: StaticString) {
        put(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Writes `value` in decimal: 20 bytes at most.
    @inline(__always)
    mutating func putDecimal(_ value: UInt64) {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        var v = value
        var p = position + digits
        repeat {
            p -= 1
            p.initialize(to: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10))
            v /= 10
        } while v > 0
        position += digits
    }

    /// Bytes ``putShortDouble(_:)`` may write.
    static let maximumShortDoubleCount = 1 + 16 + 1 + 6

    /// Writes a finite `value` that has at most 6 decimals and whose scaled integer is exact
    /// (`12.5`, `-0.001`, `3.0`) and returns `true`; writes nothing and returns `false` for any other
    /// value (the caller then writes the standard library's shortest round-trip text). `m / 10^k`
    /// computed in Double equals `value`, so the decimal text m·10^-k parses back to `value`; the
    /// smallest such k gives the shortest text. Doubles keep their type: `3.0`, not `3`.
    @inline(__always)
    mutating func putShortDouble(_ value: Double) -> Bool {
        let magnitude = value.magnitude
        guard magnitude < 1e15 else { return false }  // also false for NaN and infinities
        var scale = 1.0
        var divisor: UInt64 = 1
        for decimals in 0...6 {
            let scaled = magnitude * scale
            if scaled == scaled.rounded(.towardZero), scaled < 9_007_199_254_740_992, scaled / scale == magnitude {
                let digits = UInt64(scaled)
                if value.sign == .minus { put(UInt8(ascii: "-")) }
                putDecimal(digits / divisor)
                put(UInt8(ascii: "."))
                if decimals == 0 {
                    put(UInt8(ascii: "0"))
                    return true
                }
                var fraction = digits % divisor
                var place = divisor / 10
                while place > 0 {
                    put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction / place))
                    fraction %= place
                    place /= 10
                }
                return true
            }
            scale *= 10
            divisor *= 10
        }
        return false
    }

    /// Writes the escaped form of `source[start..<end]` (JSON string contents, see
    /// ``JSONLineEncoder/appendString(_:)``) and returns where it stopped: at `end` or up to 7 bytes
    /// past it (within `count`, which bounds every read). At most `(end - start) * 6 + 8` bytes; at
    /// most `(end - start) * 6` when `end == count` (nothing then goes past `end`).
    mutating func putEscaped(_ source: UnsafePointer<UInt8>, count: Int, from start: Int, to end: Int) -> Int {
        var i = start
        while i < end {
            // 8 plain bytes at a time: printable ASCII other than `"` and `\` needs nothing.
            while i < end && i + 8 <= count {
                let word = UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self)
                guard JSONLineEncoder.isPlain(word) else { break }
                UnsafeMutableRawPointer(position).storeBytes(of: word, as: UInt64.self)
                position += 8
                i += 8
            }
            guard i < end else { break }
            var byte = source[i]
            // Plain: printable ASCII but `"`, `\` and DEL, and every byte from 0x80 but the lead bytes
            // that may start U+0080–U+009F and U+2028/U+2029.
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != 0x7F && byte != 0xC2 && byte != 0xE2 {
                put(byte)
                i += 1
                continue
            }
            let escape: StaticString?
            var width = 1
            switch byte {
            case UInt8(ascii: "\""): escape = "\\\""
            case UInt8(ascii: "\\"): escape = "\\\\"
            case UInt8(ascii: "\n"): escape = "\\n"
            case UInt8(ascii: "\r"): escape = "\\r"
            case UInt8(ascii: "\t"): escape = "\\t"
            case 0x08: escape = "\\b"
            case 0x0C: escape = "\\f"
            case 0x00..<0x20, 0x7F: escape = nil  // \u00XX below
            case 0xE2 where i + 2 < count && source[i + 1] == 0x80 && (source[i + 2] == 0xA8 || source[i + 2] == 0xA9):
                // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR end lines in some readers.
                escape = source[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                width = 3
            case 0xC2 where i + 1 < count && source[i + 1] < 0xA0:
                // U+0080–U+009F, the C1 control characters: U+0085 NEXT LINE ends a line for some readers
                // (Python's str.splitlines), U+009B is a terminal's CSI.
                escape = nil
                byte = source[i + 1]
                width = 2
            default:
                put(byte)
                i += 1
                continue
            }
            if let escape {
                put(escape)
            } else {
                let table = Hex.digits.utf8Start
                put("\\u00")
                put(table[Int(byte >> 4)])
                put(table[Int(byte & 0xF)])
            }
            i += width
        }
        return i
    }
}

extension JSONLineEncoder {
    /// Reserves `maximum` bytes and lets `body` write at most that many through a ``ByteWriter``.
    @inline(__always)
    mutating func appendUnsafe(maximum: Int, _ body: (inout ByteWriter) -> Void) {
        bytes.append(addingCapacity: maximum) { span in
            span.withUnsafeMutableBufferPointer { buffer, initialized in
                let start = buffer.baseAddress! + initialized
                var writer = ByteWriter(position: start)
                body(&writer)
                initialized += start.distance(to: writer.position)
            }
        }
    }

    /// Input bytes escaped per reservation (so a huge string never reserves 6 times its size).
    static let escapeChunk = 4096

    /// Appends the escaped contents of `utf8`, between quotes when `quoted`.
    @usableFromInline
    mutating func appendEscaped(utf8: UnsafeBufferPointer<UInt8>, quoted: Bool) {
        let count = utf8.count
        guard let source = utf8.baseAddress, count > 0 else {
            if quoted { appendRaw("\"\"") }
            return
        }
        var i = 0
        repeat {
            let end = min(count, i + Self.escapeChunk)
            appendUnsafe(maximum: (end - i) * 6 + 10) { writer in
                if quoted && i == 0 { writer.put(UInt8(ascii: "\"")) }
                i = writer.putEscaped(source, count: count, from: i, to: end)
                if quoted && i >= count { writer.put(UInt8(ascii: "\"")) }
            }
        } while i < count
    }

    /// Appends `value` escaped, between quotes when `quoted`.
    @inline(__always)
    mutating func appendEscaped(_ value: some StringProtocol, quoted: Bool) {
        if value.utf8.withContiguousStorageIfAvailable({ appendEscaped(utf8: $0, quoted: quoted) }) != nil { return }
        var copy = String(value)
        copy.withUTF8 { appendEscaped(utf8: $0, quoted: quoted) }
    }
}
