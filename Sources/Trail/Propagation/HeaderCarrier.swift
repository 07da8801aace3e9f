/// Something that carries header fields across a process boundary: an HTTP request or response, a
/// message's metadata. Propagators read and write trace context through it.
///
/// Header names are ASCII case-insensitive, and a name may occur several times (HTTP allows repeated
/// fields; W3C trace context treats a repeated `traceparent` as invalid, so a carrier must report
/// every occurrence). A conformance implements ``forEachHeader(_:)`` and ``setHeader(_:_:)``;
/// ``values(forHeader:)`` has a default built on ``forEachHeader(_:)``.
public protocol HeaderCarrier {
    /// Every value of the fields named `name` (compared ignoring ASCII case), in the carrier's order.
    /// Empty when there is none.
    func values(forHeader name: String) -> [String]

    /// Replaces every field named `name` (ignoring ASCII case) by one field with `value`.
    mutating func setHeader(_ name: String, _ value: String)

    /// Calls `body` with the name and value of every field, in the carrier's order.
    func forEachHeader(_ body: (_ name: String, _ value: String) -> Void)
}

extension HeaderCarrier {
    public func values(forHeader name: String) -> [String] {
        var result: [String] = []
        forEachHeader { fieldName, value in
            if HeaderSyntax.namesEqual(fieldName, name) { result.append(value) }
        }
        return result
    }

    /// The first value of the fields named `name` (ignoring ASCII case), or `nil`.
    public func firstValue(forHeader name: String) -> String? {
        values(forHeader: name).first
    }
}

/// A dictionary of header names to values is a carrier with case-insensitive lookup.
///
/// A dictionary holds one value per key, but keys that differ only in case are distinct entries and
/// count as repeated fields (their relative order is unspecified). ``setHeader(_:_:)`` removes every
/// case variant of the name before storing the value under `name` as given.
extension Dictionary: HeaderCarrier where Key == String, Value == String {
    public func values(forHeader name: String) -> [String] {
        var result: [String] = []
        for (key, value) in self where HeaderSyntax.namesEqual(key, name) { result.append(value) }
        return result
    }

    public mutating func setHeader(_ name: String, _ value: String) {
        for key in keys where key != name && HeaderSyntax.namesEqual(key, name) { removeValue(forKey: key) }
        self[name] = value
    }

    public func forEachHeader(_ body: (_ name: String, _ value: String) -> Void) {
        for (key, value) in self { body(key, value) }
    }
}

/// An ordered list of header fields in which a name may repeat, as on the wire.
///
/// ```swift
/// var headers: HTTPHeaderList = [("traceparent", "00-…-01"), ("Accept", "*/*")]
/// TraceContextPropagator().inject(context, into: &headers)
/// ```
public struct HTTPHeaderList: HeaderCarrier, Hashable, Sendable, Sequence, ExpressibleByArrayLiteral {
    /// One header field.
    public struct Field: Hashable, Sendable {
        /// The name as written (compared ignoring ASCII case).
        public var name: String
        /// The value as written.
        public var value: String

        /// A field with `name` and `value`.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The fields, in order.
    public var fields: [Field]

    /// A list holding `fields`.
    public init(_ fields: [Field] = []) { self.fields = fields }

    /// A list of `(name, value)` pairs, in order.
    public init(arrayLiteral elements: (String, String)...) {
        fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    /// The number of fields.
    public var count: Int { fields.count }

    /// `true` when there is no field.
    public var isEmpty: Bool { fields.isEmpty }

    /// Adds a field at the end, keeping any field with the same name.
    public mutating func append(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Removes every field named `name` (ignoring ASCII case).
    public mutating func removeAll(named name: String) {
        fields.removeAll { HeaderSyntax.namesEqual($0.name, name) }
    }

    /// The first value of the fields named `name` (ignoring ASCII case), or `nil`.
    public subscript(name: String) -> String? {
        fields.first { HeaderSyntax.namesEqual($0.name, name) }?.value
    }

    /// Replaces the first field named `name` (ignoring ASCII case) and removes the others; appends a
    /// field when there is none.
    public mutating func setHeader(_ name: String, _ value: String) {
        guard let index = fields.firstIndex(where: { HeaderSyntax.namesEqual($0.name, name) }) else {
            fields.append(Field(name: name, value: value))
            return
        }
        fields[index] = Field(name: name, value: value)
        var i = fields.count - 1
        while i > index {
            if HeaderSyntax.namesEqual(fields[i].name, name) { fields.remove(at: i) }
            i -= 1
        }
    }

    public func forEachHeader(_ body: (_ name: String, _ value: String) -> Void) {
        for field in fields { body(field.name, field.value) }
    }

    /// Iterates over the fields in order.
    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }
}
