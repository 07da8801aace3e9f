// One fake "checkout" request whose log lines go to stdout and Grafana Loki and whose spans go to
// Jaeger over OTLP/HTTP. Afterwards it prints the trace id, where to see the trace, the LogQL query
// for its lines, and what each destination delivered. It exits 0 whether or not Loki and Jaeger
// are running (start them with `docker compose up -d` in this folder).
//
// Environment (all optional):
//   LOKI_URL                      Loki's base URL (default http://127.0.0.1:3100); LOKI_TENANT_ID,
//                                 LOKI_USERNAME + LOKI_PASSWORD or LOKI_BEARER_TOKEN as for LokiSink
//   OTEL_EXPORTER_OTLP_ENDPOINT   OTLP/HTTP base URL for spans (default http://127.0.0.1:4318), and
//                                 the other OTEL_EXPORTER_OTLP_* variables
//   OTEL_EXPORTER_OTLP_LOGS_ENDPOINT  set it to also send the lines as OTLP log records, e.g. to
//                                 Loki's own OTLP endpoint http://127.0.0.1:3100/otlp/v1/logs
//   JAEGER_UI_URL                 for the printed link (default http://127.0.0.1:16686)
//   OTEL_SERVICE_NAME, LOG_LEVEL  as everywhere in Trail (default service: checkout)
import Foundation
import Trail

#if canImport(Glibc)
import Glibc
#endif

// MARK: configuration

/// A demo finishes quickly: one request may take 2 s, a batch is tried 3 times (0.2 s and 0.4 s
/// apart), and each destination gets 3 s to drain at shutdown.
let requestTimeout: Duration = .seconds(2)
let shortRetry = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(200), maxBackoff: .seconds(1))
let shutdownDeadline: Duration = .seconds(3)

/// The process environment, with this demo's defaults for the two endpoints.
let environment: [String: String] = {
    var environment = ProcessInfo.processInfo.environment
    for (name, value) in ["LOKI_URL": "http://127.0.0.1:3100", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"]
    where (environment[name] ?? "").isEmpty {
        environment[name] = value
    }
    return environment
}()
func isSet(_ name: String) -> Bool { !(environment[name] ?? "").isEmpty }

/// `url` without user info or query, so that nothing secret is printed.
func display(_ url: URL) -> String {
    guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "the endpoint" }
    components.user = nil
    components.password = nil
    components.query = nil
    return components.string ?? "the endpoint"
}

func exitWithConfigurationError(_ error: any Error) -> Never {
    FileHandle.standardError.write(Data("ShipToLokiAndJaeger: \(error)\n".utf8))
    exit(2)
}

// LokiSink reads LOKI_URL and the credential variables; the demo only shortens its timeout.
let loki: LokiSink
do {
    guard let fromEnvironment = try LokiSink.fromEnvironment(environment) else { fatalError("LOKI_URL has a default") }
    var options = fromEnvironment.options
    options.timeout = requestTimeout
    options.labels = ["env": "dev"]
    loki = try LokiSink(options)
} catch {
    exitWithConfigurationError(error)
}

/// The OTLP configuration the environment describes, with a 2 s timeout unless one was set.
func otlpConfiguration(_ signal: OTLPSignal) -> OTLPExporterConfiguration {
    var configuration = OTLPExporterConfiguration.fromEnvironment(signal: signal, environment: environment)
    let timeoutVariable = "OTEL_EXPORTER_OTLP_\(signal.rawValue.uppercased())_TIMEOUT"
    if !isSet(timeoutVariable) && !isSet("OTEL_EXPORTER_OTLP_TIMEOUT") { configuration.timeout = requestTimeout }
    return configuration
}

let spanExporter = OTLPSpanExporter(configuration: otlpConfiguration(.traces))
let logExporter: OTLPLogExporter? = isSet("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")
    ? OTLPLogExporter(configuration: otlpConfiguration(.logs), resource: .detect(serviceName: "checkout", environment: environment))
    : nil

var logDestinations: [any Destination<LogLine>] = [
    StdoutSink(),
    loki.withWriterConfiguration { $0.retry = shortRetry; $0.writeTimeout = .seconds(3) },
]
if let logExporter {
    logDestinations.append(logExporter.withWriterConfiguration { $0.retry = shortRetry; $0.writeTimeout = .seconds(3) })
}
var spanConfiguration = BatchingWriter<SpanData>.Configuration.spanDefaults(environment: environment)
spanConfiguration.retry = shortRetry
spanConfiguration.writeTimeout = .seconds(3)

let pipeline = Pipeline.bootstrap(
    serviceName: "checkout", destinations: logDestinations,
    spanExporters: [spanExporter], spanWriterConfiguration: spanConfiguration, environment: environment)
let tracer = pipeline.tracer
let logger = Logger(label: "checkout.http")

// MARK: the fake request

struct CartItem: Sendable { let sku: String; let quantity: Int; let price: Double }

/// `POST /checkout`: a server span with nested children, a log line in each of them.
func checkout(orderID: String, user: String) async -> TraceID {
    await tracer.withSpan("POST /checkout", kind: .server, attributes: ["http.request.method": "POST", "url.path": "/checkout"]) { request in
        logger.info("checkout started", ["order.id": orderID, "user.id": user])

        let cart: [CartItem] = tracer.withSpan("load cart") { span in
            let items = [CartItem(sku: "BOOK-42", quantity: 2, price: 12.5), CartItem(sku: "MUG-7", quantity: 1, price: 9.0)]
            span.setAttribute("cart.items", .int(items.count))
            logger.debug("cart read from the session store", ["items": items.count])  // below info: not written
            logger.info("cart loaded", ["items": items.count])
            return items
        }

        let total: Double = tracer.withSpan("price cart") { _ in
            let subtotal = cart.reduce(0) { $0 + Double($1.quantity) * $1.price }
            return tracer.withSpan("apply coupon") { span in
                span.setAttribute("coupon.code", "WELCOME10")
                let discounted = (subtotal * 0.9 * 100).rounded() / 100
                logger.notice("coupon applied", ["coupon": "WELCOME10", "subtotal": subtotal, "total": discounted])
                return discounted
            }
        }

        await tracer.withSpan("charge card", kind: .client, attributes: ["payment.provider": "fakepay"]) { span in
            try? await Task.sleep(for: .milliseconds(25))  // the payment provider's round trip
            span.addEvent("authorized", attributes: ["amount": .double(total)])
            logger.info("payment authorized", ["amount": total, "currency": "EUR"])
        }

        tracer.withSpan("reserve stock") { _ in
            for item in cart {
                tracer.withSpan("reserve \(item.sku)") { span in
                    span.setAttribute("item.quantity", .int(item.quantity))
                    if item.sku == "MUG-7" { logger.warning("low stock", ["sku": item.sku, "left": 1]) }
                }
            }
        }

        request.setAttribute("http.response.status_code", 201)
        logger.info("checkout completed", ["order.id": orderID, "total": total, "status": 201])
        return request.context.traceID
    }
}

let traceID = await checkout(orderID: "A-1017", user: "u-42")

// MARK: shutdown and report

let drained = await pipeline.shutdown(timeout: shutdownDeadline)  // flushes, then stops every writer
let jaegerUI = (environment["JAEGER_UI_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:16686")
    .trimmingCharacters(in: CharacterSet(charactersIn: "/"))

/// One line per destination: what it was given, what arrived, and why not when something did not.
func outcome<Record>(_ what: String, at url: URL, unit: String, _ c: BatchingWriter<Record>.Counters) -> String {
    let given = c.accepted
    let pending = given - c.written - c.failed - c.droppedOldest
    var text: String
    if given == 0 {
        text = "\(what) at \(display(url)): nothing to send"
    } else if c.written == given {
        text = "\(what) at \(display(url)): \(c.written) of \(given) \(unit) delivered"
    } else if c.written == 0 {
        text = "\(what) not reachable at \(display(url)): 0 of \(given) \(unit) delivered"
    } else {
        text = "\(what) at \(display(url)): \(c.written) of \(given) \(unit) delivered"
    }
    var notes: [String] = []
    if c.failed > 0 {
        notes.append("\(c.failed) failed after \(c.retries) \(c.retries == 1 ? "retry" : "retries"); the reason is in the `trail:` lines on stderr")
    }
    if pending > 0 { notes.append("\(pending) still pending at the \(shutdownDeadline) deadline") }
    if c.droppedQueueFull + c.droppedBlockTimeout + c.droppedAfterShutdown > 0 {
        notes.append("\(c.droppedQueueFull + c.droppedBlockTimeout + c.droppedAfterShutdown) dropped by the queue")
    }
    return text + (notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")")
}

let id = traceID.hexString
print("""

trace id:  \(id)
Jaeger:    \(jaegerUI)/trace/\(id)
LogQL:     {service_name="\(pipeline.serviceName)"} | trace_id="\(id)"
           (Grafana: http://127.0.0.1:3000 → Explore → Loki; each line's TraceID link opens the trace)

""")
print(outcome("Loki", at: loki.endpoint, unit: "lines", pipeline.writers[1].counters))
if let logExporter {
    print(outcome("OTLP logs", at: logExporter.url, unit: "log records", pipeline.writers[2].counters))
}
print(outcome("Jaeger (OTLP traces)", at: spanExporter.url, unit: "spans", pipeline.spanProcessors[0].writer.counters))
if spanExporter.rejectedSpans > 0 { print("Jaeger rejected \(spanExporter.rejectedSpans) spans (partial success)") }
if !drained { print("Shutdown hit its deadline (\(shutdownDeadline) per destination): the counts above may be incomplete.") }
