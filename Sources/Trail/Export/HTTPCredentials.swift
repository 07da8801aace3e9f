import Foundation

/// Credentials a network destination sends in its `Authorization` header. Printing a value never
/// shows the secret.
public enum HTTPCredentials: Sendable, CustomStringConvertible {
    /// `Authorization: Basic …` (a user name and password, or Grafana Cloud's instance id and token).
    case basic(username: String, password: String)
    /// `Authorization: Bearer <token>`.
    case bearer(String)
    /// `Authorization: ApiKey <key>`, Elasticsearch's API keys: the `encoded` value that the
    /// create-API-key call returns (base64 of `id:api_key`).
    case apiKey(String)

    /// The header value.
    var headerValue: String {
        switch self {
        case .basic(let username, let password): "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        case .bearer(let token): "Bearer " + token
        case .apiKey(let key): "ApiKey " + key
        }
    }

    /// The kind of credentials, without them.
    public var description: String {
        switch self {
        case .basic: "basic(username: <redacted>, password: <redacted>)"
        case .bearer: "bearer(<redacted>)"
        case .apiKey: "apiKey(<redacted>)"
        }
    }
}

/// A destination setting that cannot work; the message says what to change.
public struct DestinationConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The destination type, such as `LokiSink`.
    public let destination: String
    /// What is wrong and how to fix it.
    public let message: String

    public init(_ destination: String, _ message: String) {
        self.destination = destination
        self.message = message
    }

    /// `"<destination>: <message>"`.
    public var description: String { destination + ": " + message }
}

/// The URL a network destination posts to, from the base URL a user gives.
enum HTTPEndpoint {
    /// `base` with `path` appended after one `/` (unless it already ends with `path`), and the
    /// URL's user info moved out into basic credentials (used when `credentials` is `nil`), so that no
    /// message that shows the URL can show a password. Throws for anything but an http(s) URL with a
    /// host; `example` goes into that message.
    static func resolve(_ base: URL, appending path: String, credentials: HTTPCredentials?, destination: String,
                        example: String) throws -> (url: URL, credentials: HTTPCredentials?) {
        guard var components = URLComponents(url: base, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https", components.host != nil else {
            throw DestinationConfigurationError(destination, "the url must be an http:// or https:// URL with a host, such as \(example)")
        }
        var credentials = credentials
        if let user = components.user {
            if credentials == nil {
                credentials = .basic(username: user.removingPercentEncoding ?? user,
                                     password: components.password?.removingPercentEncoding ?? "")
            }
            components.user = nil
            components.password = nil
        }
        if !components.path.hasSuffix(path) {
            components.path = String(components.path.reversed().drop { $0 == "/" }.reversed()) + path
        }
        guard let url = components.url else {
            throw DestinationConfigurationError(destination, "the url cannot be used: \(components.host ?? "")")
        }
        return (url, credentials)
    }

    /// The request headers of a destination: the user's `custom` ones sorted by name, then the
    /// destination's own `extra` ones, then `Authorization` for `credentials`.
    static func headers(_ custom: [String: String], extra: [(name: String, value: String)] = [],
                        credentials: HTTPCredentials?) -> [(name: String, value: String)] {
        var headers = custom.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) } + extra
        if let credentials { headers.append(("Authorization", credentials.headerValue)) }
        return headers
    }
}
