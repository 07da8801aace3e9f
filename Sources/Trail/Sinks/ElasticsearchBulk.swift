import Foundation

/// Builds Elasticsearch `_bulk` bodies from log lines and reads `_bulk` answers (PROTOCOLS.md §6.1).
///
/// Each line becomes a `create` action into its data stream followed by the line itself as the
/// document: `{"create":{"_index":"logs-checkout-default"}}\n{…line…}\n`. Data streams need
/// `@timestamp`; a line without one (the OpenTelemetry field names) gets it from its `timestamp`
/// field, else the time of sending.
enum ElasticsearchBulk {
    /// Where a line goes: one fixed data stream, or `logs-<dataset>-<namespace>` with the dataset
    /// from the service name.
    struct Target: Sendable {
        var dataStream: String?
        var serviceName: String?
        var namespace: String
    }

    /// One document of a batch, ready for the body.
    struct Document {
        var index: String
        var source: [UInt8]
        /// The line had no `@timestamp` and got one.
        var addedTimestamp: Bool
    }

    /// The result of one item of a `_bulk` answer.
    struct ItemResult: Equatable {
        var status: Int
        /// `error.type` and `error.reason`, for failed items.
        var errorType: String?
        var reason: String?

        var isSuccess: Bool { (200..<300).contains(status) }
        /// 429 (`es_rejected_execution_exception`) and 5xx: try again later. Everything else that
        /// failed (mapping errors, 400s, 409) would fail again.
        var isRetryable: Bool { status == 429 || status >= 500 }
    }

    /// `line` as a document for `target`; `now` (Unix nanoseconds) is its `@timestamp` when it has
    /// neither `@timestamp` nor `timestamp`.
    static func document(_ line: LogLine, target: Target, now: UInt64) -> Document {
        line.withBytes { raw in
            var end = raw.count
            while end > 0, raw[end - 1] == UInt8(ascii: "\n") || raw[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let bytes = UnsafeRawBufferPointer(rebasing: raw[..<end])
            let fields = JSONLineScanner.fields(bytes)
            func string(_ key: String) -> String? {
                if case .string(let value)? = fields?.first(where: { $0.key == key })?.value { return value }
                return nil
            }
            let index = target.dataStream
                ?? "logs-\(dataset(target.serviceName ?? string("service.name")))-\(target.namespace)"
            // Not a JSON object (Elasticsearch will say why), or already an ECS line: as it is.
            guard let fields, !fields.contains(where: { $0.key == "@timestamp" }) else {
                return Document(index: index, source: Array(bytes), addedTimestamp: false)
            }
            var encoder = JSONLineEncoder(capacity: bytes.count + 48)
            encoder.appendRaw("{")
            encoder.appendKey("@timestamp")
            if let time = string("timestamp") { encoder.appendString(time) } else { encoder.appendTimestamp(unixNano: now, fractionDigits: 3) }
            if !fields.isEmpty { encoder.appendRaw(UInt8(ascii: ",")) }
            // The rest of the object after its `{`.
            encoder.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[(bytes.firstIndex(of: UInt8(ascii: "{"))! + 1)...]))
            return Document(index: index, source: encoder.bytes, addedTimestamp: true)
        }
    }

    /// The NDJSON body for `documents`, ending with a newline as `_bulk` requires.
    static func body(_ documents: some Sequence<Document>) -> [UInt8] {
        var encoder = JSONLineEncoder(capacity: 4096)
        for document in documents {
            encoder.appendRaw("{\"create\":{\"_index\":")
            encoder.appendString(document.index)
            encoder.appendRaw("}}\n")
            encoder.bytes.append(contentsOf: document.source)
            encoder.appendRaw(UInt8(ascii: "\n"))
        }
        return encoder.bytes
    }

    /// The items of a `_bulk` answer, in request order. Throws when the answer is not a `_bulk`
    /// answer (no `items` array, an item without a status).
    static func items(of body: [UInt8]) throws(Unreadable) -> [ItemResult] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let items = object["items"] as? [[String: Any]] else { throw Unreadable() }
        var results: [ItemResult] = []
        results.reserveCapacity(items.count)
        for item in items {
            // Each item is {"<action>": {"status": …, "error": {"type": …, "reason": …}}}.
            guard let result = item.values.first as? [String: Any], let status = (result["status"] as? NSNumber)?.intValue else {
                throw Unreadable()
            }
            let error = result["error"] as? [String: Any]
            results.append(ItemResult(status: status, errorType: error?["type"] as? String, reason: error?["reason"] as? String))
        }
        return results
    }

    struct Unreadable: Error {}

    /// A data stream's dataset part from a service name: lowercase, at most 100 bytes, with `-` and
    /// every character Elasticsearch does not allow in an index name replaced by `_` (a `-` would
    /// split `logs-<dataset>-<namespace>` wrongly). `generic` when there is no name.
    static func dataset(_ serviceName: String?) -> String {
        guard let serviceName, !serviceName.isEmpty else { return "generic" }
        return sanitized(serviceName, maxBytes: 100)
    }

    /// Characters an Elasticsearch index or data stream name may not contain (besides whitespace).
    static let forbiddenInIndexNames = Set("\\/*?\"<>| ,#:")

    /// `text` made into a data-stream name part (dataset or namespace): a `-` would split
    /// `logs-<dataset>-<namespace>` wrongly, so it becomes `_` too.
    static func sanitized(_ text: String, maxBytes: Int) -> String {
        var result = ""
        for character in text.lowercased() where result.utf8.count + character.utf8.count <= maxBytes {
            let replaced = character == "-" || forbiddenInIndexNames.contains(character) || character.isWhitespace
            result.append(replaced ? "_" : character)
        }
        while let first = result.first, first == "_" || first == "+" || first == "." { result.removeFirst() }
        return result.isEmpty ? "generic" : result
    }
}
