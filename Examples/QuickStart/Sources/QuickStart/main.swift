import Foundation
import Trail

/// An exporter is any `Destination` of spans. This one prints a line per span.
struct PrintingExporter: Destination {
    func write(_ batch: [SpanData]) async throws {
        for span in batch {
            let parent = span.parentSpanID?.hexString ?? "root"
            print("span \(span.name)  trace=\(span.context.traceID) span=\(span.context.spanID) parent=\(parent)  \(span.durationNanoseconds / 1000) µs  \(span.status)")
        }
    }
}

struct Order: Sendable { let id: String; let items: Int }
struct PaymentDeclined: Error {}

// One pipeline for log lines (JSON to stdout by default) and spans (to the exporter).
let pipeline = Pipeline.bootstrap(serviceName: "checkout", spanExporters: [PrintingExporter()])
let tracer = pipeline.tracer
let propagator = CompositePropagator.fromEnvironment()

func handle(_ order: Order) async throws -> String {
    try await tracer.withSpan("checkout", kind: .server, attributes: ["order.id": .string(order.id)]) { span in
        let items = tracer.withSpan("load cart") { _ in order.items }      // a child span
        span.setAttribute("cart.items", .int(items))
        // The headers an outgoing call would carry:
        var headers: [String: String] = [:]
        propagator.inject(Context.current, into: &headers)
        print("outgoing headers: \(headers)")
        try await Task.sleep(for: .milliseconds(1))  // the payment call
        if items == 0 { throw PaymentDeclined() }   // recorded on the span, then rethrown
        return "receipt-\(order.id)"
    }
}

print(try await handle(Order(id: "A-17", items: 3)))
do { _ = try await handle(Order(id: "A-18", items: 0)) } catch { print("A-18 failed: \(error)") }

// Work on another thread joins the trace when the context is captured and restored.
await tracer.withSpan("background job") { _ in
    let context = Context.current
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        Thread.detachNewThread {
            context.restore { tracer.withSpan("on a thread") { _ in } }
            done.resume()
        }
    }
}

await pipeline.shutdown()   // flushes the lines and spans that were accepted
print(pipeline.spanProcessors[0].writer.counters)
