/// The encoded call site, `"source":{"file":…,"line":…,"function":…}`, of the call sites a thread
/// logged from recently (``ScratchBuffer``): `#fileID` and `#function` are literals, so after the
/// first line a call site costs one lookup and one copy instead of escaping two strings.
///
/// A direct-mapped table indexed by a hash of the strings' own bits, the line and the encoding's
/// id; a slot is used only when its file, function, line and encoding are equal to the call's, so
/// a collision costs a recomputation, never a wrong line. Not thread-safe: each thread has its own.
struct SourceCache: ~Copyable {
    static let slotCount = 32  // a power of 2
    /// Room for a slot's bytes; longer call sites are encoded on every line.
    static let stride = 256

    // Internal, not private: with a private type here, Swift 6.3.1 emits a broken module for a
    // file that stores a `SourceCache` inline (``ScratchBuffer``).
    struct Entry {
        var file = ""
        var function = ""
        var line: UInt = 0
        /// The ``LineEncoding/id`` the bytes were encoded for; 0: empty.
        var encoding: UInt64 = 0
        /// Bytes in the slot; 0 when they did not fit.
        var count = 0
    }

    private let storage = SlotStorage(slotCount: SourceCache.slotCount, stride: SourceCache.stride, empty: Entry())

    /// `"<key>":{"file":…,"line":…,"function":…}` (no leading comma) for this call site, or `nil`
    /// when it is too long to keep. Valid until the next lookup.
    @inline(__always)
    func encoded(key: String, file: String, function: String, line: UInt, encoding: UInt64) -> UnsafeBufferPointer<UInt8>? {
        let index = Self.slot(file, function, line, encoding)
        let entry = storage.entries + index
        if entry.pointee.encoding != encoding || entry.pointee.line != line || entry.pointee.file != file
            || entry.pointee.function != function
        {
            fill(index, key: key, file: file, function: function, line: line, encoding: encoding)
        }
        let count = entry.pointee.count
        return count == 0 ? nil : storage.bytes(at: index, count: count)
    }

    @inline(__always)
    private static func slot(_ file: String, _ function: String, _ line: UInt, _ encoding: UInt64) -> Int {
        var h = UInt64(line) &* 0x9E37_79B9_7F4A_7C15 ^ encoding
        if MemoryLayout<String>.size == 16 {
            let (a, b) = unsafeBitCast(file, to: (UInt64, UInt64).self)
            let (c, d) = unsafeBitCast(function, to: (UInt64, UInt64).self)
            h ^= (a &* 0xC2B2_AE3D_27D4_EB4F) ^ b ^ (c &* 0x1656_67B1_9E37_79F9) ^ (d &* 0x27D4_EB2F_1656_67C5)
        } else {
            h ^= FieldKeyCache.contentHash(file) &* 31 ^ FieldKeyCache.contentHash(function)
        }
        h = h &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h >> 59)  // 5 bits: slotCount
    }

    private func fill(_ index: Int, key: String, file: String, function: String, line: UInt, encoding: UInt64) {
        var encoder = JSONLineEncoder(capacity: Self.stride)
        encoder.appendString(key)
        encoder.appendRaw(":{\"file\":")
        encoder.appendString(file)
        encoder.appendRaw(",\"line\":")
        encoder.appendInteger(line)
        encoder.appendRaw(",\"function\":")
        encoder.appendString(function)
        encoder.appendRaw("}")
        let kept = storage.keep(encoder.bytes, at: index)
        storage.entries[index] = Entry(file: file, function: function, line: line, encoding: encoding, count: kept)
    }
}
