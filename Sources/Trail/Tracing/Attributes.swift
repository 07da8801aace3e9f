/// A typed attribute value, as OpenTelemetry defines them: a string, integer, double or boolean, or a
/// homogeneous array of one of those.
public enum AttributeValue: Hashable, Sendable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case stringArray([String])
    case intArray([Int64])
    case doubleArray([Double])
    case boolArray([Bool])

    public var description: String {
        switch self {
        case .string(let v): v
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .bool(let v): String(v)
        case .stringArray(let v): "[" + v.joined(separator: ",") + "]"
        case .intArray(let v): "[" + v.map(String.init).joined(separator: ",") + "]"
        case .doubleArray(let v): "[" + v.map { String($0) }.joined(separator: ",") + "]"
        case .boolArray(let v): "[" + v.map(String.init).joined(separator: ",") + "]"
        }
    }
}

extension AttributeValue: ExpressibleByStringLiteral, ExpressibleByStringInterpolation,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral
{
    @inlinable public init(stringLiteral value: String) { self = .string(value) }
    @inlinable public init(integerLiteral value: Int64) { self = .int(value) }
    @inlinable public init(floatLiteral value: Double) { self = .double(value) }
    @inlinable public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension AttributeValue {
    /// An integer attribute from an `Int` (the `.int` case itself takes `Int64`).
    @inlinable
    public static func int(_ value: Int) -> AttributeValue { .int(Int64(value)) }
}

/// An ordered list of attributes with unique keys.
///
/// Written as a dictionary literal, `["http.request.method": "GET", "http.response.status_code": 200]`,
/// but keeps insertion order and stores the pairs in one array. Setting a key that is present
/// replaces its value in place.
public struct Attributes: Hashable, Sendable, ExpressibleByDictionaryLiteral, Sequence {
    public typealias Element = (key: String, value: AttributeValue)

    @usableFromInline
    var storage: [(String, AttributeValue)]

    @inlinable
    public init() { storage = [] }

    /// Keeps the literal's array as storage (no copy); a key given twice keeps its last value.
    @inlinable
    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        storage = elements
        if elements.count > 1 { removeDuplicateKeys() }
    }

    @usableFromInline
    mutating func removeDuplicateKeys() {
        var i = storage.count - 1
        while i > 0 {
            let key = storage[i].0
            if storage[..<i].contains(where: { $0.0 == key }) {
                // Keep the last value, at the position of the first occurrence.
                let value = storage[i].1
                storage.remove(at: i)
                if let first = storage.firstIndex(where: { $0.0 == key }) { storage[first].1 = value }
            }
            i -= 1
        }
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    /// The value for `key`, or `nil`. Setting `nil` removes the key.
    @inlinable
    public subscript(key: String) -> AttributeValue? {
        get { storage.first(where: { $0.0 == key })?.1 }
        set {
            let index = storage.firstIndex(where: { $0.0 == key })
            switch (index, newValue) {
            case let (i?, v?): storage[i].1 = v
            case let (i?, nil): storage.remove(at: i)
            case let (nil, v?): storage.append((key, v))
            case (nil, nil): break
            }
        }
    }

    /// Sets `key` unless that would make the list longer than `limit`; returns `false` when the
    /// attribute was dropped for the limit.
    @inlinable
    mutating func set(_ key: String, _ value: AttributeValue, limit: Int) -> Bool {
        if let i = storage.firstIndex(where: { $0.0 == key }) {
            storage[i].1 = value
            return true
        }
        guard storage.count < limit else { return false }
        storage.append((key, value))
        return true
    }

    public func makeIterator() -> some IteratorProtocol<Element> {
        storage.lazy.map { (key: $0.0, value: $0.1) }.makeIterator()
    }

    public static func == (lhs: Attributes, rhs: Attributes) -> Bool {
        lhs.storage.elementsEqual(rhs.storage) { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    public func hash(into hasher: inout Hasher) {
        for (k, v) in storage {
            hasher.combine(k)
            hasher.combine(v)
        }
    }
}
