import Foundation
import Testing
@testable import Trail

/// A log record as `otlp_decode.py` prints it.
struct DecodedLogRecord: Decodable, Equatable {
    var timeUnixNano: String
    var observedTimeUnixNano: String
    var severityNumber: Int
    var severityText: String
    var body: DecodedValue?
    var attributes: [DecodedKeyValue]
    var droppedAttributesCount: Int = 0
    var flags: UInt32
    var traceId: String
    var spanId: String
    var eventName: String = ""
}

@Suite struct OTLPLogEncodingTests {
    static let observedAt: UInt64 = 1_800_000_000_000_000_000
    static let base = Resource(attributes: ["service.name": "unknown_service", "host.name": "box", "process.pid": 7])
    static let traced = #""trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01""#

    static func line(_ level: LogLevel, _ json: String) -> LogLine { LogLine(level: level, bytes: Array((json + "\n").utf8)) }

    /// Lines as Trail writes them, and the records they must become.
    static var cases: [(line: LogLine, service: String, logger: String, record: DecodedLogRecord)] {
        let t = "1763805845123456000"  // 2025-11-22T10:04:05.123456Z
        func record(_ number: Int, _ text: String, body: String?, attributes: [DecodedKeyValue] = [], traced: Bool = false, time: String = t) -> DecodedLogRecord {
            DecodedLogRecord(
                timeUnixNano: time, observedTimeUnixNano: time == "0" ? String(observedAt) : time, severityNumber: number,
                severityText: text, body: body.map { .string($0) }, attributes: attributes, flags: traced ? 1 : 0,
                traceId: traced ? "4bf92f3577b34da6a3ce929d0e0e4736" : "", spanId: traced ? "00f067aa0ba902b7" : "")
        }
        let source: DecodedValue = .kvlist([
            DecodedKeyValue(key: "file", value: .string("Checkout/Handler.swift")), DecodedKeyValue(key: "line", value: .int(42)),
            DecodedKeyValue(key: "function", value: .string("handle(_:)")),
        ])
        return [
            (line(.trace, #"{"timestamp":"2025-11-22T10:04:05.123456Z","level":"trace","message":"request handled \"ok\" ✓","#
                + traced + #","service.name":"checkout","logger":"http","method":"GET","status":200,"big":-9223372036854775808,"#
                + #""huge":18446744073709551616,"duration_ms":12.5,"exp":1e-7,"cached":false,"nothing":null,"empty":"","#
                + #""list":[1,"two",3.5,true,null,[],{"k":"v"}],"source":{"file":"Checkout/Handler.swift","line":42,"function":"handle(_:)"}}"#),
             "checkout", "http",
             record(1, "trace", body: "request handled \"ok\" ✓", attributes: [
                DecodedKeyValue(key: "method", value: .string("GET")), DecodedKeyValue(key: "status", value: .int(200)),
                DecodedKeyValue(key: "big", value: .int(Int64.min)), DecodedKeyValue(key: "huge", value: .double(bits: 18446744073709551616.0.bitPattern)),
                DecodedKeyValue(key: "duration_ms", value: .double(bits: 12.5.bitPattern)), DecodedKeyValue(key: "exp", value: .double(bits: 1e-7.bitPattern)),
                DecodedKeyValue(key: "cached", value: .bool(false)), DecodedKeyValue(key: "nothing", value: .none),
                DecodedKeyValue(key: "empty", value: .string("")),
                DecodedKeyValue(key: "list", value: .array([.int(1), .string("two"), .double(bits: 3.5.bitPattern), .bool(true), .none, .array([]),
                                                           .kvlist([DecodedKeyValue(key: "k", value: .string("v"))])])),
                DecodedKeyValue(key: "source", value: source),
             ], traced: true)),
            (line(.debug, #"{"timestamp":"2025-11-22T10:04:05.123456Z","level":"debug","message":"d","service.name":"checkout","logger":"http"}"#),
             "checkout", "http", record(5, "debug", body: "d")),
            (line(.info, #"{"timestamp":"2025-11-22T10:04:05.123456Z","level":"info","message":"i","#
                + traced + #","service.name":"checkout","logger":"db"}"#),
             "checkout", "db", record(9, "info", body: "i", traced: true)),
            (line(.notice, #"{"timestamp":"2025-11-22T10:04:05.123456Z","level":"notice","message":"n","service.name":"payments","logger":"http"}"#),
             "payments", "http", record(10, "notice", body: "n")),
            (line(.warning, #"{"timestamp":"2025-11-22T10:04:05.123456Z","level":"warning","message":"w","service.name":"checkout","logger":"http","trace_id":"not-an-id"}"#),
             "checkout", "http", record(13, "warning", body: "w", attributes: [DecodedKeyValue(key: "trace_id", value: .string("not-an-id"))])),
            (line(.error, #"{"timestamp":"2025-11-22T11:04:05.123456+01:00","level":"error","message":"e","service.name":"checkout","logger":"http","error.type":"PaymentError"}"#),
             "checkout", "http", record(17, "error", body: "e", attributes: [DecodedKeyValue(key: "error.type", value: .string("PaymentError"))])),
            (line(.critical, #"{"level":"critical","message":"c","service.name":"checkout","logger":"http"}"#),
             "checkout", "http", record(21, "critical", body: "c", time: "0")),
        ]
    }

    static func expectedGroups() -> [DecodedResourceGroup<DecodedLogRecord>] {
        func resource(_ service: String) -> DecodedResource {
            var attributes = base.attributes
            attributes["service.name"] = .string(service)
            return DecodedResource(attributes: .init(attributes))
        }
        func scope(_ name: String, _ items: [DecodedLogRecord]) -> DecodedScopeGroup<DecodedLogRecord> {
            DecodedScopeGroup(scope: DecodedScope(name: name, version: ""), items: items)
        }
        let r = cases.map(\.record)
        return [
            DecodedResourceGroup(resource: resource("checkout"), scopes: [scope("http", [r[0], r[1], r[4], r[5], r[6]]), scope("db", [r[2]])]),
            DecodedResourceGroup(resource: resource("payments"), scopes: [scope("http", [r[3]])]),
        ]
    }

    static func exporter(_ wireProtocol: OTLPProtocol) -> OTLPLogExporter {
        OTLPLogExporter(configuration: OTLPExporterConfiguration(endpoint: URL(string: "http://127.0.0.1:9")!, wireProtocol: wireProtocol), resource: base)
    }

    static func compare(_ decoded: DecodedRequest<DecodedLogRecord>) {
        decoded.expectMatches(expectedGroups()) { "record \($0.severityText)" }
    }

    @Test(.timeLimit(.minutes(2)))
    func protobufLogRecordsDecodeWithTheOfficialClassesToWhatWasLogged() async throws {
        let payload = Self.exporter(.httpProtobuf).encode(Self.cases.map(\.line), observedAt: Self.observedAt)
        let decoded = try await OTLPPythonDecoder.decode(payload, signal: "logs", encoding: "protobuf", as: DecodedLogRecord.self)
        #expect(decoded.canonical == true, "the reference serializer writes different bytes")
        Self.compare(decoded)
    }

    @Test(.timeLimit(.minutes(2)))
    func jsonLogRecordsDecodeWithTheOfficialClassesToWhatWasLogged() async throws {
        let payload = Self.exporter(.httpJSON).encode(Self.cases.map(\.line), observedAt: Self.observedAt)
        let decoded = try await OTLPPythonDecoder.decode(payload, signal: "logs", encoding: "json", as: DecodedLogRecord.self)
        Self.compare(decoded)
    }

    @Test func theGoldenLogRecordIsWrittenByteForByte() {
        // PROTOCOLS.md §3.2: INFO (9), text INFO, body hello, flags 1, same ids, time = observed.
        let golden = "0a680a170a150a0c736572766963652e6e616d6512050a03737663124d0a050a036c696212440900002a36fe9c971710091a04494e464f2a070a0568656c6c6f45010000004a104bf92f3577b34da6a3ce929d0e0e4736520800f067aa0ba902b75900002a36fe9c9717"
        let record = OTLPLogRecord(
            timeUnixNano: 1_700_000_000_000_000_000, observedTimeUnixNano: 1_700_000_000_000_000_000, severityNumber: 9,
            severityText: "INFO", body: .string("hello"), attributes: [], traceID: TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736"),
            spanID: SpanID(hex: "00f067aa0ba902b7"), flags: 1, resource: Resource(attributes: ["service.name": "svc"]),
            scope: InstrumentationScope(name: "lib"))
        #expect(OTLPLogEncoding.protobuf([record]).map { String(format: "%02x", $0) }.joined() == golden)
    }

    @Test func aLineThatIsNotJSONBecomesItsTextAsBody() {
        let record = OTLPLogRecord(line: Self.line(.error, "plain text"), fieldNames: .openTelemetry, resource: Self.base, observedAt: 5)
        #expect(record.body == .string("plain text"))
        #expect(record.severityNumber == 17)
        #expect(record.observedTimeUnixNano == 5)
        #expect(record.timeUnixNano == 0)
    }

    @Test func ecsLinesAreReadWithTheirOwnKeys() {
        let json = #"{"@timestamp":"2025-11-22T10:04:05.123Z","log.level":"warning","message":"m","ecs.version":"8.11.0","#
            + #""service.name":"svc","log.logger":"l","trace.id":"4bf92f3577b34da6a3ce929d0e0e4736","span.id":"00f067aa0ba902b7"}"#
        let record = OTLPLogRecord(line: Self.line(.warning, json), fieldNames: .elasticCommonSchema, resource: Resource(), observedAt: 5)
        #expect(record.timeUnixNano == 1_763_805_845_123_000_000)
        #expect(record.severityText == "warning")
        #expect(record.severityNumber == 13)
        #expect(record.traceID?.hexString == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(record.spanID?.hexString == "00f067aa0ba902b7")
        #expect(record.scope.name == "l")
        #expect(record.resource.attributes["service.name"] == .string("svc"))
        #expect(record.attributes == [OTLPKeyValue(key: "ecs.version", value: .string("8.11.0"))])
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", UInt64(0)), ("2000-02-29T23:59:59.999999999Z", 951_868_799_999_999_999),
        ("2025-11-22T10:04:05.1Z", 1_763_805_845_100_000_000), ("2025-11-22T12:04:05+02:00", 1_763_805_845_000_000_000),
    ])
    func timestampsAreReadToTheNanosecond(text: String, expected: UInt64) {
        #expect(RFC3339.nanoseconds(text) == expected)
    }

    @Test(arguments: ["", "2025-11-22", "2025-11-22T10:04:05", "2025-13-22T10:04:05Z", "2025-11-22T10:04:05.Z", "2025-11-22T10:04:05Zx"])
    func malformedTimestampsAreRejected(text: String) {
        #expect(RFC3339.nanoseconds(text) == nil)
    }

    @Test func theLogExporterPostsToTheLogsPath() {
        let exporter = Self.exporter(.httpProtobuf)
        #expect(exporter.url.absoluteString == "http://127.0.0.1:9/v1/logs")
        #expect(exporter.rejectedLogRecords == 0)
    }
}
