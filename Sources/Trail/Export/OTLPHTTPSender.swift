import Foundation
import Synchronization

/// Posts encoded OTLP requests for one signal and interprets the answers, for both exporters.
///
/// - any 2xx is success; a non-empty body is read for a `partial_success`, whose rejected count is
///   added to ``rejected`` and whose message is reported (each distinct text once); a partial
///   success is never retried, as the specification requires;
/// - 429, 502, 503 and 504 are transient, with the server's `Retry-After`;
/// - every other status is permanent ("All other 4xx or 5xx response status codes MUST NOT be
///   retried");
/// - no answer at all (refused, reset, timed out) is transient.
final class OTLPHTTPSender: Sendable {
    let signal: OTLPSignal
    let wireProtocol: OTLPProtocol
    let poster: HTTPPoster
    private let rejectedCount = Mutex<Int64>(0)
    private let report: @Sendable (String) -> Void

    /// The statuses the OTLP specification says to retry.
    static let retryableStatuses: Set<Int> = [429, 502, 503, 504]

    /// The `User-Agent` the exporter specification asks for.
    static let userAgent = "OTel-OTLP-Exporter-Swift/\(TrailVersion.string)"

    init(signal: OTLPSignal, configuration: OTLPExporterConfiguration, report: @escaping @Sendable (String) -> Void = Diagnostics.report) {
        self.signal = signal
        self.wireProtocol = configuration.wireProtocol
        self.report = report
        poster = HTTPPoster(
            url: configuration.url(for: signal), headers: configuration.headers, gzip: configuration.gzip,
            timeout: configuration.timeout, userAgent: Self.userAgent)
    }

    /// Records the server said it rejected in partial-success answers, in total.
    var rejected: Int64 { rejectedCount.withLock { $0 } }

    /// Posts `body` holding `count` records (`what` names them in messages, e.g. "12 spans").
    func send(_ body: [UInt8], what: String) async throws {
        let response = try await poster.post(body, contentType: wireProtocol.contentType)
        try handle(response, what: what)
    }

    /// Success, a partial success (counted and reported), or the error for a failed `response`.
    func handle(_ response: HTTPPoster.Response, what: String) throws {
        guard (200..<300).contains(response.status) else {
            throw poster.failure(response, retryable: { Self.retryableStatuses.contains($0) }, what: what)
        }
        let contentType = response.headers.first { $0.key.lowercased() == "content-type" }?.value.lowercased()
        let json = contentType.map { $0.contains("json") } ?? (wireProtocol == .httpJSON)
        guard let partial = OTLPPartialSuccess.parse(response.body, json: json, signal: signal) else { return }
        rejectedCount.withLock { $0 += max(0, partial.rejected) }
        // The text leaves the counts out, so that Diagnostics reports each server message once
        // however many batches it answers that way; the counts add up in `rejected`.
        let noun = signal == .traces ? "spans" : "log records"
        let text = partial.message.isEmpty ? "no reason given" : partial.message
        if partial.rejected > 0 {
            report("OTLP \(poster.displayURL) rejected some \(noun) (not retried; see the exporter's rejected count): \(text)")
        } else {
            report("OTLP \(poster.displayURL) accepted all \(noun) with a warning: \(text)")
        }
    }

    func shutdown() { poster.invalidate() }
}
