import Foundation

/// Credentials a network destination sends in its `Authorization` header. Printing a value never
/// shows the secret.
public enum HTTPCredentials: Sendable, CustomStringConvertible, CustomReflectable {
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

    /// No children, so `dump` and other mirror-based printing show only ``description`` either.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .enum) }
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

    /// `text` (a URL, or what should have been one) with the user info of its authority, if any,
    /// replaced by `REDACTED`: `https://user:pass@host/x` becomes `https://REDACTED@host/x`.
    static func redactingUserInfo(in text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let authority = text[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return text }
        return String(text[..<scheme.upperBound]) + "REDACTED" + String(text[at...])
    }

    /// `true` for `localhost` (and `*.localhost`), `127.0.0.0/8` and `::1`: traffic that does not
    /// leave the machine.
    static func isLoopback(host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.") || host == "::1"
    }

    /// The warning for a destination that would send credentials (URL user info, an
    /// `Authorization` header, or a header whose name looks secret to ``Redaction/default``) over
    /// plain `http://` to another machine, or `nil` when there is nothing to warn about.
    static func plainHTTPCredentialsWarning(url: URL, headers: [(name: String, value: String)]) -> String? {
        guard url.scheme?.lowercased() == "http", let host = url.host, !isLoopback(host: host) else { return nil }
        let credentialHeaders = headers.map(\.name).filter(Redaction.default.shouldRedact)
        guard url.user != nil || !credentialHeaders.isEmpty else { return nil }
        let what = url.user != nil ? "the credentials in its URL" : "its " + credentialHeaders.joined(separator: ", ") + " header"
        return "a destination sends \(what) over plain http to \(host) (unencrypted: anyone on the way can read them); use an https:// URL"
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


// Printing (`print`, `String(describing:)`, `dump`) a destination's configuration never shows a
// secret: URLs lose their user info and header values are replaced.

extension HTTPEndpoint {
    static func printable(_ url: URL) -> String { redactingUserInfo(in: url.absoluteString) }
    static func printable(_ headers: some Sequence<(name: String, value: String)>) -> [String] {
        headers.map { $0.name + ": <redacted>" }.sorted()
    }
}

extension OTLPExporterConfiguration: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(self, children: [
            "endpoint": HTTPEndpoint.printable(endpoint),
            "signalEndpoint": signalEndpoint.map(HTTPEndpoint.printable) as Any,
            "wireProtocol": wireProtocol, "gzip": gzip, "headers": HTTPEndpoint.printable(headers), "timeout": timeout,
        ], displayStyle: .struct)
    }
}

extension ZipkinExporter.Options: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(self, children: [
            "endpoint": HTTPEndpoint.printable(endpoint), "gzip": gzip, "headers": HTTPEndpoint.printable(headers),
            "timeout": timeout,
        ], displayStyle: .struct)
    }
}

extension LokiSink.Options: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(self, children: [
            "url": HTTPEndpoint.printable(url), "labels": labels, "serviceName": serviceName as Any,
            "levelLabel": levelLabel, "tenant": tenant as Any, "auth": auth.map(\.description) as Any,
            "headers": HTTPEndpoint.printable(headers.map { (name: $0.key, value: $0.value) }), "gzip": gzip,
            "timeout": timeout, "structuredMetadata": structuredMetadata, "maxLineBytes": maxLineBytes,
        ], displayStyle: .struct)
    }
}

extension ElasticsearchSink.Options: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(self, children: [
            "url": HTTPEndpoint.printable(url), "dataStream": dataStream as Any, "serviceName": serviceName as Any,
            "namespace": namespace, "credentials": credentials.map(\.description) as Any,
            "headers": HTTPEndpoint.printable(headers.map { (name: $0.key, value: $0.value) }), "gzip": gzip,
            "timeout": timeout,
        ], displayStyle: .struct)
    }
}
