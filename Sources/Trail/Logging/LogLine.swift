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
    @usableFromInline var overflow: [UInt8]?
    /// Last, so that the bytes in use are the start of the value's tail (``initialize(_:level:bytes:)``).
    @usableFromInline var inline: InlineArray<480, UInt8>

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

    /// Makes the line of `bytes` in the uninitialised memory at `slot` (a queue slot), writing the
    /// header and the bytes in use only: the unused tail of `inline`, plain bytes that are never
    /// read, is left as it was, so a short line dirties a few cache lines of the slot instead of all
    /// of them (the slot's memory was last touched by the consumer's core).
    static func initialize(_ slot: UnsafeMutablePointer<LogLine>, level: LogLevel, bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= inlineCapacity, let layout = Layout.offsets else {
            slot.initialize(to: LogLine(level: level, bytes: bytes))
            return
        }
        let raw = UnsafeMutableRawPointer(slot)
        (raw + layout.level).initializeMemory(as: LogLevel.self, to: level)
        (raw + layout.count).initializeMemory(as: Int.self, to: bytes.count)
        (raw + layout.overflow).initializeMemory(as: [UInt8]?.self, to: nil)
        if let base = bytes.baseAddress { (raw + layout.inline).copyMemory(from: base, byteCount: bytes.count) }
    }

    /// Where the stored properties are, for ``initialize(_:level:bytes:)``.
    private enum Layout {
        static let offsets: (level: Int, count: Int, overflow: Int, inline: Int)? = {
            guard let level = MemoryLayout<LogLine>.offset(of: \.level), let count = MemoryLayout<LogLine>.offset(of: \.count),
                  let overflow = MemoryLayout<LogLine>.offset(of: \.overflow), let inline = MemoryLayout<LogLine>.offset(of: \.inline)
            else { return nil }
            return (level, count, overflow, inline)
        }()
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
