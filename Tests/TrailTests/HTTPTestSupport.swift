import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import Trail
import TrailTesting

/// A tracer whose spans land in memory (synchronously, as they end) and a logger whose lines land
/// in memory, for the HTTP instrumentation tests.
struct HTTPHarness {
    let spans = InMemorySpanExporter()
    let tracer: Tracer
    let log = LogHarness()

    init() {
        tracer = Tracer(resource: .detect(serviceName: "test"), sampler: .parentBased(root: .alwaysOn), processors: [spans])
    }

    var logger: Logger { log.logger }

    /// A server helper on this harness's tracer, W3C trace context and baggage.
    func server(
        responseHeaders: TraceResponseHeaders = .none,
        statusCodeForError: @escaping @Sendable (any Error) -> Int? = { _ in nil }
    ) -> HTTPServerTracing {
        HTTPServerTracing(tracer: tracer, propagator: CompositePropagator.default, responseHeaders: responseHeaders,
                          statusCodeForError: statusCodeForError)
    }

    /// The one span named `name`.
    func span(named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> SpanData {
        let found = spans.spans(named: name)
        #expect(found.count == 1, "one span named \(name), found \(found.count)", sourceLocation: sourceLocation)
        return try #require(found.first, sourceLocation: sourceLocation)
    }
}

/// A fresh session per test: a shared one could reuse a pooled connection to an earlier receiver
/// that had the same ephemeral port.
func withTestSession<T>(_ body: (URLSession) async throws -> T) async rethrows -> T {
    let session = URLSession(configuration: .ephemeral)
    defer { session.finishTasksAndInvalidate() }
    return try await body(session)
}

/// A GET request with a short timeout, so a test never waits long on a broken exchange.
func testRequest(_ url: URL, method: String = "GET", timeout: TimeInterval = 5) -> URLRequest {
    var request = URLRequest(url: url)
    request.httpMethod = method
    request.timeoutInterval = timeout
    return request
}

extension SpanData {
    /// The attribute `key`, or `nil`.
    func attribute(_ key: String) -> AttributeValue? { attributes[key] }
}

/// A sample caller's `traceparent` pieces.
enum Caller {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let spanID = "00f067aa0ba902b7"
    static let traceparent = "00-\(traceID)-\(spanID)-01"
}
