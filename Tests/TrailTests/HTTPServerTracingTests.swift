import Foundation
import Testing
@testable import Trail
import TrailTesting

@Suite struct HTTPServerTracingTests {
    struct Failure: Error {}
    struct NotFound: Error {}

    let harness = HTTPHarness()

    /// Handles a GET /users/42 with `headers` through the helper; the handler logs one line and
    /// answers 200. Returns the server span as the handler saw it.
    private func handle(_ headers: HTTPHeaderList) async -> HTTPServerSpan {
        await harness.server().handle(
            HTTPServerRequest(method: "GET", route: "/users/:id", target: "/users/42?expand=1", clientAddress: "127.0.0.1"),
            headers: headers
        ) { server in
            harness.logger.info("loading user")
            server.recordResponse(statusCode: 200)
            return server
        }
    }

    @Test func aValidTraceparentIsContinuedAndTheHandlersLogLinesCarryTheServerSpan() async throws {
        let server = await handle([("traceparent", Caller.traceparent), ("User-Agent", "curl/8.5"), ("Host", "api.test:8080")])
        let span = try harness.span(named: "GET /users/:id")
        #expect(span.kind == .server)
        #expect(span.context.traceID.hexString == Caller.traceID)
        #expect(span.parentSpanID?.hexString == Caller.spanID && span.parentIsRemote == true)
        #expect(span.context.spanID.hexString != Caller.spanID)
        #expect(server.remoteParent?.spanID.hexString == Caller.spanID)
        #expect(span.status == .unset)
        let a = span.attributes
        #expect(a["http.request.method"] == "GET" && a["http.route"] == "/users/:id")
        #expect(a["url.path"] == "/users/42" && a["url.query"] == "expand=1" && a["url.scheme"] == "http")
        #expect(a["server.address"] == "api.test" && a["server.port"] == .int(8080))
        #expect(a["client.address"] == "127.0.0.1" && a["user_agent.original"] == "curl/8.5")
        #expect(a["http.response.status_code"] == .int(200) && a["error.type"] == nil)

        let lines = await harness.log.objects()
        let line = try #require(lines.first { $0["message"] as? String == "loading user" })
        #expect(line["trace_id"] as? String == Caller.traceID)
        #expect(line["span_id"] as? String == span.context.spanID.hexString)
    }

    @Test(arguments: [
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",   // uppercase hex
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // all-zero trace id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version ff
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 is exactly 55
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",      // too short
    ])
    func anInvalidTraceparentStartsANewTraceAndDropsTracestate(traceparent: String) async throws {
        let server = await handle([("traceparent", traceparent), ("tracestate", "congo=t61rcWkgMzE")])
        let span = try harness.span(named: "GET /users/:id")
        #expect(span.parentSpanID == nil && server.remoteParent == nil)
        #expect(span.context.traceID.hexString != Caller.traceID)
        #expect(span.context.traceState.isEmpty, "tracestate without a valid traceparent is discarded")
        let line = try #require(await harness.log.objects().first)
        #expect(line["trace_id"] as? String == span.context.traceID.hexString)
    }

    @Test func twoTraceparentFieldsAreInvalidAndStartANewTrace() async throws {
        _ = await handle([("traceparent", Caller.traceparent), ("Traceparent", Caller.traceparent)])
        let span = try harness.span(named: "GET /users/:id")
        #expect(span.parentSpanID == nil && span.context.traceID.hexString != Caller.traceID)
    }

    @Test(arguments: ["01", "cc"])
    func aHigherVersionIsReadByItsVersion00FieldsAndAnsweredWithVersion00(version: String) async throws {
        let incoming = "\(version)-\(Caller.traceID)-\(Caller.spanID)-01-what-the-future-will-be-like"
        let server = await harness.server(responseHeaders: TraceResponseHeaders(traceresponse: true)).handle(
            HTTPServerRequest(method: "GET", route: "/v", target: "/v"), headers: ["traceparent": incoming]
        ) { server in server }
        let span = try harness.span(named: "GET /v")
        #expect(span.context.traceID.hexString == Caller.traceID && span.parentSpanID?.hexString == Caller.spanID)
        let traceresponse = try #require(server.responseHeaders["traceresponse"])
        #expect(traceresponse == "00-\(Caller.traceID)-\(span.context.spanID.hexString)-01")
    }

    @Test func aFutureVersionWithoutADashAfterTheVersion00FieldsIsInvalid() async throws {
        _ = await handle([("traceparent", "cc-\(Caller.traceID)-\(Caller.spanID)-01.extra")])
        let span = try harness.span(named: "GET /users/:id")
        #expect(span.parentSpanID == nil)
    }

    @Test func withoutTraceparentTheServerSpanIsARootAndLogsCarryItsNewTrace() async throws {
        let server = await handle([])
        let span = try harness.span(named: "GET /users/:id")
        #expect(span.parentSpanID == nil && server.remoteParent == nil && span.context.traceID.isValid)
        #expect(span.attributes["server.port"] == .int(80), "the scheme's default port")
        let line = try #require(await harness.log.objects().first)
        #expect(line["trace_id"] as? String == span.context.traceID.hexString)
        #expect(line["span_id"] as? String == span.context.spanID.hexString)
    }

    @Test func theServersOwnCurrentSpanAndBaggageDoNotLeakIntoARequest() async throws {
        let seen = await harness.tracer.withSpan("server start-up") { _ in
            await Context.current.with(baggage: Baggage(headerValue: "tenant=internal")).restore {
                await harness.server().handle(HTTPServerRequest(method: "GET", route: "/l", target: "/l"), headers: HTTPHeaderList()) { _ in
                    Context.current.baggage
                }
            }
        }
        let span = try harness.span(named: "GET /l")
        #expect(span.parentSpanID == nil && seen.isEmpty)
    }

    @Test func aReported5xxIsAnErrorAndA4xxIsNotForAServer() async throws {
        let server = harness.server()
        for status in [503, 404] {
            await server.handle(HTTPServerRequest(method: "POST", route: "/s\(status)", target: "/s\(status)"), headers: HTTPHeaderList()) {
                $0.recordResponse(statusCode: status)
            }
        }
        let failed = try harness.span(named: "POST /s503")
        #expect(failed.status == .error(description: nil) && failed.attributes["error.type"] == "503")
        #expect(failed.attributes["http.response.status_code"] == .int(503))
        let missing = try harness.span(named: "POST /s404")
        #expect(missing.status == .unset && missing.attributes["error.type"] == nil)
        #expect(missing.attributes["http.response.status_code"] == .int(404))
    }

    @Test func aThrownErrorIsRecordedAs500AndRethrown() async throws {
        await #expect(throws: Failure.self) {
            try await harness.server().handle(HTTPServerRequest(method: "GET", route: "/boom", target: "/boom"), headers: HTTPHeaderList()) { _ in
                throw Failure()
            }
        }
        let span = try harness.span(named: "GET /boom")
        #expect(span.status.isError && span.attributes["http.response.status_code"] == .int(500))
        #expect(span.attributes["error.type"] == .string(String(reflecting: Failure.self)))
        #expect(span.events.map(\.name) == ["exception"])
    }

    @Test func anErrorTheFrameworkAnswersWithA4xxIsNotAServerError() async throws {
        let server = harness.server(statusCodeForError: { $0 is NotFound ? 404 : nil })
        await #expect(throws: NotFound.self) {
            try await server.handle(HTTPServerRequest(method: "GET", route: "/items/:id", target: "/items/9"), headers: HTTPHeaderList()) { _ in
                throw NotFound()
            }
        }
        let span = try harness.span(named: "GET /items/:id")
        #expect(span.status == .unset && span.attributes["http.response.status_code"] == .int(404))
        #expect(span.attributes["error.type"] == nil && span.events.isEmpty)
    }

    @Test func responseHeadersQuoteTheServerSpan() async throws {
        let server = await harness.server(responseHeaders: TraceResponseHeaders(traceresponse: true, traceIDHeader: "x-trace-id"))
            .handle(HTTPServerRequest(method: "GET", target: "/"), headers: ["traceparent": Caller.traceparent]) { $0 }
        let span = try harness.span(named: "GET")
        #expect(server.responseHeaders["traceresponse"] == span.context.traceparent)
        #expect(server.responseHeaders["x-trace-id"] == Caller.traceID)
        #expect(server.responseHeaders.count == 2)
        let plain = await harness.server().handle(HTTPServerRequest(method: "GET", target: "/"), headers: HTTPHeaderList()) { $0 }
        #expect(plain.responseHeaders.isEmpty)
    }

    @Test func aRouteKnownOnlyAfterRoutingRenamesTheSpan() async throws {
        await harness.server().handle(HTTPServerRequest(method: "DELETE", target: "/orders/7"), headers: HTTPHeaderList()) { server in
            server.setRoute("/orders/:id")
        }
        let span = try harness.span(named: "DELETE /orders/:id")
        #expect(span.attributes["http.route"] == "/orders/:id")
    }

    @Test func methodsAreNormalisedAsTheConventionsSay() async throws {
        let server = harness.server()
        for method in ["get", "BREW"] {
            await server.handle(HTTPServerRequest(method: method, route: "/\(method)", target: "/"), headers: HTTPHeaderList()) { _ in }
        }
        let lower = try harness.span(named: "GET /get")
        #expect(lower.attributes["http.request.method"] == "GET" && lower.attributes["http.request.method_original"] == "get")
        let other = try harness.span(named: "HTTP /BREW")
        #expect(other.attributes["http.request.method"] == "_OTHER" && other.attributes["http.request.method_original"] == "BREW")
    }

    @Test func signedURLQueryValuesAreRedacted() async throws {
        await harness.server().handle(
            HTTPServerRequest(method: "GET", route: "/f", target: "/f?a=1&sig=s3cr3t&X-Goog-Signature=x&b=2#frag"),
            headers: HTTPHeaderList()) { _ in }
        let span = try harness.span(named: "GET /f")
        #expect(span.attributes["url.query"] == "a=1&sig=REDACTED&X-Goog-Signature=REDACTED&b=2")
    }

    @Test func manyConcurrentRequestsEachGetTheirOwnSpanAndLogIDs() async throws {
        let count = 200
        let server = harness.server()
        let traceIDs = (0..<count).map { _ in TraceID(high: .random(in: 1...UInt64.max), low: .random(in: 0...UInt64.max)) }
        await withTaskGroup(of: Void.self) { group in
            for (index, traceID) in traceIDs.enumerated() {
                group.addTask {
                    let headers: HTTPHeaderList = [("traceparent", "00-\(traceID.hexString)-00f067aa0ba902b7-01")]
                    await server.handle(HTTPServerRequest(method: "GET", route: "/r/:n", target: "/r/\(index)"), headers: headers) { server in
                        harness.logger.info("before", ["request": index])
                        await Task.yield()   // interleave with the other requests
                        harness.logger.info("after", ["request": index])
                        server.recordResponse(statusCode: 200)
                    }
                }
            }
        }
        let spans = harness.spans.spans(named: "GET /r/:n")
        #expect(spans.count == count)
        let byTrace = Dictionary(spans.map { ($0.context.traceID.hexString, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byTrace.count == count, "one span per request")
        #expect(Set(spans.map(\.context.spanID)).count == count)
        let lines = await harness.log.objects()
        #expect(lines.count == 2 * count)
        for line in lines {
            let index = try #require(line["request"] as? Int)
            let expected = traceIDs[index].hexString
            #expect(line["trace_id"] as? String == expected)
            #expect(line["span_id"] as? String == byTrace[expected]?.context.spanID.hexString)
        }
    }

    @Test func theKnownMethodsComeFromTheEnvironmentAsAWholeList() {
        let custom = HTTPConventions.knownMethods(environment: ["OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS": "GET, PURGE"])
        #expect(custom == ["GET", "PURGE"])
        #expect(HTTPConventions.normalizedMethod("PURGE", known: custom) == ("PURGE", nil))
        #expect(HTTPConventions.normalizedMethod("POST", known: custom) == ("_OTHER", "POST"))
        #expect(HTTPConventions.knownMethods(environment: [:]).contains("QUERY"))
    }
}
