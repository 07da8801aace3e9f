import Foundation
@testable import Trail

extension FuzzChecks {
    // MARK: JSON line encoder

    /// The pipeline the line checks encode for: no destination, nothing redacted.
    static let linePipeline = Pipeline(
        serviceName: "fuzz", level: .trace, fieldNames: .openTelemetry, redaction: .none, destinations: [], environment: [:])
    static let lineLogger = Logger(label: "fuzz", pipeline: linePipeline)

    /// Input: choices that build a level, an optional span context, a message and trees of fields
    /// for the call and sometimes for the logger (`with`) and the context (``FuzzValueBuilder``:
    /// strings from arbitrary bytes, awkward characters, integers of every width, special doubles,
    /// nested arrays and objects, repeated and reserved keys).
    ///
    /// The line is encoded by the logger's own encoding path (the one `Logger.log` runs before it
    /// queues the bytes). Checks: valid UTF-8 ending in exactly one `\n`, no other raw control
    /// character, no raw U+2028/U+2029; no object with a repeated key; `JSONSerialization` reads a
    /// top-level object with exactly the reserved keys, `fields.<key>` for a reserved key of the
    /// call, and every value equal to what was logged (the last one for a repeated key).
    static func jsonLine(_ bytes: [UInt8]) throws(FuzzFailure) {
        var builder = FuzzValueBuilder(input: FuzzInput(bytes))
        let level = LogLevel.allCases[builder.input.choice(LogLevel.allCases.count)]
        var context = Context()
        if builder.input.choice(2) == 1 {
            let spanContext = SpanContext(
                traceID: TraceID(high: builder.input.uint64() & 0xFF, low: builder.input.uint64()),
                spanID: SpanID(builder.input.uint64()), traceFlags: TraceFlags(rawValue: builder.input.byte()))
            context = context.with(span: Span(remote: spanContext))
        }
        let message = builder.string()
        // The call's fields, and sometimes fields bound to the logger and to the context: on equal
        // keys the call wins over the logger, the logger over the context.
        let reserved = linePipeline.fieldNames.reservedKeys
        let written = { (key: String) in reserved.contains(key) ? "fields." + key : key }
        var seen: [String] = []
        var logger = lineLogger
        var model: [(String, FuzzExpected)] = []
        if builder.input.choice(4) == 0 {
            let (contextFields, pairs) = builder.fields(depth: 2, seen: &seen, written: written)
            context.fields = context.fields.adding(contextFields, for: linePipeline)
            model = pairs
        }
        if builder.input.choice(4) == 0 {
            let (boundFields, pairs) = builder.fields(depth: 2, seen: &seen, written: written)
            logger = logger.with(boundFields)
            model = override(model, with: pairs)
        }
        let (callFields, pairs) = builder.fields(depth: 3, seen: &seen, written: written)
        model = override(model, with: pairs)
        let line = encodeLine(logger: logger, level: level, message: message, fields: callFields, context: context)

        try fuzzRequire(line.last == 0x0A && line.dropLast().allSatisfy { $0 >= 0x20 }, "not one line without raw control characters")
        guard let text = String(validating: line, as: UTF8.self) else { throw FuzzFailure(description: "invalid UTF-8") }
        try fuzzRequire(!text.unicodeScalars.contains { $0 == "\u{2028}" || $0 == "\u{2029}" || $0 == "\u{85}" }, "raw line separator")
        let printable = String(text.prefix(600)).debugDescription
        try checkUniqueKeys(line, printable)

        guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
            throw FuzzFailure(description: "not a JSON object: \(printable)")
        }
        var wanted: [(String, FuzzExpected)] = [("level", .string(level.name)), ("message", .string(message)),
                                                 ("service.name", .string("fuzz")), ("logger", .string("fuzz"))]
        if let span = context.spanContext, span.isValid {
            let flags = TraceFlags(rawValue: span.traceFlags.rawValue & TraceFlags.known.rawValue)
            wanted += [("trace_id", .string(span.traceID.hexString)), ("span_id", .string(span.spanID.hexString)),
                         ("trace_flags", .string(flags.hexString))]
        }
        wanted += model
        try checkObject(object, wanted, printable)

        // `trail grep` and the console format read lines with JSONLineScanner: it must find the
        // same top-level keys, and the string values byte for byte.
        guard let scanned = line.withUnsafeBytes({ JSONLineScanner.fields($0) }) else {
            throw FuzzFailure(description: "JSONLineScanner rejects the line: \(printable)")
        }
        let keyCount: Int = wanted.count + 2
        try fuzzRequire(scanned.count == keyCount, "JSONLineScanner finds \(scanned.count) keys: \(printable)")
        for (key, value) in wanted {
            guard case .string(let string) = value else { continue }
            let found = scanned.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
            try fuzzRequire(found == .string(string) && found?.text.utf8.elementsEqual(string.utf8) == true,
                            "JSONLineScanner reads \(key.debugDescription) as \(String(describing: found)): \(printable)")
        }
    }

    // MARK: JSONLineScanner

    /// Whether `bytes` are an input on which the scanner must agree with Foundation: valid UTF-8
    /// with no zero byte (Foundation takes zero bytes near the start for UTF-16 or UTF-32, and JSON
    /// in UTF-8 has none anywhere), no byte-order mark, not nested deeper than the scanner's limit,
    /// and no trailing comma (Foundation accepts `{"a":1,}`, JSON does not).
    static func scannerIsRequiredToRead(_ bytes: [UInt8]) -> Bool {
        let opening = bytes.count { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "{") }
        return opening < JSONCursor.maxDepth && !bytes.contains(0) && !bytes.starts(with: [0xEF, 0xBB, 0xBF])
            && !hasTrailingComma(bytes) && String(validating: bytes, as: UTF8.self) != nil
    }

    /// Input: any bytes, read as one line by JSONLineScanner (`trail grep`, `trail pretty`).
    ///
    /// Checks: no crash on any input; an object `JSONSerialization` reads from JSON text in UTF-8
    /// (see ``scannerIsRequiredToRead(_:)``) is read by the scanner too, with the same string values,
    /// and numbers, literals, arrays and objects as raw text.
    static func jsonScan(_ bytes: [UInt8]) throws(FuzzFailure) {
        let scanned = bytes.withUnsafeBytes { JSONLineScanner.fields($0) }
        guard scannerIsRequiredToRead(bytes),
              let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        else { return }
        let printable = String(lossyText(bytes).prefix(600)).debugDescription
        guard let scanned else { throw FuzzFailure(description: "JSONLineScanner rejects an object Foundation reads: \(printable)") }
        let byKey = withoutBOMKeys(object)
        for (key, value) in scanned where scanned.count(where: { withoutBOM($0.key) == withoutBOM(key) }) == 1 {
            let decoded = byKey[withoutBOM(key)]
            switch value {
            case .string(let string):
                try fuzzRequire((decoded as? String).map { withoutBOM($0).utf8.elementsEqual(withoutBOM(string).utf8) } == true,
                                "\(key.debugDescription): scanner \(string.debugDescription), Foundation \(String(describing: decoded)): \(printable)")
            case .raw(let raw):
                try fuzzRequire(decoded != nil && !(decoded is String), "\(key.debugDescription): raw \(raw) is a string to Foundation: \(printable)")
            }
        }
    }

    /// `object` holds a timestamp, a source object and exactly the `wanted` keys and values.
    static func checkObject(_ object: [String: Any], _ wanted: [(String, FuzzExpected)], _ printable: String) throws(FuzzFailure) {
        let hasTimestamp = object["timestamp"] is String, hasSource = object["source"] is [String: Any]
        try fuzzRequire(hasTimestamp && hasSource, "no timestamp or source: \(printable)")
        let found: Int = object.count, expected: Int = wanted.count + 2
        try fuzzRequire(found == expected, "\(found) keys, expected \(expected): \(printable)")
        // Keys compared without U+FEFF, as FuzzExpected.matches compares strings.
        let byKey = withoutBOMKeys(object)
        for (key, value) in wanted {
            try fuzzRequire(byKey[withoutBOM(key)].map(value.matches) == true, "\(key.debugDescription) should be \(value): \(printable)")
        }
    }

    /// `base` with each of `pairs` replacing the pair with the same key, or added.
    static func override(_ base: [(String, FuzzExpected)], with pairs: [(String, FuzzExpected)]) -> [(String, FuzzExpected)] {
        base.filter { old in !pairs.contains { $0.0 == old.0 } } + pairs
    }

    /// One line through `Logger.encode`, with the thread's scratch buffer and caches as `Logger.emit`
    /// uses them.
    static func encodeLine(logger: Logger, level: LogLevel, message: String, fields: LogFields, context: Context) -> [UInt8] {
        ScratchBuffer.with { scratch, caches in
            logger.encode(
                into: &scratch.encoder, time: 1_700_000_000_123_456_789, timestamps: &scratch.timestamps, caches: caches, level: level,
                message: message, fields: fields, error: nil, span: context.spanContext, contextFields: context.fields, file: "Fuzz/json-line.swift", function: "fuzz", line: 1)
            return scratch.encoder.bytes
        }
    }

    /// Fails when an object of the JSON text `line` has the same key twice (a duplicate that a
    /// dictionary-based parser would silently merge). Keys are compared as written; the encoder
    /// escapes a given string one way only.
    static func checkUniqueKeys(_ line: [UInt8], _ printable: String) throws(FuzzFailure) {
        var objects: [Set<ArraySlice<UInt8>>?] = []  // one entry per open object or array (nil)
        var expectKey = false
        var i = 0
        while i < line.count {
            switch line[i] {
            case UInt8(ascii: "{"): objects.append([]); expectKey = true
            case UInt8(ascii: "["): objects.append(nil); expectKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = objects.popLast(); expectKey = false
            case UInt8(ascii: ","): expectKey = objects.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                var end = i + 1
                while end < line.count, line[end] != UInt8(ascii: "\"") { end += line[end] == UInt8(ascii: "\\") ? 2 : 1 }
                if expectKey, objects.last != nil {
                    let key = line[(i + 1)..<min(end, line.count)]
                    try fuzzRequire(objects[objects.count - 1]!.insert(key).inserted,
                                    "key \(lossyText(key).debugDescription) repeats in an object: \(printable)")
                }
                expectKey = false
                i = end
            default: break
            }
            i += 1
        }
    }

    /// `true` when a `,` outside strings is followed (after whitespace) by `}` or `]`.
    static func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
        var inString = false, escaped = false, lastOutside: UInt8 = 0
        for c in bytes {
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if c == UInt8(ascii: "\"") { inString = true; lastOutside = c; continue }
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { continue }
            if (c == UInt8(ascii: "}") || c == UInt8(ascii: "]")) && lastOutside == UInt8(ascii: ",") { return true }
            lastOutside = c
        }
        return false
    }
}
