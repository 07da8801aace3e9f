import Foundation
import Trail
import TrailTesting

/// `trail demo`: two services in one process, `frontend` and `payments`, handle a few checkout
/// requests. The frontend calls payments with W3C `traceparent`/`tracestate` headers, so each
/// request becomes one trace across both services. One card is declined: its trace shows the error
/// from the payments span up to the frontend's request span. Both services write JSON logs to
/// rotating, gzipped files and spans to a span file (``JSONLinesSpanExporter``); the demo then
/// finds the failed request in those files the way `trail show` does, and prints the commands to
/// look at it again.
struct Demo {
    static let usage = """
        usage: trail demo [--dir DIR]

        Runs a simulated request flow in-process: a `frontend` service handles three
        GET /checkout requests and calls a `payments` service for each, passing the trace
        context in W3C traceparent/tracestate headers. One payment is declined.
        Both services log JSON lines carrying trace_id/span_id to rotating, gzipped files in
        DIR/logs, and their spans go to DIR/spans.jsonl (default DIR: ./trail-demo; files of
        earlier runs are kept, rotated files beyond 20 per service deleted). Prints each trace,
        the failed request's waterfall with its log lines read back from those files, and the
        trail grep / trail show commands to look at it again.
        """

    let directory: String
    let propagator = CompositePropagator.fromEnvironment([:])

    init(arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(arguments, command: "demo", flags: [], single: ["--dir"])
        if let operand = parsed.operands.first { throw CommandError("trail demo: unexpected argument '\(operand)'") }
        directory = parsed.options["--dir"]?.first ?? "trail-demo"
    }

    func run() async -> Int32 {
        let logs = directory + "/logs", spansPath = directory + "/spans.jsonl"
        let memory = InMemorySpanExporter()  // to pick the failed trace; the display reads the files
        let frontend: Service, payments: Service
        do {
            let processor = BatchSpanProcessor(exporter: try JSONLinesSpanExporter(path: spansPath))
            frontend = try Service(name: "frontend", processors: [processor, memory], logFile: logs + "/frontend.log")
            payments = try Service(name: "payments", processors: [processor, memory], logFile: logs + "/payments.log")
        } catch {
            printError("trail demo: \(error) (choose another folder with --dir DIR)")
            return ExitStatus.trouble
        }
        let orders = [(id: 1001, card: "4242"), (id: 1002, card: "0002"), (id: 1003, card: "5555")]

        print("trail demo: frontend and payments handle \(orders.count) checkout requests\n")
        await withTaskGroup(of: Void.self) { group in
            for order in orders {
                group.addTask {
                    let (status, traceparent) = await handleCheckout(order: order.id, card: order.card, frontend: frontend, payments: payments)
                    print("  GET /checkout?order=\(order.id) → \(status)   frontend → payments  traceparent: \(traceparent)")
                    // Written now, so the small files rotate (and are gzipped) between requests.
                    _ = await frontend.pipeline.flush()
                    _ = await payments.pipeline.flush()
                }
            }
        }
        _ = await frontend.tracer.shutdown()  // the shared span processor: spans written, file closed
        _ = await frontend.pipeline.shutdown()  // log files closed, rotated files compressed
        _ = await payments.pipeline.shutdown()
        let spans = memory.spans
        let traces = Dictionary(grouping: spans, by: \.context.traceID)
        print("\n\(spans.count) spans in \(traces.count) traces, written to \(spansPath); logs in \(logs)/:\n")
        for (_, trace) in traces.sorted(by: { $0.value.map(\.startTimeUnixNano).min()! < $1.value.map(\.startTimeUnixNano).min()! }) {
            let root = trace.first { $0.parentSpanID == nil }
            let failed = trace.contains { $0.status.isError }
            print("  \(trace[0].context.traceID)  \(root?.name ?? "?")  \(trace.count) spans  \(failed ? "FAILED" : "ok")")
        }
        guard let failed = traces.values.first(where: { $0.contains { $0.status.isError } }) else { return ExitStatus.success }
        let traceID = failed[0].context.traceID
        // Read back from the files, as `trail show` does.
        let reading = TraceView.read(traceID: traceID, spanPaths: [spansPath], logPaths: [logs])
        let view = reading.view
        let html = directory + "/trace-\(traceID).html"
        try? TraceHTMLPage.render(view).write(toFile: html, atomically: true, encoding: .utf8)
        let files = reading.logFiles.map { String($0.path.dropFirst(logs.count + 1)) }
        print("\nThe failed request, across both services, read back from \(files.count) log files (\(files.filter { $0.hasSuffix(".gz") }.count) rotated and gzipped) and the span file:\n")
        print(TraceWaterfall(colors: LineOutput.wantsColors(fileDescriptor: 1)).render(view))
        print("""

            Look at it again (from a checkout: swift run trail …):
              trail grep \(traceID) \(logs)
              trail show \(traceID) --logs \(logs) --spans \(spansPath)
              trail show \(traceID) --logs \(logs) --spans \(spansPath) --html \(html)   (written already)
              trail pretty < \(logs)/frontend.log
            """)
        for problem in reading.problems { printError("trail demo: \(problem)") }
        return ExitStatus.success
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

/// One simulated service: its tracer and its logger, each naming the service, and its log file.
struct Service {
    let tracer: Tracer
    let pipeline: Pipeline
    let logger: Logger

    init(name: String, processors: [any SpanProcessor], logFile: String) throws {
        tracer = Tracer(resource: .detect(serviceName: name, environment: [:]), processors: processors)
        // Small files, so that even three requests rotate them and the rotated ones are gzipped.
        let file = try FileSink(path: logFile, options: .init(maxBytes: 1024, maxFiles: 20, compress: true))
        pipeline = Pipeline(serviceName: name, level: .debug, destinations: [file], environment: [:])
        logger = Logger(label: name == "frontend" ? "http" : "charges", pipeline: pipeline)
    }
}

struct CardDeclined: Error, CustomStringConvertible {
    let code: String
    var description: String { "card declined: \(code)" }
}
