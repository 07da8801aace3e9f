import Foundation
import Testing
@testable import Trail
import TrailTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The claims of SECURITY.md, one test (or a few) each: what is never logged, what cannot be
/// injected, what never shows a credential, and how much work input from the network can cause.
@Suite struct SecurityTests {
    // MARK: Redaction

    @Test(arguments: [FieldNames.openTelemetry, .elasticCommonSchema])
    func secretLookingKeysAreRedactedInCallFieldsBoundFieldsAndWithFields(names: FieldNames) async {
        let h = LogHarness(fieldNames: names)
        withFields(["session-token": "from-context"]) {
            h.logger.with(["db_password": "from-bound"]).info("login", [
                "Authorization": "Bearer abc", "api_key": "k1", "user": "ada", "Set-Cookie": "c=1",
            ])
        }
        let object = await h.objects().first ?? [:]
        for key in ["session-token", "db_password", "Authorization", "api_key", "Set-Cookie"] {
            #expect(object[key] as? String == "[REDACTED]", "\(key)")
        }
        #expect(object["user"] as? String == "ada")
        let line = h.logs.lines.first ?? ""
        for secret in ["from-context", "from-bound", "Bearer abc", "k1", "c=1"] { #expect(!line.contains(secret)) }
        // The console format and every network destination read this line, so they get the marker too.
        #expect(consoleText(line).contains("api_key=[REDACTED]"))
    }

    // MARK: Log injection

    @Test func noMessageOrFieldCanEndTheLineOrForgeAReservedKey() async {
        let h = LogHarness()
        let hostile = "x\",\"level\":\"critical\"}\n{\"forged\":1\r\u{1B}[2J\u{0}\u{7F}\u{9B}\u{2028}\u{2029}"
        h.logger.info(hostile, ["level": "forged", "trace_id": "forged", "note": hostile])
        let objects = await h.objects()
        #expect(objects.count == 1 && h.logs.lines.count == 1)
        let line = h.logs.lines.first ?? ""
        #expect(!line.dropLast().contains("\n") && !line.contains("\r") && !line.contains("\u{1B}"))
        #expect(!line.contains("\u{2028}") && !line.contains("\u{2029}") && !line.contains("\u{9B}"))
        let object = objects.first ?? [:]
        #expect(object["level"] as? String == "info")
        #expect(object["message"] as? String == hostile)
        #expect(object["fields.level"] as? String == "forged" && object["fields.trace_id"] as? String == "forged")
        #expect(object["forged"] == nil && object["trace_id"] == nil)
    }

    /// True when `text` holds no byte that a terminal acts on (C0 other than the final newline, DEL, C1).
    static func isInert(_ text: String) -> Bool {
        !text.dropLast().unicodeScalars.contains { ($0.value < 0x20 && $0 != "\t") || (0x7F...0x9F).contains($0.value) }
    }

    @Test func theConsoleFormatShowsControlCharactersOfAJSONLineVisibly() {
        let line = #"{"timestamp":"2026-11-22T10:04:05.123Z","level":"info\u001b[5m","message":"a\u001b]0;title\u0007b\rc\bd\u009b1m","k\u001b":"v\u001b[31m","logger":"l\u001b","trace_id":"\u001b[2J"}"#
        let text = consoleText(line)
        #expect(Self.isInert(text), "\(text.debugDescription)")
        #expect(text.contains(#"a\u001b]0;title\u0007b\rc\bd\u009b1m"#))
    }

    @Test func aLineThatIsNotJSONPassesThroughWithItsControlCharactersMadeVisible() {
        let text = consoleText("plain \u{1B}[31mred\u{1B}]8;;http://x\u{7}link\r\u{8}\u{9B}2J\ttab\n")
        #expect(text == #"plain \u001b[31mred\u001b]8;;http://x\u0007link\u000d\u0008\u009b2J"# + "\ttab\n")
        #expect(Self.isInert(text))
        // Invalid UTF-8 (a lone 8-bit CSI byte) is shown as U+FFFD; plain text stays exactly as it was.
        var out: [UInt8] = []
        ([0x61, 0x9B, 0x32, 0x4A] as [UInt8]).withUnsafeBytes { ConsoleFormatter(colors: false).format($0, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "a\u{FFFD}2J\n")
        #expect(consoleText("just text, with \"quotes\" and \\ and ünïcode\n") == "just text, with \"quotes\" and \\ and ünïcode\n")
    }

    @Test func trailShowOnATerminalShowsSpanNamesServicesStatusAndLogsInert() throws {
        let hostile = "n\u{1B}[2J\r\u{9B}x"
        let span = TraceFixtures.span(hostile, id: 1, parent: nil, startMs: 0, endMs: 5, service: hostile, status: .error(description: hostile))
        let log = TraceView.LogEntry(
            time: span.startTimeUnixNano, spanID: SpanID(1),
            line: Array(#"{"timestamp":"2026-11-22T10:04:05.1Z","level":"info","message":"m\u001b[2J","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}"#.utf8))
        let rawLog = TraceView.LogEntry(time: span.startTimeUnixNano, spanID: SpanID(1), line: Array("raw \u{1B}[2J 4bf92f3577b34da6a3ce929d0e0e4736".utf8))
        let view = TraceView(traceID: try #require(TraceID(hex: TraceFixtures.trace)), spans: [span], logs: [log, rawLog])
        let text = TraceWaterfall(colors: false).render(view)
        let active = text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
        #expect(active.isEmpty, "\(text.debugDescription)")
    }

    @Test func theHTMLViewerEmbedsEveryStringFromTheTraceAsInertData() throws {
        let hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)><!-- \u{2028}"
        let span = TraceFixtures.span(
            hostile, id: 1, parent: nil, startMs: 0, endMs: 5, service: hostile, status: .error(description: hostile),
            attributes: [hostile: .string(hostile)], events: [SpanEvent(name: hostile, timeUnixNano: 1, attributes: [hostile: .string(hostile)])])
        var encoder = JSONLineEncoder()
        encoder.appendString(hostile)
        let message = String(decoding: encoder.bytes, as: UTF8.self)
        let log = TraceView.LogEntry(
            time: span.startTimeUnixNano, spanID: SpanID(1),
            line: Array(#"{"timestamp":"2026-11-22T10:04:05.1Z","level":"info","message":\#(message),"k":\#(message),"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}"#.utf8))
        let page = TraceHTMLPage.render(TraceView(traceID: try #require(TraceID(hex: TraceFixtures.trace)), spans: [span], logs: [log]))
        // Only the page's own two script elements open and close; nothing from the trace is markup.
        #expect(page.components(separatedBy: "<script").count - 1 == 2)
        #expect(page.components(separatedBy: "</script>").count - 1 == 2)
        #expect(!page.contains("<img") && !page.contains("<!--") && !page.contains("\u{2028}"))
        // The data is still all there, for the script to show with textContent.
        let start = try #require(page.range(of: #"<script id="trace-data" type="application/json">"#))
        let end = try #require(page.range(of: "</script>", range: start.upperBound..<page.endIndex))
        let data = try JSONSerialization.jsonObject(with: Data(page[start.upperBound..<end.lowerBound].utf8)) as? [String: Any]
        let spans = data?["spans"] as? [[String: Any]] ?? []
        let name = spans.first?["name"] as? String
        #expect(name == hostile)
        let script: String = TraceHTMLTemplate.script
        #expect(!script.contains("innerHTML") && !script.contains("eval("))
    }

    @Test func diagnosticsOnStderrStayOneInertLine() {
        let line = String(decoding: Diagnostics.stderrLine("server said: bad\n\u{1B}[2Jthing\r"), as: UTF8.self)
        #expect(line == #"trail: server said: bad\u000a\u001b[2Jthing\u000d"# + "\n")
    }

    // MARK: Credentials of Trail's own destinations

    @Test func userInfoIsRedactedFromURLTextInMessages() {
        #expect(HTTPEndpoint.redactingUserInfo(in: "https://user:hunter2@host:4318/x?q=1") == "https://REDACTED@host:4318/x?q=1")
        #expect(HTTPEndpoint.redactingUserInfo(in: "ftp://a@b@host") == "ftp://REDACTED@host")
        #expect(HTTPEndpoint.redactingUserInfo(in: "http://host/p@th") == "http://host/p@th")
        #expect(HTTPEndpoint.redactingUserInfo(in: "not a url") == "not a url")
        var reports: [String] = []
        _ = OTLPExporterConfiguration.fromEnvironment(
            signal: .traces, environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://me:hunter2@collector:4318"]) { reports.append($0) }
        #expect(reports.count == 1 && !reports[0].contains("hunter2"))
    }

    @Test func printingOrDumpingADestinationsConfigurationShowsNoSecret() throws {
        let secretURL = try #require(URL(string: "https://me:hunter2@example.com:3100"))
        var texts: [String] = []
        func add(_ value: some Any) {
            texts.append(String(describing: value))
            texts.append(String(reflecting: value))
            var dumped = ""
            dump(value, to: &dumped)
            texts.append(dumped)
        }
        add(HTTPCredentials.basic(username: "me", password: "hunter2"))
        add(HTTPCredentials.bearer("hunter2"))
        add(OTLPExporterConfiguration(endpoint: secretURL, signalEndpoint: secretURL, headers: [("Authorization", "Bearer hunter2"), ("x-api-key", "hunter2")]))
        add(ZipkinExporter.Options(endpoint: secretURL, headers: [("Authorization", "hunter2")]))
        add(LokiSink.Options(url: secretURL, auth: .bearer("hunter2"), headers: ["X-Token": "hunter2"]))
        add(ElasticsearchSink.Options(url: secretURL, credentials: .apiKey("hunter2"), headers: ["Authorization": "hunter2"]))
        let loki = try LokiSink(LokiSink.Options(url: secretURL))
        add(loki.options)
        for text in texts { #expect(!text.contains("hunter2"), "\(text)") }
        #expect(texts.contains { $0.contains("Authorization: <redacted>") })
    }

    @Test func networkErrorMessagesNameTheEndpointWithoutUserInfoOrQuery() throws {
        let poster = HTTPPoster(url: try #require(URL(string: "http://me:hunter2@127.0.0.1:9/v1/traces?key=hunter2")), gzip: false, timeout: .seconds(1))
        defer { poster.invalidate() }
        #expect(poster.displayURL == "http://127.0.0.1:9/v1/traces")
        let failure = poster.failure(.init(status: 401, headers: [:], body: Array("denied".utf8)), retryable: { _ in false }, what: "1 span")
        #expect(!"\(failure)".contains("hunter2"))
    }

    @Test func credentialsOverPlainHTTPToAnotherMachineAreWarnedAbout() throws {
        func warning(_ url: String, _ headers: [(name: String, value: String)] = []) throws -> String? {
            HTTPEndpoint.plainHTTPCredentialsWarning(url: try #require(URL(string: url)), headers: headers)
        }
        let auth = [(name: "Authorization", value: "Basic aHVudGVyMg==")]
        let text = try #require(try warning("http://loki.internal:3100/loki/api/v1/push", auth))
        #expect(text.contains("loki.internal") && text.contains("Authorization") && !text.contains("aHVudGVyMg"))
        #expect(try warning("http://me:hunter2@collector:4318")?.contains("hunter2") == false)
        #expect(try warning("http://collector:4318", [(name: "api-key", value: "x")]) != nil)
        #expect(try warning("https://loki.internal", auth) == nil)
        #expect(try warning("http://localhost:3100", auth) == nil)
        #expect(try warning("http://127.0.0.1:3100", auth) == nil)
        #expect(try warning("http://[::1]:3100", auth) == nil)
        #expect(try warning("http://loki.internal", [(name: "X-Scope-OrgID", value: "tenant")]) == nil)
    }

    // MARK: Input from the network

    @Test func secretLookingQueryValuesAreRedactedInServerAndClientSpans() throws {
        #expect(HTTPConventions.redactedQuery("q=shoes&access_token=abc&API-KEY=k&pass%77ord=p&page=2&sig=s")
            == "q=shoes&access_token=REDACTED&API-KEY=REDACTED&pass%77ord=REDACTED&page=2&sig=REDACTED")
        #expect(HTTPConventions.redactedQuery("q=1&tokenless") == "q=1&tokenless")
        let url = try #require(URL(string: "https://u:p@api.example.com/v1?client_secret=xyz&id=7"))
        #expect(HTTPConventions.fullURL(url) == "https://REDACTED:REDACTED@api.example.com/v1?client_secret=REDACTED&id=7")
    }

    @Test func aServerSpanRecordsNoRequestHeaderButHostAndUserAgent() async throws {
        let harness = HTTPHarness()
        let headers: HTTPHeaderList = [
            ("Host", "api.example.com"), ("User-Agent", "curl/8"), ("Authorization", "Bearer hunter2"),
            ("Cookie", "session=hunter2"), ("baggage", "user.password=hunter2"),
        ]
        await harness.server().handle(HTTPServerRequest(method: "GET", route: "/login", target: "/login?password=hunter2&x=1"), headers: headers) { _ in }
        let span = try harness.span(named: "GET /login")
        #expect(!"\(span.attributes)".contains("hunter2"), "\(span.attributes)")
        #expect(span.attributes["url.query"] == "password=REDACTED&x=1")
    }

    @Test func aHugeTracestateHeaderIsRejectedAfterAtMost33Members() {
        let members = (0..<200_000).map { "k\($0)=v" }.joined(separator: ",")
        #expect(TraceState(headerValue: members) == nil)
        #expect(TraceState(headerValue: String(repeating: ",", count: 1_000_000) + "a=1")?.headerValue == "a=1")
        #expect(TraceState(headerValue: "a=" + String(repeating: "x", count: 1_000_000)) == nil)
    }

    @Test func aHugeBaggageHeaderIsReadOnlyUpToTheGrammarsMemberLimit() {
        let header = (0..<200_000).map { "k\($0)=v" }.joined(separator: ",")
        let baggage = Baggage(headerValue: header)
        #expect(baggage.count == Baggage.maximumMembers)
        #expect(baggage.entries.first?.key == "k0" && baggage.entries.last?.key == "k63")
        // A member too large to propagate is skipped undecoded; the members around it are kept.
        let big = Baggage(headerValue: "a=1,huge=" + String(repeating: "%41", count: 100_000) + ",b=2")
        #expect(big.entries.map(\.key) == ["a", "b"])
        // Within the limits (64 members, 8192 bytes) everything is kept, as the spec requires.
        let full = (0..<64).map { "key\($0)=" + String(repeating: "v", count: 100) }.joined(separator: ",")
        #expect(Baggage(headerValue: full).count == 64)
    }

    @Test func hugeB3AndJaegerHeadersAreRejectedWithoutSplittingThemWhole() {
        let dashes = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-" + String(repeating: "-", count: 1_000_000)
        guard case .malformed = B3Propagator.parseSingle(dashes) else {
            Issue.record("a b3 header with a million dashes was accepted")
            return
        }
        #expect(JaegerPropagator.parseTraceHeader("1:2:0:1" + String(repeating: ":", count: 1_000_000)) == nil)
        var headers = HTTPHeaderList()
        for i in 0..<5_000 { headers.append("uberctx-k\(i)", "v") }
        headers.append("uberctx-big", String(repeating: "x", count: 100_000))
        let context = JaegerPropagator().extract(from: headers, into: Context())
        #expect(context.baggage.count == Baggage.maximumMembers)
        #expect(context.baggage.entry(forKey: "big") == nil)
    }

    // MARK: Files

    @Test func aNewLogFileIsNeitherGroupNorWorldWritable() async throws {
        let temporary = try TemporaryDirectory()
        let directory = temporary.file("logs")  // FileSink makes it
        let sink = try FileSink(path: directory + "/app.log")
        try sink.write(encodedLines: Array("{\"message\":\"x\"}\n".utf8))
        await sink.shutdown()
        var status = stat()
        #expect(stat(directory + "/app.log", &status) == 0)
        #expect(status.st_mode & 0o022 == 0 && status.st_mode & 0o600 == 0o600)
        #expect(stat(directory, &status) == 0 && status.st_mode & 0o022 == 0)
    }
}
