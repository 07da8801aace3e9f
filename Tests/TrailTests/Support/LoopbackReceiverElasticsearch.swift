import Foundation
@testable import Trail

/// A loopback Elasticsearch's documents, and how it answers each one (PROTOCOLS.md §6.1).
final class ElasticsearchStore: Sendable {
    struct Indexed: Sendable {
        var index: String
        /// The document's source line as sent.
        var source: String
    }

    /// The status for one valid document, given its source line and how many times the same line
    /// arrived before (0 the first time): 201 indexes it; 429 and 5xx refuse it for now; 400 for good.
    typealias ItemStatus = @Sendable (_ source: String, _ earlierArrivals: Int) -> Int

    private struct State {
        var indexed: [Indexed] = []
        var arrivals: [String: Int] = [:]
    }

    private let state = Locked(State())
    let itemStatus: ItemStatus
    /// The `Authorization` header every request must carry (else 401), if set.
    let requiredAuthorization: String?

    init(requiredAuthorization: String? = nil, itemStatus: @escaping ItemStatus = { _, _ in 201 }) {
        self.requiredAuthorization = requiredAuthorization
        self.itemStatus = itemStatus
    }

    /// Every document indexed, in order.
    var indexed: [Indexed] { state.withLock { $0.indexed } }

    /// How many times `source` arrived, and records the arrival.
    fileprivate func arrive(_ source: String) -> Int {
        state.withLock { state in
            defer { state.arrivals[source, default: 0] += 1 }
            return state.arrivals[source, default: 0]
        }
    }

    fileprivate func index(_ document: Indexed) { state.withLock { $0.indexed.append(document) } }
}

extension RequestValidator {
    /// Elasticsearch's `_bulk` API as a data-stream writer sees it: `POST /_bulk` (or
    /// `/<target>/_bulk`), `Content-Type: application/x-ndjson` (else 406), a body ending with a
    /// newline, action lines naming one of `index`/`create`/`update`/`delete` with an `_index`,
    /// each `create`/`index` followed by a one-line JSON object (else 400 for the whole request).
    /// Valid requests get 200 with one item per action, in order: a data stream (`logs-*-*`) takes
    /// only `create` and needs `@timestamp` (else item 400, as Elasticsearch answers), and the
    /// store's `itemStatus` decides the rest.
    static func elasticsearchBulk(_ store: ElasticsearchStore) -> RequestValidator {
        var validator = RequestValidator(name: "elasticsearch bulk") { request in
            if request.method != "POST" { return .status(405, body: "use POST") }
            guard request.path == "/_bulk" || request.path.hasSuffix("/_bulk") else {
                return .status(404, body: "no handler for \(request.path)")
            }
            if let required = store.requiredAuthorization, request.header("Authorization") != required {
                return .status(401, headers: [("WWW-Authenticate", "ApiKey")], body: errorBody("security_exception", "missing authentication credentials"))
            }
            let mediaType = request.header("Content-Type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard mediaType == "application/x-ndjson" || mediaType == "application/json" else {
                return .status(406, body: errorBody("media_type_header_exception", "Content-Type header [\(mediaType ?? "")] is not supported"))
            }
            guard let text = try? request.decodedBody() else { return .status(400, body: errorBody("parse_exception", "body cannot be decoded")) }
            switch parse(text) {
            case .failure(let failure): return .status(400, body: errorBody("action_request_validation_exception", failure.description))
            case .success: return nil
            }
        }
        validator.accept = { request in
            guard case .success(let actions)? = (try? request.decodedBody()).map(parse) else { return .status(500) }
            var items: [String] = []
            var errors = false
            for action in actions {
                let status: Int
                var error: (type: String, reason: String)?
                let arrivals = store.arrive(action.source)
                if action.index.hasPrefix("logs-"), action.kind != "create" {
                    (status, error) = (400, ("illegal_argument_exception", "only write ops with an op_type of create are allowed in data streams"))
                } else if action.index.hasPrefix("logs-"),
                          (try? JSONSerialization.jsonObject(with: Data(action.source.utf8)) as? [String: Any])?["@timestamp"] == nil {
                    (status, error) = (400, ("document_parsing_exception", "data stream timestamp field [@timestamp] is missing"))
                } else {
                    status = store.itemStatus(action.source, arrivals)
                    switch status {
                    case 200..<300: store.index(.init(index: action.index, source: action.source))
                    case 429: error = ("es_rejected_execution_exception", "rejected execution of coordinating operation")
                    case 500...: error = ("unavailable_shards_exception", "primary shard is not active")
                    default: error = ("mapper_parsing_exception", "failed to parse field [status] of type [long]")
                    }
                }
                errors = errors || error != nil
                var item = "{\"\(action.kind)\":{\"_index\":\(quoted(action.index)),\"status\":\(status)"
                if let error { item += ",\"error\":{\"type\":\(quoted(error.type)),\"reason\":\(quoted(error.reason))}" }
                items.append(item + "}}")
            }
            let body = "{\"took\":1,\"errors\":\(errors),\"items\":[\(items.joined(separator: ","))]}"
            return .status(200, headers: [("Content-Type", "application/json")], body: body)
        }
        return validator
    }

    private struct BulkAction {
        var kind: String
        var index: String
        var source: String
    }

    private static func parse(_ body: [UInt8]) -> Result<[BulkAction], ReceiverFailure> {
        guard body.last == UInt8(ascii: "\n") else { return .failure(ReceiverFailure("The bulk request must be terminated by a newline [\\n]")) }
        let lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        var actions: [BulkAction] = []
        var iterator = lines.makeIterator()
        while let line = iterator.next() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], object.count == 1,
                  let (kind, meta) = object.first, ["index", "create", "update", "delete"].contains(kind),
                  let metadata = meta as? [String: Any] else {
                return .failure(ReceiverFailure("Malformed action/metadata line [\(actions.count * 2 + 1)]"))
            }
            guard let index = metadata["_index"] as? String, !index.isEmpty else { return .failure(ReceiverFailure("index is missing")) }
            var source = ""
            if kind != "delete" {
                guard let sourceLine = iterator.next(),
                      (try? JSONSerialization.jsonObject(with: Data(sourceLine))) is [String: Any] else {
                    return .failure(ReceiverFailure("the \(kind) action needs a JSON object on the next line"))
                }
                source = String(decoding: sourceLine, as: UTF8.self)
            }
            actions.append(BulkAction(kind: kind, index: index, source: source))
        }
        return .success(actions)
    }

    private static func errorBody(_ type: String, _ reason: String) -> String {
        "{\"error\":{\"type\":\(quoted(type)),\"reason\":\(quoted(reason))},\"status\":400}"
    }

    private static func quoted(_ text: String) -> String {
        var encoder = JSONLineEncoder(capacity: text.utf8.count + 2)
        encoder.appendString(text)
        return String(decoding: encoder.bytes, as: UTF8.self)
    }
}
