import Testing
@testable import Trail

@Suite struct RingBufferTests {
    /// Counts live elements, so that a leaked or doubly destroyed one shows. One count per check:
    /// the tests of this suite run in parallel, and a count shared between them would see the
    /// other test's elements.
    final class LiveCount {
        var value = 0
    }

    final class Tracked {
        let value: Int
        let count: LiveCount
        init(_ value: Int, count: LiveCount) {
            self.value = value
            self.count = count
            count.value += 1
        }
        deinit { count.value -= 1 }
    }

    /// Runs `rounds` rounds on a ring of `capacity`: each fills it up to `ahead(round)` elements
    /// past those taken so far, then `take` removes some. Checks that the elements come out in
    /// order and that none leaks, the ones still in the ring at the end (some past the wrap)
    /// included: its storage must free them.
    private func checkOrderAndNoLeak(
        capacity: Int, rounds: Int, ahead: (Int) -> Int, take: (inout RingBuffer<Tracked>, Int) -> [Tracked]
    ) {
        let live = LiveCount()
        do {
            var ring = RingBuffer<Tracked>(capacity: capacity)
            var next = 0, expected = 0
            for round in 0..<rounds {
                while !ring.isFull && next < expected + ahead(round) {
                    ring.append(Tracked(next, count: live))
                    next += 1
                }
                for element in take(&ring, round) {
                    #expect(element.value == expected)
                    expected += 1
                }
            }
            #expect(ring.count == next - expected)
            #expect(live.value == ring.count)
        }
        #expect(live.value == 0)
    }

    @Test func elementsComeOutInOrderAcrossTheWrapAndNoneLeaks() {
        checkOrderAndNoLeak(capacity: 5, rounds: 40, ahead: { 3 + $0 % 3 }) { ring, round in
            var taken = ring.popFirst(max: 2 + round % 2)
            if round % 5 == 0, let first = ring.popFirst() { taken.append(first) }
            return taken
        }
    }

    @Test func byteLimitedBatchesAcrossTheWrapKeepOrderAndLeakNothing() {
        // Batches are moved out in one or two blocks; a byte limit may end one anywhere, also
        // right at or just past the wrap.
        checkOrderAndNoLeak(capacity: 7, rounds: 60, ahead: { 2 + $0 % 5 }) { ring, round in
            let limit = 1 + round % 4
            let batch = ring.popFirst(max: 6, maxBytes: limit, byteCount: { $0.value % 3 })
            let sizes = batch.map { $0.value % 3 }
            #expect(!batch.isEmpty || ring.isEmpty)
            // Within the limit, unless the batch's first element alone is larger.
            #expect(sizes.reduce(0, +) <= max(limit, sizes.first ?? 0))
            return batch
        }
    }

    @Test func aBatchStopsAtItsByteLimitButAlwaysTakesOne() {
        var ring = RingBuffer<Int>(capacity: 8)
        for size in [5, 3, 4, 10, 1] { ring.append(size) }
        #expect(ring.popFirst(max: 8, maxBytes: 8, byteCount: { $0 }) == [5, 3])
        #expect(ring.popFirst(max: 8, maxBytes: 8, byteCount: { $0 }) == [4])
        #expect(ring.popFirst(max: 8, maxBytes: 8, byteCount: { $0 }) == [10])
        #expect(ring.popFirst(max: 8, maxBytes: 8, byteCount: { $0 }) == [1])
        #expect(ring.isEmpty && ring.popFirst() == nil)
        ring.append { $0.initialize(to: 7) }
        #expect(ring.count == 1 && ring.popFirst() == 7)
    }
}

@Suite struct LogLineSlotTests {
    @Test func aLineMadeInAUsedSlotReadsBackExactlyAtEverySize() {
        let slot = UnsafeMutablePointer<LogLine>.allocate(capacity: 1)
        defer { slot.deallocate() }
        // A slot that held a longer line: only the new line's bytes may show.
        slot.initialize(to: LogLine(level: .error, bytes: Array(repeating: UInt8(ascii: "x"), count: 470) + [0x0A]))
        _ = slot.move()
        for size in [0, 1, 7, 100, 479, 480, 481, 2000] {
            let bytes = (0..<size).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            bytes.withUnsafeBytes { LogLine.initialize(slot, level: .notice, bytes: $0) }
            let line = slot.move()
            #expect(line.level == .notice)
            #expect(line.byteCount == size)
            #expect(line.withBytes { Array($0) } == bytes)
            #expect(line.text == String(decoding: bytes, as: UTF8.self))
        }
    }
}
