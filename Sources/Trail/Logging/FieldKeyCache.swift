/// How call-field keys are written, remembered per thread: the escaped `,"key":` bytes, whether the
/// value is redacted, and whether the key is renamed (`fields.<key>`). Call sites log the same keys
/// over and over, so a hit replaces escaping and two key scans with a hash and a byte comparison.
///
/// An entry is used only when the key's bytes and the pipeline are exactly the ones it was made
/// for, so a hit can never classify a different key (a secret one, say) wrongly.
struct FieldKeyCache {
    struct Entry {
        var hash: UInt64 = 0
        var pipeline: ObjectIdentifier? = nil
        var key: [UInt8] = []
        /// `,"written":`
        var prefix: [UInt8] = []
        var secret = false
        /// The written key starts with `fields.` (renamed, or given so): duplicate checks then need
        /// the slow path.
        var fieldsPrefixed = false
    }

    static let size = 64
    private var entries = [Entry](repeating: Entry(), count: FieldKeyCache.size)

    /// The slot describing `key` for this pipeline, filled on a miss.
    mutating func slot(for key: String, encoding e: LineEncoding, pipeline: ObjectIdentifier) -> Int {
        var key = key
        return key.withUTF8 { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
            for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
            let slot = Int(hash % UInt64(Self.size))
            let hit = entries[slot].hash == hash && entries[slot].pipeline == pipeline
                && entries[slot].key.withUnsafeBufferPointer { $0.elementsEqual(bytes) }
            if !hit {
                let written = e.userKey(String(decoding: bytes, as: UTF8.self))
                var prefix = JSONLineEncoder(capacity: bytes.count + 4)
                prefix.appendRaw(",")
                prefix.appendString(written)
                prefix.appendRaw(":")
                entries[slot] = Entry(
                    hash: hash, pipeline: pipeline, key: Array(bytes), prefix: prefix.bytes,
                    secret: e.secret.matches(written), fieldsPrefixed: written.hasPrefix("fields."))
            }
            return slot
        }
    }

    /// Whether the value of the key in `slot` is redacted.
    func isSecret(_ slot: Int) -> Bool { entries[slot].secret }

    /// Whether the key in `slot` is written with a `fields.` prefix.
    func isFieldsPrefixed(_ slot: Int) -> Bool { entries[slot].fieldsPrefixed }

    /// Appends `,"written":` for the key in `slot`.
    func appendPrefix(_ slot: Int, to encoder: inout JSONLineEncoder) {
        entries[slot].prefix.withUnsafeBufferPointer { encoder.bytes.append(contentsOf: $0) }
    }
}
