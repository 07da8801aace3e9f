/// Appends JSON to one byte buffer: the whole log-line encoder is a set of append functions.
///
/// Every string goes through ``appendString(_:)``, which escapes quotes, backslashes, every control
/// character (C0, DEL and C1) and U+2028/U+2029, so no input can end a line, close a string early or
/// forge a field.
/// Doubles keep their type (`1.0`, not `1`) and round-trip exactly; non-finite doubles are written as
/// the strings `"NaN"`, `"+Inf"` and `"-Inf"`.
public struct JSONLineEncoder {
    /// The bytes written so far.
    public var bytes: [UInt8]

    public init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: Structure

    /// Appends raw bytes that are already valid JSON in this position.
    @inlinable
    public mutating func appendRaw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inlinable
    public mutating func appendRaw(_ byte: UInt8) { bytes.append(byte) }

    /// Whether a key appended now needs a comma before it: something was written and it was not
    /// the `{` that opened the object.
    @inline(__always)
    var keyNeedsComma: Bool { bytes.last.map { $0 != UInt8(ascii: "{") } ?? false }

    /// Appends `"key":`, preceded by a comma unless it is the first key of the object.
    public mutating func appendKey(_ key: some StringProtocol) {
        if keyNeedsComma { bytes.append(UInt8(ascii: ",")) }
        appendString(key)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends `[`, each element through `body` (commas in between), then `]`.
    public mutating func appendArray<C: Sequence>(_ elements: C, _ body: (C.Element, inout JSONLineEncoder) -> Void) {
        bytes.append(UInt8(ascii: "["))
        var first = true
        for element in elements {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            body(element, &self)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Appends `{`, then `body` for each element (which calls ``appendKey(_:)`` and a value), then `}`.
    public mutating func appendObject<C: Sequence>(_ elements: C, _ body: (C.Element, inout JSONLineEncoder) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        for element in elements { body(element, &self) }
        bytes.append(UInt8(ascii: "}"))
    }

    // MARK: Scalars

    public mutating func appendNull() { appendRaw("null") }

    public mutating func appendBool(_ value: Bool) { value ? appendRaw("true") : appendRaw("false") }

    /// Appends an integer exactly, in decimal.
    public mutating func appendInteger<T: BinaryInteger>(_ value: T) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        if let magnitude = UInt64(exactly: value.magnitude) {
            appendDecimal(magnitude)
        } else {
            // Wider than 64 bits (Int128, UInt128, big integers): the standard library's decimal text.
            bytes.append(contentsOf: String(value.magnitude).utf8)
        }
    }

    @usableFromInline
    mutating func appendDecimal(_ value: UInt64) {
        appendUnsafe(maximum: 20) { $0.putDecimal(value) }
    }

    /// Appends a double that parses back to exactly the same value; integral values keep a `.0`.
    /// NaN and infinities are not JSON numbers: they are written as `"NaN"`, `"+Inf"`, `"-Inf"`.
    public mutating func appendDouble(_ value: Double) {
        guard value.isFinite else {
            if value.isNaN { appendRaw("\"NaN\"") } else if value > 0 { appendRaw("\"+Inf\"") } else { appendRaw("\"-Inf\"") }
            return
        }
        var written = false
        appendUnsafe(maximum: ByteWriter.maximumShortDoubleCount) { written = $0.putShortDouble(value) }
        if written { return }
        // The standard library's description is the shortest text that round-trips ("1e-07", "1.5e+300").
        var text = value.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    // MARK: Strings

    /// Appends `value` as a JSON string, escaping everything that could break the line.
    public mutating func appendString(_ value: some StringProtocol) {
        appendEscaped(value, quoted: true)
    }

    /// Appends the escaped contents of `value` without the surrounding quotes.
    public mutating func appendEscaped(_ value: some StringProtocol) {
        appendEscaped(value, quoted: false)
    }

    @usableFromInline
    mutating func appendEscaped(utf8: UnsafeBufferPointer<UInt8>) {
        appendEscaped(utf8: utf8, quoted: false)
    }

    /// `true` when none of the 8 bytes is below 0x20, 0x7F or above, `"` or `\` (SWAR test).
    @inline(__always)
    static func isPlain(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // A byte b has its high bit set in (b - n) & ~b & 0x80 exactly when b < n (for b < 0x80).
        let below20 = (word &- ones &* 0x20) & ~word & highs
        let nonASCIIOrDEL = (word | (word &+ ones)) & highs  // b >= 0x80, or b == 0x7F (0x7F + 1 = 0x80)
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let isQuote = (quote &- ones) & ~quote & highs
        let isBackslash = (backslash &- ones) & ~backslash & highs
        return (below20 | nonASCIIOrDEL | isQuote | isBackslash) == 0
    }

    // MARK: Time

    /// Appends `"YYYY-MM-DDTHH:MM:SS.ffffffZ"` (RFC 3339, UTC, microseconds) for a Unix time in
    /// nanoseconds.
    public mutating func appendTimestamp(unixNano: UInt64, fractionDigits: Int = 6) {
        let seconds = Int64(unixNano / 1_000_000_000)
        let nanos = Int(unixNano % 1_000_000_000)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: seconds / 86_400)
        let secondOfDay = Int(seconds % 86_400)
        bytes.append(UInt8(ascii: "\""))
        appendPadded(year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(day, width: 2)
        bytes.append(UInt8(ascii: "T"))
        appendPadded(secondOfDay / 3600, width: 2)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay / 60 % 60, width: 2)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay % 60, width: 2)
        if fractionDigits > 0 {
            bytes.append(UInt8(ascii: "."))
            var divisor = 100_000_000
            for _ in 0..<min(fractionDigits, 9) {
                bytes.append(UInt8(ascii: "0") &+ UInt8(nanos / divisor % 10))
                divisor /= 10
            }
        }
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(UInt8(ascii: "\""))
    }

    /// `appendTimestamp` with the `YYYY-MM-DDTHH:MM:SS` part reused from `cache` while the second
    /// is the same (log lines come many per second), and the fraction written two digits at a time.
    mutating func appendTimestamp(unixNano: UInt64, fractionDigits: Int, cache: inout TimestampCache) {
        Self.refresh(&cache, unixNano: unixNano)
        appendUnsafe(maximum: Self.maximumTimestampCount(cache)) { writer in
            Self.putTimestamp(unixNano: unixNano, fractionDigits: fractionDigits, cache: cache, to: &writer)
        }
    }

    /// Makes `cache` hold the second of `unixNano`.
    @inline(__always)
    static func refresh(_ cache: inout TimestampCache, unixNano: UInt64) {
        let second = unixNano / 1_000_000_000
        guard cache.second != second else { return }
        var encoder = JSONLineEncoder(capacity: 32)
        encoder.appendTimestamp(unixNano: second * 1_000_000_000, fractionDigits: 0)
        // Keep `"YYYY-MM-DDTHH:MM:SS`, without the `Z"` that closes it.
        cache.text = Array(encoder.bytes.dropLast(2))
        cache.second = second
    }

    /// The most bytes ``putTimestamp(unixNano:fractionDigits:cache:to:)`` writes.
    @inline(__always)
    static func maximumTimestampCount(_ cache: TimestampCache) -> Int { cache.text.count + 12 }

    /// Writes the timestamp of `unixNano`, whose second `cache` holds (``refresh(_:unixNano:)``).
    @inline(__always)
    static func putTimestamp(unixNano: UInt64, fractionDigits: Int, cache: TimestampCache, to writer: inout ByteWriter) {
        cache.text.withUnsafeBufferPointer { writer.put($0) }
        if fractionDigits > 0 {
            writer.put(UInt8(ascii: "."))
            var fraction = UInt32(unixNano % 1_000_000_000)  // nine digits
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &digits) { out in
                let pairs = Self.digitPairs.utf8Start
                var i = 8
                while i > 0 {
                    let pair = Int(fraction % 100) * 2
                    fraction /= 100
                    out[i] = pairs[pair + 1]
                    out[i - 1] = pairs[pair]
                    i -= 2
                }
                out[0] = UInt8(ascii: "0") &+ UInt8(fraction)
                writer.put(UnsafeBufferPointer(start: out.baseAddress!.assumingMemoryBound(to: UInt8.self), count: min(fractionDigits, 9)))
            }
        }
        writer.put(UInt8(ascii: "Z"))
        writer.put(UInt8(ascii: "\""))
    }

    static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    private mutating func appendPadded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(value / divisor % 10))
            divisor /= 10
        }
    }

    /// The proleptic Gregorian date of a day number (days since 1970-01-01), by the standard
    /// era-based conversion (400-year cycles of 146,097 days).
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}

/// The formatted date and time of the last whole second a thread encoded.
struct TimestampCache {
    var second: UInt64 = .max
    var text: [UInt8] = []
}
