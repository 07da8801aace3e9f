import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import ServiceLifecycle
import Trail
import TrailTracing

// Two services in one process, each with its own Trail pipeline (service name, JSON log lines on
// stdout, spans to one JSON-lines file) and its own Hummingbird server on 127.0.0.1:
//   frontend  GET /checkout?sku=…  → calls backend GET /stock/:sku with the traced URLSession client
//             POST /test           → the W3C trace-context test service
//   backend   GET /stock/:sku      → a child span for the inventory lookup
//             POST /callback       → logs the trace headers it received
// SIGINT/SIGTERM stop both servers gracefully; then every line and span is flushed.
//
// Environment: FRONTEND_PORT (8080), BACKEND_PORT (8081), SPANS_FILE (spans.jsonl; "-" for stdout);
// MIDDLEWARE=trail (default) or hummingbird (Hummingbird's TracingMiddleware through TrailTracer);
// SERVICE=frontend or backend runs one service only (required with MIDDLEWARE=hummingbird, whose
// tracer is process-wide: one service name per process).

let environment = ProcessInfo.processInfo.environment
func port(_ name: String, default value: Int) throws -> Int {
    guard let text = environment[name] else { return value }
    guard let port = Int(text), (1...65535).contains(port) else { throw ExampleFailure("\(name)=\(text) is not a port") }
    return port
}
let frontendPort = try port("FRONTEND_PORT", default: 8080)
let backendPort = try port("BACKEND_PORT", default: 8081)
let spansPath = environment["SPANS_FILE"] ?? "spans.jsonl"
let spans = try SpanFileExporter(path: spansPath == "-" ? nil : spansPath)

func usageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("TwoServices: \(message)\n".utf8))
    exit(2)
}
func setting(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
guard let middleware = MiddlewareChoice(rawValue: setting("MIDDLEWARE") ?? "trail") else {
    usageError("MIDDLEWARE must be trail or hummingbird")
}
let only = setting("SERVICE")
guard only == nil || only == "frontend" || only == "backend" else { usageError("SERVICE must be frontend or backend") }
if middleware == .hummingbird && only == nil {
    usageError("MIDDLEWARE=hummingbird runs one service per process: set SERVICE=frontend or SERVICE=backend")
}

let frontend = ServiceTelemetry(name: "frontend", spans: spans)
let backend = ServiceTelemetry(name: "backend", spans: spans)
if middleware == .hummingbird {
    // Hummingbird's middleware starts its spans with swift-distributed-tracing: make Trail the
    // process's tracer, on this service's pipeline.
    TrailTracer.bootstrap(pipeline: only == "frontend" ? frontend.pipeline : backend.pipeline, propagator: CompositePropagator.environment)
}
let session = URLSession(configuration: .ephemeral)

// Hummingbird's own (swift-log) messages go to stderr, warnings and worse only, so stdout holds
// nothing but Trail's JSON lines.
LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
func serverLogger(_ name: String) -> Logging.Logger {
    var logger = Logging.Logger(label: name)
    logger.logLevel = .warning
    return logger
}
@Sendable func say(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

let backendApp = Application(
    router: backendRouter(backend, middleware: middleware),
    configuration: .init(address: .hostname("127.0.0.1", port: backendPort), serverName: "backend"),
    onServerRunning: { _ in say("backend listening on http://127.0.0.1:\(backendPort)") },
    logger: serverLogger("backend"))
let frontendApp = Application(
    router: frontendRouter(frontend, backend: URL(string: "http://127.0.0.1:\(backendPort)")!, session: session, middleware: middleware),
    configuration: .init(address: .hostname("127.0.0.1", port: frontendPort), serverName: "frontend"),
    onServerRunning: { _ in say("frontend listening on http://127.0.0.1:\(frontendPort)  (try: curl -i http://127.0.0.1:\(frontendPort)/checkout)") },
    logger: serverLogger("frontend"))

let group = ServiceGroup(
    configuration: .init(services: only == "frontend" ? [frontendApp] : only == "backend" ? [backendApp] : [backendApp, frontendApp], gracefulShutdownSignals: [.sigterm, .sigint], logger: serverLogger("TwoServices")))
do {
    try await group.run()
} catch {
    say("TwoServices: \(error)")
}
session.finishTasksAndInvalidate()
_ = await frontend.pipeline.shutdown(timeout: .seconds(5))
_ = await backend.pipeline.shutdown(timeout: .seconds(5))
say("TwoServices: stopped; spans in \(spansPath)")
