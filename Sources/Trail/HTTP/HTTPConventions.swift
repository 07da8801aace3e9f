import Foundation

/// What the HTTP client and server instrumentation share: the OpenTelemetry HTTP semantic
/// conventions (semantic-conventions `docs/http/http-spans.md`, all attributes used here are
/// Stable): method normalisation, span names, status rules, `error.type` and URL redaction.
enum HTTPConventions {
    // MARK: Methods

    /// RFC 9110's methods, `PATCH` (RFC 5789) and `QUERY`: "By default, this convention defines
    /// 'known' methods as the ones listed in RFC9110, the PATCH method defined in RFC5789 and the
    /// QUERY method". `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` (comma-separated, case-sensitive)
    /// replaces the list as a whole, as the convention requires; read once per process.
    static let knownMethods: Set<String> = knownMethods(environment: Environment.process)

    static func knownMethods(environment: [String: String]) -> Set<String> {
        if let list = Environment(environment)["OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS"] {
            return Set(list.split(separator: ",").map { String($0.trimmingASCIIWhitespace()) }.filter { !$0.isEmpty })
        }
        return ["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"]
    }

    /// The `http.request.method` value for `method`, and the `http.request.method_original` value
    /// when they differ.
    ///
    /// "HTTP method names are case-sensitive and http.request.method attribute value MUST match a
    /// known HTTP method name exactly." A method that is known once upper-cased (`get`) is written
    /// in its canonical form with the original kept, as the convention asks of instrumentations that
    /// treat methods case-insensitively; any other method becomes `_OTHER`.
    static func normalizedMethod(_ method: String, known: Set<String> = knownMethods) -> (method: String, original: String?) {
        if known.contains(method) { return (method, nil) }
        let upper = method.uppercased()
        if known.contains(upper) { return (upper, method) }
        return ("_OTHER", method)
    }

    /// "{method} {target}", or "{method}" without a target; `HTTP` stands for an `_OTHER` method.
    static func spanName(method: String, target: String?) -> String {
        let name = method == "_OTHER" ? "HTTP" : method
        guard let target, !target.isEmpty else { return name }
        return "\(name) \(target)"
    }

    /// The method attributes of a span: `http.request.method` and, when normalised,
    /// `http.request.method_original`.
    static func methodAttributes(_ method: String, into attributes: inout Attributes) -> String {
        let (normalized, original) = normalizedMethod(method)
        attributes["http.request.method"] = .string(normalized)
        if let original { attributes["http.request.method_original"] = .string(original) }
        return normalized
    }

    // MARK: Status

    /// Whether a response status marks the span as failed: "For HTTP status codes in the 4xx range
    /// span status MUST be left unset in case of SpanKind.SERVER and MUST be set to Error in case of
    /// SpanKind.CLIENT"; 5xx is an error for both; a code outside 100…599 is an error too (the
    /// peer did not speak HTTP as expected).
    static func isError(statusCode: Int, kind: SpanKind) -> Bool {
        if statusCode < 100 || statusCode > 599 { return true }
        return statusCode >= 500 || (kind == .client && statusCode >= 400)
    }

    /// Sets `http.response.status_code` and, for a failing code, `error.type` (the code as a string,
    /// as the convention says) and the error status, without a description: "don't set a
    /// description when the status code already explains it".
    static func record(statusCode: Int, kind: SpanKind, on span: Span) {
        span.setAttribute("http.response.status_code", .int(statusCode))
        guard isError(statusCode: statusCode, kind: kind) else { return }
        span.setAttribute("error.type", .string(String(statusCode)))
        span.setStatus(.error(description: nil))
    }

    /// `true` for a cancellation by the caller (`CancellationError`, `URLError.cancelled`), which
    /// the convention does not count as an error.
    static func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        if let urlError = error as? URLError, urlError.code == .cancelled { return true }
        return false
    }

    /// A low-cardinality `error.type` for an error: the `URLError` code's name for the usual
    /// transport failures (`URLError.timedOut`, `URLError.cannotConnectToHost`, …), else the
    /// error's full type name, as the convention suggests ("the fully-qualified class name").
    static func errorType(_ error: any Error) -> String {
        if let urlError = error as? URLError {
            let name: String? = switch urlError.code {
            case .timedOut: "timedOut"
            case .cannotConnectToHost: "cannotConnectToHost"
            case .cannotFindHost: "cannotFindHost"
            case .dnsLookupFailed: "dnsLookupFailed"
            case .networkConnectionLost: "networkConnectionLost"
            case .notConnectedToInternet: "notConnectedToInternet"
            case .badServerResponse: "badServerResponse"
            case .secureConnectionFailed: "secureConnectionFailed"
            case .serverCertificateUntrusted: "serverCertificateUntrusted"
            case .badURL: "badURL"
            case .unsupportedURL: "unsupportedURL"
            case .cancelled: "cancelled"
            default: nil
            }
            return "URLError." + (name ?? String(urlError.code.rawValue))
        }
        return String(reflecting: type(of: error))
    }

    // MARK: URLs

    /// Query parameters whose values the convention redacts in `url.full` and `url.query`:
    /// "query string values for the following keys SHOULD be redacted by default and replaced by
    /// the value REDACTED: AWSAccessKeyId, Signature, sig, X-Goog-Signature".
    static let sensitiveQueryKeys: Set<Substring> = ["AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature"]

    /// Keys that look secret to the log redaction (``Redaction/defaultPatterns``: `token`,
    /// `password`, `api_key`, …), whose values are redacted in URLs too (`?access_token=…`).
    static let secretQueryKeys = KeyMatcher(substrings: Redaction.defaultPatterns)

    /// `query` (percent-encoded, without `?`) with the values of ``sensitiveQueryKeys`` and of keys
    /// that look secret (``secretQueryKeys``, read percent-decoded) replaced by `REDACTED`; every
    /// other byte stays as it was.
    static func redactedQuery(_ query: some StringProtocol) -> String {
        let query = Substring(query)
        func isSensitive(_ key: Substring) -> Bool {
            sensitiveQueryKeys.contains(key) || secretQueryKeys.matches(key.removingPercentEncoding ?? String(key))
        }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: false)
        guard pairs.contains(where: { isSensitive($0.prefix { $0 != "=" }) }) else { return String(query) }
        return pairs.map { pair -> String in
            let key = pair.prefix { $0 != "=" }
            guard key.count < pair.count, isSensitive(key) else { return String(pair) }
            return key + "=REDACTED"
        }.joined(separator: "&")
    }

    /// The `url.full` value of `url`: credentials in the URL are replaced ("url.full MUST NOT
    /// contain credentials passed via URL … username and password SHOULD be redacted and
    /// attribute's value SHOULD be `https://REDACTED:REDACTED@www.example.com/`") and sensitive query
    /// values redacted; the rest is kept as written.
    static func fullURL(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return url.absoluteString }
        if components.percentEncodedUser != nil { components.percentEncodedUser = "REDACTED" }
        if components.percentEncodedPassword != nil { components.percentEncodedPassword = "REDACTED" }
        if let query = components.percentEncodedQuery { components.percentEncodedQuery = redactedQuery(query) }
        return components.string ?? url.absoluteString
    }

    /// The port a URL names, or its scheme's default.
    static func port(of url: URL) -> Int? {
        url.port ?? url.scheme.flatMap(defaultPort(ofScheme:))
    }

    /// A scheme's default port: 80 for `http`/`ws`, 443 for `https`/`wss`, else `nil`.
    static func defaultPort(ofScheme scheme: String) -> Int? {
        switch scheme.lowercased() {
        case "http", "ws": 80
        case "https", "wss": 443
        default: nil
        }
    }

    /// Splits a `Host` header value (`example.com:8080`, `[::1]:8080`) into address and port.
    static func splitHost(_ value: String) -> (address: String, port: Int?) {
        let value = value.trimmingASCIIWhitespace()
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            let address = String(value[value.index(after: value.startIndex)..<close])
            let rest = value[value.index(after: close)...]
            return (address, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
        }
        if let colon = value.lastIndex(of: ":"), value.firstIndex(of: ":") == colon {
            return (String(value[..<colon]), Int(value[value.index(after: colon)...]))
        }
        return (String(value), nil)
    }
}
