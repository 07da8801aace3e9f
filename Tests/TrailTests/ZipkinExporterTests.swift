import Foundation
import Testing
@testable import Trail
import TrailTesting

@Suite struct ZipkinExporterTests {
    /// Spans from a real tracer: a server root, an internal child with an event, an error, an
    /// array attribute, and an `error=false` attribute.
    private func makeSpans() -> [SpanData] {
        let spans = InMemorySpanExporter()
        let tracer = Tracer(resource: .detect(serviceName: "checkout", environment: [:]),
                            scope: InstrumentationScope(name: "shop", version: "1.2"), processors: [spans])
        struct Declined: Error {}
        tracer.withSpan("GET /cart", kind: .server, attributes: ["http.status_code": .int(200), "error": .bool(false)]) { span in
            span.setStatus(.ok)
            _ = try? tracer.withSpan("charge", attributes: ["amounts": .doubleArray([1.5, -2])]) { span -> Void in
                span.addEvent("card checked", attributes: ["card.last4": .string("0002"), "attempt": .int(1)])
                throw Declined()
            }
        }
        return spans.spans
    }

    private func decode(_ bytes: [UInt8]) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
    }

    @Test func spansAreMappedTheWayOpenTelemetrySays() throws {
        let spans = makeSpans()
        let decoded = try decode(ZipkinJSON.encode(spans))
        #expect(decoded.count == 2)
        let child = try #require(decoded.first { $0["name"] as? String == "charge" })
        let root = try #require(decoded.first { $0["name"] as? String == "GET /cart" })
        let childData = try #require(spans.first { $0.name == "charge" })
        let rootData = try #require(spans.first { $0.name == "GET /cart" })

        #expect(root["traceId"] as? String == rootData.context.traceID.hexString)
        #expect(root["id"] as? String == rootData.context.spanID.hexString)
        #expect(root["parentId"] == nil)
        #expect(root["kind"] as? String == "SERVER")
        #expect(child["kind"] == nil, "internal spans have no kind")
        #expect(child["parentId"] as? String == rootData.context.spanID.hexString)
        #expect((root["timestamp"] as? NSNumber)?.uint64Value == rootData.startTimeUnixNano / 1000)
        #expect((root["duration"] as? NSNumber)?.uint64Value == max(1, rootData.durationNanoseconds / 1000))
        #expect((root["localEndpoint"] as? [String: String]) == ["serviceName": "checkout"])

        let rootTags = try #require(root["tags"] as? [String: String])
        #expect(rootTags["http.status_code"] == "200")
        #expect(rootTags["otel.status_code"] == "OK")
        #expect(rootTags["error"] == nil, "error=false is dropped: Zipkin would mark the span failed")
        #expect(rootTags["otel.scope.name"] == "shop" && rootTags["otel.scope.version"] == "1.2")

        let childTags = try #require(child["tags"] as? [String: String])
        #expect(childTags["amounts"] == "[1.5,-2.0]" || childTags["amounts"] == "[1.5,-2]")
        #expect(childTags["otel.status_code"] == "ERROR")
        #expect(childTags["error"] != nil)
        let annotations = try #require(child["annotations"] as? [[String: Any]])
        let checked = try #require(annotations.first { ($0["value"] as? String)?.hasPrefix("\"card checked\"") == true })
        #expect(checked["value"] as? String == #""card checked": {"card.last4":"0002","attempt":1}"#)
        let event = try #require(childData.events.first { $0.name == "card checked" })
        #expect((checked["timestamp"] as? NSNumber)?.uint64Value == event.timeUnixNano / 1000)
    }

    @Test func theExporterPostsAZipkinServerAccepts() async throws {
        let receiver = try LoopbackReceiver(validator: .zipkinSpans, defaultAnswer: .status(202))
        defer { receiver.stop() }
        for gzip in [false, true] {
            let exporter = ZipkinExporter(.init(endpoint: URL(string: "\(receiver.baseURL)/api/v2/spans")!, gzip: gzip))
            try await exporter.write(makeSpans())
            await exporter.shutdown()
        }
        let requests = await receiver.waitForRequests(2)
        #expect(requests.count == 2)
        for request in requests {
            #expect(request.rejection == nil, "\(request.rejection ?? "")")
            #expect(request.answeredStatus == 202)
            #expect(try decode(request.decodedBody()).count == 2)
        }
        #expect(requests.map { $0.header("Content-Encoding") } == [nil, "gzip"])
    }

    @Test func failuresAreClassifiedForRetry() async throws {
        let receiver = try LoopbackReceiver(script: [.status(503), .status(429, headers: [("Retry-After", "3")]), .status(400, body: "bad span")])
        defer { receiver.stop() }
        let exporter = ZipkinExporter(.init(endpoint: URL(string: "\(receiver.baseURL)/api/v2/spans")!))
        var errors: [DestinationError] = []
        for _ in 0..<3 {
            do { try await exporter.write(makeSpans()) } catch let error as DestinationError { errors.append(error) }
        }
        #expect(errors.map(\.isTransient) == [true, true, false])
        #expect(errors[1].retryAfter == .seconds(3))
        #expect(errors[2].message.contains("bad span"))
    }

    @Test func theEnvironmentSetsEndpointAndTimeout() {
        let exporter = ZipkinExporter.fromEnvironment([
            "OTEL_EXPORTER_ZIPKIN_ENDPOINT": "http://zipkin:9411/api/v2/spans", "OTEL_EXPORTER_ZIPKIN_TIMEOUT": "2500",
        ])
        #expect(exporter.options.endpoint.absoluteString == "http://zipkin:9411/api/v2/spans")
        #expect(exporter.options.timeout == .milliseconds(2500))
        #expect(ZipkinExporter.fromEnvironment(["OTEL_EXPORTER_ZIPKIN_ENDPOINT": "not a url"]).options.endpoint == ZipkinExporter.Options.defaultEndpoint)
        #expect(ZipkinExporter.fromEnvironment([:]).options.endpoint.absoluteString == "http://localhost:9411/api/v2/spans")
    }

    @Test(arguments: [
        (#"{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b7"}"#, "not an array"),
        (#"[{"traceId":"4BF92F3577B34DA6A3CE929D0E0E4736","id":"00f067aa0ba902b7"}]"#, "traceId"),
        (#"[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa"}]"#, "id must"),
        (#"[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b7","kind":"INTERNAL"}]"#, "kind"),
        (#"[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b7","duration":0}]"#, "duration"),
        (#"[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b7","timestamp":1.5}]"#, "timestamp"),
        (#"[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b7","tags":{"status":200}}]"#, "tags"),
        (#"[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b7","localEndpoint":{"port":0}}]"#, "port"),
    ])
    func theReceiverRejectsWhatZipkinWould(body: String, problem: String) throws {
        let request = RecordedRequest(
            method: "POST", target: "/api/v2/spans", headers: [("Content-Type", "application/json")], body: Array(body.utf8),
            receivedAt: .now, connection: 0)
        let answer = try #require(RequestValidator.zipkinSpans.rejection(of: request))
        guard case .respond(let status, _, let bytes) = answer.action else { Issue.record("not a response"); return }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(status == 400)
        #expect(text.contains(problem) || (problem == "not an array" && text.contains("array")))
        let valid = RecordedRequest(
            method: "POST", target: "/api/v2/spans", headers: [("Content-Type", "application/json")],
            body: Array(#"[{"traceId":"00f067aa0ba902b7","id":"00f067aa0ba902b7","duration":1,"tags":{"a":"b"}}]"#.utf8),
            receivedAt: .now, connection: 0)
        #expect(RequestValidator.zipkinSpans.rejection(of: valid) == nil, "a 16-digit trace id and string tags are fine")
    }
}
