import Foundation

extension LokiSink {
    /// Where and how a ``LokiSink`` pushes lines. Only ``url`` is required.
    public struct Options: Sendable {
        /// Loki's base URL, such as `http://localhost:3100`; `/loki/api/v1/push` is appended unless
        /// the URL already ends with it. User info in the URL (`https://user:pass@host`) is used as
        /// basic auth when ``auth`` is `nil`, and never appears in messages.
        public var url: URL
        /// Static labels on every stream. Keep them few and bounded (`env`, `cluster`, `host`):
        /// each distinct label set is a Loki stream. Names must match `[a-zA-Z_:][a-zA-Z0-9_:]*`.
        public var labels: [String: String]
        /// The `service_name` label, always sent. `nil` (the default): the line's `service.name`
        /// field, else `unknown_service`.
        public var serviceName: String?
        /// Adds a `level` label (`info`, `error`, …). Off by default: Loki detects the level from
        /// the line's `level` field (`detected_level`) without a label.
        public var levelLabel: Bool
        /// The tenant, sent as `X-Scope-OrgID` (needed when Loki runs with `auth_enabled`).
        public var tenant: String?
        /// Credentials for the gateway in front of Loki, if any.
        public var auth: Auth?
        /// More request headers.
        public var headers: [String: String]
        /// Gzips request bodies (`Content-Encoding: gzip`). On by default.
        public var gzip: Bool
        /// How long one push may take. URLSession on Linux counts whole seconds, so it is rounded up
        /// to one at least; the writer's `writeTimeout` bounds a push too.
        public var timeout: Duration
        /// Sends `trace_id` and `span_id` as structured metadata (Loki 3, schema v13) besides the
        /// line itself. On by default; turn it off for an older Loki that rejects it.
        public var structuredMetadata: Bool
        /// Lines longer than this (in bytes, without the final newline) are dropped and counted in
        /// ``LokiSink/droppedOversizeLines``: Loki would refuse them. Default 256,000 bytes, at or
        /// below Loki's default `max_line_size` of 256 KB.
        public var maxLineBytes: Int

        /// Options for Loki at `url`; every other setting has the default documented on its property
        /// (timeout 10 s, gzip and structured metadata on, no level label, lines up to 256,000 bytes).
        public init(
            url: URL, labels: [String: String] = [:], serviceName: String? = nil, levelLabel: Bool = false,
            tenant: String? = nil, auth: Auth? = nil, headers: [String: String] = [:], gzip: Bool = true,
            timeout: Duration = .seconds(10), structuredMetadata: Bool = true, maxLineBytes: Int = 256_000
        ) {
            self.url = url
            self.labels = labels
            self.serviceName = serviceName
            self.levelLabel = levelLabel
            self.tenant = tenant
            self.auth = auth
            self.headers = headers
            self.gzip = gzip
            self.timeout = timeout
            self.structuredMetadata = structuredMetadata
            self.maxLineBytes = maxLineBytes
        }
    }

    /// Credentials for the proxy or gateway in front of Loki (Loki itself does no authentication).
    public typealias Auth = HTTPCredentials

    /// A ``LokiSink`` setting that cannot work; the message says what to change.
    public typealias ConfigurationError = DestinationConfigurationError
}

/// Checks of a LokiSink's labels and tenant (PROTOCOLS.md §5.3, §5.5).
enum LokiLabelRules {
    static let maxLabelNames = 15
    static let maxNameBytes = 1024
    static let maxValueBytes = 2048

    /// Names that hold a value per request, trace or user once separators and case are ignored.
    private static let perRequestNames: Set<String> = [
        "traceid", "spanid", "parentid", "parentspanid", "requestid", "userid", "sessionid", "correlationid",
    ]

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func start(_ c: UInt8) -> Bool {
            ((c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z")) || c == UInt8(ascii: "_") || c == UInt8(ascii: ":")
        }
        return start(first) && name.utf8.allSatisfy { start($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// `name` with every character Loki does not allow replaced by `_` (a suggestion for messages).
    static func suggestedName(_ name: String) -> String {
        var result = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") ? $0 : "_" })
        if let first = result.first, first.isNumber { result = "_" + result }
        return result.isEmpty ? "_" : result
    }

    /// Throws when the static labels cannot work; `extra` names the labels the sink adds itself.
    static func validate(_ labels: [String: String], extra: [String]) throws {
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) {
            let squeezed = String(name.lowercased().filter { $0.isLetter || $0.isNumber })
            if perRequestNames.contains(squeezed) {
                throw LokiSink.ConfigurationError("LokiSink", "label \"\(name)\" would hold a value per request: every distinct value starts a new Loki stream, so it soon hits Loki's stream limit (429) and bloats the index. trace_id and span_id already travel in the line and in structured metadata; query them with {service_name=\"…\"} | trace_id=\"…\".")
            }
            if name == "service_name" {
                throw LokiSink.ConfigurationError("LokiSink", "set the service_name label with the serviceName option, not in labels")
            }
            guard isValidName(name) else {
                throw LokiSink.ConfigurationError("LokiSink", "label name \"\(name)\" is not valid: a name must match [a-zA-Z_:][a-zA-Z0-9_:]*; use \"\(suggestedName(name))\"")
            }
            if name.hasPrefix("__") {
                throw LokiSink.ConfigurationError("LokiSink", "label name \"\(name)\" starts with __, which Loki reserves for itself")
            }
            if name.utf8.count > maxNameBytes {
                throw LokiSink.ConfigurationError("LokiSink", "label name \"\(name.prefix(40))…\" is longer than Loki's \(maxNameBytes) bytes")
            }
            if value.isEmpty || value.utf8.count > maxValueBytes {
                throw LokiSink.ConfigurationError("LokiSink", "label \"\(name)\" needs a value of 1 to \(maxValueBytes) bytes (it has \(value.utf8.count))")
            }
        }
        if let clash = extra.first(where: { labels[$0] != nil }) {
            throw LokiSink.ConfigurationError("LokiSink", "label \"\(clash)\" is set by the sink itself; remove it from labels")
        }
        let total = labels.count + extra.count
        if total > maxLabelNames {
            throw LokiSink.ConfigurationError("LokiSink", "\(total) labels (\(extra.joined(separator: " and ")) included) is more than Loki's limit of \(maxLabelNames) label names per stream; keep labels few and put other values in the line")
        }
    }

    /// Tenant ids: at most 150 bytes of `0-9 a-z A-Z ! - _ . * ' ( )`, not `.` or `..`.
    static func validateTenant(_ tenant: String) throws {
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!-_.*'()")
        guard !tenant.isEmpty, tenant.utf8.count <= 150, tenant != ".", tenant != "..", tenant.allSatisfy(allowed.contains) else {
            throw LokiSink.ConfigurationError("LokiSink", "the tenant id is not valid for Loki: 1 to 150 characters of 0-9, a-z, A-Z, ! - _ . * ' ( ) (no ':' or '|'), not '.' or '..'")
        }
    }
}
