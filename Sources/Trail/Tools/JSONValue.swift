/// A JSON document as a value: what the tools read back from span files (`trail show`), where
/// nested objects (attributes, events, links) matter. Integers stay integers (`1`), numbers with a
/// fraction or exponent are doubles (`1.0`), so typed attributes read back with their types.
package enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in document order.
    case object([(String, JSONValue)])

    /// Parses one complete JSON text; `nil` when it is not valid JSON (or nests deeper than
    /// ``JSONCursor/maxDepth``).
    package static func parse(_ bytes: UnsafeRawBufferPointer) -> JSONValue? {
        var cursor = JSONCursor(bytes: bytes)
        cursor.skipSpace()
        guard let value = cursor.jsonValue(depth: 0) else { return nil }
        cursor.skipSpace()
        return cursor.atEnd ? value : nil
    }

    package static func parse(_ bytes: [UInt8]) -> JSONValue? {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// The value of `key` in an object (the first one, if repeated).
    package subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1
    }

    package var string: String? { if case .string(let s) = self { s } else { nil } }
    package var int: Int64? { if case .int(let n) = self { n } else { nil } }
    package var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    package var object: [(String, JSONValue)]? { if case .object(let o) = self { o } else { nil } }

    /// An unsigned integer, also from a decimal string (OTLP/JSON writes 64-bit integers as strings).
    package var uint64: UInt64? {
        switch self {
        case .int(let n): n >= 0 ? UInt64(n) : nil
        case .string(let s): UInt64(s)
        default: nil
        }
    }

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }
}

extension JSONCursor {
    mutating func jsonValue(depth: Int) -> JSONValue? {
        guard depth < Self.maxDepth, i < bytes.count else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            return string().map(JSONValue.string)
        case UInt8(ascii: "{"):
            i += 1
            var fields: [(String, JSONValue)] = []
            skipSpace()
            if take(UInt8(ascii: "}")) { return .object(fields) }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard let value = jsonValue(depth: depth + 1) else { return nil }
                fields.append((key, value))
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}")) ? .object(fields) : nil
            }
        case UInt8(ascii: "["):
            i += 1
            var elements: [JSONValue] = []
            skipSpace()
            if take(UInt8(ascii: "]")) { return .array(elements) }
            while true {
                skipSpace()
                guard let value = jsonValue(depth: depth + 1) else { return nil }
                elements.append(value)
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]")) ? .array(elements) : nil
            }
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default:
            let start = i
            guard number() else { return nil }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            if let int = Int64(text) { return .int(int) }
            return Double(text).map(JSONValue.double)
        }
    }
}
