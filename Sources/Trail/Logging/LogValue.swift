import Foundation

/// A value that can be written as a JSON field of a log line.
///
/// Strings, integers, floating-point numbers, booleans, optionals (`nil` is `null`), arrays and
/// string-keyed dictionaries of these conform, as do ``LogValue`` and ``LogFields`` (a nested object).
/// Conform your own types to write them in their natural JSON shape:
///
/// ```swift
/// extension UserID: LogValueConvertible {
///     public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendString(rawValue) }
/// }
/// ```
public protocol LogValueConvertible: Sendable {
    /// Appends this value as one JSON value (string, number, boolean, null, array or object).
    func appendJSON(to encoder: inout JSONLineEncoder)
}

extension String: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendString(self) }
}

extension Substring: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendString(self) }
}

extension Bool: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendBool(self) }
}

extension Int: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendInteger(self) }
}
extension Int8: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendInteger(self) }
}
extension Int16: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendInteger(self) }
}
extension Int32: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendInteger(self) }
}
extension Int64: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendInteger(self) }
}
extension UInt: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendInteger(self) }
}
extension UInt8: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendInteger(self) }
}
extension UInt16: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendInteger(self) }
}
extension UInt32: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendInteger(self) }
}
extension UInt64: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendInteger(self) }
}

extension Double: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendDouble(self) }
}
extension Float: LogValueConvertible {
    @inlinable public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendDouble(Double(self)) }
}

extension Date: LogValueConvertible {
    /// RFC 3339 in UTC with microseconds, like the line's own timestamp.
    public func appendJSON(to encoder: inout JSONLineEncoder) {
        // Whole microseconds: a Double holds them exactly for dates of this era, nanoseconds not.
        let micros = (timeIntervalSince1970 * 1e6).rounded()
        guard micros.isFinite, micros >= 0, micros < 1.8e16 else { return encoder.appendString(description) }
        encoder.appendTimestamp(unixNano: UInt64(micros) * 1000)
    }
}

extension UUID: LogValueConvertible {
    /// The canonical lowercase string.
    public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendString(uuidString.lowercased()) }
}

extension URL: LogValueConvertible {
    /// The absolute string.
    public func appendJSON(to encoder: inout JSONLineEncoder) { encoder.appendString(absoluteString) }
}

extension Duration: LogValueConvertible {
    /// Seconds, as a number (`1.5` for 1.5 s; name the field `…_seconds` or convert to your unit).
    public func appendJSON(to encoder: inout JSONLineEncoder) {
        encoder.appendDouble(seconds)
    }
}

extension Optional: LogValueConvertible where Wrapped: LogValueConvertible {
    @inlinable
    public func appendJSON(to encoder: inout JSONLineEncoder) {
        if let self { self.appendJSON(to: &encoder) } else { encoder.appendNull() }
    }
}

extension Array: LogValueConvertible where Element: LogValueConvertible {
    public func appendJSON(to encoder: inout JSONLineEncoder) {
        encoder.appendArray(self) { element, encoder in element.appendJSON(to: &encoder) }
    }
}

extension Dictionary: LogValueConvertible where Key == String, Value: LogValueConvertible {
    /// Written with its keys sorted, so the same dictionary always gives the same line.
    public func appendJSON(to encoder: inout JSONLineEncoder) {
        encoder.appendObject(sorted { $0.key < $1.key }) { pair, encoder in
            encoder.appendKey(pair.key)
            pair.value.appendJSON(to: &encoder)
        }
    }
}

/// Any JSON value, for when a literal's type must be spelled out: `LogValue.null`, an array that
/// mixes types (`LogValue.array([1, "two"])`), or an object (`LogValue.object(["id": 42, "name": "Ada"])`).
public enum LogValue: LogValueConvertible, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral,
    ExpressibleByStringInterpolation
{
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null
    case array([LogValue])
    case object(LogFields)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: LogValue...) { self = .array(elements) }

    public func appendJSON(to encoder: inout JSONLineEncoder) {
        switch self {
        case .string(let v): encoder.appendString(v)
        case .int(let v): encoder.appendInteger(v)
        case .double(let v): encoder.appendDouble(v)
        case .bool(let v): encoder.appendBool(v)
        case .null: encoder.appendNull()
        case .array(let v): v.appendJSON(to: &encoder)
        case .object(let v): v.appendJSON(to: &encoder)
        }
    }
}

/// The fields of a log line, in the order written: `["method": "GET", "status": 200]`.
///
/// Values are anything ``LogValueConvertible``: literals, variables (`["user_id": user.id]`),
/// optionals, arrays, dictionaries, and nested `LogFields` for objects that mix value types
/// (`["user": ["id": 42, "name": "Ada"] as LogFields]`). A key given twice keeps its last value.
public struct LogFields: LogValueConvertible, ExpressibleByDictionaryLiteral, Sequence {
    public typealias Element = (key: String, value: any LogValueConvertible)

    @usableFromInline
    var storage: [(String, any LogValueConvertible)]

    @inlinable
    public init() { storage = [] }

    /// Keeps the literal's array as storage (no copy).
    @inlinable
    public init(dictionaryLiteral elements: (String, any LogValueConvertible)...) {
        storage = elements
    }

    /// Fields from a dictionary, sorted by key.
    public init(_ dictionary: [String: any LogValueConvertible]) {
        storage = dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    /// Sets `key`; replaces the value in place when the key is present.
    public subscript(key: String) -> (any LogValueConvertible)? {
        get { storage.last(where: { $0.0 == key })?.1 }
        set {
            storage.removeAll { $0.0 == key }
            if let newValue { storage.append((key, newValue)) }
        }
    }

    /// These fields followed by `other`'s, `other` winning on equal keys.
    public func merging(_ other: LogFields) -> LogFields {
        var merged = LogFields()
        merged.storage = storage.filter { field in !other.storage.contains { $0.0 == field.0 } } + other.storage
        return merged
    }

    public func makeIterator() -> some IteratorProtocol<Element> {
        storage.lazy.map { (key: $0.0, value: $0.1) }.makeIterator()
    }

    /// Written as an object in which a key given twice keeps its last value, as on a line's top
    /// level: a repeated key in JSON is read differently by different parsers, or rejected.
    public func appendJSON(to encoder: inout JSONLineEncoder) {
        // Small objects (the usual case) are checked pair by pair; larger ones through a table.
        let lastIndex: [String: Int]? = storage.count > 16
            ? Dictionary(storage.enumerated().map { ($1.0, $0) }, uniquingKeysWith: { _, later in later }) : nil
        encoder.appendObject(storage.indices) { index, encoder in
            let (key, value) = storage[index]
            let overridden = lastIndex.map { $0[key] != index } ?? storage[(index + 1)...].contains { $0.0 == key }
            guard !overridden else { return }
            encoder.appendKey(key)
            value.appendJSON(to: &encoder)
        }
    }
}
