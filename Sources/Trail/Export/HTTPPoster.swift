import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// POSTs batch bodies to one endpoint for a network destination (Loki, OTLP, Elasticsearch,
/// Zipkin) and turns the answer into success or a ``DestinationError`` that says whether the
/// ``BatchingWriter`` should retry.
///
/// Bodies can be gzipped; connections are kept alive (one `URLSession` per destination). Error
/// texts name the endpoint without credentials: header values and a URL's user info never appear
/// in a message. The session has no delegate: `https://` URLs get the system's certificate and
/// host-name validation, which nothing in Trail turns off. Credentials bound for a plain
/// `http://` URL on another machine are reported once (``HTTPEndpoint/plainHTTPCredentialsWarning(url:headers:)``).
struct HTTPPoster: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]

        /// `Retry-After` as a delay: seconds, or an HTTP date (RFC 9110 §10.2.3).
        func retryAfter(now: Date = Date()) -> Duration? {
            guard let value = headers.first(where: { $0.key.lowercased() == "retry-after" })?.value else { return nil }
            return HTTPPoster.parseRetryAfter(value, now: now)
        }

        /// The body as text for an error message: at most 512 bytes, control characters replaced by
        /// spaces, surrounding whitespace trimmed (Loki ends its messages with a newline).
        var bodySummary: String {
            let text = String(decoding: body.prefix(512), as: UTF8.self)
            let clean = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
                .trimmingCharacters(in: .whitespaces)
            return body.count > 512 ? clean + "…" : clean
        }
    }

    let url: URL
    let headers: [(name: String, value: String)]
    let gzip: Bool
    let timeout: Duration
    let userAgent: String
    private let session: URLSession
    /// Set by ``invalidate()``: URLSession traps on a task for an invalidated session.
    private let invalidated: Flag

    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    init(url: URL, headers: [(name: String, value: String)] = [], gzip: Bool, timeout: Duration, userAgent: String = "Trail/\(TrailVersion.string)") {
        self.url = url
        self.headers = headers
        self.gzip = gzip
        self.timeout = timeout
        self.userAgent = userAgent
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.requestTimeout(timeout)
        configuration.httpMaximumConnectionsPerHost = 2
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
        invalidated = Flag()
        if let warning = HTTPEndpoint.plainHTTPCredentialsWarning(url: url, headers: headers) { Diagnostics.report(warning) }
    }

    /// The endpoint without user info, for messages.
    var displayURL: String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "the endpoint" }
        components.user = nil
        components.password = nil
        components.query = nil
        return components.string ?? "the endpoint"
    }

    /// Sends `body`; returns the response whatever its status. Throws a transient
    /// ``DestinationError`` when no response arrived (refused, reset, timed out).
    func post(_ body: [UInt8], contentType: String) async throws -> Response {
        guard !invalidated.value.load(ordering: .acquiring) else {
            throw DestinationError.permanent("POST \(displayURL): the destination was shut down")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.timeoutInterval = Self.requestTimeout(timeout)
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        for header in headers { request.setValue(header.value, forHTTPHeaderField: header.name) }
        if gzip {
            request.setValue("gzip", forHTTPHeaderField: "Content-Encoding")
            request.httpBody = Data(try Gzip.compress(body))
        } else {
            request.httpBody = Data(body)
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw DestinationError.transient("POST \(displayURL) got no response: \(Self.describe(error))")
        }
        guard let http = response as? HTTPURLResponse else {
            throw DestinationError.transient("POST \(displayURL) got a response that is not HTTP")
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key] = value }
        }
        return Response(status: http.statusCode, headers: headers, body: Array(data))
    }

    /// The error for a non-2xx `response`: transient (with its `Retry-After`) when `retryable`
    /// holds for the status, permanent otherwise.
    func failure(_ response: Response, retryable: (Int) -> Bool, what: String) -> DestinationError {
        let body = response.bodySummary
        let message = "POST \(displayURL) answered \(response.status) to \(what)" + (body.isEmpty ? "" : ": \(body)")
        if retryable(response.status) { return .transient(message, retryAfter: response.retryAfter()) }
        return .permanent(message)
    }

    /// Lets running requests finish, then closes the connections; later posts fail (permanently).
    func invalidate() {
        guard !invalidated.value.exchange(true, ordering: .acquiringAndReleasing) else { return }
        session.finishTasksAndInvalidate()
    }

    /// The timeout to give URLSession. swift-corelibs-foundation cuts a request's timeout to whole
    /// seconds, so 0.3 s became 0 and every request timed out at once: round up, to 1 s at least.
    static func requestTimeout(_ duration: Duration) -> TimeInterval {
        #if canImport(FoundationNetworking)
        return max(1, duration.seconds.rounded(.up))
        #else
        return duration.seconds
        #endif
    }

    /// `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`.
    static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        let delay = date.timeIntervalSince(now)
        return delay <= 0 ? .zero : .milliseconds(Int64(delay * 1000))
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? URLError {
            switch error.code {
            case .cannotConnectToHost: return "connection refused (is the server running and the URL right?)"
            case .timedOut: return "timed out"
            case .networkConnectionLost: return "the connection was closed or reset"
            case .badServerResponse: return "the connection was closed before an answer"
            case .cannotFindHost: return "unknown host"
            default: return "network error \(error.code.rawValue)"
            }
        }
        // Other errors may print the request's URL, user info included: name only their kind.
        let nsError = error as NSError
        return "\(nsError.domain) error \(nsError.code)"
    }
}
