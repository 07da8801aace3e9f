/// One encoded log line (JSON, `\n`-terminated) as it travels through a ``BatchingWriter`` to the
/// log destinations.
///
/// Lines up to ``inlineCapacity`` bytes are stored inside the value itself, so queueing a typical line
/// allocates nothing (the writer's queue is preallocated); longer lines spill to an array.
public struct LogLine: Sendable {
    /// Bytes a line may have before it needs heap storage.
    public static let inlineCapacity = 480

    public let level: LogLevel
    @usableFromInline var count: Int
    @usableFromInline var inline: InlineArray<480, UInt8>
    @usableFromInline var overflow: [UInt8]?

    /// A line from `bytes`, which should be one JSON object followed by `\n`.
    public init(level: LogLevel, bytes: UnsafeRawBufferPointer) {
        self.level = level
        self.count = bytes.count
        self.inline = InlineArray(repeating: 0)
        if bytes.count <= Self.inlineCapacity {
            overflow = nil
            withUnsafeMutableBytes(of: &inline) { $0.copyMemory(from: bytes) }
        } else {
            overflow = Array(bytes)
        }
    }

    /// A line from `bytes`.
    public init(level: LogLevel, bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { LogLine(level: level, bytes: $0) }
    }

    /// The number of bytes, including the final newline.
    public var byteCount: Int { count }

    /// Calls `body` with the line's bytes.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let overflow { return try overflow.withUnsafeBytes(body) }
        return try withUnsafeBytes(of: inline) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    /// The line as text (tests, tools).
    public var text: String { withBytes { String(decoding: $0, as: UTF8.self) } }
}
