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
    /// Items (log entries, spans, log records) in those requests, by request path, when the answer
    /// went out in time (see ``LoopbackReceiver/keepOnlyLatest(_:lateAfter:counting:)``).
    var items: [String: Int] = [:]
    /// Items of requests whose 2xx answer went out late, or to a client that had closed its end: the
    /// client may have given up on it and sent the batch again (an HTTP push is delivered at least
    /// once), so they are counted apart.
    var lateItems: [String: Int] = [:]
    /// Requests answered late or to a client that had closed its end.
    var late = 0

    /// `204 ×8, 429 ×1, reset/hang ×1`: the answers given, by status.
    var statusSummary: String {
        let parts = statuses.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" } + (unanswered > 0 ? ["reset/hang ×\(unanswered)"] : [])
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    mutating func note(_ request: RecordedRequest) {
        requests += 1
        bodyBytes += request.body.count
        if request.rejection != nil { rejected += 1 }
        if let status = request.answeredStatus { statuses[status, default: 0] += 1 } else { unanswered += 1 }
    }
}

extension LoopbackReceiver {
    /// Keeps only the latest `count` requests in ``requests`` (the others are counted in ``tally``
    /// only) and counts, with `items`, the items of every request whose 2xx answer was sent: in
    /// ``ReceiverTally/items`` when it was sent within `lateAfter` of the request's arrival, else
    /// in ``ReceiverTally/lateItems`` (set `lateAfter` well below the client's timeout: a client
    /// still waiting at that point certainly gets the answer).
    func keepOnlyLatest(_ count: Int, lateAfter: Duration = .seconds(3600), counting items: @escaping @Sendable (RecordedRequest) -> Int) {
        state.withLock { state in
            state.keepLatest = max(0, count)
            state.itemCounter = items
            state.lateAfter = lateAfter
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

    /// Called by a connection once a 2xx answer to `request` was sent. Answered in time to a client
    /// still connected, the client has it, so its items count as received exactly once (a request
    /// reset or hung is not counted, and its retry is the one that counts). Answered late, or to a
    /// client that had closed its end (it timed out while the request waited unread), the client
    /// may never see the answer and will send the batch again: its items go to
    /// ``ReceiverTally/lateItems``.
    func delivered(_ request: RecordedRequest, clientMayHaveGivenUp: Bool = false) {
        let sentAt = ContinuousClock.now
        guard let (counter, lateAfter) = state.withLock({ state in state.itemCounter.map { ($0, state.lateAfter) } }) else { return }
        let count = counter(request)
        let late = clientMayHaveGivenUp || sentAt - request.receivedAt > lateAfter
        state.withLock { state in
            state.tally.delivered += 1
            if late {
                state.tally.late += 1
                state.tally.lateItems[request.path, default: 0] += count
            } else {
                state.tally.items[request.path, default: 0] += count
            }
        }
    }
}

/// Item counters for ``LoopbackReceiver/keepOnlyLatest(_:lateAfter:counting:)``.
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
