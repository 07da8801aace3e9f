import Foundation
import Testing
@testable import Trail

/// A span as `otlp_decode.py` prints it.
struct DecodedSpan: Decodable, Equatable {
    struct Event: Decodable, Equatable {
        var timeUnixNano: String
        var name: String
        var attributes: [DecodedKeyValue]
        var droppedAttributesCount: Int
    }
    struct Link: Decodable, Equatable {
        var traceId: String
        var spanId: String
        var traceState: String
        var attributes: [DecodedKeyValue]
        var droppedAttributesCount: Int
        var flags: UInt32
    }
    struct Status: Decodable, Equatable {
        var code: Int
        var message: String
        var present: Bool
    }

    var traceId: String
    var spanId: String
    var traceState: String
    var parentSpanId: String
    var name: String
    var kind: Int
    var startTimeUnixNano: String
    var endTimeUnixNano: String
    var attributes: [DecodedKeyValue]
    var droppedAttributesCount: Int
    var events: [Event]
    var droppedEventsCount: Int
    var links: [Link]
    var droppedLinksCount: Int
    var status: Status
    var flags: UInt32
}

extension DecodedSpan {
    /// What `span` must decode to, written from the OTLP definitions rather than from the encoder.
    init(expected span: SpanData) {
        traceId = span.context.traceID.hexString
        spanId = span.context.spanID.hexString
        traceState = span.context.traceState.headerValue
        parentSpanId = span.parentSpanID?.hexString ?? ""
        name = span.name
        kind = span.kind.rawValue
        startTimeUnixNano = String(span.startTimeUnixNano)
        endTimeUnixNano = String(span.endTimeUnixNano)
        attributes = .init(span.attributes)
        droppedAttributesCount = span.droppedAttributesCount
        events = span.events.map {
            Event(timeUnixNano: String($0.timeUnixNano), name: $0.name, attributes: .init($0.attributes), droppedAttributesCount: 0)
        }
        droppedEventsCount = span.droppedEventsCount
        links = span.links.map {
            // Bits 0-7 the W3C flags, bit 8 "remote known", bit 9 "remote".
            let flags = UInt32($0.context.traceFlags.rawValue) + 0x100 + ($0.context.isRemote ? 0x200 : 0)
            return Link(
                traceId: $0.context.traceID.hexString, spanId: $0.context.spanID.hexString,
                traceState: $0.context.traceState.headerValue, attributes: .init($0.attributes),
                droppedAttributesCount: 0, flags: flags)
        }
        droppedLinksCount = span.droppedLinksCount
        switch span.status {
        case .unset: status = Status(code: 0, message: "", present: false)
        case .ok: status = Status(code: 1, message: "", present: true)
        case .error(let description): status = Status(code: 2, message: description ?? "", present: true)
        }
        flags = UInt32(span.context.traceFlags.rawValue) + 0x100 + (span.parentIsRemote == true ? 0x200 : 0)
    }
}

/// Spans using every feature OTLP carries, in two resources and three scopes.
enum SpanFixtures {
    static let traceID = TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736")!
    static let checkout = Resource(attributes: [
        "service.name": "checkout", "service.version": "1.2.3", "process.pid": 4242, "host.arch": "amd64",
    ])
    static let payments = Resource(attributes: ["service.name": "payments", "deployment.environment.name": "prod"])
    static let http = InstrumentationScope(name: "trail.http", version: "0.1.0")
    static let database = InstrumentationScope(name: "db")

    static let everyAttributeType: Attributes = [
        "string": "text with \"quotes\", \\ and é ✓", "empty": "", "int": 200, "negative": -42,
        "int.min": .int(Int64.min), "int.max": .int(Int64.max), "double": 12.5, "double.negative": -0.001,
        "double.zero": 0.0, "double.huge": 1.7976931348623157e308, "double.tiny": .double(.leastNonzeroMagnitude), "double.third": .double(1.0 / 3),
        "double.nan": .double(.nan), "double.infinity": .double(.infinity), "double.-infinity": .double(-.infinity),
        "true": true, "false": false,
        "strings": .stringArray(["a", "", "ü"]), "ints": .intArray([1, -1, 0, Int64.max]),
        "doubles": .doubleArray([0.5, -2, 0]), "bools": .boolArray([true, false]), "empty.array": .stringArray([]),
        "": "empty key",
    ]

    static func span(
        _ name: String, id: UInt64, kind: SpanKind, parent: UInt64? = nil, remoteParent: Bool? = nil,
        flags: TraceFlags = .sampled, traceState: TraceState = TraceState(), attributes: Attributes = [:],
        events: [SpanEvent] = [], links: [SpanLink] = [], status: SpanStatus = .unset, dropped: (Int, Int, Int) = (0, 0, 0),
        resource: Resource = checkout, scope: InstrumentationScope = http
    ) -> SpanData {
        SpanData(
            context: SpanContext(traceID: traceID, spanID: SpanID(id), traceFlags: flags, traceState: traceState),
            parentSpanID: parent.map(SpanID.init), parentIsRemote: parent == nil ? nil : (remoteParent ?? false),
            name: name, kind: kind, startTimeUnixNano: 1_700_000_000_000_000_000 + id * 1000,
            endTimeUnixNano: 1_700_000_000_000_000_000 + id * 1000 + 1_234_567, attributes: attributes,
            droppedAttributesCount: dropped.0, events: events, droppedEventsCount: dropped.1, links: links,
            droppedLinksCount: dropped.2, status: status, resource: resource, scope: scope)
    }

    static var all: [SpanData] {
        let vendorState = TraceState(headerValue: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")!
        let linked = SpanContext(
            traceID: TraceID(hex: "0af7651916cd43dd8448eb211c80319c")!, spanID: SpanID(hex: "b7ad6b7169203331")!,
            traceFlags: [.sampled, .random], traceState: vendorState, isRemote: true)
        let localLink = SpanContext(traceID: traceID, spanID: SpanID(0x11), traceFlags: [])
        return [
            span("GET /checkout/:id", id: 0x01, kind: .server, parent: 0x00f0_67aa_0ba9_02b7, remoteParent: true,
                 flags: [.sampled, .random], traceState: vendorState, attributes: everyAttributeType,
                 events: [
                    SpanEvent(name: "exception", timeUnixNano: 1_700_000_000_000_500_000, attributes: [
                        "exception.type": "PaymentError", "exception.message": "card declined", "exception.escaped": false,
                    ]),
                    SpanEvent(name: "no attributes", timeUnixNano: 1_700_000_000_000_600_000),
                 ],
                 links: [SpanLink(context: linked, attributes: ["link.reason": "batch", "n": 3]), SpanLink(context: localLink)],
                 status: .error(description: "payment failed"), dropped: (3, 1, 2)),
            span("internal work", id: 0x02, kind: .internal, parent: 0x01, status: .ok),
            span("SELECT orders", id: 0x03, kind: .client, parent: 0x01, flags: [], attributes: ["db.system": "postgresql"],
                 status: .error(description: nil), scope: database),
            span("publish", id: 0x04, kind: .producer, parent: 0x01, resource: payments),
            span("consume", id: 0x05, kind: .consumer, parent: 0x04, resource: payments, scope: database),
            span("a root with no name", id: 0x06, kind: .internal),
            span("", id: 0x07, kind: .server, parent: 0x01, status: .error(description: ""), resource: checkout, scope: http),
        ]
    }

    /// `spans` grouped as OTLP nests them: by resource, then scope, in first-seen order.
    static func expectedGroups(_ spans: [SpanData]) -> [DecodedResourceGroup<DecodedSpan>] {
        var groups: [DecodedResourceGroup<DecodedSpan>] = []
        var resources: [Resource] = []
        var scopes: [[InstrumentationScope]] = []
        for span in spans {
            let r = resources.firstIndex(of: span.resource) ?? {
                resources.append(span.resource)
                scopes.append([])
                groups.append(DecodedResourceGroup(resource: DecodedResource(attributes: .init(span.resource.attributes)), scopes: []))
                return resources.count - 1
            }()
            let s = scopes[r].firstIndex(of: span.scope) ?? {
                scopes[r].append(span.scope)
                groups[r].scopes.append(DecodedScopeGroup(
                    scope: DecodedScope(name: span.scope.name, version: span.scope.version ?? ""), items: []))
                return scopes[r].count - 1
            }()
            groups[r].scopes[s].items.append(DecodedSpan(expected: span))
        }
        return groups
    }
}

@Suite struct OTLPTraceEncodingTests {
    static func compare(_ decoded: DecodedRequest<DecodedSpan>, _ spans: [SpanData]) {
        decoded.expectMatches(SpanFixtures.expectedGroups(spans)) { "span \($0.name)" }
    }

    @Test(.timeLimit(.minutes(2)))
    func protobufSpansDecodeWithTheOfficialClassesToWhatWasSent() async throws {
        let spans = SpanFixtures.all
        let payload = OTLPTraceProtobuf.encode(spans)
        let decoded = try await OTLPPythonDecoder.decode(payload, signal: "traces", encoding: "protobuf", as: DecodedSpan.self)
        #expect(decoded.canonical == true, "the reference serializer writes different bytes")
        Self.compare(decoded, spans)
    }

    @Test(.timeLimit(.minutes(2)))
    func jsonSpansDecodeWithTheOfficialClassesToWhatWasSent() async throws {
        let spans = SpanFixtures.all
        let payload = OTLPTraceJSON.encode(spans)
        let decoded = try await OTLPPythonDecoder.decode(payload, signal: "traces", encoding: "json", as: DecodedSpan.self)
        Self.compare(decoded, spans)
    }

    @Test func jsonUsesHexIdsIntegerEnumsAndStringTimestamps() throws {
        let span = SpanFixtures.all[0]
        let text = String(decoding: OTLPTraceJSON.encode([span]), as: UTF8.self)
        #expect(text.hasPrefix(#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}"#))
        #expect(text.contains(#""traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"0000000000000001","traceState":"congo=t61rcWkgMzE,rojo=00f067aa0ba902b7","parentSpanId":"00f067aa0ba902b7","flags":771,"name":"GET /checkout/:id","kind":2,"startTimeUnixNano":"1700000000000001000","endTimeUnixNano":"1700000000001235567""#))
        #expect(text.contains(#"{"key":"int.min","value":{"intValue":"-9223372036854775808"}}"#))
        #expect(text.contains(#"{"key":"double.nan","value":{"doubleValue":"NaN"}}"#))
        #expect(text.contains(#"{"key":"double.-infinity","value":{"doubleValue":"-Infinity"}}"#))
        #expect(text.contains(#"{"key":"empty.array","value":{"arrayValue":{"values":[]}}}"#))
        #expect(text.contains(#""status":{"message":"payment failed","code":2}"#))
        #expect(text.contains(#""droppedAttributesCount":3"#))
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
    }

    @Test func spansAreGroupedByResourceThenScopeInFirstSeenOrder() {
        let spans = SpanFixtures.all
        let groups = OTLPGrouping.group(spans, resource: \.resource, scope: \.scope)
        #expect(groups.map(\.resource) == [SpanFixtures.checkout, SpanFixtures.payments])
        #expect(groups[0].scopes.map(\.scope) == [SpanFixtures.http, SpanFixtures.database])
        #expect(groups[0].scopes[0].items.map(\.name) == ["GET /checkout/:id", "internal work", "a root with no name", ""])
        #expect(groups[1].scopes.map(\.scope) == [SpanFixtures.http, SpanFixtures.database])
    }

    @Test func anEmptyBatchEncodesToNothing() {
        #expect(OTLPTraceProtobuf.encode([]).isEmpty)
    }
}
