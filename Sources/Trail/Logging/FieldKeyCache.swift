/// How the keys of a call's fields are written, remembered per thread (``ScratchBuffer``): whether
/// a key is reserved (written as `fields.<key>`), whether it looks secret, and its encoded
/// `,"key":` bytes. Field keys are nearly always string literals, so after the first line each field
/// costs one lookup and one copy instead of two key matches and an escape.
///
/// A direct-mapped table indexed by a hash of the `String` value's own bits (a literal's bits never
/// change) and the encoding's id. A slot holds the key itself and is used only when it compares
/// equal, so a collision or a reused buffer costs a recomputation, never a wrong answer. Not
/// thread-safe: each thread has its own.
struct FieldKeyCache: ~Copyable {
    static let slotCount = 128  // a power of 2
    /// Room for a slot's `,"key":` bytes; longer keys are looked up but encoded on every line.
    static let preparedStride = 64

    struct Entry {
        var key = ""
        /// The ``LineEncoding/id`` the entry was computed for; 0: empty.
        var encoding: UInt64 = 0
        /// A hash of the key's content, so that equal keys are found without comparing strings.
        var contentHash: UInt64 = 0
        var reserved = false
        var secret = false
        /// Bytes of `,"key":` in `prepared`; 0 when they did not fit.
        var preparedCount = 0
    }

    private let storage = SlotStorage(slotCount: FieldKeyCache.slotCount, stride: FieldKeyCache.preparedStride, empty: Entry())

    /// The slot that describes `key` for `encoding` (computed now if it is not cached). Valid until
    /// the next lookup.
    @inline(__always)
    func lookup(_ key: String, encoding: LineEncoding) -> UnsafePointer<Entry> {
        let index = Self.slot(key, encoding: encoding.id)
        let entry = storage.entries + index
        if entry.pointee.encoding != encoding.id || entry.pointee.key != key { fill(index, key: key, encoding: encoding) }
        return UnsafePointer(entry)
    }

    /// The encoded `,"key":` bytes of a slot returned by ``lookup(_:encoding:)``, or `nil` when
    /// they are too long to keep.
    @inline(__always)
    func preparedBytes(_ entry: UnsafePointer<Entry>) -> UnsafeBufferPointer<UInt8>? {
        let count = entry.pointee.preparedCount
        guard count > 0 else { return nil }
        return storage.bytes(at: UnsafePointer(storage.entries).distance(to: entry), count: count)
    }

    @inline(__always)
    private static func slot(_ key: String, encoding: UInt64) -> Int {
        var h: UInt64
        if MemoryLayout<String>.size == 16 {
            let (a, b) = unsafeBitCast(key, to: (UInt64, UInt64).self)
            h = a &* 0x9E37_79B9_7F4A_7C15 ^ b
        } else {
            h = contentHash(key)
        }
        h = (h ^ encoding) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h >> 57)  // 7 bits: slotCount
    }

    static func contentHash(_ key: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
        for byte in key.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    private func fill(_ index: Int, key: String, encoding: LineEncoding) {
        let reserved = encoding.reserved.matches(key)
        let written = reserved ? "fields." + key : key
        var encoder = JSONLineEncoder(capacity: Self.preparedStride)
        encoder.appendRaw(",")
        encoder.appendString(written)
        encoder.appendRaw(":")
        storage.entries[index] = Entry(
            key: key, encoding: encoding.id, contentHash: Self.contentHash(key), reserved: reserved,
            secret: encoding.secret.matches(written), preparedCount: storage.keep(encoder.bytes, at: index))
    }
}

extension LineEncoding {
    /// Appends the call's fields in order; a key repeated in the call keeps its last value. The
    /// fields are read in place (no copy of a key or an existential value).
    func appendCallFields(
        _ fields: UnsafeBufferPointer<(String, any LogValueConvertible)>, keys cache: borrowing FieldKeyCache,
        to encoder: inout JSONLineEncoder
    ) {
        guard let base = fields.baseAddress else { return }
        let count = fields.count
        let fast = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { hashes -> Bool in
            for index in 0..<count {
                let entry = cache.lookup(Self.key(base, index).pointee, encoding: self)
                // With a reserved key, `fields.<key>` may equal another key of the call.
                if entry.pointee.reserved { return false }
                hashes[index] = entry.pointee.contentHash
            }
            // No key is reserved: a field is overridden only by a later field with the same key.
            func overridden(_ index: Int) -> Bool {
                var later = index + 1
                while later < count {
                    if hashes[later] == hashes[index] && Self.key(base, later).pointee == Self.key(base, index).pointee { return true }
                    later += 1
                }
                return false
            }
            var index = 0
            while index < count {
                // The run of fields from `index` whose values are written directly (see `putDirect`):
                // one reservation for all of them, of at most `directRunRoom` bytes unless one field
                // needs more. It stops early at a secret key, a key too long to keep or a double with
                // no short form, which the general path below writes.
                var end = index, room = 0
                while end < count, let valueRoom = Self.directRoom(Self.value(base, end)),
                      end == index || room + FieldKeyCache.preparedStride + valueRoom <= Self.directRunRoom
                {
                    room += FieldKeyCache.preparedStride + valueRoom
                    end += 1
                }
                if end > index {
                    encoder.appendUnsafe(maximum: room) { w in
                        while index < end {
                            if overridden(index) {
                                index += 1
                                continue
                            }
                            let entry = cache.lookup(Self.key(base, index).pointee, encoding: self)
                            guard !entry.pointee.secret, let prepared = cache.preparedBytes(entry) else { return }
                            w.put(prepared)
                            guard Self.putDirect(Self.value(base, index), to: &w) else {
                                w.position -= prepared.count
                                return
                            }
                            index += 1
                        }
                    }
                    if index == end { continue }
                }
                if !overridden(index) { appendField(at: index, of: base, keys: cache, to: &encoder) }
                index += 1
            }
            return true
        }
        if !fast { appendCallFieldsWithReservedKeys(fields, to: &encoder) }
    }

    /// One field of the call whose key is not reserved, through its value's `appendJSON`.
    private func appendField(
        at index: Int, of base: UnsafePointer<(String, any LogValueConvertible)>, keys cache: borrowing FieldKeyCache, to encoder: inout JSONLineEncoder
    ) {
        let key = Self.key(base, index)
        let entry = cache.lookup(key.pointee, encoding: self)
        let secret = entry.pointee.secret
        // `entry` is not used past the key: the value may log, and reuse the cache.
        if let prepared = cache.preparedBytes(entry) {
            encoder.bytes.append(contentsOf: prepared)
        } else {
            encoder.bytes.append(UInt8(ascii: ","))
            encoder.appendString(key.pointee)
            encoder.bytes.append(UInt8(ascii: ":"))
        }
        if secret { encoder.appendString(replacement) } else { Self.value(base, index).pointee.appendJSON(to: &encoder) }
    }

    /// ``appendCallFields(_:keys:to:)`` when a key is reserved: `fields.level` and `level` are the
    /// same key, so both are compared.
    private func appendCallFieldsWithReservedKeys(
        _ fields: UnsafeBufferPointer<(String, any LogValueConvertible)>, to encoder: inout JSONLineEncoder
    ) {
        guard let base = fields.baseAddress else { return }
        for index in fields.indices {
            let key = Self.key(base, index).pointee
            let written = userKey(key)
            // A later field written under the same key wins ("level" and "fields.level" both
            // become "fields.level").
            var overridden = false
            var later = index + 1
            while later < fields.count && !overridden {
                let other = Self.key(base, later).pointee
                overridden = other == key || other == written
                    || (written.utf8.count > 7 && written.hasPrefix("fields.") && reserved.matches(other) && "fields." + other == written)
                later += 1
            }
            if overridden { continue }
            appendField(written, to: &encoder) { Self.value(base, index).pointee.appendJSON(to: &$0) }
        }
    }

    // The common value types (`String`, `Int`, `Bool`, `Double`), whose `appendJSON` is this
    // module's, are read where they sit, inline at the start of the existential's buffer, and
    // written as that `appendJSON` writes them, without a call through the existential. An opaque
    // existential container is a 3-word buffer, then the type's metadata, then the witness table.

    /// The type of the value in the existential at `value`, or `nil` if the container's layout is
    /// not the one described above.
    @inline(__always)
    private static func directType(_ value: UnsafePointer<any LogValueConvertible>) -> UnsafeRawPointer? {
        guard MemoryLayout<any LogValueConvertible>.size == 5 * MemoryLayout<UnsafeRawPointer>.size else { return nil }
        return UnsafeRawPointer(value).load(fromByteOffset: 3 * MemoryLayout<UnsafeRawPointer>.size, as: UnsafeRawPointer.self)
    }

    @inline(__always)
    private static func typeID(_ type: Any.Type) -> UnsafeRawPointer { unsafeBitCast(type, to: UnsafeRawPointer.self) }

    /// The most bytes one run of directly written fields reserves (a single field may need more: a
    /// string of up to 1 KiB reserves 6 times its size), so that the per-thread buffer, which keeps
    /// its largest size, grows to about the size of the lines rather than six times it.
    static let directRunRoom = 4096

    /// The most bytes ``putDirect(_:to:)`` writes for the value at `value`, or `nil` when it does not
    /// write such a value (another type, or a string that is long or not contiguous UTF-8: a long
    /// string is escaped in chunks rather than reserving 6 times its size).
    @inline(__always)
    private static func directRoom(_ value: UnsafePointer<any LogValueConvertible>) -> Int? {
        guard let type = directType(value) else { return nil }
        let payload = UnsafeRawPointer(value)
        if type == typeID(String.self) {
            // The existential's inline buffer holds the `String` itself: read in place, not copied.
            let count = payload.assumingMemoryBound(to: String.self).pointee.utf8.withContiguousStorageIfAvailable { $0.count }
            guard let count, count <= 1024 else { return nil }
            return count * 6 + 2
        }
        if type == typeID(Int.self) { return 21 }
        if type == typeID(Bool.self) { return 5 }
        if type == typeID(Double.self) { return ByteWriter.maximumShortDoubleCount }
        return nil
    }

    /// Writes the value at `value`, for which ``directRoom(_:)`` gave room; `false`, with nothing
    /// written, for a double that has no short form (the general path writes it).
    @inline(__always)
    private static func putDirect(_ value: UnsafePointer<any LogValueConvertible>, to w: inout ByteWriter) -> Bool {
        let type = directType(value)
        let payload = UnsafeRawPointer(value)
        if type == typeID(String.self) {
            let written: Bool? = payload.assumingMemoryBound(to: String.self).pointee.utf8.withContiguousStorageIfAvailable { utf8 in
                w.put(UInt8(ascii: "\""))
                _ = w.putEscaped(utf8.baseAddress ?? UnsafePointer(w.position), count: utf8.count, from: 0, to: utf8.count)
                w.put(UInt8(ascii: "\""))
                return true
            }
            return written == true
        }
        if type == typeID(Int.self) {
            let number = payload.load(as: Int.self)
            if number < 0 { w.put(UInt8(ascii: "-")) }
            w.putDecimal(UInt64(number.magnitude))
            return true
        }
        if type == typeID(Bool.self) {
            payload.load(as: Bool.self) ? w.put("true") : w.put("false")
            return true
        }
        return w.putShortDouble(payload.load(as: Double.self))
    }

    /// The key of field `index`, in place.
    @inline(__always)
    private static func key(_ base: UnsafePointer<(String, any LogValueConvertible)>, _ index: Int) -> UnsafePointer<String> {
        UnsafeRawPointer(base + index).assumingMemoryBound(to: String.self)
    }

    /// The value of field `index`, in place (a tuple's second element follows the first at the
    /// second's alignment).
    @inline(__always)
    private static func value(
        _ base: UnsafePointer<(String, any LogValueConvertible)>, _ index: Int
    ) -> UnsafePointer<any LogValueConvertible> {
        let alignment = MemoryLayout<any LogValueConvertible>.alignment
        let offset = (MemoryLayout<String>.size + alignment - 1) / alignment * alignment
        return (UnsafeRawPointer(base + index) + offset).assumingMemoryBound(to: (any LogValueConvertible).self)
    }
}
