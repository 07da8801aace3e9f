/// Fields encoded once, when they are bound (`logger.with(…)`, `withFields(…)`), and copied into
/// every line as bytes.
public struct BoundFields: Sendable {
    /// The encoded fields; `nil` when there are none, so copying an empty value (inside every
    /// `Context`) costs no reference counting.
    @usableFromInline let storage: Storage?

    @usableFromInline
    final class Storage: Sendable {
        /// `,"key":value` for each field, back to back.
        let bytes: [UInt8]
        let keys: [String]
        /// Where each field's bytes end in `bytes`.
        let ends: [Int]
        /// The fields as given, to encode again for a pipeline with another schema or redaction.
        let raw: LogFields
        /// The pipeline whose schema and redaction `bytes` were encoded with.
        let pipeline: UInt64

        init(bytes: [UInt8], keys: [String], ends: [Int], raw: LogFields, pipeline: UInt64) {
            self.bytes = bytes
            self.keys = keys
            self.ends = ends
            self.raw = raw
            self.pipeline = pipeline
        }
    }

    public init() { storage = nil }

    private init(bytes: [UInt8], keys: [String], ends: [Int], raw: LogFields, pipeline: UInt64) {
        storage = keys.isEmpty ? nil : Storage(bytes: bytes, keys: keys, ends: ends, raw: raw, pipeline: pipeline)
    }

    public var isEmpty: Bool { storage == nil }

    var bytes: [UInt8] { storage?.bytes ?? [] }
    var keys: [String] { storage?.keys ?? [] }

    /// These fields, encoded for `pipeline` (a new encoding only when they were bound for another).
    func encoded(for pipeline: Pipeline) -> BoundFields {
        guard let storage, storage.pipeline != pipeline.id else { return self }
        return BoundFields().adding(storage.raw, for: pipeline)
    }

    /// These fields plus `fields`, encoded now for `pipeline`; a key bound again is replaced.
    func adding(_ fields: LogFields, for pipeline: Pipeline) -> BoundFields {
        let mine = encoded(for: pipeline)
        let e = pipeline.encoding
        var bytes: [UInt8] = [], keys: [String] = [], ends: [Int] = []
        let newKeys = Set(fields.storage.map { e.userKey($0.0) })
        if let storage = mine.storage {
            for (i, key) in storage.keys.enumerated() where !newKeys.contains(key) {
                let start = i == 0 ? 0 : storage.ends[i - 1]
                bytes.append(contentsOf: storage.bytes[start..<storage.ends[i]])
                keys.append(key)
                ends.append(bytes.count)
            }
        }
        var encoder = JSONLineEncoder(capacity: 64)
        // A later field written under the same key wins: `level` and `fields.level` are both
        // written as `fields.level`.
        let writtenKeys = fields.storage.map { e.userKey($0.0) }
        for (index, (_, value)) in fields.storage.enumerated() where !writtenKeys[(index + 1)...].contains(writtenKeys[index]) {
            encoder.bytes.removeAll(keepingCapacity: true)
            let written = writtenKeys[index]
            e.appendField(written, to: &encoder) { value.appendJSON(to: &$0) }
            bytes.append(contentsOf: encoder.bytes)
            keys.append(written)
            ends.append(bytes.count)
        }
        let raw = (mine.storage?.raw ?? LogFields()).merging(fields)
        return BoundFields(bytes: bytes, keys: keys, ends: ends, raw: raw, pipeline: pipeline.id)
    }

    /// Appends every field whose key is not `taken`.
    func append(to encoder: inout JSONLineEncoder, skipping taken: (String) -> Bool) {
        guard let storage else { return }
        var start = 0
        for (i, key) in storage.keys.enumerated() {
            if !taken(key) { encoder.bytes.append(contentsOf: storage.bytes[start..<storage.ends[i]]) }
            start = storage.ends[i]
        }
    }
}

extension Context {
    /// Runs `operation` with `fields` added to every line logged inside it, in this task and its
    /// child tasks, across `await`s. Fields bound by an enclosing `withFields` stay; the same key
    /// bound here replaces them. They are encoded once, for the shared pipeline; a logger writing to
    /// another pipeline (another key schema or redaction) encodes them again for its lines.
    public static func withFields<T>(_ fields: LogFields, _ operation: () throws -> T) rethrows -> T {
        var context = Context.current
        context.fields = context.fields.adding(fields, for: .shared)
        return try context.restore(operation)
    }

    /// Runs `operation` with `fields` added to every line logged inside it (async).
    public static func withFields<T>(
        _ fields: LogFields, isolation: isolated (any Actor)? = #isolation, _ operation: () async throws -> T
    ) async rethrows -> T {
        var context = Context.current
        context.fields = context.fields.adding(fields, for: .shared)
        return try await context.restore(isolation: isolation, operation)
    }
}

/// Runs `operation` with `fields` on every line logged inside it (see ``Context/withFields(_:_:)``).
public func withFields<T>(_ fields: LogFields, _ operation: () throws -> T) rethrows -> T {
    try Context.withFields(fields, operation)
}

/// Runs `operation` with `fields` on every line logged inside it, across `await`s.
public func withFields<T>(
    _ fields: LogFields, isolation: isolated (any Actor)? = #isolation, _ operation: () async throws -> T
) async rethrows -> T {
    try await Context.withFields(fields, isolation: isolation, operation)
}
