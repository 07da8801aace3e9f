/// A fixed-capacity FIFO queue in one preallocated array: appending and popping never allocate.
struct RingBuffer<Element> {
    private var slots: ContiguousArray<Element?>
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        slots = ContiguousArray(repeating: nil, count: capacity)
    }

    var capacity: Int { slots.count }
    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == slots.count }

    /// Appends; the caller checks `isFull` first.
    mutating func append(_ element: Element) {
        precondition(!isFull, "ring buffer overflow")
        var index = head + count
        if index >= slots.count { index -= slots.count }
        slots[index] = element
        count += 1
    }

    /// Removes and returns the oldest element.
    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = slots[head].take()
        head += 1
        if head == slots.count { head = 0 }
        count -= 1
        return element
    }

    /// Removes the oldest elements, in order: up to `max` of them and, after the first, only while
    /// their `byteCount`s add up to at most `maxBytes`.
    mutating func popFirst(max: Int, maxBytes: Int = .max, byteCount: (Element) -> Int = { _ in 0 }) -> [Element] {
        let n = min(max, count)
        var out = [Element]()
        out.reserveCapacity(n)
        var bytes = 0
        while out.count < n {
            let size = byteCount(slots[head]!)
            if !out.isEmpty && bytes + size > maxBytes { break }
            bytes += size
            out.append(popFirst()!)
        }
        return out
    }
}
