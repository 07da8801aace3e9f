import Foundation
@testable import Trail

/// One HTTP request a ``LoopbackReceiver`` read, with what it answered.
struct RecordedRequest: Sendable {
    var method: String
    /// The request target as sent (path and query).
    var target: String
    /// Header fields in the order received, names as sent.
    var headers: [(name: String, value: String)]
    /// The body as it arrived (chunked framing removed, still compressed).
    var body: [UInt8]
    /// When the request's head arrived.
    var receivedAt: ContinuousClock.Instant
    /// Which accepted connection carried it (0, 1, …): shows connection reuse.
    var connection: Int
    /// What the validator objected to, if a validator is set and it did.
    var rejection: String?
    /// The status answered (`nil` for a reset or a hang).
    var answeredStatus: Int?

    /// The path without the query.
    var path: String { String(target.prefix { $0 != "?" }) }

    /// The first value of the header `name`, compared case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body decoded per `Content-Encoding` (`gzip`, `deflate`, none). Throws on an encoding it
    /// does not know and on corrupt data.
    func decodedBody() throws -> [UInt8] {
        switch header("Content-Encoding")?.lowercased().trimmingCharacters(in: .whitespaces) {
        case nil, "", "identity": return body
        case "gzip": return try Gzip.decompress(body, maxSize: 256 << 20)
        case "deflate": return try Inflate.deflate(body, maxSize: 256 << 20)
        case let other?: throw ReceiverFailure("Content-Encoding \(other) is not supported")
        }
    }

    /// ``decodedBody()`` as UTF-8 text ("" when it cannot be decoded).
    var decodedText: String { (try? decodedBody()).map { String(decoding: $0, as: UTF8.self) } ?? "" }
}

/// How a ``LoopbackReceiver`` answers one request.
struct ScriptedAnswer: Sendable {
    enum Action: Sendable {
        /// Answers with this status, these headers and this body.
        case respond(status: Int, headers: [(String, String)], body: [UInt8])
        /// Closes the connection without answering, with a TCP reset (SO_LINGER 0).
        case reset
        /// Never answers (until the receiver stops).
        case hang
    }

    var action: Action
    /// Waits this long before acting.
    var delay: Duration = .zero

    /// An answer with `status`, `headers` and a text `body`.
    static func status(_ status: Int, headers: [(String, String)] = [], body: String = "") -> ScriptedAnswer {
        ScriptedAnswer(action: .respond(status: status, headers: headers, body: Array(body.utf8)))
    }

    static var reset: ScriptedAnswer { ScriptedAnswer(action: .reset) }
    static var hang: ScriptedAnswer { ScriptedAnswer(action: .hang) }

    /// This answer, given after `delay`.
    func delayed(by delay: Duration) -> ScriptedAnswer {
        var copy = self
        copy.delay = delay
        return copy
    }
}

/// Checks requests for one protocol (Loki push, OTLP, Elasticsearch, Zipkin): returns the answer a
/// real server would give to a broken request, or `nil` when the request is valid. A validator may
/// also make the answer to a valid request (Elasticsearch's per-item `_bulk` answer); without one,
/// valid requests get the receiver's script or default answer.
struct RequestValidator: Sendable {
    let name: String
    let check: @Sendable (RecordedRequest) -> ScriptedAnswer?
    var accept: (@Sendable (RecordedRequest) -> ScriptedAnswer)? = nil

    /// What `request` breaks, with the answer for it; `nil` if nothing.
    func rejection(of request: RecordedRequest) -> ScriptedAnswer? { check(request) }
}

struct ReceiverFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
