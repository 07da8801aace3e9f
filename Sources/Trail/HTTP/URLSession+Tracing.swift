#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Foundation
import Synchronization

extension URLSession {
    /// Sends `request` inside a CLIENT span, like `data(for:)`: the Swift counterpart of Go's
    /// `otelhttp` transport with `httptrace`.
    ///
    /// ```swift
    /// var request = URLRequest(url: URL(string: "http://inventory:8081/stock/42")!)
    /// let (data, response) = try await URLSession.shared.tracedData(for: request, urlTemplate: "/stock/{sku}")
    /// ```
    ///
    /// - The span (see ``HTTPClientSpan``) is a child of the current span and is named by the
    ///   method (`GET`, `POST`, …). Its own span id goes into the request's `traceparent` (and the
    ///   other headers `propagator` writes), replacing fields of the same names.
    /// - `http.response.status_code` is recorded; 4xx and 5xx answers set `error.type` and the error
    ///   status (the data is still returned, nothing is thrown). A transport error is recorded
    ///   (`error.type`, an `exception` event, the error status) and rethrown.
    /// - Phases become span events. What the instrumentation observes itself:
    ///   `http.request.start` (handed to the session), `http.response.headers` (when the platform
    ///   calls the task delegate with the response head; the time is that call's) and
    ///   `http.response.done` (the body is complete, with `http.response.body.size`). Where the
    ///   platform delivers `URLSessionTaskMetrics` (Apple platforms), each transaction adds the
    ///   phases it measured, with the platform's own times: `http.dns.start/done`,
    ///   `http.connect.start/done`, `http.tls.start/done`, `http.send.start/done` (request sent),
    ///   `http.receive.start` (first response byte) and `http.receive.done`.
    ///   swift-corelibs-foundation on Linux (checked with Swift 6.3.1) never delivers metrics, and
    ///   calls the task delegate for the response head on the session's delegate queue, which can
    ///   run after the body completed when that queue is busy (the event's time then follows the
    ///   body's completion). So that the event is not lost, a Linux request whose
    ///   delegate call is still queued waits for the queue to reach it, at most 1 s (not at all
    ///   on the main queue), and then records `http.response.done` with the time the body
    ///   completed, so the events are always in the order start, headers, done. No time is ever
    ///   made up.
    ///
    /// - Parameters:
    ///   - tracer: the tracer; the shared pipeline's by default.
    ///   - propagator: writes the trace headers; `OTEL_PROPAGATORS`' choice by default.
    ///   - urlTemplate: a low-cardinality form of the path (`/stock/{sku}`) for the span name and
    ///     `url.template`.
    public func tracedData(
        for request: URLRequest, tracer: Tracer = Pipeline.shared.tracer,
        propagator: any Propagator = CompositePropagator.environment, urlTemplate: String? = nil
    ) async throws -> (Data, URLResponse) {
        guard let url = request.url else { throw URLError(.badURL) }
        let client = HTTPClientSpan(
            method: request.httpMethod ?? "GET", url: url, tracer: tracer, propagator: propagator,
            urlTemplate: urlTemplate)
        defer { client.end() }
        var request = request
        client.inject(into: &request)
        let observer = URLSessionPhaseRecorder(span: client.span)
        client.span.addEvent("http.request.start")
        do {
            let (data, response) = try await data(for: request, delegate: observer)
            let done = tracer.clock.now().wallUnixNano
            #if canImport(FoundationNetworking)
            if !observer.sawResponseHead, delegateQueue !== OperationQueue.main {
                await Self.drain(delegateQueue, atMost: Self.responseHeadWait)
            }
            #endif
            // Added after the wait (with the time the body completed), so the events keep the
            // order start, headers, done even when the head's delegate call ran late.
            client.span.addEvent(
                "http.response.done", attributes: ["http.response.body.size": .int(data.count)], timeUnixNano: done)
            if let http = response as? HTTPURLResponse { client.recordResponse(statusCode: http.statusCode) }
            return (data, response)
        } catch {
            client.recordError(error)
            throw error
        }
    }
}

extension URLSession {
    /// How long a Linux request waits for a late response-head delegate call. The wait ends as soon
    /// as the delegate queue reaches it, so this bound only matters when that queue is stalled
    /// (a busy machine, or a session delegate that blocks).
    static let responseHeadWait = DispatchTimeInterval.seconds(1)

    /// Returns once `queue` has run what was queued on it before, or after `limit`, whichever
    /// comes first; never blocks a thread.
    static func drain(_ queue: OperationQueue, atMost limit: DispatchTimeInterval) async {
        let pending = Locked<CheckedContinuation<Void, Never>?>(nil)
        let resume: @Sendable () -> Void = { pending.withLock { $0.take() }?.resume() }
        await withCheckedContinuation { continuation in
            pending.withLock { $0 = continuation }
            queue.addOperation(resume)
            DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: resume)
        }
    }
}

/// The task delegate of one traced request: turns what the platform reports into span events.
final class URLSessionPhaseRecorder: NSObject, URLSessionDataDelegate, Sendable {
    let span: Span
    private let responseHead = Atomic<Bool>(false)

    init(span: Span) { self.span = span }

    /// `true` once the delegate was told about the response head.
    var sawResponseHead: Bool { responseHead.load(ordering: .acquiring) }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        var attributes = Attributes()
        if let http = response as? HTTPURLResponse { attributes["http.response.status_code"] = .int(http.statusCode) }
        span.addEvent("http.response.headers", attributes: attributes)
        responseHead.store(true, ordering: .releasing)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didFinishCollecting metrics: URLSessionTaskMetrics) {
        let transactions = metrics.transactionMetrics
        for (index, transaction) in transactions.enumerated() {
            var attributes = Attributes()
            if transactions.count > 1 { attributes["http.transaction.index"] = .int(index) }
            if let name = transaction.networkProtocolName { attributes["network.protocol.name"] = .string(name) }
            attributes["http.connection.reused"] = .bool(transaction.isReusedConnection)
            let phases: [(String, Date?)] = [
                ("http.dns.start", transaction.domainLookupStartDate), ("http.dns.done", transaction.domainLookupEndDate),
                ("http.connect.start", transaction.connectStartDate), ("http.connect.done", transaction.connectEndDate),
                ("http.tls.start", transaction.secureConnectionStartDate),
                ("http.tls.done", transaction.secureConnectionEndDate),
                ("http.send.start", transaction.requestStartDate), ("http.send.done", transaction.requestEndDate),
                ("http.receive.start", transaction.responseStartDate), ("http.receive.done", transaction.responseEndDate),
            ]
            for case let (name, date?) in phases {
                span.addEvent(name, attributes: attributes, timeUnixNano: date.unixNano)
            }
        }
    }
}
