import Foundation
import Testing
@testable import Trail

/// The text `body` appends to a fresh encoder.
func encodedText(_ body: (inout JSONLineEncoder) -> Void) -> String {
    var encoder = JSONLineEncoder()
    body(&encoder)
    return String(decoding: encoder.bytes, as: UTF8.self)
}

/// `value` as the encoder writes a JSON string (quotes included).
func encodedString(_ value: String) -> String { encodedText { $0.appendString(value) } }

/// A small, seeded generator (SplitMix64), so every property test is reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random Unicode scalar from every plane, biased towards the ones an encoder must treat specially.
func randomScalar(using g: inout SeededGenerator) -> Unicode.Scalar {
    let special: [UInt32] = [0x00, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1B, 0x1F, 0x22, 0x2F, 0x5C, 0x7F, 0x80, 0x85, 0x9F, 0xA0,
                             0x2028, 0x2029, 0x2027, 0x202A, 0xFEFF, 0xFFFD, 0xFFFF, 0x1F600, 0x1D11E, 0x10FFFF, 0x0301]
    while true {
        let value: UInt32
        switch Int.random(in: 0..<8, using: &g) {
        case 0: value = special.randomElement(using: &g)!
        case 1: value = UInt32.random(in: 0..<0x20, using: &g)
        case 2, 3: value = UInt32.random(in: 0x20..<0x80, using: &g)
        case 4: value = UInt32.random(in: 0x80..<0x800, using: &g)
        case 5: value = UInt32.random(in: 0x800..<0x10000, using: &g)
        default: value = UInt32.random(in: 0x10000...0x10FFFF, using: &g)
        }
        if let scalar = Unicode.Scalar(value) { return scalar }  // surrogates are not scalars
    }
}

func randomString(maxLength: Int, using g: inout SeededGenerator) -> String {
    var scalars = String.UnicodeScalarView()
    for _ in 0..<Int.random(in: 0...maxLength, using: &g) { scalars.append(randomScalar(using: &g)) }
    return String(scalars)
}

/// Decodes one JSON value (fragments allowed) with Foundation.
func decodeJSON(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

@Suite struct JSONLineEncoderTests {
    // MARK: Escaping

    @Test func oneSpecialCharacterAtEveryPositionOfShortAndMediumTextsIsEscapedExactlyThere() throws {
        // Plain bytes go out 8 at a time, the rest one by one: a character that needs escaping (or
        // is not ASCII) at any position, in texts of every length up to 40 (around and across the
        // 8-byte steps), comes out escaped exactly once and everything else unchanged.
        let specials: [(String, String)] = [
            ("\"", #"\""#), ("\\", #"\\"#), ("\n", #"\n"#), ("\u{7F}", #"\u007f"#), ("\u{2028}", #"\u2028"#),
            ("\u{85}", #"\u0085"#), ("é", "é"), ("\u{1F600}", "\u{1F600}"),
        ]
        for length in 0...40 {
            let plain = String((0..<length).map { Character(UnicodeScalar(UInt8(ascii: "a") + UInt8($0 % 26))) })
            #expect(encodedString(plain) == "\"" + plain + "\"")
            for (special, escaped) in specials {
                for position in 0...length {
                    let text = String(plain.prefix(position)) + special + String(plain.dropFirst(position))
                    let expected = "\"" + String(plain.prefix(position)) + escaped + String(plain.dropFirst(position)) + "\""
                    #expect(encodedString(text) == expected, "length \(length), position \(position)")
                }
            }
        }
    }

    @Test func controlCharactersAndDELAreEscapedWithTheirShortFormOrAsLowercaseUnicodeEscapes() {
        let short: [UInt8: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
        for byte in Array(UInt8(0)..<0x20) + [0x7F] {
            let expected = short[byte] ?? "\\u00" + String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
            #expect(encodedString(String(UnicodeScalar(byte))) == "\"" + expected + "\"", "byte \(byte)")
        }
    }

    @Test(arguments: [
        ("", #""""#),
        ("plain", #""plain""#),
        ("\"", #""\"""#),
        ("\\", #""\\""#),
        ("/", #""/""#),
        ("a\"b\\c", #""a\"b\\c""#),
        ("\u{0}", #""\u0000""#),
        ("\u{1B}[31mred", #""\u001b[31mred""#),
        ("line1\nline2\r\n", #""line1\nline2\r\n""#),
        ("\u{2028}", #""\u2028""#),
        ("\u{2029}", #""\u2029""#),
        ("a\u{2028}b\u{2029}c", #""a\u2028b\u2029c""#),
        ("\u{2027}\u{202A}", "\"\u{2027}\u{202A}\""),
        ("😀", "\"😀\""),
        ("𝄞 \u{10FFFF}", "\"𝄞 \u{10FFFF}\""),
        ("e\u{301}\u{302}", "\"e\u{301}\u{302}\""),
        ("🇫🇷👩‍👩‍👧", "\"🇫🇷👩‍👩‍👧\""),
        ("café ©°\u{A0}", "\"café ©°\u{A0}\""),
        ("\"\\\n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F}\u{2028}\u{2029}", #""\"\\\n\r\t\b\f\u0000\u001f\u007f\u2028\u2029""#),
        ("\u{E2}\u{80}\u{A8}", #""â\u0080¨""#),  // the scalars U+00E2 U+0080 U+00A8 are not the bytes of U+2028
    ])
    func stringsAreEscapedExactly(input: String, expected: String) {
        #expect(encodedString(input) == expected)
    }

    @Test func c1ControlCharactersAreEscapedSoNoReaderSplitsTheLineAtNEL() {
        // U+0085 NEXT LINE ends a line for Python's str.splitlines() and some log shippers; U+0080–U+009F
        // are control characters (Cc) like the C0 ones, and U+009B is a terminal's CSI.
        #expect(encodedString("a\u{85}b") == #""a\u0085b""#)
        #expect(encodedString("\u{80}\u{9B}\u{9F}") == #""\u0080\u009b\u009f""#)
        #expect(encodedString("\u{A0}\u{7E}") == "\"\u{A0}\u{7E}\"")
    }

    @Test func substringsAndNonContiguousStringsAreEscapedLikeStrings() {
        let text = "xx\"a\nb\u{2028}😀yy"
        let sub = text.dropFirst(2).dropLast(2)
        #expect(encodedText { $0.appendString(sub) } == #""\"a\nb\u2028"# + "😀\"")
        let bridged = NSString(string: "q\"\u{0}\u{2029}é") as String
        #expect(encodedString(bridged) == #""q\"\u0000\u2029"# + "é\"")
    }

    @Test func aLongStringOfOnlyEscapesIsEscapedCompletely() {
        let unit = "\"\\\n\u{1}\u{2028}"
        let expectedUnit = #"\"\\\n\u0001\u2028"#
        let input = String(repeating: unit, count: 10_000)
        #expect(encodedString(input) == "\"" + String(repeating: expectedUnit, count: 10_000) + "\"")
    }

    /// The specified escaping, one scalar at a time: the reference for the encoder's fast paths.
    static func referenceEscaped(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    @Test func escapesAcrossTheEncodersInternalChunkAndWordBoundariesMatchTheReference() {
        // The encoder escapes long strings in chunks of a few KiB and plain runs 8 bytes at a time:
        // put every escaped form at every offset around those boundaries.
        let specials = ["\u{2028}", "\u{2029}", "\u{85}", "\u{9F}", "\u{A0}", "\"", "\\", "\n", "\u{7F}", "\u{1}", "é", "😀", "\u{2027}"]
        for special in specials {
            for length in [4090, 4093, 4094, 4095, 4096, 8189, 8190, 8191] {
                let input = String(repeating: "a", count: length) + special + String(repeating: "b", count: 9)
                #expect(encodedString(input) == Self.referenceEscaped(input), "\(special.debugDescription) after \(length)")
                for short in 0..<17 {
                    let s = String(repeating: "x", count: short) + special + special + String(repeating: "y", count: short % 5)
                    #expect(encodedString(s) == Self.referenceEscaped(s))
                    var unquoted = JSONLineEncoder()
                    unquoted.appendEscaped(s)
                    #expect("\"" + String(decoding: unquoted.bytes, as: UTF8.self) + "\"" == Self.referenceEscaped(s))
                }
            }
        }
        var g = SeededGenerator(seed: 0x5EED_0002)
        for _ in 0..<300 {
            let input = randomString(maxLength: 60, using: &g)
            #expect(encodedString(input) == Self.referenceEscaped(input), "\(input.debugDescription)")
        }
        #expect(encodedString("") == "\"\"")
    }

    @Test func noEncodedStringContainsARawControlByteAndEveryOneDecodesToItsInput() throws {
        var g = SeededGenerator(seed: 0x5EED_0001)
        for _ in 0..<1000 {
            let input = randomString(maxLength: 40, using: &g)
            var encoder = JSONLineEncoder()
            encoder.appendString(input)
            #expect(!encoder.bytes.contains { $0 < 0x20 || $0 == 0x7F }, "\(input.debugDescription)")
            let text = String(decoding: encoder.bytes, as: UTF8.self)
            #expect(!text.unicodeScalars.contains { $0 == "\u{2028}" || $0 == "\u{2029}" || (0x80...0x9F).contains($0.value) })
            // Without U+FEFF: Foundation's decoder drops one after an escape (see `FieldModel.matches`).
            #expect((try decodeJSON(text) as? String).map(withoutBOM) == withoutBOM(input), "\(input.debugDescription)")
        }
    }

    // MARK: Integers

    @Test func integersOfEveryWidthAreWrittenExactlyAtTheirLimits() {
        func text(_ value: some BinaryInteger) -> String { encodedText { $0.appendInteger(value) } }
        #expect(text(Int8.min) == "-128" && text(Int8.max) == "127")
        #expect(text(Int16.min) == "-32768" && text(Int16.max) == "32767")
        #expect(text(Int32.min) == "-2147483648" && text(Int32.max) == "2147483647")
        #expect(text(Int64.min) == "-9223372036854775808" && text(Int64.max) == "9223372036854775807")
        #expect(text(Int.min) == "-9223372036854775808" && text(Int.max) == "9223372036854775807")
        #expect(text(UInt8.min) == "0" && text(UInt8.max) == "255")
        #expect(text(UInt16.max) == "65535" && text(UInt32.max) == "4294967295")
        #expect(text(UInt64.min) == "0" && text(UInt64.max) == "18446744073709551615")
        #expect(text(UInt.max) == "18446744073709551615")
        #expect(text(0) == "0" && text(-1) == "-1" && text(9) == "9" && text(10) == "10" && text(-10) == "-10")
    }

    @Test func integersWiderThan64BitsAreWrittenExactlyInsteadOfTrapping() {
        func text(_ value: some BinaryInteger) -> String { encodedText { $0.appendInteger(value) } }
        #expect(text(Int128.min) == "-170141183460469231731687303715884105728")
        #expect(text(Int128.max) == "170141183460469231731687303715884105727")
        #expect(text(UInt128.max) == "340282366920938463463374607431768211455")
        #expect(text(Int128(UInt64.max)) == "18446744073709551615")
        #expect(text(-Int128(UInt64.max) - 1) == "-18446744073709551616")
    }

    @Test func randomIntegersMatchTheirDescription() {
        var g = SeededGenerator(seed: 0x5EED_0002)
        for _ in 0..<1000 {
            let signed = Int64(bitPattern: g.next()) >> Int64.random(in: 0..<64, using: &g)
            let unsigned = g.next() >> UInt64.random(in: 0..<64, using: &g)
            #expect(encodedText { $0.appendInteger(signed) } == String(signed))
            #expect(encodedText { $0.appendInteger(unsigned) } == String(unsigned))
        }
    }

    // MARK: Doubles

    @Test(arguments: [
        (12.5, "12.5"), (0.1, "0.1"), (1e-7, "1e-07"), (1e21, "1e+21"), (123456.789, "123456.789"),
        (-0.0, "-0.0"), (0.0, "0.0"), (1.0, "1.0"), (-1.0, "-1.0"), (100.0, "100.0"), (0.5, "0.5"), (-2.25, "-2.25"),
        (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (2.2250738585072014e-308, "2.2250738585072014e-308"),
        (9007199254740992.0, "9007199254740992.0"), (1e15, "1000000000000000.0"), (1e16, "1e+16"), (999999999999999.0, "999999999999999.0"),
        (0.000001, "0.000001"), (3.141592653589793, "3.141592653589793"), (0.30000000000000004, "0.30000000000000004"),
    ] as [(Double, String)])
    func commonDoublesHaveTheExpectedText(value: Double, expected: String) {
        #expect(encodedText { $0.appendDouble(value) } == expected)
    }

    @Test func nonFiniteDoublesAreTheDocumentedStrings() {
        #expect(encodedText { $0.appendDouble(.nan) } == #""NaN""#)
        #expect(encodedText { $0.appendDouble(-.nan) } == #""NaN""#)
        #expect(encodedText { $0.appendDouble(.signalingNaN) } == #""NaN""#)
        #expect(encodedText { $0.appendDouble(.infinity) } == #""+Inf""#)
        #expect(encodedText { $0.appendDouble(-.infinity) } == #""-Inf""#)
    }

    /// A double's text is a JSON number that is a float (it has a `.` or an exponent).
    static func isJSONFloat(_ text: String) -> Bool {
        text.wholeMatch(of: /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/) != nil && (text.contains(".") || text.contains("e"))
    }

    @Test func randomFiniteDoublesRoundTripBitExactlyAndStayFloats() {
        var g = SeededGenerator(seed: 0x5EED_0003)
        var checked = 0
        while checked < 1000 {
            let value: Double
            switch checked % 4 {
            case 0: value = Double(bitPattern: g.next())  // any exponent, subnormals included
            case 1: value = Double(bitPattern: g.next() & 0x800F_FFFF_FFFF_FFFF)  // subnormals and ±0
            case 2: value = Double(Int64.random(in: -1_000_000_000...1_000_000_000, using: &g)) / [1, 10, 100, 1000, 1e6][Int(g.next() % 5)]
            default: value = Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &g))  // integral
            }
            guard value.isFinite else { continue }
            checked += 1
            let text = encodedText { $0.appendDouble(value) }
            #expect(Double(text)?.bitPattern == value.bitPattern, "\(value) → \(text)")
            #expect(Self.isJSONFloat(text), "\(value) → \(text)")
        }
    }

    @Test func floatsAreWrittenAsTheirExactDoubleValue() {
        let text = encodedText { Float(0.1).appendJSON(to: &$0) }
        #expect(Double(text) == Double(Float(0.1)))
        #expect(encodedText { Float(2.5).appendJSON(to: &$0) } == "2.5")
    }

    // MARK: Timestamps

    static func timestamp(_ unixNano: UInt64, digits: Int = 6) -> String {
        encodedText { $0.appendTimestamp(unixNano: unixNano, fractionDigits: digits) }
    }

    @Test(arguments: [
        (0, 6, #""1970-01-01T00:00:00.000000Z""#),
        (951_782_400_123_456_789, 6, #""2000-02-29T00:00:00.123456Z""#),
        (951_782_400_123_456_789, 3, #""2000-02-29T00:00:00.123Z""#),
        (951_782_400_123_456_789, 9, #""2000-02-29T00:00:00.123456789Z""#),
        (951_782_400_123_456_789, 12, #""2000-02-29T00:00:00.123456789Z""#),
        (951_782_400_123_456_789, 0, #""2000-02-29T00:00:00Z""#),
        (1_709_164_800_000_000_000 + 86_399_999_999_999, 6, #""2024-02-29T23:59:59.999999Z""#),
        (1_709_164_800_000_000_000 + 86_399_999_999_999, 3, #""2024-02-29T23:59:59.999Z""#),
        (4_107_542_400_000_000_000, 6, #""2100-03-01T00:00:00.000000Z""#),
        (4_107_542_400_000_000_000 - 1, 6, #""2100-02-28T23:59:59.999999Z""#),
        (946_684_799_999_999_999, 6, #""1999-12-31T23:59:59.999999Z""#),
        (946_684_800_000_000_000, 3, #""2000-01-01T00:00:00.000Z""#),
        (13_574_563_200_000_000_000, 6, #""2400-02-29T00:00:00.000000Z""#),
        (13_601_001_600_000_000_000 + 86_399_000_001_000, 6, #""2400-12-31T23:59:59.000001Z""#),
        (1_795_341_845_123_456_000, 6, #""2026-11-22T10:04:05.123456Z""#),
    ] as [(UInt64, Int, String)])
    func timestampsAreRFC3339UTCWithTruncatedFractions(unixNano: UInt64, digits: Int, expected: String) {
        #expect(Self.timestamp(unixNano, digits: digits) == expected)
    }

    @Test func randomInstantsFrom1970To2400MatchFoundationsISO8601Formatting() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var g = SeededGenerator(seed: 0x5EED_0004)
        let end: UInt64 = 13_601_088_000  // 2401-01-01
        for i in 0..<1000 {
            let firstSeconds: [UInt64] = [0, 951_782_400, 1_709_164_800, 4_107_542_400, 946_684_799, 13_574_563_200, 4_107_455_999, 1_230_767_999, 68_169_600, end - 1]
            let seconds: UInt64 = i < 10 ? firstSeconds[i] : UInt64.random(in: 0..<end, using: &g)
            let nanos = UInt64.random(in: 0..<1_000_000_000, using: &g)
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let reference = formatter.string(from: date)  // "YYYY-MM-DDTHH:MM:SS.000Z"
            for digits in [3, 6] {
                let ours = Self.timestamp(seconds * 1_000_000_000 + nanos, digits: digits)
                #expect(ours.dropFirst().prefix(19) == reference.prefix(19), "\(seconds)")
                let fraction = String(String(nanos + 1_000_000_000).dropFirst().prefix(digits))
                #expect(ours.dropFirst(21).dropLast(2) == fraction)
                #expect(ours.hasSuffix("Z\"") && ours.count == 2 + 20 + 1 + digits)
            }
        }
    }

    @Test func civilDateMatchesTheGregorianCalendarDayByDay() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var g = SeededGenerator(seed: 0x5EED_0005)
        for i in 0..<1000 {
            let firstDays: [Int64] = [0, 157_431, 157_431 - 1]  // 1970-01-01, 2401-01-01, 2400-12-31
            let day: Int64 = i < 3 ? firstDays[i] : Int64.random(in: 0..<157_431, using: &g)
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(day * 86_400)))
            let civil = JSONLineEncoder.civilDate(daysSinceEpoch: day)
            let expected = (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            #expect(civil == expected, "day \(day)")
        }
    }

    // MARK: Structure

    @Test func arraysAndObjectsGetCommasOnlyBetweenElements() {
        #expect(encodedText { $0.appendArray([Int]()) { v, e in e.appendInteger(v) } } == "[]")
        #expect(encodedText { $0.appendArray([1, 2, 3]) { v, e in e.appendInteger(v) } } == "[1,2,3]")
        #expect(encodedText { $0.appendObject(["a", "b"]) { k, e in e.appendKey(k); e.appendNull() } } == #"{"a":null,"b":null}"#)
        #expect(encodedText { $0.appendObject([String]()) { k, e in e.appendKey(k) } } == "{}")
        #expect(encodedText { e in
            e.appendObject([0]) { _, e in
                e.appendKey("x\"y")
                e.appendObject([1]) { _, e in e.appendKey("in"); e.appendBool(true) }
                e.appendKey("z")
                e.appendBool(false)
            }
        } == #"{"x\"y":{"in":true},"z":false}"#)
    }

    @Test func dictionariesAreWrittenWithSortedKeysAndOptionalsAsNull() throws {
        let value: [String: Int?] = ["b": 2, "a": nil, "c\n": 3]
        let text = encodedText { value.appendJSON(to: &$0) }
        #expect(text == #"{"a":null,"b":2,"c\n":3}"#)
        let mixed: LogValue = [1, "two", 3.5, true, nil, [LogValue.int(Int64.min)]]
        #expect(encodedText { mixed.appendJSON(to: &$0) } == #"[1,"two",3.5,true,null,[-9223372036854775808]]"#)
    }
}

@Suite struct TimestampCacheTests {
    @Test func theCachedTimestampMatchesTheDirectOneForEveryPrecision() {
        var cache = TimestampCache()
        var rng = SeededGenerator(seed: 0x7157)
        var previous: UInt64 = 1_700_000_000_000_000_000
        for i in 0..<2000 {
            // Mostly the same second (the cache is reused), sometimes a jump to any instant up to 2400.
            let t = i % 7 == 0 ? rng.next() % 13_569_465_600_000_000_000 : previous + rng.next() % 300_000_000
            previous = t
            for digits in [0, 3, 6, 9] {
                var direct = JSONLineEncoder()
                direct.appendTimestamp(unixNano: t, fractionDigits: digits)
                var cached = JSONLineEncoder()
                cached.appendTimestamp(unixNano: t, fractionDigits: digits, cache: &cache)
                #expect(cached.bytes == direct.bytes)
            }
        }
    }
}
