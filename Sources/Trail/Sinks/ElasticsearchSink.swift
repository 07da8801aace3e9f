import Foundation
import Synchronization

/// Sends log lines straight to Elasticsearch with the `_bulk` API: one `create` action per line
/// into a data stream (default `logs-<service>-default`), NDJSON, gzipped by default.
///
/// ```swift
/// Pipeline.bootstrap(
///     serviceName: "checkout", fieldNames: .elasticCommonSchema,
///     destinations: [StdoutSink(), try ElasticsearchSink(.init(url: URL(string: "http://localhost:9200")!,
///                                                               credentials: .apiKey(apiKey)))])
/// ```
///
/// **Field names.** Bootstrap with ``FieldNames/elasticCommonSchema`` so that Kibana and Elastic's
/// log views find `@timestamp`, `log.level`, `trace.id` and `span.id`. Lines with the
/// OpenTelemetry names are sent too: a data stream needs `@timestamp`, so the sink adds it from the
/// line's `timestamp` (and says once that the ECS names would suit Elasticsearch better).
///
/// **Failures.** `_bulk` answers 200 even when some documents fail, so the sink reads every item's
/// status. Documents Elasticsearch refused for now (429, 5xx) are retried: the sink throws a
/// transient error, the ``BatchingWriter`` backs off and writes the batch again, and the sink sends
/// only the documents still missing, never one twice. Documents refused for good (a mapping error,
/// 400) are counted in ``rejectedDocuments``, and the first reason is reported once. A whole request
/// answered 429 or 5xx (or not answered) is retried with `Retry-After`; 401, 403, 413 and other 4xx
/// answers are permanent: the batch is dropped and counted as failed by its writer.
public final class ElasticsearchSink: Destination {
    /// An ElasticsearchSink takes encoded log lines.
    public typealias Record = LogLine

    /// The options the sink was made with; ``Options/url`` is the `_bulk` endpoint, and credentials
    /// that were in the URL are in ``Options/credentials``.
    public let options: Options
    /// Where requests go (`…/_bulk`).
    public let endpoint: URL
    private let poster: HTTPPoster
    private let target: ElasticsearchBulk.Target
    private let counters = Counters()
    /// The documents of recent batches that still have to be sent, by batch fingerprint.
    private let pending = Locked<[(batch: Int, indices: [Int])]>([])

    private final class Counters: Sendable {
        let indexed = Atomic<Int>(0)
        let rejected = Atomic<Int>(0)
        let retried = Atomic<Int>(0)
        let reportedRejection = Atomic<Bool>(false)
        let reportedTimestamp = Atomic<Bool>(false)
    }

    /// A sink with `options`. Throws a ``DestinationConfigurationError`` for a URL that is not
    /// http(s) or a data stream name Elasticsearch refuses.
    public init(_ options: Options) throws {
        if let dataStream = options.dataStream { try Self.validate(dataStream: dataStream) }
        let (endpoint, credentials) = try HTTPEndpoint.resolve(
            options.url, appending: "/_bulk", credentials: options.credentials, destination: "ElasticsearchSink",
            example: "http://localhost:9200")
        let headers = HTTPEndpoint.headers(options.headers, credentials: credentials)
        var stored = options
        stored.url = endpoint
        stored.credentials = credentials
        self.options = stored
        self.endpoint = endpoint
        self.poster = HTTPPoster(url: endpoint, headers: headers, gzip: options.gzip, timeout: options.timeout)
        self.target = ElasticsearchBulk.Target(
            dataStream: options.dataStream, serviceName: options.serviceName,
            namespace: ElasticsearchBulk.sanitized(options.namespace, maxBytes: 100))
    }

    /// Documents Elasticsearch indexed.
    public var indexedDocuments: Int { counters.indexed.load(ordering: .relaxed) }
    /// Documents Elasticsearch refused for good (mapping errors, 400): not retried. Their batch still
    /// counts as written by its writer.
    public var rejectedDocuments: Int { counters.rejected.load(ordering: .relaxed) }
    /// Documents sent again: after a 429 or 5xx for the document or its whole request, or a request
    /// that got no answer.
    public var retriedDocuments: Int { counters.retried.load(ordering: .relaxed) }

    /// Sends the documents of `batch` that Elasticsearch has not indexed yet in one `_bulk` request.
    /// Throws a ``DestinationError`` that tells the writer whether to retry.
    public func write(_ batch: [LogLine]) async throws {
        let fingerprint = Self.fingerprint(batch)
        let indices: [Int]
        if let pending = takePending(fingerprint) {
            indices = pending
            counters.retried.add(pending.count, ordering: .relaxed)
        } else {
            indices = Array(batch.indices)
        }
        let now = UInt64(max(0, Date().timeIntervalSince1970 * 1e9))
        let documents = indices.map { ElasticsearchBulk.document(batch[$0], target: target, now: now) }
        if documents.contains(where: \.addedTimestamp), !counters.reportedTimestamp.exchange(true, ordering: .relaxed) {
            Diagnostics.report("ElasticsearchSink: log lines have no @timestamp, so the sink adds it from their timestamp field; bootstrap with fieldNames: .elasticCommonSchema so that Elasticsearch gets the ECS names (log.level, trace.id, span.id)")
        }
        let response: HTTPPoster.Response
        do {
            response = try await poster.post(ElasticsearchBulk.body(documents), contentType: "application/x-ndjson")
        } catch {
            remember(fingerprint, indices)
            throw error
        }
        guard (200..<300).contains(response.status) else {
            let retryable = response.status == 429 || response.status >= 500
            if retryable { remember(fingerprint, indices) }
            let what = response.status == 413
                ? "a _bulk request (too large for http.max_content_length: lower the writer's maxBatchBytes)"
                : "a _bulk request"
            throw poster.failure(response, retryable: { _ in retryable }, what: what)
        }
        let items: [ElasticsearchBulk.ItemResult]
        do {
            items = try ElasticsearchBulk.items(of: response.body)
        } catch {
            throw DestinationError.permanent("POST \(poster.displayURL) answered \(response.status) with something that is not a _bulk answer; \(documents.count) documents may or may not be indexed")
        }
        guard items.count == documents.count else {
            throw DestinationError.permanent("POST \(poster.displayURL) answered \(items.count) items for \(documents.count) documents; they may or may not be indexed")
        }
        try settle(items, indices: indices, fingerprint: fingerprint)
    }

    /// Counts the items' outcomes; throws a transient error when some are to be sent again.
    private func settle(_ items: [ElasticsearchBulk.ItemResult], indices: [Int], fingerprint: Int) throws {
        var again: [Int] = []
        var firstRejection: ElasticsearchBulk.ItemResult?
        var firstRetryable: ElasticsearchBulk.ItemResult?
        for (index, item) in zip(indices, items) {
            if item.isSuccess {
                counters.indexed.add(1, ordering: .relaxed)
            } else if item.isRetryable {
                again.append(index)
                if firstRetryable == nil { firstRetryable = item }
            } else {
                counters.rejected.add(1, ordering: .relaxed)
                if firstRejection == nil { firstRejection = item }
            }
        }
        if let item = firstRejection, !counters.reportedRejection.exchange(true, ordering: .relaxed) {
            Diagnostics.report("ElasticsearchSink: Elasticsearch refused a document with \(item.status) \(Self.describe(item)); such documents are not retried, only counted (ElasticsearchSink.rejectedDocuments). Reported once.")
        }
        guard let item = firstRetryable else { return }
        remember(fingerprint, again)
        throw DestinationError.transient("Elasticsearch refused \(again.count) of \(indices.count) documents for now (\(item.status) \(Self.describe(item))); sending those again")
    }

    /// Closes the sink's connections.
    public func shutdown() async { poster.invalidate() }

    // MARK: Documents still to send

    private func remember(_ fingerprint: Int, _ indices: [Int]) {
        pending.withLock { list in
            list.removeAll { $0.batch == fingerprint }
            list.append((fingerprint, indices))
            // A writer that gave up on a batch never writes it again: keep the last few only.
            if list.count > 8 { list.removeFirst(list.count - 8) }
        }
    }

    private func takePending(_ fingerprint: Int) -> [Int]? {
        pending.withLock { list in
            guard let position = list.firstIndex(where: { $0.batch == fingerprint }) else { return nil }
            return list.remove(at: position).indices
        }
    }

    /// Identifies a batch across the writer's retries (it writes the same array again).
    private static func fingerprint(_ batch: [LogLine]) -> Int {
        var hasher = Hasher()
        hasher.combine(batch.count)
        for line in batch { line.withBytes { hasher.combine(bytes: $0) } }
        return hasher.finalize()
    }

    private static func describe(_ item: ElasticsearchBulk.ItemResult) -> String {
        let reason = item.reason.map { String($0.prefix(300)) }
        switch (item.errorType, reason) {
        case let (type?, reason?): return "\(type): \(reason)"
        case let (type?, nil): return type
        case let (nil, reason?): return reason
        case (nil, nil): return "without a reason"
        }
    }
}
