import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import Trail

/// One service's Trail setup: a pipeline whose log lines (JSON on stdout) and spans carry the
/// service's name, a logger, and the server helper on the pipeline's tracer.
struct ServiceTelemetry {
    let pipeline: Pipeline
    let logger: Trail.Logger
    var tracer: Tracer { pipeline.tracer }
    let tracing: HTTPServerTracing

    init(name: String, spans: SpanFileExporter) {
        pipeline = Pipeline(
            serviceName: name, destinations: [StdoutSink(format: .json)], spanExporters: [spans],
            // Short batches, so a script sees the spans within a fraction of a second.
            spanWriterConfiguration: .init(name: "spans", maxQueueSize: 2048, maxBatchSize: 512, maxDelay: .milliseconds(100)))
        logger = Trail.Logger(label: name, pipeline: pipeline)
        tracing = HTTPServerTracing(
            tracer: pipeline.tracer, propagator: CompositePropagator.environment,
            responseHeaders: TraceResponseHeaders(traceresponse: true, traceIDHeader: "x-trace-id"))
    }
}

/// Which middleware opens the server spans: Trail's (built on `HTTPServerTracing`), or
/// Hummingbird's own `TracingMiddleware`, which starts spans through swift-distributed-tracing and
/// so through `TrailTracer` (one service per process then: the tracer is process-wide).
enum MiddlewareChoice: String {
    case trail
    case hummingbird

    func add(to router: Router<ServiceRequestContext>, _ telemetry: ServiceTelemetry) {
        switch self {
        case .trail: router.middlewares.add(TraceMiddleware(telemetry.tracing))
        case .hummingbird: router.middlewares.add(TracingMiddleware<ServiceRequestContext>())
        }
    }
}

/// The backend: `GET /stock/:sku` answers from a (simulated) inventory lookup in a child span;
/// `POST /callback` logs what it received (the target of `POST /test` in the check script).
func backendRouter(_ telemetry: ServiceTelemetry, middleware: MiddlewareChoice) -> Router<ServiceRequestContext> {
    let router = Router(context: ServiceRequestContext.self)
    middleware.add(to: router, telemetry)
    let log = telemetry.logger

    router.get("/stock/:sku") { _, context -> Response in
        let sku = context.parameters.get("sku") ?? ""
        log.info("stock lookup", ["sku": sku])
        let available = try await telemetry.tracer.withSpan("inventory.lookup", attributes: ["inventory.sku": .string(sku)]) { span in
            try await Task.sleep(for: .milliseconds(3))   // the database
            let available = sku.hasPrefix("sold-out") ? 0 : 7
            span.setAttribute("inventory.available", .int(available))
            log.info("inventory read", ["sku": sku, "available": available])
            return available
        }
        return jsonResponse(["sku": sku, "available": available])
    }

    router.post("/callback") { request, _ -> Response in
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        log.info("callback received", [
            "traceparent": request.headers[.traceparent] ?? "",
            "tracestate": request.headers[.tracestate] ?? "",
            "body": String(decoding: body.readableBytesView, as: UTF8.self),
        ])
        return Response(status: .ok)
    }
    return router
}

/// The frontend: `GET /checkout` calls the backend with the instrumented `URLSession` client;
/// `POST /test` is the W3C trace-context test service.
func frontendRouter(_ telemetry: ServiceTelemetry, backend: URL, session: URLSession, middleware: MiddlewareChoice) -> Router<ServiceRequestContext> {
    let router = Router(context: ServiceRequestContext.self)
    middleware.add(to: router, telemetry)
    let log = telemetry.logger

    router.get("/checkout") { request, _ -> Response in
        let sku = request.uri.queryParameters["sku"].map(String.init) ?? "sku-42"
        log.info("checkout started", ["sku": sku])
        var call = URLRequest(url: backend.appendingPathComponent("stock").appendingPathComponent(sku))
        call.timeoutInterval = 10
        let (data, response) = try await session.tracedData(for: call, tracer: telemetry.tracer, urlTemplate: "/stock/{sku}")
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let stock = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        let available = stock?["available"] as? Int ?? 0
        log.info("stock checked", ["sku": sku, "status": status, "available": available])
        guard status == 200 else { return jsonResponse(["error": "backend answered \(status)"], status: .badGateway) }
        return jsonResponse([
            "sku": sku, "available": available,
            "trace_id": Context.current.spanContext?.traceID.hexString ?? "",
        ])
    }

    router.post("/test") { request, _ -> Response in
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        guard let steps = try? TestServiceStep.parse(Data(body.readableBytesView)) else {
            log.warning("POST /test: the body is not a JSON array of {url, arguments}")
            return Response(status: .badRequest)
        }
        for step in steps {
            var call = URLRequest(url: step.url)
            call.httpMethod = "POST"
            call.timeoutInterval = 10
            call.setValue("application/json", forHTTPHeaderField: "Content-Type")
            call.httpBody = step.arguments
            do {
                let (_, response) = try await session.tracedData(for: call, tracer: telemetry.tracer)
                log.info("test step answered", ["url": step.url.absoluteString, "status": (response as? HTTPURLResponse)?.statusCode ?? 0])
            } catch {
                log.warning("test step failed", ["url": step.url.absoluteString], error: error)
            }
        }
        return Response(status: .ok)
    }
    return router
}

/// One element of the W3C trace-context test service's request: `{"url": string, "arguments": array}`.
struct TestServiceStep {
    let url: URL
    /// The `arguments` array, re-encoded as the JSON body of the call.
    let arguments: Data

    /// The steps of a `POST /test` body, in order; throws when it is not an array of such objects.
    static func parse(_ body: Data) throws -> [TestServiceStep] {
        guard let array = try JSONSerialization.jsonObject(with: body) as? [Any] else {
            throw ExampleFailure("not a JSON array")
        }
        return try array.map { element in
            guard let object = element as? [String: Any], let text = object["url"] as? String,
                  let url = URL(string: text), let arguments = object["arguments"] as? [Any]
            else { throw ExampleFailure("an element is not {\"url\": string, \"arguments\": array}") }
            return TestServiceStep(url: url, arguments: try JSONSerialization.data(withJSONObject: arguments))
        }
    }
}

/// A JSON response.
func jsonResponse(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return Response(
        status: status, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
    static let tracestate = HTTPField.Name("tracestate")!
}
