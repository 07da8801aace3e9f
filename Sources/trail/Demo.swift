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
/// from the payments span up to the frontend's request span, and the log lines of both services that
/// belong to it, found by its trace id.
struct Demo {
    static let usage = """
        usage: trail demo

        Runs a simulated request flow in-process: a `frontend` service handles three
        GET /checkout requests and calls a `payments` service for each, passing the trace
        context in W3C traceparent/tracestate headers. One payment is declined.
        Both services log JSON lines carrying trace_id/span_id. Prints each trace, then the
        failed request's spans as a waterfall and every log line of that request, from both
        services, found by its trace id.
        """

    /// Spans of both services land here through the normal batch span processor.
    let exporter = InMemorySpanExporter()
    /// Log lines of both services land here.
    let logs = InMemoryLogDestination()
    let propagator = CompositePropagator.fromEnvironment([:])

    func run() async {
        let processor = BatchSpanProcessor(exporter: exporter)
        let frontend = Service(name: "frontend", processor: processor, logs: logs)
        let payments = Service(name: "payments", processor: processor, logs: logs)
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
        _ = await frontend.tracer.shutdown()
        _ = await frontend.pipeline.flush()
        _ = await payments.pipeline.flush()
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
            let traceID = failed[0].context.traceID.hexString
            // Every line starts with its timestamp, so sorting the text sorts by time.
            let lines = logs.lines.filter { $0.contains("\"trace_id\":\"\(traceID)\"") }.sorted()
            print("\nIts \(lines.count) log lines (of \(logs.lines.count) logged), found by trace_id \(traceID):\n")
            fflush(nil)  // print() is buffered; the sink writes straight to the file descriptor
            let console = StdoutSink(format: .console(colors: colors))
            try? console.writeSynchronously(lines.map { LogLine(level: .info, bytes: Array($0.utf8)) })
        }
    }

    /// The frontend's request handler: a server span, a cart lookup, then a call to payments.
    /// Returns the response status and the `traceparent` the frontend sent to payments.
    func handleCheckout(order: Int, card: String, frontend: Service, payments: Service) async -> (Int, String) {
        let log = frontend.logger
        return await frontend.tracer.withSpan("GET /checkout", kind: .server, attributes: [
            "http.request.method": "GET", "url.path": "/checkout", "url.query": "order=\(order)", "http.route": "/checkout",
        ]) { span in
            log.info("checkout started", ["order_id": order])
            let items = await frontend.tracer.withSpan("load cart", attributes: ["order.id": .int(order)]) { _ in
                await pause(milliseconds: 3)
                return order % 7 + 1
            }
            log.debug("cart loaded", ["order_id": order, "items": items])
            let (status, traceparent) = await frontend.tracer.withSpan("POST", kind: .client, attributes: [
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
            if response >= 500 {
                span.setStatus(.error(description: "payment failed"))
                log.error("checkout failed", ["order_id": order, "payments_status": status, "status": response])
            } else {
                log.info("checkout completed", ["order_id": order, "status": response])
            }
            return (response, traceparent)
        }
    }

    /// The payments service: continues the trace from the incoming headers.
    func handleCharge(headers: [String: String], card: String, payments: Service) async -> Int {
        let incoming = propagator.extract(from: headers, into: Context())
        let log = payments.logger
        return await incoming.restore {
            await payments.tracer.withSpan("POST /charge", kind: .server, attributes: [
                "http.request.method": "POST", "url.path": "/charge", "http.route": "/charge",
            ]) { span in
                log.info("charging card", ["card_last4": card])
                do {
                    try await payments.tracer.withSpan("fraud check", attributes: ["card.last4": .string(card)]) { _ in
                        await pause(milliseconds: 4)
                        if card == "0002" { throw CardDeclined(code: "insufficient_funds") }
                    }
                    await payments.tracer.withSpan("INSERT payments", kind: .client, attributes: ["db.system.name": "postgresql"]) { _ in
                        await pause(milliseconds: 2)
                    }
                    span.setAttribute("http.response.status_code", 201)
                    log.info("payment captured", ["card_last4": card])
                    return 201
                } catch {
                    log.warning("payment declined", ["card_last4": card], error: error)
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

/// One simulated service: its tracer and its logger, each naming the service.
struct Service {
    let tracer: Tracer
    let pipeline: Pipeline
    let logger: Logger

    init(name: String, processor: BatchSpanProcessor, logs: InMemoryLogDestination) {
        tracer = Tracer(resource: .detect(serviceName: name, environment: [:]), processors: [processor])
        pipeline = Pipeline(serviceName: name, level: .debug, destinations: [logs], environment: [:])
        logger = Logger(label: name == "frontend" ? "http" : "charges", pipeline: pipeline)
    }
}

struct CardDeclined: Error, CustomStringConvertible {
    let code: String
    var description: String { "card declined: \(code)" }
}
