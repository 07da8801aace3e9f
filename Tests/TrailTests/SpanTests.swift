import Testing
import Trail
import TrailTesting

struct TestFailure: Error, CustomStringConvertible {
    var description: String { "card declined" }
}

@Suite struct SpanTests {
    let exporter = InMemorySpanExporter()
    let clock = ManualClock()
    var tracer: Tracer { Tracer(resource: .detect(serviceName: "test"), processors: [exporter], clock: clock) }

    @Test func aChildStartedInsideWithSpanHasTheParentsTraceAndSpanID() throws {
        let tracer = tracer
        tracer.withSpan("parent") { parent in
            tracer.withSpan("child") { child in
                #expect(child.context.traceID == parent.context.traceID)
                #expect(Context.current.spanContext == child.context)
            }
            #expect(Context.current.spanContext == parent.context)
        }
        #expect(Context.current.spanContext == nil)
        let child = try #require(exporter.spans(named: "child").first)
        let parent = try #require(exporter.spans(named: "parent").first)
        #expect(child.parentSpanID == parent.context.spanID)
        #expect(child.parentIsRemote == false)
        #expect(parent.parentSpanID == nil)
        #expect(parent.parentIsRemote == nil)
        #expect(child.context.isSampled)
        #expect(child.context.traceFlags.contains(.random))
    }

    @Test func withSpanReturnsTheClosuresValueAndRecordsKindAndAttributes() throws {
        let value = tracer.withSpan("GET /users", kind: .server, attributes: ["http.request.method": "GET", "retry": 2]) { span in
            span.setAttribute("http.response.status_code", 200)
            span.setAttributes(["ratio": 0.5, "cached": false, "tags": .stringArray(["a", "b"]), "codes": .intArray([1, 2])])
            span.setAttribute("retry", 3)
            return 42
        }
        #expect(value == 42)
        let span = try #require(exporter.spans.first)
        #expect(span.kind == .server)
        #expect(span.attributes.map(\.key) == ["http.request.method", "retry", "http.response.status_code", "ratio", "cached", "tags", "codes"])
        #expect(span.attributes["retry"] == .int(3))
        #expect(span.attributes["ratio"] == .double(0.5))
        #expect(span.attributes["cached"] == .bool(false))
        #expect(span.attributes["tags"] == .stringArray(["a", "b"]))
        #expect(span.resource.serviceName == "test")
        #expect(span.scope.name == "trail")
    }

    @Test func aThrownErrorIsRecordedAsStatusAndExceptionEventAndRethrown() throws {
        #expect(throws: TestFailure.self) {
            try tracer.withSpan("pay") { _ in throw TestFailure() }
        }
        let span = try #require(exporter.spans.first)
        #expect(span.status == .error(description: "card declined"))
        let event = try #require(span.events.first)
        #expect(event.name == "exception")
        #expect(event.attributes["exception.message"] == "card declined")
        #expect(event.attributes["exception.type"] == .string(String(reflecting: TestFailure.self)))
    }

    @Test func asyncWithSpanRecordsErrorsAndKeepsTheSpanCurrentAcrossAwait() async throws {
        let tracer = tracer
        await #expect(throws: TestFailure.self) {
            try await tracer.withSpan("async") { span in
                try await Task.sleep(for: .milliseconds(1))
                #expect(Context.current.spanContext == span.context)
                throw TestFailure()
            }
        }
        #expect(exporter.spans.first?.status.isError == true)
    }

    @Test func aSpanEndsExactlyOnceAndIgnoresChangesAfterwards() throws {
        let span = tracer.startSpan("manual")
        #expect(span.isRecording)
        clock.advance(by: .milliseconds(5))
        span.end()
        clock.advance(by: .milliseconds(5))
        span.setAttribute("late", true)
        span.addEvent("late")
        span.setStatus(.error(description: "late"))
        span.end()
        #expect(!span.isRecording)
        #expect(exporter.spans.count == 1)
        let data = try #require(exporter.spans.first)
        #expect(data.durationNanoseconds == 5_000_000)
        #expect(data.attributes.isEmpty && data.events.isEmpty && data.status == .unset)
    }

    @Test func statusOkIsFinalAndUnsetIsIgnored() throws {
        tracer.withSpan("a") { span in
            span.setStatus(.error(description: "first"))
            span.setStatus(.unset)
            span.setStatus(.ok)
            span.setStatus(.error(description: "after ok"))
        }
        #expect(exporter.spans.first?.status == .ok)
    }

    @Test func eventsAndLinksCarryTheirAttributesAndTimes() throws {
        let other = SpanContext(traceID: TraceID(high: 9, low: 9), spanID: SpanID(9), traceFlags: .sampled)
        tracer.withSpan("batch", links: [SpanLink(context: other, attributes: ["kind": "input"])]) { span in
            clock.advance(by: .milliseconds(1))
            span.addEvent("cache.miss", attributes: ["key": "user:42"])
            span.addEvent("explicit", timeUnixNano: 123)
            span.addLink(SpanLink(context: other))
            span.updateName("batch renamed")
        }
        let data = try #require(exporter.spans.first)
        #expect(data.name == "batch renamed")
        #expect(data.events.map(\.name) == ["cache.miss", "explicit"])
        #expect(data.events[0].timeUnixNano == data.startTimeUnixNano + 1_000_000)
        #expect(data.events[0].attributes["key"] == "user:42")
        #expect(data.events[1].timeUnixNano == 123)
        #expect(data.links.count == 2)
        #expect(data.links[0].attributes["kind"] == "input")
    }

    @Test func limitsDropAndCountAttributesEventsAndLinks() throws {
        let tracer = Tracer(
            resource: .detect(serviceName: "t"), processors: [exporter],
            limits: SpanLimits(attributeCountLimit: 2, eventCountLimit: 1, linkCountLimit: 1, attributeValueLengthLimit: 3))
        let link = SpanLink(context: SpanContext(traceID: TraceID(high: 1, low: 1), spanID: SpanID(1)))
        tracer.withSpan("limited", attributes: ["a": "abcdef", "b": 1, "c": 2], links: [link, link]) { span in
            span.setAttribute("d", 3)
            span.setAttribute("a", .stringArray(["xyzw", "q"]))
            span.addEvent("one", attributes: ["long": "12345"])
            span.addEvent("two")
            span.addLink(link)
        }
        let data = try #require(exporter.spans.first)
        #expect(data.attributes.count == 2)
        #expect(data.attributes["a"] == .stringArray(["xyz", "q"]))
        #expect(data.droppedAttributesCount == 2)
        #expect(data.events.count == 1 && data.droppedEventsCount == 1)
        #expect(data.events[0].attributes["long"] == "123")
        #expect(data.links.count == 1 && data.droppedLinksCount == 2)
    }

    @Test func theEndTimeComesFromTheMonotonicClockNotTheWallClock() throws {
        let span = tracer.startSpan("steady", startTimeUnixNano: 1_000)
        clock.advance(by: .milliseconds(2))
        span.end()
        let data = try #require(exporter.spans.first)
        #expect(data.startTimeUnixNano == 1_000)
        #expect(data.endTimeUnixNano == 1_000 + 2_000_000)
    }

    @Test func startSpanTakesAnExplicitParentAndAnEmptyContextStartsANewTrace() throws {
        let tracer = tracer
        let parent = tracer.startSpan("parent")
        let child = tracer.startSpan("child", parent: Context().with(span: parent))
        let fresh = Context().with(span: parent).restore { tracer.startSpan("fresh", parent: Context()) }
        #expect(child.context.traceID == parent.context.traceID)
        #expect(fresh.context.traceID != parent.context.traceID)
        child.end(); fresh.end(); parent.end()
        #expect(exporter.spans(named: "child").first?.parentSpanID == parent.context.spanID)
        #expect(exporter.spans(named: "fresh").first?.parentSpanID == nil)
    }

    @Test func aRemoteParentIsContinuedWithItsTraceStateAndRandomFlag() throws {
        let remote = SpanContext(
            traceID: TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736")!, spanID: SpanID(hex: "00f067aa0ba902b7")!,
            traceFlags: TraceFlags(rawValue: 0x01), isRemote: true)
        let span = Context().with(span: Span(remote: remote)).restore { tracer.startSpan("server", kind: .server) }
        span.end()
        #expect(span.context.traceID == remote.traceID)
        #expect(span.context.spanID != remote.spanID)
        #expect(!span.context.isRemote)
        #expect(!span.context.traceFlags.contains(.random), "the random flag follows the incoming trace id")
        let data = try #require(exporter.spans.first)
        #expect(data.parentSpanID == remote.spanID)
        #expect(data.parentIsRemote == true)
    }

    @Test func anInvalidParentIsIgnoredAndANewTraceStarts() throws {
        let invalid = SpanContext(traceID: .invalid, spanID: .invalid, traceFlags: .sampled, isRemote: true)
        let span = Context().with(span: Span(remote: invalid)).restore { tracer.startSpan("x") }
        #expect(span.context.isValid)
        span.end()
        #expect(exporter.spans.first?.parentSpanID == nil)
    }
}
