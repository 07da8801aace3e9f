import Synchronization
import Testing
@testable import Trail

@Suite struct RingBufferTests {
    /// Counts live instances, so that a leaked or doubly destroyed element shows.
    final class Tracked {
        static let live = Atomic<Int>(0)
        let value: Int
        init(_ value: Int) {
            self.value = value
            Self.live.add(1, ordering: .relaxed)
        }
        deinit { Self.live.subtract(1, ordering: .relaxed) }
    }

    @Test func elementsComeOutInOrderAcrossTheWrapAndNoneLeaks() {
        let before = Tracked.live.load(ordering: .relaxed)
        do {
            var ring = RingBuffer<Tracked>(capacity: 5)
            var next = 0, expected = 0
            for round in 0..<40 {
                while !ring.isFull && next < expected + 3 + round % 3 {
                    ring.append(Tracked(next))
                    next += 1
                }
                let batch = ring.popFirst(max: 2 + round % 2)
                for element in batch {
                    #expect(element.value == expected)
                    expected += 1
                }
                if round % 5 == 0, let first = ring.popFirst() {
                    #expect(first.value == expected)
                    expected += 1
                }
            }
            #expect(ring.count == next - expected)
            // `ring` still holds elements, some of them past the wrap: its storage must free them.
        }
        #expect(Tracked.live.load(ordering: .relaxed) == before)
    }

    @Test func aBatchStopsAtItsByteLimitButAlwaysTakesOne() {
        var ring = RingBuffer<Int>(capacity: 8)
        for size in [5, 3, 4, 10, 1] { ring.append(size) }
        #expect(ring.popFirst(max: 8, maxBytes: 8, byteCount: { $0 }) == [5, 3])
        #expect(ring.popFirst(max: 8, maxBytes: 8, byteCount: { $0 }) == [4])
        #expect(ring.popFirst(max: 8, maxBytes: 8, byteCount: { $0 }) == [10])
        #expect(ring.popFirst(max: 8, maxBytes: 8, byteCount: { $0 }) == [1])
        #expect(ring.isEmpty && ring.popFirst() == nil)
        ring.append { 7 }
        #expect(ring.count == 1 && ring.popFirst() == 7)
    }
}
