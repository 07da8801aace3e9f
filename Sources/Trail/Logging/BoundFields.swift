/// Fields encoded once, when they are bound (`logger.with(…)`, `withFields(…)`), and copied into
/// every line as bytes.
public struct BoundFields: Sendable {
    /// `,"key":value` for each field, back to back.
    @usableFromInline var bytes: [UInt8] = []
    @usableFromInline var keys: [String] = []
    /// Where each field's bytes end in `bytes`.
    @usableFromInline var ends: [Int] = []

    public init() {}

    public var isEmpty: Bool { keys.isEmpty }

    /// These fields plus `fields` (encoded now); a key bound again is replaced.
    func adding(_ fields: LogFields, schema: FieldNames, redaction: Redaction) -> BoundFields {
        var result = BoundFields()
        let newKeys = Set(fields.storage.map { schema.userKey($0.0) })
        for (i, key) in keys.enumerated() where !newKeys.contains(key) {
            let start = i == 0 ? 0 : ends[i - 1]
            result.bytes.append(contentsOf: bytes[start..<ends[i]])
            result.keys.append(key)
            result.ends.append(result.bytes.count)
        }
        var encoder = JSONLineEncoder(reusing: [])
        for (index, (key, value)) in fields.storage.enumerated() where !fields.storage[(index + 1)...].contains(where: { $0.0 == key }) {
            encoder.bytes.removeAll(keepingCapacity: true)
            encoder.bytes.append(UInt8(ascii: ","))
            let written = schema.userKey(key)
            encoder.appendString(written)
            encoder.bytes.append(UInt8(ascii: ":"))
            if redaction.shouldRedact(written) { encoder.appendString(redaction.replacement) } else { value.appendJSON(to: &encoder) }
            result.bytes.append(contentsOf: encoder.bytes)
            result.keys.append(written)
            result.ends.append(result.bytes.count)
        }
        return result
    }

    /// Appends every field whose key is not in `skipping`.
    func append(to encoder: inout JSONLineEncoder, skipping taken: (String) -> Bool) {
        var start = 0
        for (i, key) in keys.enumerated() {
            if !taken(key) { encoder.bytes.append(contentsOf: bytes[start..<ends[i]]) }
            start = ends[i]
        }
    }
}

extension Context {
    /// Runs `operation` with `fields` added to every line logged inside it, in this task and its
    /// child tasks, across `await`s. Fields bound by an enclosing `withFields` stay; the same key
    /// bound here replaces them.
    public static func withFields<T>(_ fields: LogFields, _ operation: () throws -> T) rethrows -> T {
        let pipeline = Pipeline.shared
        var context = Context.current
        context.fields = context.fields.adding(fields, schema: pipeline.fieldNames, redaction: pipeline.redaction)
        return try context.restore(operation)
    }

    /// Runs `operation` with `fields` added to every line logged inside it (async).
    public static func withFields<T>(
        _ fields: LogFields, isolation: isolated (any Actor)? = #isolation, _ operation: () async throws -> T
    ) async rethrows -> T {
        let pipeline = Pipeline.shared
        var context = Context.current
        context.fields = context.fields.adding(fields, schema: pipeline.fieldNames, redaction: pipeline.redaction)
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
