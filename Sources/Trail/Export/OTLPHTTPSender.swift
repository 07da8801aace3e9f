import Foundation

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
    private let rejectedCount = Locked<Int64>(0)
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

    /// The largest request body sent, before compression: "the client SHOULD not send more than
    /// 64 MiB" (servers answer 413 above their limit, 64 MiB recommended).
    static let maxRequestBytes = 64 << 20
    /// Answers longer than this are not read for a partial success: "the client MUST cap response
    /// parsing", 4 MiB recommended.
    static let maxResponseBytes = 4 << 20

    /// Encodes `batch` and posts it. A body over `maxRequestBytes` is split into halves, sent in
    /// order, until each part fits; a single record too large on its own is dropped with a
    /// permanent error that says so. `noun` names a count of records in messages ("12 spans").
    func send<Item>(_ batch: ArraySlice<Item>, maxRequestBytes: Int = OTLPHTTPSender.maxRequestBytes,
                    noun: (Int) -> String, encode: (ArraySlice<Item>) -> [UInt8]) async throws {
        let body = encode(batch)
        if body.count > maxRequestBytes {
            guard batch.count > 1 else {
                throw DestinationError.permanent("OTLP: \(noun(1)) encodes to \(body.count) bytes, more than the \(maxRequestBytes) bytes a request may carry; it was dropped")
            }
            let middle = batch.startIndex + batch.count / 2
            try await send(batch[..<middle], maxRequestBytes: maxRequestBytes, noun: noun, encode: encode)
            try await send(batch[middle...], maxRequestBytes: maxRequestBytes, noun: noun, encode: encode)
            return
        }
        let response = try await poster.post(body, contentType: wireProtocol.contentType)
        try handle(response, what: noun(batch.count))
    }

    /// Success, a partial success (counted and reported), or the error for a failed `response`.
    func handle(_ response: HTTPPoster.Response, what: String) throws {
        guard (200..<300).contains(response.status) else {
            throw poster.failure(response, retryable: { Self.retryableStatuses.contains($0) }, what: what)
        }
        let contentType = response.headers.first { $0.key.lowercased() == "content-type" }?.value.lowercased()
        let json = contentType.map { $0.contains("json") } ?? (wireProtocol == .httpJSON)
        guard response.body.count <= Self.maxResponseBytes else {
            report("OTLP \(poster.displayURL) answered success with a body over \(Self.maxResponseBytes) bytes; it was not read for a partial success")
            return
        }
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
