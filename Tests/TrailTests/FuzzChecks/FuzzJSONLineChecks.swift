import Foundation
@testable import Trail

/// What a logged value must decode to.
enum FuzzExpected: Sendable {
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case bool(Bool)
    case null
    case array([FuzzExpected])
    /// Keys unique, in any order.
    case object([(String, FuzzExpected)])

    /// `true` when `decoded` (from `JSONSerialization`) is this value: strings byte for byte,
    /// doubles bit for bit. U+FEFF is ignored in strings: Foundation's parser on Linux drops some.
    func matches(_ decoded: Any) -> Bool {
        switch self {
        case .string(let s): return (decoded as? String).map { withoutBOM($0).utf8.elementsEqual(withoutBOM(s).utf8) } ?? false
        case .int(let v): return DecodedScalar.isInteger(v, decoded)
        case .uint(let v): return DecodedScalar.isInteger(v, decoded)
        case .double(let v): return DecodedScalar.isDouble(v, decoded)
        case .bool(let b): return DecodedScalar.isBool(b, decoded)
        case .null: return decoded is NSNull
        case .array(let elements):
            guard let array = decoded as? [Any], array.count == elements.count else { return false }
            return zip(elements, array).allSatisfy { $0.matches($1) }
        case .object(let pairs):
            guard let object = decoded as? [String: Any], object.count == pairs.count else { return false }
            let byKey = withoutBOMKeys(object)
            return pairs.allSatisfy { key, value in byKey[withoutBOM(key)].map(value.matches) ?? false }
        }
    }
}

/// Whether a value `JSONSerialization` decoded is the number or flag Trail wrote: integers exactly,
/// doubles bit for bit (NaN and the infinities as the strings Trail writes for them), booleans as
/// JSON `true`/`false` rather than numbers. Shared by the fuzz checks and the property tests.
enum DecodedScalar {
    static func isInteger(_ value: some FixedWidthInteger, _ decoded: Any) -> Bool {
        guard let number = decoded as? NSNumber else { return false }
        return number.stringValue == String(value)
    }

    static func isDouble(_ value: Double, _ decoded: Any) -> Bool {
        if value.isNaN { return decoded as? String == "NaN" }
        if value.isInfinite { return decoded as? String == (value > 0 ? "+Inf" : "-Inf") }
        guard let number = decoded as? NSNumber else { return false }
        // Foundation on Linux gives some doubles as NSDecimalNumber, whose doubleValue is not
        // correctly rounded; its decimal text is exact, so parse that.
        let double = number is NSDecimalNumber ? Double(number.stringValue) : number.doubleValue
        return double?.bitPattern == value.bitPattern
    }

    static func isBool(_ value: Bool, _ decoded: Any) -> Bool {
        guard let number = decoded as? NSNumber else { return false }
        return number.boolValue == value && (number.stringValue == "1" || number.stringValue == "0")
    }
}

/// `s` without U+FEFF: Foundation's `JSONSerialization` on Linux drops a U+FEFF that starts a
/// string or follows an escape sequence (`"\u{FEFF}x"` decodes as `"x"`), so decoded strings and
/// keys are compared without it (the Python cross-check compares them exactly). Keys compare as
/// `String`s (canonical equivalence, as a decoded dictionary tells them apart).
func withoutBOM(_ s: String) -> String {
    s.unicodeScalars.contains("\u{FEFF}") ? String(String.UnicodeScalarView(s.unicodeScalars.filter { $0 != "\u{FEFF}" })) : s
}

/// A decoded object with U+FEFF taken out of its keys (the first of two keys that become equal wins).
func withoutBOMKeys(_ object: [String: Any]) -> [String: Any] {
    Dictionary(object.map { (withoutBOM($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
}

/// Wraps any value so arrays and dictionaries can mix types (a user conformance, as the docs
/// suggest); used by the fuzz checks and the property tests.
struct AnyLogValue: LogValueConvertible {
    let base: any LogValueConvertible
    func appendJSON(to encoder: inout JSONLineEncoder) { base.appendJSON(to: &encoder) }
}

/// Builds log values and their expected decoding from fuzz input.
struct FuzzValueBuilder {
    var input: FuzzInput
    /// Values still allowed, so one input cannot build a huge tree.
    var budget = 80

    static let pieces = ["\u{2028}", "\u{2029}", "\0", "\n", "\r\n", "\t", "\u{7F}", "\u{85}", "\u{9F}", "\"", "\\", "\u{FEFF}",
                         "é", "e\u{301}", "😀", "\u{FFFD}", "/", "</script>", "\u{1B}[31m", " "]
    static let keys = ["message", "trace_id", "span_id", "trace_flags", "level", "timestamp", "service.name", "logger", "source",
                       "error.type", "error.message", "error.stack_trace", "fields.message", "fields.level", "", "a", "A", "fields."]
    static let doubles: [Double] = [.nan, -.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                                    .leastNormalMagnitude, Double.leastNormalMagnitude.nextDown, .greatestFiniteMagnitude, 1e15, 1e16,
                                    0.1, 1e-7, 123456.789, 9_007_199_254_740_992.0.nextUp, .pi, -1.5, 1e21]

    /// Text from raw bytes (invalid UTF-8 decoded lossily) or from awkward pieces.
    mutating func string() -> String {
        switch input.choice(3) {
        case 0: return lossyText(input.chunk(limit: 64))
        case 1: return (0..<input.choice(6)).map { _ in Self.pieces[input.choice(Self.pieces.count)] }.joined()
        default: return lossyText(input.chunk(limit: 8)) + Self.pieces[input.choice(Self.pieces.count)]
        }
    }

    mutating func key() -> String {
        input.choice(2) == 0 ? Self.keys[input.choice(Self.keys.count)] : string()
    }

    /// Fields with keys as given (repeats included), and the object they must decode to: for a
    /// repeated key, the last value. `seen` collects the keys used on this level (across the
    /// call's, the logger's and the context's fields of a line).
    mutating func fields(
        depth: Int, seen: inout [String], written: (String) -> String = { $0 }
    ) -> (LogFields, [(String, FuzzExpected)]) {
        var fields = LogFields()
        var expected: [(String, FuzzExpected)] = []
        for _ in 0..<input.choice(7) where budget > 0 {
            var key = key()
            // Keys a decoded dictionary finds equal but whose bytes differ ("é" and "e\u{301}", or
            // with a U+FEFF that Foundation drops) are one key to it and two to JSON, and one or two
            // to Trail: use the first spelling so all agree.
            if let same = seen.first(where: {
                withoutBOM(written($0)) == withoutBOM(written(key)) && !written($0).utf8.elementsEqual(written(key).utf8)
            }) { key = same }
            seen.append(key)
            let (value, model) = value(depth: depth)
            fields.storage.append((key, value))
            let name = written(key)
            expected.removeAll { $0.0 == name }
            expected.append((name, model))
        }
        return (fields, expected)
    }

    /// One value of a type chosen by the input, and what it must decode to.
    mutating func value(depth: Int) -> (any LogValueConvertible, FuzzExpected) {
        budget -= 1
        let kinds = depth > 0 && budget > 0 ? 16 : 12
        switch input.choice(kinds) {
        case 0: let s = string(); return (s, .string(s))
        case 1: let s = string(); return (Substring(s), .string(s))
        case 2: let s = string(); return (LogValue.string(s), .string(s))
        case 3: let v = Int(truncatingIfNeeded: input.uint64()); return (v, .int(Int64(v)))
        case 4:
            let v = input.uint64()
            switch input.choice(4) {
            case 0: return (Int8(truncatingIfNeeded: v), .int(Int64(Int8(truncatingIfNeeded: v))))
            case 1: return (Int16(truncatingIfNeeded: v), .int(Int64(Int16(truncatingIfNeeded: v))))
            case 2: return (Int32(truncatingIfNeeded: v), .int(Int64(Int32(truncatingIfNeeded: v))))
            default: return (LogValue.int(Int64(bitPattern: v)), .int(Int64(bitPattern: v)))
            }
        case 5:
            let v = input.uint64()
            switch input.choice(5) {
            case 0: return (UInt8(truncatingIfNeeded: v), .uint(UInt64(UInt8(truncatingIfNeeded: v))))
            case 1: return (UInt16(truncatingIfNeeded: v), .uint(UInt64(UInt16(truncatingIfNeeded: v))))
            case 2: return (UInt32(truncatingIfNeeded: v), .uint(UInt64(UInt32(truncatingIfNeeded: v))))
            case 3: return (UInt(v), .uint(v))
            default: return (v, .uint(v))
            }
        case 6: let d = Double(bitPattern: input.uint64()); return (d, .double(d))
        case 7: let d = Self.doubles[input.choice(Self.doubles.count)]; return (input.choice(2) == 0 ? d : LogValue.double(d), .double(d))
        case 8: let f = Float(bitPattern: UInt32(truncatingIfNeeded: input.uint64())); return (f, .double(Double(f)))
        case 9: let b = input.choice(2) == 1; return (input.choice(2) == 0 ? b : LogValue.bool(b), .bool(b))
        case 10:
            let values: [any LogValueConvertible] = [LogValue.null, String?.none, Int?.none, Double?.none]
            return (values[input.choice(values.count)], .null)
        case 11: let (v, m) = value(depth: depth); return (Optional(AnyLogValue(base: v)), m)
        case 12:
            var values: [any LogValueConvertible] = [], models: [FuzzExpected] = []
            for _ in 0..<input.choice(6) where budget > 0 {
                let (v, m) = value(depth: depth - 1)
                values.append(v)
                models.append(m)
            }
            return (values.map { AnyLogValue(base: $0) }, .array(models))
        case 13:
            var seen: [String] = []
            let (fields, pairs) = fields(depth: depth - 1, seen: &seen)
            return (fields, .object(pairs))
        case 14:
            // A dictionary: one value per key, written with sorted keys.
            var dictionary: [String: Int] = [:]
            for _ in 0..<input.choice(5) {
                let key = key()
                dictionary[dictionary.keys.first { withoutBOM($0) == withoutBOM(key) } ?? key] = Int(Int8(bitPattern: input.byte()))
            }
            return (dictionary, .object(dictionary.map { ($0.key, .int(Int64($0.value))) }))
        default:
            var values: [LogValue] = [], models: [FuzzExpected] = []
            for _ in 0..<input.choice(4) {
                let s = string()
                if input.choice(2) == 0 {
                    values.append(LogValue.string(s))
                    models.append(FuzzExpected.string(s))
                } else {
                    values.append(LogValue.array([.string(s), .null]))
                    models.append(FuzzExpected.array([.string(s), .null]))
                }
            }
            return (LogValue.array(values), .array(models))
        }
    }
}
