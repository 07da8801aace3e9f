/// A 16-byte W3C / OpenTelemetry trace identifier.
///
/// Stored inline as two 64-bit words (no heap storage); the first eight bytes of the id are `high`.
/// Its text form is 32 lowercase hex characters. The all-zero value is invalid on the wire.
public struct TraceID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first (most significant) eight bytes of the id.
    public var high: UInt64
    /// The last (least significant) eight bytes of the id.
    public var low: UInt64

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The invalid, all-zero trace id.
    public static let invalid = TraceID(high: 0, low: 0)

    /// `false` for the all-zero id, which W3C trace context forbids.
    @inlinable
    public var isValid: Bool { high != 0 || low != 0 }

    /// Creates an id from exactly 16 bytes, or returns `nil`.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            if i < 8 { high = high << 8 | UInt64(b) } else { low = low << 8 | UInt64(b) }
        }
        self.init(high: high, low: low)
    }

    /// Parses 32 hex characters. Only lowercase is accepted unless `allowUppercase` is set
    /// (W3C `traceparent` requires lowercase; OTLP/JSON decoders accept either case).
    ///
    /// Shorter ids (B3 and Jaeger allow 16 characters or fewer) are left-padded with zeros when
    /// `allowShort` is set, as W3C trace context recommends for 64-bit ids. The result may be the
    /// invalid all-zero id; check ``isValid``.
    public init?(hex: some StringProtocol, allowUppercase: Bool = false, allowShort: Bool = false) {
        let utf8 = hex.utf8
        let count = utf8.count
        guard count == 32 || (allowShort && count >= 1 && count < 32) else { return nil }
        let lowStart = utf8.index(utf8.endIndex, offsetBy: -min(16, count))
        guard let low = Hex.parse(utf8[lowStart...], allowUppercase: allowUppercase),
              let high = Hex.parse(utf8[..<lowStart], allowUppercase: allowUppercase)
        else { return nil }
        self.init(high: high, low: low)
    }

    /// The 16 bytes of the id, big-endian.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        withUnsafeBytes(of: high.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: low.bigEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// Appends the 32 lowercase hex characters to `buffer` without allocating.
    @inlinable
    public func appendHex(to buffer: inout [UInt8]) {
        Hex.append(high, to: &buffer)
        Hex.append(low, to: &buffer)
    }

    /// The 32 lowercase hex characters.
    public var hexString: String { Hex.string(high, low) }

    public var description: String { hexString }

    public static func < (lhs: TraceID, rhs: TraceID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

/// An 8-byte W3C / OpenTelemetry span identifier (the `parent-id` of `traceparent`).
///
/// Its text form is 16 lowercase hex characters. The all-zero value is invalid on the wire.
public struct SpanID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The id as a big-endian integer.
    public var value: UInt64

    @inlinable
    public init(_ value: UInt64) { self.value = value }

    /// The invalid, all-zero span id.
    public static let invalid = SpanID(0)

    /// `false` for the all-zero id, which W3C trace context forbids.
    @inlinable
    public var isValid: Bool { value != 0 }

    /// Creates an id from exactly 8 bytes, or returns `nil`.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 8 else { return nil }
        self.init(bytes.reduce(0) { $0 << 8 | UInt64($1) })
    }

    /// Parses 16 hex characters (lowercase only unless `allowUppercase`); with `allowShort`, fewer
    /// characters are left-padded with zeros (Jaeger). The result may be the invalid zero id.
    public init?(hex: some StringProtocol, allowUppercase: Bool = false, allowShort: Bool = false) {
        let utf8 = hex.utf8
        let count = utf8.count
        guard count == 16 || (allowShort && count >= 1 && count < 16),
              let value = Hex.parse(utf8, allowUppercase: allowUppercase)
        else { return nil }
        self.init(value)
    }

    /// The 8 bytes of the id, big-endian.
    public var bytes: [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    /// Appends the 16 lowercase hex characters to `buffer` without allocating.
    @inlinable
    public func appendHex(to buffer: inout [UInt8]) { Hex.append(value, to: &buffer) }

    /// The 16 lowercase hex characters.
    public var hexString: String { Hex.string(value) }

    public var description: String { hexString }

    public static func < (lhs: SpanID, rhs: SpanID) -> Bool { lhs.value < rhs.value }
}

/// The W3C `trace-flags` byte.
///
/// Test bits with `contains`, never with `==`: bits other than `sampled` and `random` are reserved and
/// must be sent as zero.
public struct TraceFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Bit 0: the caller may have recorded trace data.
    public static let sampled = TraceFlags(rawValue: 0x01)
    /// Bit 1 (W3C Level 2): at least the right-most 7 bytes of the trace id are random.
    public static let random = TraceFlags(rawValue: 0x02)

    /// The two defined bits; reserved bits are cleared with this mask before propagating.
    public static let known: TraceFlags = [.sampled, .random]

    /// Two lowercase hex characters, as in `traceparent` and the `trace_flags` log field.
    public var hexString: String {
        let table = Hex.digits.utf8Start
        return String(decoding: [table[Int(rawValue >> 4)], table[Int(rawValue & 0xF)]], as: UTF8.self)
    }

    public var description: String { hexString }
}
