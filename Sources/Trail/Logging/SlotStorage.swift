/// The memory of a per-thread direct-mapped cache (``FieldKeyCache``, ``SourceCache``): a fixed
/// number of entries, and for each a fixed room of encoded bytes. Allocated once, freed with its
/// owner; not thread-safe (each thread has its own cache).
struct SlotStorage<Entry>: ~Copyable {
    let slotCount: Int
    /// Room for a slot's bytes.
    let stride: Int
    let entries: UnsafeMutablePointer<Entry>
    private let bytes: UnsafeMutablePointer<UInt8>

    /// `slotCount` slots holding `empty`, each with `stride` bytes of room.
    init(slotCount: Int, stride: Int, empty: Entry) {
        self.slotCount = slotCount
        self.stride = stride
        entries = .allocate(capacity: slotCount)
        entries.initialize(repeating: empty, count: slotCount)
        bytes = .allocate(capacity: slotCount * stride)
    }

    deinit {
        entries.deinitialize(count: slotCount)
        entries.deallocate()
        bytes.deallocate()
    }

    /// The first `count` bytes kept for slot `index`.
    @inline(__always)
    func bytes(at index: Int, count: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes + index * stride, count: count)
    }

    /// Keeps `encoded` as slot `index`'s bytes when it fits; returns how many bytes were kept
    /// (0: they did not fit, and the owner encodes them on every use).
    func keep(_ encoded: [UInt8], at index: Int) -> Int {
        guard encoded.count <= stride else { return 0 }
        encoded.withUnsafeBufferPointer { source in
            (bytes + index * stride).initialize(from: source.baseAddress!, count: source.count)
        }
        return encoded.count
    }
}
