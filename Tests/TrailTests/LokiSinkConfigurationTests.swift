import Foundation
import Testing
@testable import Trail

@Suite struct LokiSinkConfigurationTests {
    private let url = URL(string: "http://127.0.0.1:3100")!

    /// The message of the configuration error `options` throw, or `nil` if they are accepted.
    private func problem(_ adjust: (inout LokiSink.Options) -> Void) -> String? {
        var options = LokiSink.Options(url: url)
        adjust(&options)
        do {
            _ = try LokiSink(options)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func anInvalidLabelNameIsRefusedWithAFix() {
        let message = problem { $0.labels = ["app.kubernetes.io/name": "shop"] }
        #expect(message?.contains("[a-zA-Z_:][a-zA-Z0-9_:]*") == true)
        #expect(message?.contains("app_kubernetes_io_name") == true)
        #expect(problem { $0.labels = ["1st": "x"] }?.contains("\"_1st\"") == true)
        #expect(problem { $0.labels = ["__name": "x"] }?.contains("reserves") == true)
        #expect(problem { $0.labels = ["env": ""] }?.contains("value") == true)
    }

    @Test func perRequestLabelsAreRefusedWithTheReason() {
        for name in ["trace_id", "span_id", "trace.id", "traceId", "request_id", "user_id", "session_id"] {
            let message = problem { $0.labels = [name: "x"] }
            #expect(message?.contains("per request") == true, "\(name)")
            #expect(message?.contains("stream limit") == true, "\(name)")
        }
    }

    @Test func moreThanFifteenLabelsAreRefused() {
        let fourteen = Dictionary(uniqueKeysWithValues: (0..<14).map { ("l\($0)", "v") })
        #expect(problem { $0.labels = fourteen } == nil, "14 + service_name = 15")
        #expect(problem { $0.labels = fourteen; $0.levelLabel = true }?.contains("limit of 15") == true)
        #expect(problem { $0.labels = fourteen.merging(["x": "y"]) { a, _ in a } }?.contains("16 labels") == true)
    }

    @Test func labelsTheSinkSetsItselfAreRefused() {
        #expect(problem { $0.labels = ["service_name": "x"] }?.contains("serviceName") == true)
        #expect(problem { $0.labels = ["level": "x"]; $0.levelLabel = true }?.contains("set by the sink") == true)
        #expect(problem { $0.labels = ["level": "x"] } == nil)
    }

    @Test func badTenantsAndURLsAreRefused() {
        for tenant in ["a:b", "a|b", "..", "", String(repeating: "t", count: 151)] {
            #expect(problem { $0.tenant = tenant }?.contains("tenant") == true, "\(tenant)")
        }
        #expect(problem { $0.tenant = "team-a.prod_(1)" } == nil)
        #expect(problem { $0.url = URL(string: "ftp://host")! }?.contains("http") == true)
    }

    @Test func theEndpointIsThePushPath() throws {
        #expect(try LokiSink(.init(url: URL(string: "http://h:3100")!)).endpoint.absoluteString == "http://h:3100/loki/api/v1/push")
        #expect(try LokiSink(.init(url: URL(string: "https://h/gateway/")!)).endpoint.absoluteString == "https://h/gateway/loki/api/v1/push")
        #expect(try LokiSink(.init(url: URL(string: "http://h/loki/api/v1/push")!)).endpoint.absoluteString == "http://h/loki/api/v1/push")
    }

    @Test func theEnvironmentConfiguresASink() throws {
        #expect(try LokiSink.fromEnvironment([:]) == nil)
        #expect(try LokiSink.fromEnvironment(["LOKI_URL": "  "]) == nil)
        let basic = try #require(try LokiSink.fromEnvironment([
            "LOKI_URL": "http://loki:3100", "LOKI_TENANT_ID": "t1", "LOKI_USERNAME": "u", "LOKI_PASSWORD": "hunter2",
        ]))
        #expect(basic.endpoint.absoluteString == "http://loki:3100/loki/api/v1/push")
        #expect(basic.options.tenant == "t1")
        guard case .basic(let user, let password)? = basic.options.auth else { Issue.record("no basic auth"); return }
        #expect(user == "u" && password == "hunter2")
        let bearer = try #require(try LokiSink.fromEnvironment(["LOKI_URL": "http://loki:3100", "LOKI_BEARER_TOKEN": "tok"]))
        guard case .bearer("tok")? = bearer.options.auth else { Issue.record("no bearer auth"); return }
    }

    @Test func environmentErrorsNeverShowCredentials() {
        let cases: [[String: String]] = [
            ["LOKI_URL": "http://loki", "LOKI_USERNAME": "secret-user"],
            ["LOKI_URL": "http://loki", "LOKI_PASSWORD": "secret-password"],
            ["LOKI_URL": "http://loki", "LOKI_USERNAME": "secret-user", "LOKI_PASSWORD": "secret-password", "LOKI_BEARER_TOKEN": "secret-token"],
        ]
        for env in cases {
            do {
                _ = try LokiSink.fromEnvironment(env)
                Issue.record("accepted \(env.keys.sorted())")
            } catch {
                let text = "\(error)"
                #expect(text.contains("LOKI_") && !text.contains("secret"), "\(text)")
            }
        }
        #expect(!"\(LokiSink.Auth.basic(username: "secret-user", password: "secret-password"))".contains("secret"))
        #expect(!"\(LokiSink.Auth.bearer("secret-token"))".contains("secret"))
    }

    @Test func rfc3339TimestampsBecomeNanoseconds() {
        #expect(RFC3339.nanoseconds("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.nanoseconds("2026-11-22T10:00:00Z") == 1_795_341_600_000_000_000)
        #expect(RFC3339.nanoseconds("2026-11-22T10:00:00.1Z") == 1_795_341_600_100_000_000)
        #expect(RFC3339.nanoseconds("2026-11-22T10:00:00.123456Z") == 1_795_341_600_123_456_000)
        #expect(RFC3339.nanoseconds("2026-11-22T10:00:00.123456789Z") == 1_795_341_600_123_456_789)
        #expect(RFC3339.nanoseconds("2026-11-22T10:00:00.1234567891Z") == 1_795_341_600_123_456_789, "digits past 9 are cut")
        #expect(RFC3339.nanoseconds("2026-11-22T12:30:00+02:30") == 1_795_341_600_000_000_000)
        #expect(RFC3339.nanoseconds("2024-02-29T00:00:00Z") == 1_709_164_800_000_000_000)
        for bad in ["2026-11-22T10:00:00", "2026-11-22 10:00Z", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
                    "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00Zjunk", "1969-12-31T23:59:59Z", ""] {
            #expect(RFC3339.nanoseconds(bad) == nil, "\(bad)")
        }
    }
}
