/// A fixed-capacity FIFO queue in one preallocated block: appending and popping never allocate.
///
/// The elements live in raw, uninitialised-until-used memory, so an element is made straight into
/// its slot and moved out of it (an `Optional` slot would cost a copy each way for a large element
/// such as a ``LogLine``). Once emptied it starts again at its first slot: a queue that is drained as
/// fast as it fills then reuses the same few slots, which stay in the cache, instead of walking the
/// whole block (for log lines, megabytes) one slot further each time. The block belongs to a class: copies of a `RingBuffer` share it, so only
/// one copy may be mutated (the writer's state holds one, the drain thread another, swapped whole).
struct RingBuffer<Element> {
    private final class Storage {
        let base: UnsafeMutablePointer<Element>
        let capacity: Int
        var head = 0
        var count = 0

        init(capacity: Int) {
            self.capacity = capacity
            base = .allocate(capacity: capacity)
        }

        /// Moves the oldest element out (there is one).
        @inline(__always)
        func takeOldest() -> Element {
            let element = (base + head).move()
            removeOldest(1)
            return element
        }

        /// Moves the `n` oldest elements (there are that many) to `target`, in order: one or two
        /// block moves, as the queue may wrap.
        func moveOldest(_ n: Int, to target: UnsafeMutablePointer<Element>) {
            let first = min(n, capacity - head)
            target.moveInitialize(from: base + head, count: first)
            if n > first { (target + first).moveInitialize(from: base, count: n - first) }
            removeOldest(n)
        }

        /// Gives up the `n` oldest slots, whose elements were moved out; once empty, starts again
        /// at the first slot.
        @inline(__always)
        private func removeOldest(_ n: Int) {
            head = index(n)
            count -= n
            if count == 0 { head = 0 }
        }

        /// The index of the slot `offset` places after the oldest one (`offset <= capacity`),
        /// wrapping around.
        @inline(__always)
        private func index(_ offset: Int) -> Int {
            let index = head + offset
            return index >= capacity ? index - capacity : index
        }

        /// The slot `offset` places after the oldest one: `slot(count)` is where the next element goes.
        @inline(__always)
        func slot(_ offset: Int) -> UnsafeMutablePointer<Element> { base + index(offset) }

        deinit {
            // The live elements are `count` slots from `head`, wrapping around.
            let first = min(count, capacity - head)
            (base + head).deinitialize(count: first)
            base.deinitialize(count: count - first)
            base.deallocate()
        }
    }

    private let storage: Storage

    init(capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        storage = Storage(capacity: capacity)
    }

    var count: Int { storage.count }
    var capacity: Int { storage.capacity }
    var isEmpty: Bool { storage.count == 0 }
    var isFull: Bool { storage.count == storage.capacity }

    /// Appends; the caller checks `isFull` first.
    mutating func append(_ element: Element) {
        append { $0.initialize(to: element) }
    }

    /// Appends the element `initialize` makes in its (uninitialised) slot.
    @inline(__always)
    mutating func append(initializing initialize: (UnsafeMutablePointer<Element>) -> Void) {
        let s = storage
        precondition(s.count < s.capacity, "ring buffer overflow")
        initialize(s.slot(s.count))
        s.count += 1
    }

    /// Removes and returns the oldest element.
    mutating func popFirst() -> Element? {
        let s = storage
        guard s.count > 0 else { return nil }
        return s.takeOldest()
    }

    /// Removes the oldest elements, in order: up to `max` of them and, after the first, only while
    /// their `byteCount`s add up to at most `maxBytes`, moved out in one or two block moves rather
    /// than one at a time.
    mutating func popFirst(max: Int, maxBytes: Int = .max, byteCount: (Element) -> Int = { _ in 0 }) -> [Element] {
        let s = storage
        var n = Swift.min(max, s.count)
        if maxBytes != .max {
            var bytes = 0, fitting = 0
            while fitting < n {
                let size = byteCount(s.slot(fitting).pointee)
                if fitting > 0 && bytes + size > maxBytes { break }
                bytes += size
                fitting += 1
            }
            n = fitting
        }
        guard n > 0 else { return [] }
        return [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            s.moveOldest(n, to: buffer.baseAddress!)
            initialized = n
        }
    }
}
