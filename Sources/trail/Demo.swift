#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Trail
import TrailTesting

/// `trail demo`: two services in one process, `frontend` and `payments`, handle a few checkout
/// requests. The frontend calls payments with W3C `traceparent`/`tracestate` headers, so each
/// request becomes one trace across both services. One card is declined: its trace shows the error
/// from the payments span up to the frontend's request span.
struct Demo {
    static let usage = """
        usage: trail demo

        Runs a simulated request flow in-process: a `frontend` service handles three
        GET /checkout requests and calls a `payments` service for each, passing the trace
        context in W3C traceparent/tracestate headers. One payment is declined.
        Prints each trace, then the failed request's spans as a waterfall.
        """

    /// Spans of both services land here through the normal batch span processor.
    let exporter = InMemorySpanExporter()
    let propagator = CompositePropagator.fromEnvironment([:])

    func run() async {
        let processor = BatchSpanProcessor(exporter: exporter)
        let frontend = Tracer(resource: .detect(serviceName: "frontend", environment: [:]), processors: [processor])
        let payments = Tracer(resource: .detect(serviceName: "payments", environment: [:]), processors: [processor])
        let orders = [(id: 1001, card: "4242"), (id: 1002, card: "0002"), (id: 1003, card: "5555")]

        print("trail demo: frontend and payments handle \(orders.count) checkout requests\n")
        await withTaskGroup(of: Void.self) { group in
            for order in orders {
                group.addTask {
                    let (status, traceparent) = await handleCheckout(order: order.id, card: order.card, frontend: frontend, payments: payments)
                    print("  GET /checkout?order=\(order.id) → \(status)   frontend → payments  traceparent: \(traceparent)")
                }
            }
        }
        _ = await frontend.shutdown()
        let spans = exporter.spans
        let traces = Dictionary(grouping: spans, by: \.context.traceID)
        print("\n\(spans.count) spans in \(traces.count) traces (exported by the batch span processor):\n")
        let colors = isatty(1) == 1
        for (_, trace) in traces.sorted(by: { $0.value.map(\.startTimeUnixNano).min()! < $1.value.map(\.startTimeUnixNano).min()! }) {
            let root = trace.first { $0.parentSpanID == nil }
            let failed = trace.contains { $0.status.isError }
            print("  \(trace[0].context.traceID)  \(root?.name ?? "?")  \(trace.count) spans  \(failed ? "FAILED" : "ok")")
        }
        if let failed = traces.values.first(where: { $0.contains { $0.status.isError } }) {
            print("\nThe failed request, across both services:\n")
            print(Waterfall(colors: colors).render(failed))
        }
    }

    /// The frontend's request handler: a server span, a cart lookup, then a call to payments.
    /// Returns the response status and the `traceparent` the frontend sent to payments.
    func handleCheckout(order: Int, card: String, frontend: Tracer, payments: Tracer) async -> (Int, String) {
        await frontend.withSpan("GET /checkout", kind: .server, attributes: [
            "http.request.method": "GET", "url.path": "/checkout", "url.query": "order=\(order)", "http.route": "/checkout",
        ]) { span in
            await frontend.withSpan("load cart", attributes: ["order.id": .int(order)]) { _ in await pause(milliseconds: 3) }
            let (status, traceparent) = await frontend.withSpan("POST", kind: .client, attributes: [
                "http.request.method": "POST", "url.full": "http://payments.local/charge", "server.address": "payments.local", "server.port": 80,
            ]) { client in
                var headers: [String: String] = [:]
                propagator.inject(Context.current, into: &headers)
                let status = await handleCharge(headers: headers, card: card, payments: payments)
                client.setAttribute("http.response.status_code", .int(status))
                if status >= 400 { client.setStatus(.error()) }
                return (status, headers["traceparent"] ?? "-")
            }
            let response = status < 400 ? 200 : 502
            span.setAttribute("http.response.status_code", .int(response))
            if response >= 500 { span.setStatus(.error(description: "payment failed")) }
            return (response, traceparent)
        }
    }

    /// The payments service: continues the trace from the incoming headers.
    func handleCharge(headers: [String: String], card: String, payments: Tracer) async -> Int {
        let incoming = propagator.extract(from: headers, into: Context())
        return await incoming.restore {
            await payments.withSpan("POST /charge", kind: .server, attributes: [
                "http.request.method": "POST", "url.path": "/charge", "http.route": "/charge",
            ]) { span in
                do {
                    try await payments.withSpan("fraud check", attributes: ["card.last4": .string(card)]) { _ in
                        await pause(milliseconds: 4)
                        if card == "0002" { throw CardDeclined(code: "insufficient_funds") }
                    }
                    await payments.withSpan("INSERT payments", kind: .client, attributes: ["db.system.name": "postgresql"]) { _ in
                        await pause(milliseconds: 2)
                    }
                    span.setAttribute("http.response.status_code", 201)
                    return 201
                } catch {
                    span.setAttribute("http.response.status_code", 402)
                    span.setStatus(.error(description: "\(error)"))
                    return 402
                }
            }
        }
    }

    func pause(milliseconds: Int) async {
        try? await Task.sleep(for: .milliseconds(milliseconds))
    }
}

struct CardDeclined: Error, CustomStringConvertible {
    let code: String
    var description: String { "card declined: \(code)" }
}
