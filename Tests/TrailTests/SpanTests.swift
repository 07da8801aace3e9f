import Testing
import Trail
import TrailTesting

@Suite struct SpanTests {
    let exporter = InMemorySpanExporter()
    var tracer: Tracer { Tracer(resource: .detect(serviceName: "test"), processors: [exporter]) }

    @Test func aChildStartedInsideWithSpanHasTheParentsTraceAndSpanID() throws {
        let tracer = tracer
        tracer.withSpan("parent") { parent in
            tracer.withSpan("child") { child in
                #expect(child.context.traceID == parent.context.traceID)
                #expect(Context.current.spanContext == child.context)
            }
        }
        let child = try #require(exporter.spans(named: "child").first)
        let parent = try #require(exporter.spans(named: "parent").first)
        #expect(child.parentSpanID == parent.context.spanID)
        #expect(parent.parentSpanID == nil)
        #expect(child.context.isSampled)
        #expect(child.context.traceFlags.contains(.random))
    }
}
