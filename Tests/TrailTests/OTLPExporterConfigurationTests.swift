import Foundation
import Testing
@testable import Trail

@Suite struct OTLPExporterConfigurationTests {
    static func configuration(_ signal: OTLPSignal, _ environment: [String: String]) -> (OTLPExporterConfiguration, [String]) {
        var reports: [String] = []
        let configuration = OTLPExporterConfiguration.fromEnvironment(signal: signal, environment: environment) { reports.append($0) }
        return (configuration, reports)
    }

    @Test func withoutVariablesSpansGoToTheLocalCollectorInProtobuf() {
        let (configuration, reports) = Self.configuration(.traces, [:])
        #expect(configuration.url(for: .traces).absoluteString == "http://localhost:4318/v1/traces")
        #expect(configuration.url(for: .logs).absoluteString == "http://localhost:4318/v1/logs")
        #expect(configuration.wireProtocol == .httpProtobuf)
        #expect(configuration.gzip == false)
        #expect(configuration.headers.isEmpty)
        #expect(configuration.timeout == .seconds(10))
        #expect(reports.isEmpty)
    }

    @Test(arguments: [
        ("http://c:4318", "http://c:4318/v1/traces"),
        ("http://c:4318/", "http://c:4318/v1/traces"),
        ("http://c:4318/mycollector/", "http://c:4318/mycollector/v1/traces"),
        ("https://c/mycollector", "https://c/mycollector/v1/traces"),
    ])
    func theGenericEndpointIsABaseURL(base: String, expected: String) {
        let (configuration, _) = Self.configuration(.traces, ["OTEL_EXPORTER_OTLP_ENDPOINT": base])
        #expect(configuration.url(for: .traces).absoluteString == expected)
    }

    @Test func theSignalEndpointIsUsedAsIsAndWinsOverTheGenericOne() {
        let environment = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://generic:4318",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://tempo:4318/custom/path",
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://loki:3100",
        ]
        #expect(Self.configuration(.traces, environment).0.url(for: .traces).absoluteString == "http://tempo:4318/custom/path")
        #expect(Self.configuration(.logs, environment).0.url(for: .logs).absoluteString == "http://loki:3100/")
        let genericOnly = Self.configuration(.logs, ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://generic:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t/x"]).0
        #expect(genericOnly.url(for: .logs).absoluteString == "http://generic:4318/v1/logs")
    }

    @Test func perSignalVariablesWinOverGenericOnes() {
        let environment = [
            "OTEL_EXPORTER_OTLP_HEADERS": "a=generic",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "Authorization=Bearer%20abc%3D%3D, x-tenant = team%2C1 ,,",
            "OTEL_EXPORTER_OTLP_COMPRESSION": "none",
            "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "GZIP",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2500",
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "1500",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json",
        ]
        let (traces, reports) = Self.configuration(.traces, environment)
        #expect(traces.headers.map(\.name) == ["Authorization", "x-tenant"])
        #expect(traces.headers.map(\.value) == ["Bearer abc==", "team,1"])
        #expect(traces.gzip)
        #expect(traces.timeout == .milliseconds(1500))
        #expect(traces.wireProtocol == .httpJSON)
        #expect(reports.isEmpty)
        let (logs, _) = Self.configuration(.logs, environment)
        #expect(logs.headers.map(\.name) == ["a"])
        #expect(logs.gzip == false)
        #expect(logs.timeout == .milliseconds(2500))
        #expect(logs.wireProtocol == .httpProtobuf)
    }

    @Test func grpcIsReportedAndFallsBackToHTTPProtobuf() {
        let (configuration, reports) = Self.configuration(.traces, ["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"])
        #expect(configuration.wireProtocol == .httpProtobuf)
        #expect(reports.count == 1)
        #expect(reports.first?.contains("http/protobuf") == true)
    }

    @Test func invalidValuesAreReportedWithoutSecretsAndIgnored() {
        let (configuration, reports) = Self.configuration(.traces, [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "not a url", "OTEL_EXPORTER_OTLP_COMPRESSION": "brotli",
            "OTEL_EXPORTER_OTLP_HEADERS": "ok=1,secret-without-equals,bad=%zz", "OTEL_EXPORTER_OTLP_PROTOCOL": "carrier-pigeon",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "",
        ])
        #expect(configuration.url(for: .traces).absoluteString == "http://localhost:4318/v1/traces")
        #expect(configuration.gzip == false)
        #expect(configuration.headers.map(\.name) == ["ok"])
        #expect(configuration.wireProtocol == .httpProtobuf)
        #expect(configuration.timeout == .seconds(10))
        #expect(reports.count == 5)
        #expect(!reports.contains { $0.contains("secret-without-equals") || $0.contains("%zz") })
    }

    @Test func aZeroTimeoutMeansNoPracticalLimit() {
        #expect(Self.configuration(.logs, ["OTEL_EXPORTER_OTLP_LOGS_TIMEOUT": "0"]).0.timeout >= .seconds(3600))
    }
}

/// Messages an exporter reported.
final class CollectedReports: Sendable {
    private let messages = Locked<[String]>([])
    func append(_ message: String) { messages.withLock { $0.append(message) } }
    func withLock<R>(_ body: ([String]) -> R) -> R { messages.withLock { body($0) } }
}

@Suite struct OTLPResponseTests {
    static func sender(_ wireProtocol: OTLPProtocol = .httpProtobuf, signal: OTLPSignal = .traces) -> (OTLPHTTPSender, CollectedReports) {
        let reports = CollectedReports()
        let configuration = OTLPExporterConfiguration(endpoint: URL(string: "http://127.0.0.1:9")!, wireProtocol: wireProtocol)
        let sender = OTLPHTTPSender(signal: signal, configuration: configuration) { reports.append($0) }
        return (sender, reports)
    }

    static func response(_ status: Int, _ body: [UInt8] = [], headers: [String: String] = [:]) -> HTTPPoster.Response {
        HTTPPoster.Response(status: status, headers: headers, body: body)
    }

    @Test(arguments: [200, 202, 204])
    func anyTwoHundredIsSuccessEvenWithAnEmptyBody(status: Int) throws {
        let (sender, reports) = Self.sender()
        try sender.handle(Self.response(status), what: "2 spans")
        #expect(sender.rejected == 0)
        #expect(reports.withLock { $0 }.isEmpty)
    }

    @Test(arguments: [429, 502, 503, 504])
    func onlyTheSpecifiedStatusesAreRetried(status: Int) {
        let (sender, _) = Self.sender()
        #expect {
            try sender.handle(Self.response(status, headers: ["Retry-After": "7"]), what: "2 spans")
        } throws: { error in
            let error = error as? DestinationError
            return error?.isTransient == true && error?.retryAfter == .seconds(7)
        }
    }

    @Test(arguments: [400, 401, 403, 404, 408, 413, 500, 501])
    func otherStatusesArePermanent(status: Int) {
        let (sender, _) = Self.sender()
        #expect {
            try sender.handle(Self.response(status, Array("{\"code\":3,\"message\":\"bad\"}".utf8)), what: "2 spans")
        } throws: { error in
            (error as? DestinationError)?.isTransient == false
        }
    }

    @Test func aProtobufPartialSuccessIsCountedReportedAndNotAnError() throws {
        let (sender, reports) = Self.sender()
        // ExportTraceServiceResponse { partial_success { rejected_spans: 3, error_message: "too old" } }
        let body: [UInt8] = [0x0A, 0x0B, 0x08, 0x03, 0x12, 0x07] + Array("too old".utf8)
        try sender.handle(Self.response(200, body, headers: ["Content-Type": "application/x-protobuf"]), what: "5 spans")
        try sender.handle(Self.response(200, body), what: "5 spans")
        #expect(sender.rejected == 6)
        #expect(reports.withLock { $0 } == [
            "OTLP http://127.0.0.1:9/v1/traces rejected some spans (not retried; see the exporter's rejected count): too old",
            "OTLP http://127.0.0.1:9/v1/traces rejected some spans (not retried; see the exporter's rejected count): too old",
        ])
    }

    @Test func aJSONPartialSuccessIsReadWithTheCountAsStringOrNumber() throws {
        let (sender, reports) = Self.sender(.httpJSON, signal: .logs)
        try sender.handle(Self.response(200, Array(#"{"partialSuccess":{"rejectedLogRecords":"3","errorMessage":"bad"}}"#.utf8)), what: "9 log records")
        try sender.handle(Self.response(200, Array(#"{"partialSuccess":{"rejectedLogRecords":2}}"#.utf8), headers: ["content-type": "application/json"]), what: "9 log records")
        try sender.handle(Self.response(200, Array(#"{"partialSuccess":{}}"#.utf8)), what: "9 log records")
        #expect(sender.rejected == 5)
        #expect(reports.withLock { $0 }.count == 2)
    }

    @Test func aWarningWithoutRejectionsIsReportedButCountsNothing() throws {
        let (sender, reports) = Self.sender()
        let body: [UInt8] = [0x0A, 0x06, 0x12, 0x04] + Array("slow".utf8)
        try sender.handle(Self.response(200, body), what: "1 span")
        #expect(sender.rejected == 0)
        #expect(reports.withLock { $0 } == ["OTLP http://127.0.0.1:9/v1/traces accepted all spans with a warning: slow"])
    }

    @Test func anUnreadableSuccessBodyIsStillASuccess() throws {
        let (sender, _) = Self.sender()
        try sender.handle(Self.response(200, [0x0A, 0x7F, 0x01]), what: "1 span")
        #expect(sender.rejected == 0)
    }

    @Test func theExporterPostsToTheTracesPathWithTheSpecifiedUserAgent() {
        let exporter = OTLPSpanExporter(configuration: OTLPExporterConfiguration(endpoint: URL(string: "http://127.0.0.1:4318/base")!))
        #expect(exporter.url.absoluteString == "http://127.0.0.1:4318/base/v1/traces")
        #expect(OTLPHTTPSender.userAgent == "OTel-OTLP-Exporter-Swift/\(TrailVersion.string)")
        #expect(exporter.rejectedSpans == 0)
    }

    @Test func exportersMadeFromTheEnvironmentUseTheirSignalsVariables() {
        let environment = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://127.0.0.1:3100/otlp/v1/logs",
            "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/json",
        ]
        let spans = OTLPSpanExporter.fromEnvironment(environment)
        let logs = OTLPLogExporter.fromEnvironment(environment: environment)
        #expect(spans.url.absoluteString == "http://127.0.0.1:4318/v1/traces")
        #expect(spans.configuration.wireProtocol == .httpProtobuf)
        #expect(logs.url.absoluteString == "http://127.0.0.1:3100/otlp/v1/logs")
        #expect(logs.configuration.wireProtocol == .httpJSON)
    }
}
