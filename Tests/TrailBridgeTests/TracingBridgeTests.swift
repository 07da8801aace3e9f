#if DistributedTracing
import Foundation
import Testing
import Tracing
import Trail
import TrailTesting
import TrailTracing
#if SwiftLog
import Logging
import TrailSwiftLog
#endif

/// `TrailTracer`: spans started through swift-distributed-tracing are Trail spans, and the two
/// APIs share one context in both directions.
@Suite struct TracingBridgeTests {
    private struct Fixture {
        let lines = InMemoryLogDestination()
        let spans = InMemorySpanExporter()
        let pipeline: Pipeline
        let tracer: TrailTracer
        let logger: Trail.Logger

        init() {
            pipeline = Pipeline(serviceName: "bridge", destinations: [lines], spanExporters: [spans], environment: [:])
            tracer = TrailTracer(tracer: pipeline.tracer, propagator: CompositePropagator.default)
            logger = Trail.Logger(label: "bridge", pipeline: pipeline)
            TrailTracer.installContextBridge()
        }

        func finish() async -> (spans: [String: SpanData], lines: [[String: Any]]) {
            _ = await pipeline.shutdown(timeout: .seconds(5))
            return (Dictionary(spans.spans.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }), lines.objects)
        }
    }

    @Test func nestedSpansMixingBothAPIsHaveTheRightParentsAndLogIds() async throws {
        let f = Fixture()
        await f.tracer.withSpan("outer (Tracing)", ofKind: .server) { outer in
            f.logger.info("in outer")
            await f.pipeline.tracer.withSpan("middle (Trail)") { _ in
                await Task.yield()
                f.logger.info("in middle")
                await f.tracer.withSpan("inner (Tracing)") { inner in
                    inner.attributes["http.response.status_code"] = 200
                    inner.addEvent("cache miss")
                    f.logger.info("in inner")
                }
            }
            outer.setStatus(.init(code: .error, message: "boom"))
        }
        let (spans, lines) = await f.finish()
        let outer = try #require(spans["outer (Tracing)"]), middle = try #require(spans["middle (Trail)"]), inner = try #require(spans["inner (Tracing)"])
        #expect(outer.parentSpanID == nil && outer.kind == .server && outer.status == .error(description: "boom"))
        #expect(middle.parentSpanID == outer.context.spanID)
        #expect(inner.parentSpanID == middle.context.spanID)
        #expect(Set([outer, middle, inner].map(\.context.traceID)).count == 1)
        #expect(inner.attributes["http.response.status_code"] == .int(200) && inner.events.map(\.name) == ["cache miss"])
        #expect(lines.map { $0["span_id"] as? String } == [outer, middle, inner].map { $0.context.spanID.hexString })
    }

    #if SwiftLog
    @Test func swiftLogCallsInsideATracingSpanCarryItsIds() async throws {
        let f = Fixture()
        let logger = Logging.Logger(label: "mixed") { TrailLogHandler(label: $0, pipeline: f.pipeline) }
        await f.tracer.withSpan("handler", ofKind: .server) { _ in
            await Task.yield()
            logger.info("hello", metadata: ["user_id": .stringConvertible(7)])
            await f.tracer.withSpan("query", ofKind: .client) { _ in
                logger.debug("not written: info and up")
                logger.notice("querying")
            }
        }
        let (spans, lines) = await f.finish()
        let handler = try #require(spans["handler"]), query = try #require(spans["query"])
        #expect(query.parentSpanID == handler.context.spanID)
        #expect(lines.map { $0["message"] as? String } == ["hello", "querying"])
        #expect(lines.map { $0["span_id"] as? String } == [handler.context.spanID.hexString, query.context.spanID.hexString])
        #expect(lines.allSatisfy { $0["trace_id"] as? String == handler.context.traceID.hexString })
        #expect(lines.first?["user_id"] as? Int == 7)
    }
    #endif

    @Test func aTrailSpanIsTheParentOfATracingSpanAndBack() async throws {
        let f = Fixture()
        f.pipeline.tracer.withSpan("trail root") { _ in
            f.tracer.withSpan("tracing child") { _ in
                f.pipeline.tracer.withSpan("trail grandchild") { _ in f.logger.info("deep") }
            }
        }
        let (spans, lines) = await f.finish()
        let root = try #require(spans["trail root"]), child = try #require(spans["tracing child"]), grandchild = try #require(spans["trail grandchild"])
        #expect(child.parentSpanID == root.context.spanID && grandchild.parentSpanID == child.context.spanID)
        #expect(lines.first?["span_id"] as? String == grandchild.context.spanID.hexString)
    }

    @Test func injectAndExtractUseTrailsPropagators() async throws {
        let f = Fixture()
        var headers: [String: String] = [:]
        f.tracer.withSpan("client", ofKind: .client) { span in
            f.tracer.inject(span.context, into: &headers, using: DictionaryInjector())
        }
        let sent = try #require(headers["traceparent"])
        var incoming = InstrumentationContext.topLevel
        f.tracer.extract(["traceparent": sent, "tracestate": "rojo=00f067aa0ba902b7"], into: &incoming, using: DictionaryExtractor())
        f.tracer.withSpan("server", context: incoming, ofKind: .server) { _ in }
        var invalid = InstrumentationContext.topLevel
        f.tracer.extract(["traceparent": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"], into: &invalid, using: DictionaryExtractor())
        #expect(invalid.trailContext?.span == nil, "an invalid traceparent is ignored")
        let (spans, _) = await f.finish()
        let client = try #require(spans["client"]), server = try #require(spans["server"])
        #expect(sent == "00-\(client.context.traceID.hexString)-\(client.context.spanID.hexString)-\(client.context.traceFlags.hexString)")
        #expect(server.parentSpanID == client.context.spanID && server.parentIsRemote == true)
        #expect(server.context.traceState.headerValue == "rojo=00f067aa0ba902b7")
    }

    @Test func linksAndErrorsReachTheTrailSpan() async throws {
        let f = Fixture()
        struct Failure: Error {}
        let first = f.tracer.startSpan("first")
        first.end()
        _ = try? f.tracer.withSpan("second") { span in
            span.addLink(SpanLink(context: first.context, attributes: ["reason": "retry"]))
            throw Failure()
        }
        let (spans, _) = await f.finish()
        let second = try #require(spans["second"])
        #expect(second.links.first?.context.spanID == first.trailSpan.context.spanID)
        #expect(second.status.isError && second.events.contains { $0.name == "exception" })
    }
}

private struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}

private struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}
#endif
