import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import Trail
import TrailTesting

@Suite struct HTTPClientTracingTests {
    struct Refused: Error {}

    let harness = HTTPHarness()

    /// The `traceparent` a receiver got, parsed.
    private func traceparent(of request: RecordedRequest, sourceLocation: SourceLocation = #_sourceLocation) throws -> SpanContext {
        let value = try #require(request.header("traceparent"), sourceLocation: sourceLocation)
        #expect(value.utf8.count == 55 && value.hasPrefix("00-"), sourceLocation: sourceLocation)
        return try #require(SpanContext(traceparent: value), sourceLocation: sourceLocation)
    }

    @Test func aURLSessionRequestIsAClientSpanUnderTheActiveSpanWithItsOwnSpanIDInTraceparent() async throws {
        let receiver = try LoopbackReceiver(defaultAnswer: .status(200, body: "ok"))
        defer { receiver.stop() }
        var url = URLComponents(url: receiver.baseURL.appendingPathComponent("stock/42"), resolvingAgainstBaseURL: false)!
        url.user = "alice"
        url.password = "secret"
        url.query = "X-Goog-Signature=abc&q=1"
        let parent = try await withTestSession { session in
            try await harness.tracer.withSpan("checkout") { span in
                let (data, response) = try await session.tracedData(for: testRequest(url.url!), tracer: harness.tracer, propagator: CompositePropagator.default)
                #expect(String(decoding: data, as: UTF8.self) == "ok" && (response as? HTTPURLResponse)?.statusCode == 200)
                return span.context
            }
        }
        let client = try harness.span(named: "GET")
        #expect(client.kind == .client && client.status == .unset)
        #expect(client.context.traceID == parent.traceID && client.parentSpanID == parent.spanID)
        let sent = try traceparent(of: try #require(receiver.requests.first))
        #expect(sent.traceID == parent.traceID && sent.spanID == client.context.spanID && sent.isSampled)
        let a = client.attributes
        #expect(a["http.request.method"] == "GET" && a["http.response.status_code"] == .int(200))
        #expect(a["url.full"] == .string("http://REDACTED:REDACTED@127.0.0.1:\(receiver.port)/stock/42?X-Goog-Signature=REDACTED&q=1"))
        #expect(a["server.address"] == "127.0.0.1" && a["server.port"] == .int(receiver.port))
        #expect(a["error.type"] == nil)
        // What the instrumentation observes on every platform, in order, with real times.
        let observed = client.events.map(\.name).filter { ["http.request.start", "http.response.headers", "http.response.done"].contains($0) }
        #expect(observed.first == "http.request.start" && observed.last == "http.response.done")
        #if os(Linux)
        // swift-corelibs-foundation delivers no URLSessionTaskMetrics: these three events are all a
        // Linux client span has (the response-head call may come after the body completed).
        #expect(client.events.map(\.name).sorted() == ["http.request.start", "http.response.done", "http.response.headers"])
        #endif
        #expect(client.events.allSatisfy { $0.timeUnixNano >= client.startTimeUnixNano && $0.timeUnixNano <= client.endTimeUnixNano })
        #expect(client.events.first { $0.name == "http.response.done" }?.attributes["http.response.body.size"] == .int(2))
    }

    @Test func aLateResponseHeadCallStillGivesTheEventsInOrder() async throws {
        let receiver = try LoopbackReceiver(defaultAnswer: .status(200, body: "ok"))
        defer { receiver.stop() }
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: .ephemeral, delegate: nil, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }
        // The session's delegate queue is busy for 100 ms while the request runs (longer than a
        // small answer takes on a quiet machine), so the response-head call comes after the body
        // completed; on a loaded machine the order of the two calls may differ, the events' not.
        queue.addOperation { Thread.sleep(forTimeInterval: 0.1) }
        _ = try await session.tracedData(for: testRequest(receiver.baseURL), tracer: harness.tracer)
        let client = try harness.span(named: "GET")
        #expect(client.events.map(\.name) == ["http.request.start", "http.response.headers", "http.response.done"])
        // Each event keeps its own time (on a quiet machine the head's is after the body's).
        let times = client.events.map(\.timeUnixNano)
        #expect(times.allSatisfy { $0 >= client.startTimeUnixNano && $0 <= client.endTimeUnixNano })
        #expect(times[0] <= times[1] && times[0] <= times[2])
    }

    @Test func everyRequestGetsAFreshSpanID() async throws {
        let receiver = try LoopbackReceiver(defaultAnswer: .status(204))
        defer { receiver.stop() }
        try await withTestSession { session in
            try await harness.tracer.withSpan("fan-out") { _ in
                for _ in 0..<3 { _ = try await session.tracedData(for: testRequest(receiver.baseURL), tracer: harness.tracer) }
            }
        }
        let sent = try receiver.requests.map { try traceparent(of: $0) }
        #expect(sent.count == 3 && Set(sent.map(\.traceID)).count == 1)
        #expect(Set(sent.map(\.spanID)).count == 3)
        #expect(Set(harness.spans.spans(named: "GET").map(\.context.spanID)) == Set(sent.map(\.spanID)))
    }

    @Test func tracestateFromTheIncomingRequestIsForwardedByteExact() async throws {
        let receiver = try LoopbackReceiver(defaultAnswer: .status(200))
        defer { receiver.stop() }
        // Two members, one value starting with a space and holding every allowed kind of character.
        let tracestate = "congo=t61rcWkgMzE,rojo= 00f067aa!\"#$%&'()*+-./:;<>?@[\\]^_`{|}~"
        let server = harness.server()
        try await withTestSession { session in
            try await server.handle(
                HTTPServerRequest(method: "POST", route: "/checkout", target: "/checkout"),
                headers: HTTPHeaderList([.init(name: "traceparent", value: Caller.traceparent), .init(name: "tracestate", value: tracestate)])
            ) { _ in
                _ = try await session.tracedData(for: testRequest(receiver.baseURL, method: "POST"), tracer: harness.tracer)
            }
        }
        let request = try #require(receiver.requests.first)
        #expect(request.header("tracestate") == tracestate)
        let serverSpan = try harness.span(named: "POST /checkout")
        let client = try harness.span(named: "POST")
        #expect(client.parentSpanID == serverSpan.context.spanID)
        let sent = try traceparent(of: request)
        #expect(sent.traceID.hexString == Caller.traceID && sent.spanID == client.context.spanID)
        #expect(sent.spanID != serverSpan.context.spanID)
    }

    @Test(arguments: [(503, "503"), (404, "404")])
    func aClientMarks4xxAnd5xxAsErrors(status: Int, errorType: String) async throws {
        let receiver = try LoopbackReceiver(defaultAnswer: .status(status, body: "no"))
        defer { receiver.stop() }
        let (_, response) = try await withTestSession { session in
            try await session.tracedData(for: testRequest(receiver.baseURL), tracer: harness.tracer)
        }
        #expect((response as? HTTPURLResponse)?.statusCode == status, "an error status is returned, not thrown")
        let span = try harness.span(named: "GET")
        #expect(span.status == .error(description: nil))
        #expect(span.attributes["error.type"] == .string(errorType) && span.attributes["http.response.status_code"] == .int(status))
    }

    @Test func aConnectionResetIsATransportErrorThatIsRecordedAndRethrown() async throws {
        let receiver = try LoopbackReceiver(defaultAnswer: .reset)
        defer { receiver.stop() }
        let thrown = await withTestSession { session -> (any Error)? in
            do {
                _ = try await session.tracedData(for: testRequest(receiver.baseURL), tracer: harness.tracer)
                return nil
            } catch { return error }
        }
        let error = try #require(thrown as? URLError)
        let span = try harness.span(named: "GET")
        #expect(span.status.isError && span.attributes["http.response.status_code"] == nil)
        #expect(span.attributes["error.type"]?.description.hasPrefix("URLError.") == true)
        #expect(span.attributes["error.type"] == .string(HTTPTestErrorType.of(error)))
        #expect(span.events.contains { $0.name == "exception" })
    }

    @Test func aRefusedConnectionAndATimeoutAreTransportErrors() async throws {
        let port = try LoopbackReceiver.unusedPort()
        let hanging = try LoopbackReceiver(defaultAnswer: .hang)
        defer { hanging.stop() }
        await withTestSession { session in
            _ = try? await session.tracedData(for: testRequest(URL(string: "http://127.0.0.1:\(port)/")!), tracer: harness.tracer)
            _ = try? await session.tracedData(for: testRequest(hanging.baseURL, timeout: 1), tracer: harness.tracer)
        }
        let spans = harness.spans.spans(named: "GET")
        #expect(spans.count == 2)
        #expect(spans.allSatisfy { $0.status.isError })
        #expect(spans.map { $0.attributes["error.type"] } == [.string("URLError.cannotConnectToHost"), .string("URLError.timedOut")])
    }

    @Test func anyClientGetsTheHeadersAndRecordsItsOutcome() async throws {
        let url = URL(string: "http://orders.internal/orders/7")!
        let headers = await harness.tracer.withSpan("job") { job in
            await harness.tracer.withHTTPClientSpan(method: "PUT", url: url, urlTemplate: "/orders/{id}") { client in
                #expect(Context.current.spanContext == client.span.context, "the client span is current")
                var dictionary: [String: String] = ["accept": "application/json"]
                client.inject(into: &dictionary)
                #expect(dictionary["traceparent"] == client.span.context.traceparent)
                #expect(client.span.context.traceID == job.context.traceID)
                client.recordResponse(statusCode: 201)
                return client.headers
            }
        }
        let span = try harness.span(named: "PUT /orders/{id}")
        #expect(headers["traceparent"] == span.context.traceparent)
        #expect(span.status == .unset && span.attributes["url.template"] == "/orders/{id}")
        #expect(span.attributes["server.address"] == "orders.internal" && span.attributes["server.port"] == .int(80))

        await #expect(throws: Refused.self) {
            try await harness.tracer.withHTTPClientSpan(method: "GET", url: URL(string: "https://x.test/")!) { _ in throw Refused() }
        }
        let failed = try harness.span(named: "GET")
        #expect(failed.status.isError && failed.attributes["server.port"] == .int(443))
        #expect(failed.attributes["error.type"] == .string(String(reflecting: Refused.self)))
    }

    @Test func aCancelledRequestIsNotAnError() async throws {
        await #expect(throws: CancellationError.self) {
            try await harness.tracer.withHTTPClientSpan(method: "GET", url: URL(string: "http://x.test/")!) { _ in
                throw CancellationError()
            }
        }
        let span = try harness.span(named: "GET")
        #expect(span.status == .unset && span.attributes["error.type"] == nil)
        #expect(span.events.map(\.name) == ["http.request.cancelled"])
    }

    @Test func concurrentRequestsUnderConcurrentServerSpansStayInTheirOwnTraces() async throws {
        let receiver = try LoopbackReceiver(defaultAnswer: .status(200))
        defer { receiver.stop() }
        let server = harness.server()
        let count = 20
        try await withTestSession { session in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask {
                        let headers: HTTPHeaderList = [("traceparent", "00-\(String(format: "%032x", index + 1))-00f067aa0ba902b7-01")]
                        try await server.handle(HTTPServerRequest(method: "GET", route: "/c", target: "/c"), headers: headers) { _ in
                            var request = testRequest(receiver.baseURL.appendingPathComponent("n/\(index)"))
                            request.setValue(String(index), forHTTPHeaderField: "x-index")
                            _ = try await session.tracedData(for: request, tracer: harness.tracer)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let requests = receiver.requests
        #expect(requests.count == count)
        let clients = Dictionary(harness.spans.spans(named: "GET").map { ($0.context.spanID, $0) }, uniquingKeysWith: { a, _ in a })
        let servers = Dictionary(harness.spans.spans(named: "GET /c").map { ($0.context.spanID, $0) }, uniquingKeysWith: { a, _ in a })
        for request in requests {
            let index = try #require(request.header("x-index").flatMap { Int($0) })
            let sent = try traceparent(of: request)
            #expect(sent.traceID.hexString == String(format: "%032x", index + 1))
            let client = try #require(clients[sent.spanID])
            let parent = try #require(client.parentSpanID.flatMap { servers[$0] })
            #expect(parent.context.traceID == sent.traceID)
        }
    }
}

/// The `error.type` the instrumentation writes for a `URLError`, spelled out for the test.
enum HTTPTestErrorType {
    static func of(_ error: URLError) -> String {
        switch error.code {
        case .networkConnectionLost: "URLError.networkConnectionLost"
        case .badServerResponse: "URLError.badServerResponse"
        case .cannotConnectToHost: "URLError.cannotConnectToHost"
        case .timedOut: "URLError.timedOut"
        default: "URLError.\(error.code.rawValue)"
        }
    }
}
