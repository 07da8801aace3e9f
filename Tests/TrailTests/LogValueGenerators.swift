import Foundation
import Testing
@testable import Trail

/// A JSON value to log, generated at random, with the shape it must decode to.
indirect enum FieldModel {
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case bool(Bool)
    case null
    case array([FieldModel])
    /// `LogFields`: keys in the order given.
    case object([(String, FieldModel)])
    /// `[String: …]`: written with sorted keys.
    case dictionary([String: FieldModel])

    /// The value in the form Python's `canon` (below) prints for the decoded JSON, computed from the
    /// model alone (not from the encoder's output).
    var canonical: String {
        switch self {
        case .string(let s): "s" + hexUTF8(s)
        case .int(let v): "i\(v)"
        case .uint(let v): "i\(v)"
        case .double(let v):
            if v.isNaN { "s" + hexUTF8("NaN") } else if v == .infinity { "s" + hexUTF8("+Inf") } else if v == -.infinity { "s" + hexUTF8("-Inf") }
            else { "f" + String(repeating: "0", count: 16 - String(v.bitPattern, radix: 16).count) + String(v.bitPattern, radix: 16) }
        case .bool(let b): b ? "t" : "F"
        case .null: "n"
        case .array(let a): "[" + a.map(\.canonical).joined(separator: ",") + "]"
        case .object(let pairs): "{" + pairs.map { hexUTF8($0.0) + ":" + $0.1.canonical }.joined(separator: ",") + "}"
        case .dictionary(let d): "{" + d.sorted { $0.key < $1.key }.map { hexUTF8($0.key) + ":" + $0.value.canonical }.joined(separator: ",") + "}"
        }
    }

    /// What the value must decode to, in the fuzz checks' model: one comparison with a decoded
    /// value (``FuzzExpected/matches(_:)``) serves the fuzz targets and the property tests.
    var expected: FuzzExpected {
        switch self {
        case .string(let s): .string(s)
        case .int(let v): .int(v)
        case .uint(let v): .uint(v)
        case .double(let v): .double(v)
        case .bool(let b): .bool(b)
        case .null: .null
        case .array(let a): .array(a.map(\.expected))
        case .object(let pairs): .object(pairs.map { ($0.0, $0.1.expected) })
        case .dictionary(let d): .object(d.map { ($0.key, $0.value.expected) })
        }
    }

    /// `true` when `decoded` (from `JSONSerialization`) is this value: strings byte for byte and
    /// doubles bit for bit, U+FEFF aside (see ``withoutBOM(_:)``).
    func matches(_ decoded: Any) -> Bool { expected.matches(decoded) }
}

func hexUTF8(_ s: String) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count * 2)
    for byte in s.utf8 { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 0xF)]) }
    return String(decoding: out, as: UTF8.self)
}

struct FieldGenerator {
    var g: SeededGenerator

    static let specialDoubles: [Double] = [
        0.0, -0.0, 1.0, -1.0, 0.1, 12.5, 1e-7, 1e21, 1e308, -1e-308, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, Double.leastNormalMagnitude.nextDown,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNormalMagnitude, Double(1 << 53).nextUp, 1e15, 1e16,
        123456.789, .nan, .infinity, -.infinity, .pi,
    ]

    mutating func double() -> Double {
        switch Int.random(in: 0..<4, using: &g) {
        case 0: FieldGenerator.specialDoubles.randomElement(using: &g)!
        case 1: Double(bitPattern: g.next())  // NaN payloads, infinities, subnormals, huge and tiny exponents
        case 2: Double(bitPattern: g.next() & 0x800F_FFFF_FFFF_FFFF)  // subnormal
        default: Double(Int.random(in: -10_000_000...10_000_000, using: &g)) / 1000
        }
    }

    mutating func key(avoiding used: inout Set<String>) -> String {
        while true {
            let key = Bool.random(using: &g) ? "k\(used.count)" : randomString(maxLength: 8, using: &g)
            // Unique under String equality (canonically equivalent keys are one key to Swift).
            if !used.contains(key), !FieldNames.openTelemetry.reservedKeys.contains(key), !key.hasPrefix("fields.") {
                used.insert(key)
                return key
            }
        }
    }

    mutating func model(depth: Int) -> FieldModel {
        let kinds = depth > 0 ? 9 : 6
        switch Int.random(in: 0..<kinds, using: &g) {
        case 0: return .string(randomString(maxLength: 24, using: &g))
        case 1:
            let ints: [Int64] = [.min, .max, 0, -1, Int64(Int32.min), Int64(Int32.max)]
            return .int(Bool.random(using: &g) ? ints.randomElement(using: &g)! : Int64(bitPattern: g.next()) >> Int64.random(in: 0..<64, using: &g))
        case 2: return .uint(Bool.random(using: &g) ? .max : g.next() >> UInt64.random(in: 0..<64, using: &g))
        case 3: return .double(double())
        case 4: return .bool(Bool.random(using: &g))
        case 5: return .null
        case 6: return .array((0..<Int.random(in: 0...4, using: &g)).map { _ in model(depth: depth - 1) })
        case 7:
            var used = Set<String>()
            return .object((0..<Int.random(in: 0...4, using: &g)).map { _ in (key(avoiding: &used), model(depth: depth - 1)) })
        default:
            var used = Set<String>()
            var d: [String: FieldModel] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &g) { d[key(avoiding: &used)] = model(depth: depth - 1) }
            return .dictionary(d)
        }
    }

    /// A `LogValueConvertible` for `model`, choosing at random among the types that write it.
    mutating func value(_ model: FieldModel) -> any LogValueConvertible {
        let pick = Int.random(in: 0..<4, using: &g)
        switch model {
        case .string(let s):
            switch pick {
            case 0: return Optional(s)
            case 1: return LogValue.string(s)
            case 2: return Substring(s)
            default: return s
            }
        case .int(let v):
            if let small = Int8(exactly: v), pick == 0 { return small }
            if let small = Int16(exactly: v), pick == 1 { return small }
            if let small = Int32(exactly: v), pick == 2 { return Optional(small) }
            if pick == 3 { return LogValue.int(v) }
            return Bool.random(using: &g) ? Int(v) as any LogValueConvertible : v
        case .uint(let v):
            if let small = UInt8(exactly: v), pick == 0 { return small }
            if let small = UInt16(exactly: v), pick == 1 { return small }
            if let small = UInt32(exactly: v), pick == 2 { return small }
            return Bool.random(using: &g) ? UInt(v) as any LogValueConvertible : v
        case .double(let v):
            switch pick {
            case 0: return LogValue.double(v)
            case 1: return Optional(v)
            default: return v
            }
        case .bool(let b): return pick == 0 ? LogValue.bool(b) : b
        case .null:
            switch pick {
            case 0: return LogValue.null
            case 1: return String?.none
            case 2: return AnyLogValue(base: Int?.none)
            default: return Double?.none
            }
        case .array(let elements):
            if pick == 0, let array = model.logValue { return array }
            return elements.map { AnyLogValue(base: value($0)) }
        case .object(let pairs):
            var fields = LogFields()
            for (key, element) in pairs { fields[key] = value(element) }
            return fields
        case .dictionary(let d):
            var dictionary: [String: AnyLogValue] = [:]
            for (key, element) in d { dictionary[key] = AnyLogValue(base: value(element)) }
            if pick == 0 { return LogFields(dictionary.mapValues { $0 as any LogValueConvertible }) }
            return dictionary
        }
    }
}

extension FieldModel {
    /// The `LogValue` spelling, when there is one (no objects, no integers above `Int64.max`).
    var logValue: LogValue? {
        switch self {
        case .string(let s): .string(s)
        case .int(let v): .int(v)
        case .uint(let v): Int64(exactly: v).map(LogValue.int)
        case .double(let v): .double(v)
        case .bool(let b): .bool(b)
        case .null: .null
        case .array(let a):
            a.map(\.logValue).contains { $0 == nil } ? nil : .array(a.map { $0.logValue! })
        case .object, .dictionary: nil
        }
    }
}

/// One generated log call: what was logged, and what the line must decode to.
struct GeneratedLine {
    let message: String
    let fields: LogFields
    let model: [(String, FieldModel)]

    /// The expected decoded object without `timestamp` and `source` (the harness's service and label).
    var canonical: String {
        FieldModel.object([("level", .string("info")), ("message", .string(message)), ("service.name", .string("checkout")),
                           ("logger", .string("http"))] + model).canonical
    }

    static func make(using generator: inout FieldGenerator, hugeStrings: Bool = false) -> GeneratedLine {
        let message = hugeStrings ? randomString(maxLength: 1 << 16, using: &generator.g) + String(repeating: "\"\n\u{2028}é😀", count: 1 << 17)
                                  : randomString(maxLength: 30, using: &generator.g)
        var used = Set<String>()
        var model: [(String, FieldModel)] = []
        var fields = LogFields()
        for _ in 0..<Int.random(in: hugeStrings ? 1...3 : 0...6, using: &generator.g) {
            let key = generator.key(avoiding: &used)
            let value = hugeStrings ? FieldModel.string(String(repeating: "x\u{0}\\", count: 1 << 18)) : generator.model(depth: 3)
            model.append((key, value))
            fields[key] = generator.value(value)
        }
        return GeneratedLine(message: message, fields: fields, model: model)
    }
}
