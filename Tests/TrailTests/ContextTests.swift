import Dispatch
import Foundation
import Synchronization
import Testing
import Trail
import TrailTesting

@Suite struct ContextTests {
    let exporter = InMemorySpanExporter()
    var tracer: Tracer { Tracer(resource: .detect(serviceName: "ctx"), processors: [exporter]) }

    @Test func thereIsNoSpanOutsideWithSpan() {
        #expect(Context.current.span == nil)
        #expect(Context.current.spanContext == nil)
        #expect(Context.current.baggage.isEmpty)
    }

    @Test func childTasksAndTaskGroupsInheritTheSpan() async {
        let tracer = tracer
        await tracer.withSpan("parent") { parent in
            let fromChild = await Task { Context.current.spanContext }.value
            #expect(fromChild == parent.context)
            let inGroup = await withTaskGroup(of: SpanContext?.self) { group in
                for _ in 0..<4 { group.addTask { Context.current.spanContext } }
                return await group.reduce(into: [SpanContext?]()) { $0.append($1) }
            }
            #expect(inGroup.allSatisfy { $0 == parent.context })
        }
    }

    @Test func aDetachedTaskSeesTheSpanOnlyWhenTheContextIsRestored() async {
        let tracer = tracer
        await tracer.withSpan("parent") { parent in
            let captured = Context.current
            let without = await Task.detached { () async -> SpanContext? in Context.current.spanContext }.value
            let with = await Task.detached { captured.restore { Context.current.spanContext } }.value
            #expect(without == nil)
            #expect(with == parent.context)
        }
    }

    @Test func aDispatchQueueAndAThreadSeeTheSpanWhenTheContextIsRestored() async {
        let tracer = tracer
        await tracer.withSpan("parent") { parent in
            let captured = Context.current
            let onQueue = await withCheckedContinuation { (continuation: CheckedContinuation<SpanContext?, Never>) in
                DispatchQueue.global().async { continuation.resume(returning: captured.restore { Context.current.spanContext }) }
            }
            let onThread = await withCheckedContinuation { (continuation: CheckedContinuation<(SpanContext?, SpanContext?), Never>) in
                Thread {
                    let bare = Context.current.spanContext
                    continuation.resume(returning: (bare, captured.restore { Context.current.spanContext }))
                }.start()
            }
            #expect(onQueue == parent.context)
            #expect(onThread.0 == nil)
            #expect(onThread.1 == parent.context)
        }
    }

    @Test func spansStartedOnAnotherThreadWithARestoredContextAreChildren() async throws {
        let tracer = tracer
        let parentID = await tracer.withSpan("parent") { parent in
            let captured = Context.current
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    captured.restore { tracer.withSpan("on-queue") { _ in } }
                    continuation.resume()
                }
            }
            return parent.context.spanID
        }
        #expect(exporter.spans(named: "on-queue").first?.parentSpanID == parentID)
    }

    @Test func manyConcurrentTasksBuildCorrectTreesWithNoSpanLostOrEndedTwice() async throws {
        let tracer = tracer
        let requests = 200
        await withTaskGroup(of: Void.self) { group in
            for r in 0..<requests {
                group.addTask {
                    await tracer.withSpan("request", attributes: ["request": .int(r)]) { _ in
                        await withTaskGroup(of: Void.self) { inner in
                            for c in 0..<3 {
                                inner.addTask {
                                    await tracer.withSpan("step", attributes: ["step": .int(c)]) { _ in
                                        await Task.yield()
                                        tracer.withSpan("leaf") { _ in }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let spans = exporter.spans
        #expect(spans.count == requests * (1 + 3 + 3))
        let ids = Set(spans.map(\.context.spanID))
        #expect(ids.count == spans.count, "every span ended exactly once")
        let byID = Dictionary(uniqueKeysWithValues: spans.map { ($0.context.spanID, $0) })
        for span in spans {
            switch span.name {
            case "request":
                #expect(span.parentSpanID == nil)
            case "step":
                let parent = try #require(span.parentSpanID.flatMap { byID[$0] })
                #expect(parent.name == "request")
                #expect(parent.context.traceID == span.context.traceID)
            case "leaf":
                let parent = try #require(span.parentSpanID.flatMap { byID[$0] })
                #expect(parent.name == "step")
                #expect(parent.context.traceID == span.context.traceID)
            default:
                Issue.record("unexpected span \(span.name)")
            }
        }
        #expect(Set(spans.filter { $0.name == "request" }.map(\.context.traceID)).count == requests)
    }

    @Test func aSpanEndedFromManyThreadsAtOnceIsExportedOnce() async {
        let tracer = tracer
        for _ in 0..<50 {
            let span = tracer.startSpan("raced")
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        span.setAttribute("writer.\(i)", .int(i))
                        span.end()
                    }
                }
            }
        }
        #expect(exporter.spans.count == 50)
    }
}
