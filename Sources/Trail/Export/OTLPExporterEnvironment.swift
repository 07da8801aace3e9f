import Foundation

extension OTLPExporterConfiguration {
    /// The configuration the standard `OTEL_EXPORTER_OTLP_*` variables describe for `signal`.
    ///
    /// For each setting the signal's own variable (`OTEL_EXPORTER_OTLP_TRACES_…` or
    /// `OTEL_EXPORTER_OTLP_LOGS_…`) wins over the generic one; an empty value counts as unset:
    /// - `_ENDPOINT`: the generic form is a base URL (`/v1/traces` or `/v1/logs` is appended); the
    ///   per-signal form is used as is;
    /// - `_HEADERS`: `key1=value1,key2=value2`, keys and values trimmed and percent-decoded;
    /// - `_COMPRESSION`: `gzip` or `none`;
    /// - `_TIMEOUT`: integer milliseconds, `0` for no limit (in practice a day);
    /// - `_PROTOCOL`: `http/protobuf` or `http/json`; `grpc` is reported and `http/protobuf` used.
    ///
    /// Invalid values are reported once through ``Diagnostics`` and ignored (the default applies).
    public static func fromEnvironment(
        signal: OTLPSignal, environment: [String: String] = Environment.process
    ) -> OTLPExporterConfiguration {
        fromEnvironment(signal: signal, environment: environment, report: Diagnostics.report)
    }

    /// ``fromEnvironment(signal:environment:)`` with the diagnostics sink injectable, for tests.
    static func fromEnvironment(
        signal: OTLPSignal, environment: [String: String], report: (String) -> Void
    ) -> OTLPExporterConfiguration {
        let env = Environment(environment)
        let specific = "OTEL_EXPORTER_OTLP_\(signal.variableInfix)_"
        let generic = "OTEL_EXPORTER_OTLP_"
        func lookup(_ suffix: String) -> (name: String, value: String)? { env.first(specific + suffix, generic + suffix) }

        var configuration = OTLPExporterConfiguration()
        if case let (name, value)? = env.first(specific + "ENDPOINT") {
            if let url = httpURL(value) { configuration.signalEndpoint = url } else { report("\(name)=\(HTTPEndpoint.redactingUserInfo(in: value)) is not an http(s) URL; ignored") }
        }
        if case let (name, value)? = env.first(generic + "ENDPOINT") {
            if let url = httpURL(value) { configuration.endpoint = url } else { report("\(name)=\(HTTPEndpoint.redactingUserInfo(in: value)) is not an http(s) URL; ignored") }
        }
        if case let (name, value)? = lookup("HEADERS") {
            configuration.headers = parseHeaders(value, variable: name, report: report)
        }
        if case let (name, value)? = lookup("COMPRESSION") {
            switch value.lowercased() {
            case "gzip": configuration.gzip = true
            case "none": configuration.gzip = false
            default: report("\(name)=\(value) is neither gzip nor none; ignored")
            }
        }
        if case let (name, _)? = lookup("TIMEOUT"), let duration = env.milliseconds(name) {
            configuration.timeout = duration == .zero ? .seconds(86_400) : duration
        }
        if case let (name, value)? = lookup("PROTOCOL") {
            switch value.lowercased() {
            case "http/protobuf": configuration.wireProtocol = .httpProtobuf
            case "http/json": configuration.wireProtocol = .httpJSON
            case "grpc": report("\(name)=grpc: Trail exports OTLP over HTTP only; using http/protobuf (port 4318, not 4317)")
            default: report("\(name)=\(value) is not grpc, http/protobuf or http/json; using http/protobuf")
            }
        }
        return configuration
    }

    private static func httpURL(_ text: String) -> URL? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host != nil else { return nil }
        return url
    }

    /// `k1=v1,k2=v2` (W3C Baggage style without properties): members trimmed, keys and values
    /// percent-decoded. A member that cannot be read is reported and skipped.
    static func parseHeaders(_ text: String, variable: String, report: (String) -> Void) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        for member in text.split(separator: ",") {
            let trimmed = member.trimmingASCIIWhitespace()
            if trimmed.isEmpty { continue }
            guard let eq = trimmed.firstIndex(of: "="),
                  let name = trimmed[..<eq].trimmingASCIIWhitespace().removingPercentEncoding, !name.isEmpty,
                  let value = trimmed[trimmed.index(after: eq)...].trimmingASCIIWhitespace().removingPercentEncoding
            else {
                // The member is not echoed: it may hold a credential.
                report("\(variable) has a member that is not key=value with valid percent-encoding; it was skipped")
                continue
            }
            headers.append((name, value))
        }
        return headers
    }
}
