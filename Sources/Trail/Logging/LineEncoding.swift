/// The parts of a log line that depend only on the pipeline's configuration, encoded once:
/// reserved keys with their punctuation, the service name, constants, and the key matchers.
/// A class, so that using it on every line costs one reference, not one per array.
final class LineEncoding: Sendable {
    let fieldNames: FieldNames
    let reserved: KeyMatcher
    let secret: KeyMatcher
    let replacement: String

    let open: [UInt8]              // {"timestamp":
    let levels: [[UInt8]]          // ,"level":"info"  (by LogLevel.rawValue)
    let message: [UInt8]           // ,"message":
    let traceID: [UInt8]           // ,"trace_id":"
    let spanID: [UInt8]            // ","span_id":"
    let traceFlags: [UInt8]?       // ","trace_flags":"
    let serviceAndConstants: [UInt8]  // ,"service.name":"checkout"[,"ecs.version":"8.11.0"]
    let errorType: [UInt8]
    let errorMessage: [UInt8]
    let errorStackTrace: [UInt8]

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
        open = [UInt8(ascii: "{")] + key(fieldNames.timestamp, comma: false)
        levels = LogLevel.allCases.map { level in
            var encoder = JSONLineEncoder(reusing: key(fieldNames.level))
            encoder.bytes = key(fieldNames.level)
            encoder.appendString(level.name)
            return encoder.bytes
        }
        message = key(fieldNames.message)
        traceID = key(fieldNames.traceID, quote: true)
        spanID = [UInt8(ascii: "\"")] + key(fieldNames.spanID, quote: true)
        traceFlags = fieldNames.traceFlags.map { [UInt8(ascii: "\"")] + key($0, quote: true) }
        var constants = JSONLineEncoder()
        constants.bytes = key(fieldNames.serviceName)
        constants.appendString(serviceName)
        for (name, value) in fieldNames.constants.sorted(by: { $0.key < $1.key }) {
            constants.bytes += key(name)
            constants.appendString(value)
        }
        serviceAndConstants = constants.bytes
        errorType = key(fieldNames.errorType)
        errorMessage = key(fieldNames.errorMessage)
        errorStackTrace = key(fieldNames.errorStackTrace)
    }

    /// The key a user field is written under: `fields.<key>` when it is a reserved key.
    @inline(__always)
    func userKey(_ key: String) -> String {
        reserved.matches(key) ? "fields." + key : key
    }
}
