import Foundation
import Testing
@testable import Trail

@Suite struct OTLPProtobufWriterTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func varintsAreMinimalAndNegativeIntegersTakeTenBytes() {
        var writer = ProtobufWriter()
        writer.varintField(3, 0)
        writer.varintField(3, 127)
        writer.varintField(3, 128)
        writer.varintField(3, 300)
        writer.varintField(3, UInt64(bitPattern: -1))
        #expect(Self.hex(writer.bytes) == "1800" + "187f" + "188001" + "18ac02" + "18ffffffffffffffffff01")
    }

    @Test func fixedWidthFieldsAreLittleEndianAndDefaultsAreSkipped() {
        var writer = ProtobufWriter()
        writer.fixed64FieldIfSet(7, 0)
        writer.fixed64FieldIfSet(7, 1_700_000_000_000_000_000)
        writer.fixed32FieldIfSet(16, 0)
        writer.fixed32FieldIfSet(16, 0x101)
        writer.stringFieldIfSet(5, "")
        writer.varintFieldIfSet(6, 0)
        writer.doubleField(4, 0)
        #expect(Self.hex(writer.bytes) == "3900002a36fe9c9717" + "850101010000" + "210000000000000000")
    }

    @Test(arguments: [0, 1, 127, 128, 16_383, 16_384, 70_000])
    func nestedLengthsAreMinimalVarintsWhateverTheSize(size: Int) throws {
        var writer = ProtobufWriter()
        writer.messageField(1) { outer in
            outer.messageField(2) { $0.bytesField(3, [UInt8](repeating: 0x61, count: size)) }
        }
        var reader = ProtobufReader(writer.bytes[...])
        let (field, value) = try #require(try reader.next())
        #expect(field == 1)
        guard case .bytes(let outer) = value else { Issue.record("not length-delimited"); return }
        var inner = ProtobufReader(outer)
        let (innerField, innerValue) = try #require(try inner.next())
        #expect(innerField == 2)
        guard case .bytes(let leaf) = innerValue else { Issue.record("not length-delimited"); return }
        var leafReader = ProtobufReader(leaf)
        let (leafField, leafValue) = try #require(try leafReader.next())
        #expect(leafField == 3)
        guard case .bytes(let payload) = leafValue else { Issue.record("not length-delimited"); return }
        #expect(payload.count == size)
        #expect(try reader.next() == nil)
        // Minimal lengths: 1 tag byte + the varint of each length, nothing more.
        func varintSize(_ n: Int) -> Int { n < 128 ? 1 : n < 16_384 ? 2 : 3 }
        let leafSize = 1 + varintSize(size) + size
        let innerSize = 1 + varintSize(leafSize) + leafSize
        #expect(writer.bytes.count == 1 + varintSize(innerSize) + innerSize)
    }

    @Test func thePartialSuccessReaderSkipsFieldsItDoesNotKnow() {
        // Unknown fields of every wire type around partial_success { rejected: 2, message: "x" }.
        let body: [UInt8] = [0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1D, 1, 2, 3, 4, 0x20, 0x96, 0x01, 0x2A, 0x01, 0xFF,
                             0x0A, 0x07, 0x08, 0x02, 0x12, 0x01, 0x78, 0x18, 0x05]
        let partial = OTLPPartialSuccess.parse(body, json: false, signal: .traces)
        #expect(partial == OTLPPartialSuccess(rejected: 2, message: "x"))
    }

    @Test func aTruncatedResponseIsNotAPartialSuccess() {
        #expect(OTLPPartialSuccess.parse([0x0A, 0x05, 0x08], json: false, signal: .traces) == nil)
        #expect(OTLPPartialSuccess.parse(Array("{not json".utf8), json: true, signal: .logs) == nil)
    }

    @Test(.timeLimit(.minutes(2)))
    func aSpanWithHugeAttributesIsStillCanonical() async throws {
        var span = SpanFixtures.all[1]
        span.attributes = ["big": .string(String(repeating: "x", count: 70_000)), "many": .intArray((0..<5_000).map(Int64.init))]
        let decoded = try await OTLPPythonDecoder.decode(OTLPTraceProtobuf.encode([span]), signal: "traces", encoding: "protobuf", as: DecodedSpan.self)
        #expect(decoded.canonical == true)
        #expect(decoded.resources.first?.scopes.first?.items.first == DecodedSpan(expected: span))
    }
}
