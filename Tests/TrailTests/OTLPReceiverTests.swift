import Foundation
import Testing
@testable import Trail

/// Both OTLP exporters against the Swift loopback collector (`RequestValidator.otlp`), which checks
/// paths, content types and ids the way a collector does; the request size cap.
@Suite struct OTLPReceiverTests {
    private func configuration(_ receiver: LoopbackReceiver, _ wireProtocol: OTLPProtocol, gzip: Bool = true) -> OTLPExporterConfiguration {
        OTLPExporterConfiguration(endpoint: receiver.baseURL, wireProtocol: wireProtocol, gzip: gzip, timeout: .seconds(5))
    }

    private let logLines = [
        jsonLine(#"{"timestamp":"2026-11-22T10:00:00.000001Z","level":"info","message":"a","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01"}"#),
        jsonLine(#"{"timestamp":"2026-11-22T10:00:00.000002Z","level":"error","message":"no trace"}"#),
    ]

    @Test(arguments: [OTLPProtocol.httpProtobuf, .httpJSON])
    func spansAndLogRecordsPassTheCollectorsChecks(_ wireProtocol: OTLPProtocol) async throws {
        let receiver = try LoopbackReceiver(validator: .otlp)
        defer { receiver.stop() }
        try await OTLPSpanExporter(configuration: configuration(receiver, wireProtocol)).write(SpanFixtures.all)
        try await OTLPLogExporter(configuration: configuration(receiver, wireProtocol, gzip: false)).write(logLines)
        let requests = receiver.requests
        #expect(requests.map(\.path) == ["/v1/traces", "/v1/logs"])
        #expect(requests.allSatisfy { $0.rejection == nil && $0.answeredStatus == 200 }, "\(requests.compactMap(\.rejection))")
    }

    @Test func theCollectorRefusesWhatACollectorRefuses() async throws {
        let receiver = try LoopbackReceiver(validator: .otlp)
        defer { receiver.stop() }
        let poster = HTTPPoster(url: receiver.baseURL.appendingPathComponent("v1/traces"), gzip: false, timeout: .seconds(5))
        #expect(try await poster.post([0x0A, 0x02], contentType: "application/x-protobuf").status == 400, "truncated message")
        #expect(try await poster.post([], contentType: "text/plain").status == 415)
        let shortID: [UInt8] = [0x0A, 0x08, 0x12, 0x06, 0x12, 0x04, 0x0A, 0x02, 0x01, 0x02]  // a span with a 2-byte trace id
        #expect(try await poster.post(shortID, contentType: "application/x-protobuf").status == 400)
        #expect(try await poster.post(Array(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"AB","spanId":"x"}]}]}]}"#.utf8), contentType: "application/json").status == 400)
        #expect(try await poster.post([], contentType: "application/x-protobuf").status == 200, "an empty request is a success")
        let wrongPath = HTTPPoster(url: receiver.baseURL.appendingPathComponent("v1/metrics"), gzip: false, timeout: .seconds(5))
        #expect(try await wrongPath.post([], contentType: "application/x-protobuf").status == 404)
        poster.invalidate()
        wrongPath.invalidate()
    }

    @Test func aBodyOverTheRequestCapIsSplitAndARecordTooLargeAloneIsDropped() async throws {
        let receiver = try LoopbackReceiver(validator: .otlp)
        defer { receiver.stop() }
        let sender = OTLPHTTPSender(signal: .traces, configuration: configuration(receiver, .httpProtobuf, gzip: false), report: { _ in })
        defer { sender.shutdown() }
        let spans = SpanFixtures.all
        let whole = OTLPTraceProtobuf.encode(spans).count
        let cap = spans.map { OTLPTraceProtobuf.encode([$0]).count }.max()!  // every span fits alone, not all together
        #expect(whole > cap)
        try await sender.send(spans[...], maxRequestBytes: cap, noun: { "\($0) spans" }) { OTLPTraceProtobuf.encode(Array($0)) }
        let requests = receiver.requests
        #expect(requests.count >= 2 && requests.allSatisfy { $0.body.count <= cap && $0.answeredStatus == 200 })
        // Every span once (a part groups its spans by resource and scope).
        let sent = try requests.flatMap { request in try Self.spanNames(request.decodedBody()) }
        #expect(sent.sorted() == spans.map(\.name).sorted())

        let huge = [SpanFixtures.span("big", id: 9, kind: .internal, attributes: ["blob": .string(String(repeating: "x", count: 10_000))])]
        await #expect(throws: DestinationError.self) {
            try await sender.send(huge[...], maxRequestBytes: 5_000, noun: { "\($0) span" }) { OTLPTraceProtobuf.encode(Array($0)) }
        }
        #expect(receiver.requests.count == requests.count, "nothing sent for a span too large alone")
    }

    /// The span names of an `ExportTraceServiceRequest`, in order.
    private static func spanNames(_ body: [UInt8]) throws -> [String] {
        func fields(_ bytes: ArraySlice<UInt8>, _ number: Int) throws -> [ArraySlice<UInt8>] {
            var reader = ProtobufReader(bytes)
            var found: [ArraySlice<UInt8>] = []
            while let (field, value) = try reader.next() {
                if field == number, case .bytes(let inner) = value { found.append(inner) }
            }
            return found
        }
        return try fields(body[...], 1).flatMap { try fields($0, 2) }.flatMap { try fields($0, 2) }
            .map { String(decoding: try fields($0, 5).first ?? [], as: UTF8.self) }
    }
}
