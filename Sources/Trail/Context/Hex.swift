/// Lowercase hexadecimal encoding and decoding shared by the identifier types.
///
/// Encoding goes through a 16-entry lookup table held in static (read-only) memory, so it costs
/// neither an allocation nor a lazy-initialisation check.
@usableFromInline
enum Hex {
    @usableFromInline
    static let digits: StaticString = "0123456789abcdef"

    /// Appends the 16 lowercase hex digits of `value` (big-endian) to `buffer`, in one append.
    @inlinable
    static func append(_ value: UInt64, to buffer: inout [UInt8]) {
        var digits: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &digits) { out in
            write(value, to: out.baseAddress!.assumingMemoryBound(to: UInt8.self))
            buffer.append(contentsOf: UnsafeRawBufferPointer(out))
        }
    }

    /// Writes the 16 lowercase hex digits of `value` to `out[0..<16]`.
    @inlinable
    static func write(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) {
        let table = digits.utf8Start
        for i in 0..<16 {
            out[i] = table[Int(truncatingIfNeeded: (value &>> UInt64(60 - 4 * i)) & 0xF)]
        }
    }

    /// The value of one hex digit, or `nil`. Uppercase digits are accepted only when asked for:
    /// W3C trace context allows lowercase only.
    @inlinable
    static func nibble(_ c: UInt8, allowUppercase: Bool) -> UInt64? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(c &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(c &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where allowUppercase: return UInt64(c &- UInt8(ascii: "A") &+ 10)
        default: return nil
        }
    }

    /// Parses up to 16 hex digits as a big-endian integer; `nil` when a byte is not a hex digit.
    @inlinable
    static func parse<C: Collection>(_ bytes: C, allowUppercase: Bool) -> UInt64? where C.Element == UInt8 {
        var value: UInt64 = 0
        for c in bytes {
            guard let n = nibble(c, allowUppercase: allowUppercase) else { return nil }
            value = (value &<< 4) | n
        }
        return value
    }

    /// A `String` made of the hex digits of `values`, written without intermediate buffers.
    @inlinable
    static func string(_ values: UInt64...) -> String {
        String(unsafeUninitializedCapacity: 16 * values.count) { buffer in
            for (i, v) in values.enumerated() { write(v, to: buffer.baseAddress! + 16 * i) }
            return 16 * values.count
        }
    }
}
