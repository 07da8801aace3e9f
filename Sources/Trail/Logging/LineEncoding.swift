import Synchronization

/// The parts of a log line that depend only on the pipeline's configuration, encoded once:
/// reserved keys with their punctuation, the service name, constants, and the key matchers.
/// A class, so that using it on every line costs one reference, not one per array.
final class LineEncoding: @unchecked Sendable {
    // @unchecked: every stored property is immutable after `init`; the buffers point into
    // `storage`, which is written only in `init` and freed only in `deinit`.
    let fieldNames: FieldNames
    /// Unique for the process's lifetime (never 0): what per-thread caches remember they were
    /// computed for.
    let id: UInt64 = LineEncoding.nextID.add(1, ordering: .relaxed).newValue
    private static let nextID = Atomic<UInt64>(0)
    let reserved: KeyMatcher
    let secret: KeyMatcher
    let replacement: String

    // The encoded pieces live in one buffer allocated for the encoding's lifetime, so appending one
    // is a plain copy, with no reference counting.
    let open: UnsafeBufferPointer<UInt8>              // {"timestamp":
    let levels: [UnsafeBufferPointer<UInt8>]          // ,"level":"info"  (by LogLevel.rawValue)
    let message: UnsafeBufferPointer<UInt8>           // ,"message":
    let traceID: UnsafeBufferPointer<UInt8>           // ,"trace_id":"
    let spanID: UnsafeBufferPointer<UInt8>            // ","span_id":"
    let traceFlags: UnsafeBufferPointer<UInt8>?       // ","trace_flags":"
    let serviceAndConstants: UnsafeBufferPointer<UInt8>  // ,"service.name":"checkout"[,"ecs.version":"8.11.0"]
    let errorType: UnsafeBufferPointer<UInt8>
    let errorMessage: UnsafeBufferPointer<UInt8>
    let errorStackTrace: UnsafeBufferPointer<UInt8>
    private let storage: UnsafeMutableBufferPointer<UInt8>

    deinit { storage.deallocate() }

    init(serviceName: String, fieldNames: FieldNames, redaction: Redaction) {
        self.fieldNames = fieldNames
        reserved = KeyMatcher(exactly: fieldNames.reservedKeys)
        secret = KeyMatcher(substrings: redaction.patterns)
        replacement = redaction.replacement
        func key(_ name: String, comma: Bool = true, quote: Bool = false) -> [UInt8] {
            var encoder = JSONLineEncoder(capacity: name.utf8.count + 6)
            if comma { encoder.appendRaw(",") }
            encoder.appendString(name)
            encoder.appendRaw(":")
            if quote { encoder.appendRaw("\"") }
            return encoder.bytes
        }
        let levelPieces = LogLevel.allCases.map { level in
            var encoder = JSONLineEncoder()
            encoder.bytes = key(fieldNames.level)
            encoder.appendString(level.name)
            return encoder.bytes
        }
        var constants = JSONLineEncoder()
        constants.bytes = key(fieldNames.serviceName)
        constants.appendString(serviceName)
        for (name, value) in fieldNames.constants.sorted(by: { $0.key < $1.key }) {
            constants.bytes += key(name)
            constants.appendString(value)
        }
        let pieces: [[UInt8]] = [
            [UInt8(ascii: "{")] + key(fieldNames.timestamp, comma: false),
            key(fieldNames.message),
            key(fieldNames.traceID, quote: true),
            [UInt8(ascii: "\"")] + key(fieldNames.spanID, quote: true),
            fieldNames.traceFlags.map { [UInt8(ascii: "\"")] + key($0, quote: true) } ?? [],
            constants.bytes,
            key(fieldNames.errorType),
            key(fieldNames.errorMessage),
            key(fieldNames.errorStackTrace),
        ] + levelPieces
        storage = .allocate(capacity: pieces.reduce(0) { $0 + $1.count })
        var offset = 0
        let base = storage.baseAddress!
        let placed = pieces.map { piece -> UnsafeBufferPointer<UInt8> in
            _ = UnsafeMutableBufferPointer(start: base + offset, count: piece.count).initialize(from: piece)
            defer { offset += piece.count }
            return UnsafeBufferPointer(start: base + offset, count: piece.count)
        }
        open = placed[0]
        message = placed[1]
        traceID = placed[2]
        spanID = placed[3]
        traceFlags = fieldNames.traceFlags == nil ? nil : placed[4]
        serviceAndConstants = placed[5]
        errorType = placed[6]
        errorMessage = placed[7]
        errorStackTrace = placed[8]
        levels = Array(placed[9...])
    }

    /// The key a user field is written under: `fields.<key>` when it is a reserved key.
    @inline(__always)
    func userKey(_ key: String) -> String {
        reserved.matches(key) ? "fields." + key : key
    }

    /// Appends `,"written":` and the value, or the redaction marker when the key looks secret.
    /// `written` is already the output of ``userKey(_:)``.
    @inline(__always)
    func appendField(_ written: String, to encoder: inout JSONLineEncoder, value: (inout JSONLineEncoder) -> Void) {
        encoder.bytes.append(UInt8(ascii: ","))
        encoder.appendString(written)
        encoder.bytes.append(UInt8(ascii: ":"))
        if secret.matches(written) { encoder.appendString(replacement) } else { value(&encoder) }
    }
}
