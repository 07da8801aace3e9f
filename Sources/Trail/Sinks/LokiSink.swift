import Foundation
import Synchronization

/// Pushes log lines to Grafana Loki (`POST {url}/loki/api/v1/push`, JSON, gzipped by default).
///
/// ```swift
/// let loki = try LokiSink(.init(url: URL(string: "http://localhost:3100")!, labels: ["env": "prod"]))
/// Pipeline.bootstrap(serviceName: "checkout", destinations: [StdoutSink(), loki])
/// ```
///
/// **Labels** are few and bounded: `service_name` (always; the ``Options/serviceName`` option, else
/// the line's `service.name`, else `unknown_service`), `level` if ``Options/levelLabel`` asks, and
/// your static ``Options/labels``. The line itself is the JSON line, unchanged. `trace_id` and
/// `span_id` (or ECS `trace.id` / `span.id`) are also sent as Loki 3 **structured metadata**, never
/// as labels, so every line of a trace is found without a parser:
///
/// ```logql
/// {service_name="checkout"} | trace_id="4bf92f3577b34da6a3ce929d0e0e4736"
/// ```
///
/// **Timestamps** come from the line's `timestamp` (RFC 3339, up to nine fraction digits) or
/// `@timestamp` field, else the time of sending. Within a push, each stream's lines are sorted by
/// time.
///
/// **Failures.** A 2xx answer is success. 429 and 5xx (and no answer at all) are transient: the
/// ``BatchingWriter`` retries with backoff, honouring `Retry-After`. 400, 401, 413 and every other
/// 4xx are permanent: the batch is dropped, counted as failed, and the error (with Loki's message)
/// reported once; retrying a 400 would duplicate the lines Loki already accepted from it. Lines
/// longer than ``Options/maxLineBytes`` are dropped before sending, counted in
/// ``droppedOversizeLines`` and reported once. Credentials never appear in a message.
public final class LokiSink: Destination {
    /// A LokiSink takes encoded log lines.
    public typealias Record = LogLine

    /// The options the sink was made with; ``Options/url`` is the push endpoint, and credentials
    /// that were in the URL are in ``Options/auth``.
    public let options: Options
    /// Where pushes go (`…/loki/api/v1/push`).
    public let endpoint: URL
    private let poster: HTTPPoster
    private let settings: LokiPush.Settings
    private let oversize = Atomic<Int>(0)

    /// A sink with `options`. Throws a ``ConfigurationError`` for a label that is not valid, more
    /// than 15 labels, a label that would hold a per-request value (`trace_id`, `request_id`, …:
    /// one stream per request would hit Loki's stream limit) or a tenant id Loki refuses.
    public init(_ options: Options) throws {
        var extra = ["service_name"]
        if options.levelLabel { extra.append("level") }
        try LokiLabelRules.validate(options.labels, extra: extra)
        if let tenant = options.tenant { try LokiLabelRules.validateTenant(tenant) }
        if let service = options.serviceName, service.isEmpty || service.utf8.count > LokiLabelRules.maxValueBytes {
            throw ConfigurationError("LokiSink", "serviceName needs 1 to \(LokiLabelRules.maxValueBytes) bytes")
        }
        guard options.maxLineBytes > 0 else { throw ConfigurationError("LokiSink", "maxLineBytes must be positive") }
        let (endpoint, auth) = try HTTPEndpoint.resolve(
            options.url, appending: "/loki/api/v1/push", credentials: options.auth, destination: "LokiSink",
            example: "http://localhost:3100")
        let headers = HTTPEndpoint.headers(
            options.headers, extra: options.tenant.map { [("X-Scope-OrgID", $0)] } ?? [], credentials: auth)
        // Kept without the URL's credentials (now in `auth`), so printing the options shows no secret.
        var stored = options
        stored.url = endpoint
        stored.auth = auth
        self.options = stored
        self.endpoint = endpoint
        self.poster = HTTPPoster(url: endpoint, headers: headers, gzip: options.gzip, timeout: options.timeout)
        self.settings = LokiPush.Settings(
            staticLabels: options.labels.map { ($0.key, $0.value) }, serviceName: options.serviceName,
            levelLabel: options.levelLabel, structuredMetadata: options.structuredMetadata, maxLineBytes: options.maxLineBytes)
    }

    /// A sink configured from the environment, or `nil` when `LOKI_URL` is unset:
    /// `LOKI_URL` (base URL), `LOKI_TENANT_ID` (`X-Scope-OrgID`), `LOKI_USERNAME` and
    /// `LOKI_PASSWORD` (basic auth) or `LOKI_BEARER_TOKEN`. Throws a ``ConfigurationError`` for an
    /// unusable combination; credentials never appear in its message.
    public static func fromEnvironment(_ environment: [String: String] = Environment.process) throws -> LokiSink? {
        let env = Environment(environment)
        guard let urlText = env["LOKI_URL"] else { return nil }
        guard let url = URL(string: urlText) else {
            throw ConfigurationError("LokiSink", "LOKI_URL is not a URL (for example http://localhost:3100)")
        }
        var options = Options(url: url)
        options.tenant = env["LOKI_TENANT_ID"]
        switch (env["LOKI_USERNAME"], env["LOKI_PASSWORD"], env["LOKI_BEARER_TOKEN"]) {
        case (nil, nil, nil): break
        case (let user?, let password?, nil): options.auth = .basic(username: user, password: password)
        case (nil, nil, let token?): options.auth = .bearer(token)
        case (_, _, _?): throw ConfigurationError("LokiSink", "set either LOKI_USERNAME and LOKI_PASSWORD or LOKI_BEARER_TOKEN, not both")
        default: throw ConfigurationError("LokiSink", "LOKI_USERNAME and LOKI_PASSWORD go together: set both or neither")
        }
        return try LokiSink(options)
    }

    /// Lines dropped because they were longer than ``Options/maxLineBytes``. Their writer counts
    /// them as written (the batch they came in succeeded); this counter is where they show.
    public var droppedOversizeLines: Int { oversize.load(ordering: .relaxed) }

    /// Pushes `batch` in one request. Throws a ``DestinationError`` that tells the writer whether
    /// to retry.
    public func write(_ batch: [LogLine]) async throws {
        let now = UInt64(max(0, Date().timeIntervalSince1970 * 1e9))
        let push = LokiPush.encode(batch, settings: settings, now: now)
        if push.droppedOversize > 0 {
            oversize.add(push.droppedOversize, ordering: .relaxed)
            Diagnostics.report("LokiSink dropped log lines longer than \(settings.maxLineBytes) bytes, which Loki refuses (see LokiSink.droppedOversizeLines)")
        }
        guard push.lines > 0 else { return }
        let response = try await poster.post(push.body, contentType: "application/json")
        if (200..<300).contains(response.status) { return }
        throw poster.failure(response, retryable: { $0 == 429 || $0 >= 500 }, what: "a push of log lines")
    }

    /// Closes the sink's connections.
    public func shutdown() async { poster.invalidate() }
}
