import Foundation
@testable import Trail

/// What a ``LoopbackReceiver`` saw, counted rather than kept: for long runs (the soak test), where
/// keeping every request body would make the test's memory grow with its length.
struct ReceiverTally: Sendable {
    /// Requests read, whatever their answer.
    var requests = 0
    /// Their bodies' bytes, as sent (compressed).
    var bodyBytes = 0
    /// Requests answered with each status.
    var statuses: [Int: Int] = [:]
    /// Requests answered with a reset or a hang (no status).
    var unanswered = 0
    /// Requests the validator refused (must stay 0 for a correct client).
    var rejected = 0
    /// Requests whose 2xx answer was sent in full (``LoopbackReceiver/delivered(_:)``).
    var delivered = 0
    /// Items (log entries, spans, log records) in those requests, by request path.
    var items: [String: Int] = [:]

    mutating func note(_ request: RecordedRequest) {
        requests += 1
        bodyBytes += request.body.count
        if request.rejection != nil { rejected += 1 }
        if let status = request.answeredStatus { statuses[status, default: 0] += 1 } else { unanswered += 1 }
    }
}

extension LoopbackReceiver {
    /// Keeps only the latest `count` requests in ``requests`` (the others are counted in ``tally``
    /// only) and counts, with `items`, the items of every request whose 2xx answer was sent.
    func keepOnlyLatest(_ count: Int, counting items: @escaping @Sendable (RecordedRequest) -> Int) {
        state.withLock { state in
            state.keepLatest = max(0, count)
            state.itemCounter = items
            if state.requests.count > count { state.requests.removeFirst(state.requests.count - count) }
        }
    }

    var tally: ReceiverTally { state.withLock { $0.tally } }

    /// Every valid request gets `answer` (a failure) until `nil` is set; a request the validator
    /// refuses still gets the validator's answer.
    func setFault(_ answer: ScriptedAnswer?, extraDelay: Duration = .zero) {
        state.withLock { state in
            state.fault = answer
            state.extraDelay = extraDelay
        }
    }

    /// Called by a connection once a 2xx answer to `request` was sent: the client has it, so its
    /// items count as received exactly once (a request reset, hung or answered late is not counted,
    /// and its retry is the one that counts).
    func delivered(_ request: RecordedRequest) {
        guard let counter = state.withLock({ $0.itemCounter }) else { return }
        let count = counter(request)
        state.withLock { state in
            state.tally.delivered += 1
            state.tally.items[request.path, default: 0] += count
        }
    }
}

/// Item counters for ``LoopbackReceiver/keepOnlyLatest(_:counting:)``.
enum ReceivedItems {
    /// Entries of a Loki push (`streams[].values[]`); 0 if the body does not decode.
    static func lokiEntries(_ request: RecordedRequest) -> Int {
        guard let body = try? request.decodedBody(), let streams = ReceivedJSON.parse(body)?["streams"]?.array else { return 0 }
        return streams.reduce(0) { $0 + ($1["values"]?.array?.count ?? 0) }
    }

    /// Spans or log records of an OTLP protobuf request; 0 if the body does not decode.
    static func otlpItems(_ request: RecordedRequest) -> Int {
        guard let body = try? request.decodedBody(), let items = try? RequestValidator.otlpItems(body) else { return 0 }
        return items.count
    }
}
