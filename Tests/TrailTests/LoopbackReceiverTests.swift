import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import CZlib
import Testing
@testable import Trail

/// POSTs `body` to `url` with `headers`; the status and body, or the error.
///
/// Without a `session`, each call uses a fresh one: a shared session could reuse a pooled
/// connection to an earlier receiver that had the same ephemeral port, and fail with a broken pipe.
func postForTest(_ url: URL, body: [UInt8], headers: [String: String] = ["Content-Type": "application/json"],
                 session: URLSession? = nil) async -> Result<(Int, String), any Error> {
    let own = session == nil ? URLSession(configuration: .ephemeral) : nil
    defer { own?.finishTasksAndInvalidate() }
    let session = session ?? own!
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    request.timeoutInterval = 5
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    request.httpBody = Data(body)
    do {
        let (data, response) = try await session.data(for: request)
        return .success(((response as? HTTPURLResponse)?.statusCode ?? -1, String(decoding: data, as: UTF8.self)))
    } catch {
        return .failure(error)
    }
}

/// Sends `raw` on a fresh connection to 127.0.0.1:`port` and returns everything read until the
/// server closes or 2 s pass (runs on a thread of its own).
func rawExchange(port: Int, _ raw: String) async throws -> String {
    try await onOwnThread {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ReceiverFailure("connect failed: errno \(errno)") }
        let bytes = Array(raw.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        let end = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < end {
            guard LoopbackReceiver.waitReadable(fd, milliseconds: 50) else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received.append(contentsOf: chunk[..<count])
        }
        return String(decoding: received, as: UTF8.self)
    }
}

/// A valid Loki push body with one stream.
func lokiBody(labels: String = #"{"service_name":"checkout"}"#, values: String = #"[["1700000000123456789","hello"]]"#) -> [UInt8] {
    Array(#"{"streams":[{"stream":\#(labels),"values":\#(values)}]}"#.utf8)
}

@Suite struct LoopbackReceiverTests {
    @Test func scriptedAnswersAreUsedInOrderThenTheDefault() async throws {
        let receiver = try LoopbackReceiver(script: [
            .status(503), .status(429, headers: [("Retry-After", "1")]), .status(400, body: "bad line"),
        ])
        defer { receiver.stop() }
        let url = receiver.baseURL.appendingPathComponent("x")
        var statuses: [Int] = []
        for _ in 0..<4 {
            if case .success(let (status, _)) = await postForTest(url, body: Array("a".utf8)) { statuses.append(status) }
        }
        #expect(statuses == [503, 429, 400, 204])
        let requests = receiver.requests
        #expect(requests.count == 4)
        #expect(requests.map(\.answeredStatus) == [503, 429, 400, 204])
        #expect(requests.first?.method == "POST" && requests.first?.path == "/x")
        #expect(requests.first?.body == Array("a".utf8))
    }

    @Test func answersCarryTheirHeadersAndBody() async throws {
        let receiver = try LoopbackReceiver(defaultAnswer: .status(429, headers: [("Retry-After", "7")], body: "slow down"))
        defer { receiver.stop() }
        var request = URLRequest(url: receiver.baseURL)
        request.httpMethod = "POST"
        request.httpBody = Data("x".utf8)
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 429)
        #expect(http.value(forHTTPHeaderField: "retry-after") == "7")
        #expect(String(decoding: data, as: UTF8.self) == "slow down")
    }

    @Test func headersAreMatchedCaseInsensitivelyAndGzipBodiesDecoded() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let text = String(repeating: "compress me ", count: 100)
        _ = await postForTest(receiver.baseURL, body: try Gzip.compress(Array(text.utf8)),
                              headers: ["Content-Encoding": "gzip", "X-Scope-OrgID": "team-a"])
        let request = try #require(receiver.requests.first)
        #expect(request.header("x-scope-orgid") == "team-a" && request.header("CONTENT-ENCODING") == "gzip")
        #expect(request.body.count < text.utf8.count)
        #expect(request.decodedText == text)
    }

    @Test func deflateBodiesAreDecoded() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let text = String(repeating: "deflate me ", count: 50)
        var compressed = [UInt8](repeating: 0, count: 4096)
        var length = uLongf(compressed.count)
        let source = Array(text.utf8)
        #expect(compress2(&compressed, &length, source, uLong(source.count), Z_BEST_COMPRESSION) == Z_OK)
        _ = await postForTest(receiver.baseURL, body: Array(compressed[..<Int(length)]), headers: ["Content-Encoding": "deflate"])
        let request = try #require(receiver.requests.first)
        #expect(request.body.count < source.count && request.decodedText == text)
    }

    @Test func severalRequestsShareOneConnection() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        for i in 0..<3 { _ = await postForTest(receiver.baseURL, body: Array("\(i)".utf8), session: session) }
        let requests = receiver.requests
        #expect(requests.map { String(decoding: $0.body, as: UTF8.self) } == ["0", "1", "2"])
        #expect(Set(requests.map(\.connection)).count == 1, "kept alive")
    }

    @Test func pipelinedAndChunkedRequestsAreRead() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let raw = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n"
            + "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        let answer = try await rawExchange(port: receiver.port, raw)
        #expect(answer.components(separatedBy: "HTTP/1.1 204").count == 4)
        let requests = receiver.requests
        #expect(requests.map(\.path) == ["/a", "/b", "/c"])
        #expect(requests.map { String(decoding: $0.body, as: UTF8.self) } == ["abc", "wikipedia", ""])
    }

    @Test func aResetClosesTheConnectionWithoutAnAnswer() async throws {
        let receiver = try LoopbackReceiver(script: [.reset])
        defer { receiver.stop() }
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        let first = await postForTest(receiver.baseURL, body: [1], session: session)
        #expect(throws: (any Error).self) { try first.get() }
        let second = await postForTest(receiver.baseURL, body: [2], session: session)
        #expect((try? second.get().0) == 204)
        #expect(receiver.requests.map(\.answeredStatus) == [nil, 204])
    }

    @Test func aDelayedAnswerComesLateAndAHangEndsAtStop() async throws {
        let receiver = try LoopbackReceiver(script: [ScriptedAnswer.status(202).delayed(by: .milliseconds(200)), .hang])
        let start = ContinuousClock.now
        let first = await postForTest(receiver.baseURL, body: [1])
        #expect((try? first.get().0) == 202)
        #expect(ContinuousClock.now - start >= .milliseconds(200))
        let hanging = Task { await postForTest(receiver.baseURL, body: [2]) }
        _ = await receiver.waitForRequests(2, timeout: .seconds(5))
        let stopStart = ContinuousClock.now
        receiver.stop()
        // stop() waits up to 2 s for its threads; the hanging request's error below is the proof.
        #expect(ContinuousClock.now - stopStart < .seconds(10), "stop ends a hang")
        let result = await hanging.value
        #expect(throws: (any Error).self) { try result.get() }
    }

    @Test func aSecondStopLeavesOtherReceiversAlone() async throws {
        let first = try LoopbackReceiver()
        first.stop()
        for _ in 0..<200 where first.state.withLock({ $0.threads > 0 }) { try await Task.sleep(for: .milliseconds(5)) }
        let second = try LoopbackReceiver()  // likely gets the first one's descriptor numbers
        defer { second.stop() }
        first.stop()
        #expect((try? await postForTest(second.baseURL, body: [1]).get().0) == 204)
    }

    @Test func aChosenPortIsUsedAndFreedAtStop() async throws {
        let port = try LoopbackReceiver.unusedPort()
        let refused = await postForTest(URL(string: "http://127.0.0.1:\(port)/")!, body: [1])
        #expect(throws: (any Error).self) { try refused.get() }
        let receiver = try LoopbackReceiver(port: port)
        #expect(receiver.port == port)
        let accepted = await postForTest(receiver.baseURL, body: [1])
        #expect((try? accepted.get().0) == 204)
        receiver.stop()
        let again = try LoopbackReceiver(port: port)
        again.stop()
    }
}

@Suite struct LoopbackReceiverLokiValidationTests {
    private let push = "/loki/api/v1/push"

    /// The status and message the Loki validator answers to `body` sent with `headers`.
    private func answer(
        _ body: [UInt8], path: String = "/loki/api/v1/push", requireTenant: Bool = false,
        headers: [String: String] = ["Content-Type": "application/json"]
    ) async throws -> (Int, String) {
        let receiver = try LoopbackReceiver(validator: .lokiPush(requireTenant: requireTenant))
        defer { receiver.stop() }
        return try await postForTest(URL(string: "http://127.0.0.1:\(receiver.port)\(path)")!, body: body, headers: headers).get()
    }

    @Test func aValidPushIsAcceptedWith204() async throws {
        let metadata = #"[["1700000000123456789","{\"a\":1}",{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}],["1700000000123456790","b"]]"#
        #expect(try await answer(lokiBody(values: metadata)).0 == 204)
        #expect(try await answer(lokiBody(), headers: ["Content-Type": "application/json; charset=utf-8"]).0 == 204)
        #expect(try await answer(try Gzip.compress(lokiBody()),
                                 headers: ["Content-Type": "application/json", "Content-Encoding": "gzip"]).0 == 204)
        #expect(try await answer(lokiBody(), requireTenant: true,
                                 headers: ["Content-Type": "application/json", "X-Scope-OrgID": "team-a.prod"]).0 == 204)
    }

    @Test func requestLevelRulesAreEnforced() async throws {
        #expect(try await answer(lokiBody(), path: "/loki/api/v1/other").0 == 404)
        #expect(try await answer(lokiBody(), headers: [:]).0 == 400, "Content-Type is required")
        #expect(try await answer(lokiBody(), headers: ["Content-Type": "application/json", "Content-Encoding": "br"]).1
            .contains("Content-Encoding br not supported"))
        #expect(try await answer(lokiBody(), requireTenant: true) == (401, "no org id\n"))
        for tenant in ["a:b", "..", "a|b", String(repeating: "t", count: 151)] {
            #expect(try await answer(lokiBody(), headers: ["Content-Type": "application/json", "X-Scope-OrgID": tenant]).0 == 400, "\(tenant)")
        }
        #expect(try await answer(Array("{not json".utf8)).0 == 400)
    }

    @Test func eachBrokenStreamRuleIsRejectedWithAMessage() async throws {
        let manyLabels = "{" + (0..<16).map { #""l\#($0)":"v""# }.joined(separator: ",") + "}"
        let cases: [(body: [UInt8], message: String)] = [
            (lokiBody(labels: "{}"), "at least one label pair"),
            (lokiBody(labels: #"{"service.name":"x"}"#), "invalid label name"),
            (lokiBody(labels: #"{"1abc":"x"}"#), "invalid label name"),
            (lokiBody(labels: manyLabels), "more than the limit of 15"),
            (lokiBody(labels: #"{"a":"x","a":"y"}"#), "duplicate label name"),
            (lokiBody(labels: #"{"a":"\#(String(repeating: "v", count: 2049))"}"#), "value longer than 2048"),
            (lokiBody(labels: #"{"\#(String(repeating: "n", count: 1025))":"x"}"#), "name longer than 1024"),
            (lokiBody(values: #"[[1700000000123456789,"line"]]"#), "as a string"),
            (lokiBody(values: #"[["17000000001.5","line"]]"#), "not a number of nanoseconds"),
            (lokiBody(values: #"[["1700000000123456789","\#(String(repeating: "x", count: 256_001))"]]"#), "max_line_size"),
            (lokiBody(values: #"[["1700000000123456789","line",{"a":{"b":"c"}}]]"#), "no nested objects"),
            (lokiBody(values: #"[["1700000000123456789","line",{"a":1}]]"#), "must be a string"),
            (lokiBody(values: #"[["1700000000123456789"]]"#), "an entry must be"),
            (lokiBody(values: #"[["1700000000123456789","line",{\#((0..<129).map { #""k\#($0)":"v""# }.joined(separator: ","))}]]"#),
             "more than the limit of 128"),
            (lokiBody(values: #"[["1700000000123456789","line",{"k":"\#(String(repeating: "v", count: 64_000))"}]]"#),
             "larger than the limit of 64000"),
            (Array(#"{"streams":{}}"#.utf8), "no \"streams\" array"),
        ]
        for (body, message) in cases {
            let (status, text) = try await answer(body)
            #expect(status == 400 && text.contains(message), "\(message): got \(status) \(text)")
        }
    }

    @Test func aRejectionIsRecordedAndAScriptedAnswerStillWins() async throws {
        let receiver = try LoopbackReceiver(validator: .lokiPush(requireTenant: false), script: [.status(503)])
        defer { receiver.stop() }
        let url = receiver.baseURL.appendingPathComponent("loki/api/v1/push")
        #expect(try await postForTest(url, body: lokiBody(labels: "{}")).get().0 == 503)
        #expect(try await postForTest(url, body: lokiBody(labels: "{}")).get().0 == 400)
        #expect(receiver.requests.allSatisfy { $0.rejection?.contains("at least one label pair") == true })
    }
}
