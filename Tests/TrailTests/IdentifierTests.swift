import Testing
import Trail

@Suite struct IdentifierTests {
    @Test func traceIDHexRoundTripsAndIsLowercase() throws {
        let id = TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736)
        #expect(id.hexString == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736") == id)
        #expect(TraceID(bytes: id.bytes) == id)
        var buffer: [UInt8] = []
        id.appendHex(to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == id.hexString)
    }

    @Test func uppercaseHexIsRejectedUnlessAllowed() {
        #expect(TraceID(hex: "4BF92F3577B34DA6A3CE929D0E0E4736") == nil)
        #expect(TraceID(hex: "4BF92F3577B34DA6A3CE929D0E0E4736", allowUppercase: true)?.hexString == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(SpanID(hex: "00F067AA0BA902B7") == nil)
        #expect(SpanID(hex: "00F067AA0BA902B7", allowUppercase: true) == SpanID(0x00f0_67aa_0ba9_02b7))
    }

    @Test func wrongLengthsAndNonHexAreRejected() {
        #expect(TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e473") == nil)
        #expect(TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e47366") == nil)
        #expect(TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e473g") == nil)
        #expect(SpanID(hex: "00f067aa0ba902b") == nil)
        #expect(SpanID(hex: "") == nil)
        #expect(TraceID(bytes: [1, 2, 3]) == nil)
    }

    @Test func shortIDsAreLeftPaddedWhenAllowed() {
        let id = TraceID(hex: "53ce929d0e0e4736", allowShort: true)
        #expect(id?.hexString == "000000000000000053ce929d0e0e4736")
        #expect(TraceID(hex: "1", allowShort: true)?.low == 1)
        #expect(SpanID(hex: "abc", allowShort: true) == SpanID(0xabc))
    }

    @Test func allZeroIDsAreInvalid() {
        #expect(!TraceID(hex: "00000000000000000000000000000000")!.isValid)
        #expect(!SpanID(hex: "0000000000000000")!.isValid)
        #expect(TraceID(high: 0, low: 1).isValid)
    }

    @Test func randomIDsRoundTripThroughHexAndBytes() {
        let generator = RandomIDGenerator()
        for _ in 0..<1000 {
            let t = generator.newTraceID()
            let s = generator.newSpanID()
            #expect(t.isValid && s.isValid)
            #expect(TraceID(hex: t.hexString) == t)
            #expect(TraceID(bytes: t.bytes) == t)
            #expect(SpanID(hex: s.hexString) == s)
            #expect(SpanID(bytes: s.bytes) == s)
            #expect(t.hexString.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
        }
    }

    @Test func hexDigitsMatchTheStandardLibraryForEveryNibbleInEveryPosition() {
        // The digits are computed eight at a time in a word: each digit value in each position,
        // and random values, against String(_:radix:).
        func expected(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        var values: [UInt64] = [0, .max, 0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210]
        for position in 0..<16 {
            for digit in UInt64(0)...15 { values.append(digit << (4 * UInt64(position))) }
        }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2000 { values.append(random.next()) }
        for value in values {
            #expect(SpanID(value).hexString == expected(value))
            #expect(TraceID(high: value, low: ~value).hexString == expected(value) + expected(~value))
        }
    }

    @Test func randomIDsDoNotRepeatAcrossThreads() async {
        let generator = RandomIDGenerator()
        let ids = await withTaskGroup(of: [SpanID].self) { group in
            for _ in 0..<8 { group.addTask { (0..<2000).map { _ in generator.newSpanID() } } }
            return await group.reduce(into: [SpanID]()) { $0 += $1 }
        }
        #expect(Set(ids).count == ids.count)
    }

    @Test func traceFlagsFormatAsTwoHexDigitsAndTestByMask() {
        #expect(TraceFlags.sampled.hexString == "01")
        #expect(TraceFlags([.sampled, .random]).hexString == "03")
        #expect(TraceFlags(rawValue: 0xff).hexString == "ff")
        #expect(TraceFlags(rawValue: 0x09).contains(.sampled))
        let context = SpanContext(traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), traceFlags: TraceFlags(rawValue: 0xff))
        #expect(context.traceparent == "00-00000000000000010000000000000002-0000000000000003-03")
        #expect(context.traceparent.utf8.count == 55)
    }
}
