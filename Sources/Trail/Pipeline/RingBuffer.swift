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

    /// Removes up to `max` of the oldest elements, in order.
    mutating func popFirst(max: Int) -> [Element] {
        let n = min(max, count)
        var out = [Element]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(popFirst()!) }
        return out
    }
}
