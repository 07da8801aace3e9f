import Foundation
import Testing
@testable import Trail

@Suite(.enabled(if: TrailProcess.executable != nil))
struct TrailCommandShowTests {
    typealias F = TraceFixtures

    /// A root with two children (one failing, with a grandchild), an orphan whose parent was never
    /// exported, a span of another trace; log lines of three spans, one of no span.
    static func makeTrace(in dir: TemporaryDirectory, name: String = "GET /checkout") throws {
        let exporter = try JSONLinesSpanExporter(path: dir.file("spans.jsonl"))
        try exporter.writeSynchronously([
            F.span("load cart", id: 2, parent: 1, startMs: 1, endMs: 4),
            F.span("charge", id: 3, parent: 1, startMs: 5, endMs: 9, service: "payments", status: .error(description: "card declined"),
                   attributes: ["card.last4": "0002", "retries": 2, "amount": 12.5, "tags": .stringArray(["a", "b"])],
                   events: [SpanEvent(name: "exception", timeUnixNano: 1_795_341_845_008_000_000, attributes: ["exception.type": "CardDeclined"])]),
            F.span("fraud check", id: 4, parent: 3, startMs: 6, endMs: 8, service: "payments"),
            F.span(name, id: 1, parent: nil, startMs: 0, endMs: 10),
            F.span("late callback", id: 9, parent: 77, startMs: 11, endMs: 12, service: "webhooks"),
            F.span("other trace", id: 5, parent: nil, startMs: 0, endMs: 1, trace: F.other),
        ])
        try F.write([
            F.otelLine(time: F.time(ms: 0), span: "0000000000000001", message: "checkout started"),
            F.otelLine(time: F.time(ms: 9), span: "0000000000000001", message: "checkout failed"),
            F.otelLine(time: F.time(ms: 2), span: "0000000000000002", message: "cart loaded"),
        ], to: dir.file("logs/frontend.log"))
        try F.write([
            F.ecsLine(time: F.time(ms: 7), span: "0000000000000003", message: "payment declined"),
            F.otelLine(time: F.time(ms: 13), span: "00000000000000aa", message: "outside any span"),
        ], to: dir.file("logs/payments.log.gz"), gzip: true)
    }

    @Test func showDrawsTheWaterfallWithEachLogLineUnderItsSpan() async throws {
        let dir = try TemporaryDirectory()
        try Self.makeTrace(in: dir)
        let result = try await TrailCommand.run(["show", F.trace, "--spans", dir.file("spans.jsonl"), "--logs", dir.file("logs")])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdoutLines
        #expect(lines.first == "trace \(F.trace)  5 spans, 3 services, 12.0 ms")
        // Spans in tree order, indented by depth; each log line right under its span.
        let order = ["GET /checkout", "checkout started", "checkout failed", "  load cart", "cart loaded", "  charge", "payment declined",
                     "    fraud check", "late callback", "outside any span"]
        var position = 0
        for needle in order {
            let index = try #require(lines.indices.first { $0 >= position && lines[$0].contains(needle) }, "\(needle) missing or out of order:\n\(result.stdout)")
            position = index + 1
        }
        let charge = try #require(lines.first { $0.contains("  charge") })
        #expect(charge.contains("✗ card declined"))
        #expect(charge.contains("4.0 ms"))
        #expect(charge.hasPrefix("  payments"))
        #expect(try #require(lines.first { $0.contains("late callback") }).contains("(parent 000000000000004d not found)"))
        #expect(lines.contains("log lines of the trace outside the spans shown:"))
        #expect(!result.stdout.contains("other trace"))
        // The bar of the root spans the whole width of its part of the trace.
        #expect(try #require(lines.first { $0.contains("GET /checkout") }).contains(String(repeating: "█", count: 26)))
    }

    @Test func showWithNothingFoundExits1AndAMissingSpanFileExits2() async throws {
        let dir = try TemporaryDirectory()
        try Self.makeTrace(in: dir)
        let none = try await TrailCommand.run(["show", "ffffffffffffffffffffffffffffffff", "--spans", dir.file("spans.jsonl")])
        #expect(none.status == 1)
        #expect(none.stderr.contains("nothing of trace ffffffffffffffffffffffffffffffff"))
        let missing = try await TrailCommand.run(["show", F.trace, "--spans", dir.file("nope.jsonl"), "--logs", dir.file("logs")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.jsonl: No such file or directory"))
        #expect(missing.stdout.contains("checkout started"))  // the logs are still shown
    }

    static let hostileName = #"</script><script>document.body.dataset.pwned="1"</script><!-- & "quotes" 'single' \u2028"#

    @Test func theHTMLPageEmbedsEverythingAsEscapedJSON() async throws {
        let dir = try TemporaryDirectory()
        try Self.makeTrace(in: dir, name: Self.hostileName)
        let out = dir.file("trace.html")
        let result = try await TrailCommand.run(["show", F.trace, "--spans", dir.file("spans.jsonl"), "--logs", dir.file("logs"), "--html", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("wrote \(out): 5 spans, 5 log lines"))
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!html.contains("pwned=\"1\"</script>"))
        #expect(!html.contains("<script>document"))
        #expect(html.contains(#"\u003c/script\u003e\u003cscript\u003edocument.body.dataset.pwned"#))
        #expect(!html.contains("http://") && !html.contains("https://"))  // nothing from the network
        #expect(html.components(separatedBy: "<script").count == 3)  // the data and the page's own script
    }

    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: chromium != nil), .timeLimit(.minutes(2)))
    func theHTMLPageRendersEverySpanInHeadlessChromiumWithoutScriptErrors() async throws {
        let dir = try TemporaryDirectory()
        try Self.makeTrace(in: dir, name: Self.hostileName)
        let out = dir.file("trace.html")
        let result = try await TrailCommand.run(["show", F.trace, "--spans", dir.file("spans.jsonl"), "--logs", dir.file("logs"), "--html", out])
        #expect(result.status == 0)
        let dom = try await onOwnThread { try Self.dumpDOM(URL(fileURLWithPath: out), profile: dir.file("profile")) }

        let body = try #require(dom.range(of: "<body[^>]*>", options: .regularExpression).map { String(dom[$0]) }, "\(dom.prefix(500))")
        #expect(body.contains(#"data-rendered="5""#))
        #expect(!body.contains("data-errors"))
        #expect(!body.contains("pwned"))
        for id in ["0000000000000001", "0000000000000002", "0000000000000003", "0000000000000004", "0000000000000009"] {
            #expect(dom.contains(#"data-span-id="\#(id)""#))
        }
        #expect(dom.contains("card declined"))  // the failing span is selected: its details are shown
        #expect(dom.contains("payment declined"))  // with its log line
        #expect(dom.contains("exception"))  // and its event
    }

    /// `chromium --headless --dump-dom`, killed after 60 s.
    static func dumpDOM(_ url: URL, profile: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium!)
        process.arguments = ["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--user-data-dir=\(profile)", "--dump-dom", url.absoluteString]
        let dom = (profile as NSString).deletingLastPathComponent + "/dom.html"
        _ = FileManager.default.createFile(atPath: dom, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: dom))
        defer { try? out.close() }
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            // Chromium's helper processes may still write to the profile for a moment after it exits.
            for _ in 0..<50 where FileManager.default.fileExists(atPath: profile) {
                try? FileManager.default.removeItem(atPath: profile)
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TrailCommand.TimedOut(arguments: ["chromium"])
        }
        return try String(contentsOfFile: dom, encoding: .utf8)
    }
}
