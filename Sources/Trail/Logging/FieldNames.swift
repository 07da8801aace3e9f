/// The reserved keys of a log line, switched as a whole: OpenTelemetry's names (the default),
/// the Elastic Common Schema for ELK / Filebeat, or your own.
///
/// Reserved keys are written by Trail itself. A field of yours with a reserved key never replaces
/// it: it is written as `fields.<key>` instead (so `logger.info("…", ["level": 3])` keeps the real
/// `level` and adds `"fields.level":3`).
public struct FieldNames: Sendable, Hashable {
    public var timestamp: String
    public var level: String
    public var message: String
    public var traceID: String
    public var spanID: String
    /// `nil` leaves the trace flags out.
    public var traceFlags: String?
    public var serviceName: String
    public var logger: String
    public var errorType: String
    public var errorMessage: String
    public var errorStackTrace: String
    /// Where the call site goes: a nested object under one key, flat keys, or nowhere.
    public var source: SourceStyle
    /// Extra constant fields written after the reserved ones (ECS's `ecs.version`).
    public var constants: [String: String]
    /// Digits of the timestamp's fraction of a second (6 = microseconds).
    public var timestampFractionDigits: Int

    public enum SourceStyle: Sendable, Hashable {
        /// `"source":{"file":…,"line":…,"function":…}` under `key`.
        case object(key: String)
        /// Three top-level keys.
        case flat(file: String, line: String, function: String)
        /// No call-site fields.
        case none
    }

    public init(
        timestamp: String, level: String, message: String, traceID: String, spanID: String, traceFlags: String?,
        serviceName: String, logger: String, errorType: String, errorMessage: String, errorStackTrace: String,
        source: SourceStyle, constants: [String: String] = [:], timestampFractionDigits: Int = 6
    ) {
        self.timestamp = timestamp
        self.level = level
        self.message = message
        self.traceID = traceID
        self.spanID = spanID
        self.traceFlags = traceFlags
        self.serviceName = serviceName
        self.logger = logger
        self.errorType = errorType
        self.errorMessage = errorMessage
        self.errorStackTrace = errorStackTrace
        self.source = source
        self.constants = constants
        self.timestampFractionDigits = timestampFractionDigits
    }

    /// `timestamp`, `level`, `message`, `trace_id`, `span_id`, `trace_flags` (the OpenTelemetry
    /// names for trace context in JSON logs), `service.name`, `logger`, `error.*`, `source{…}`.
    public static let openTelemetry = FieldNames(
        timestamp: "timestamp", level: "level", message: "message", traceID: "trace_id", spanID: "span_id",
        traceFlags: "trace_flags", serviceName: "service.name", logger: "logger", errorType: "error.type",
        errorMessage: "error.message", errorStackTrace: "error.stack_trace", source: .object(key: "source"))

    /// The Elastic Common Schema: `@timestamp` (milliseconds), `log.level`, `message`, `trace.id`,
    /// `span.id`, `service.name`, `log.logger`, `error.*`, `log.origin.*`, `ecs.version`, as flat
    /// dotted keys (pair with Filebeat's `expand_keys: true`).
    public static let elasticCommonSchema = FieldNames(
        timestamp: "@timestamp", level: "log.level", message: "message", traceID: "trace.id", spanID: "span.id",
        traceFlags: nil, serviceName: "service.name", logger: "log.logger", errorType: "error.type",
        errorMessage: "error.message", errorStackTrace: "error.stack_trace",
        source: .flat(file: "log.origin.file.name", line: "log.origin.file.line", function: "log.origin.function"),
        constants: ["ecs.version": "8.11.0"], timestampFractionDigits: 3)

    /// Every key Trail writes itself.
    public var reservedKeys: Set<String> {
        var keys: Set<String> = [timestamp, level, message, traceID, spanID, serviceName, logger, errorType, errorMessage, errorStackTrace]
        if let traceFlags { keys.insert(traceFlags) }
        switch source {
        case .object(let key): keys.insert(key)
        case .flat(let file, let line, let function): keys.formUnion([file, line, function])
        case .none: break
        }
        keys.formUnion(constants.keys)
        return keys
    }
}

/// Keys that look secret get their value replaced, so passwords and tokens never reach a log.
///
/// A key matches when, lowercased and with `-` read as `_`, it contains one of ``patterns``:
/// `password`, `passwd`, `authorization`, `token`, `secret`, `cookie`, `api_key`, `apikey`,
/// `private_key` and `credential` by default. Top-level fields are checked (call fields and bound
/// fields); keys inside nested objects are not.
public struct Redaction: Sendable, Hashable {
    public var patterns: [String]
    public var replacement: String

    public init(patterns: [String] = Redaction.defaultPatterns, replacement: String = "[REDACTED]") {
        self.patterns = patterns.map { $0.lowercased().replacingDashes() }
        self.replacement = replacement
    }

    public static let defaultPatterns = [
        "password", "passwd", "authorization", "token", "secret", "cookie", "api_key", "apikey", "private_key", "credential",
    ]

    /// The default patterns.
    public static let `default` = Redaction()
    /// Nothing is redacted.
    public static let none = Redaction(patterns: [])

    /// `true` when `key` looks secret.
    public func shouldRedact(_ key: String) -> Bool { KeyMatcher(substrings: patterns).matches(key) }
}

extension String {
    func replacingDashes() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}

/// Fast, allocation-free key tests for the logging hot path: "is this key one of these" and "does
/// this key contain one of these", ASCII-case-insensitively with `-` read as `_` for the latter.
/// A bitmap of the candidates' first bytes rejects most keys after one look per byte.
struct KeyMatcher: Sendable {
    /// Candidates grouped by their first byte (ASCII only; others never match a first byte).
    private let buckets: [[[UInt8]]]
    private let firstBytes: (UInt64, UInt64)
    private let exact: Bool
    private let isEmpty: Bool

    /// Matches keys that contain one of `substrings` (already lowercase, `_` for `-`).
    init(substrings: [String]) { self.init(candidates: substrings, exact: false) }
    /// Matches keys equal to one of `keys`.
    init(exactly keys: some Sequence<String>) { self.init(candidates: Array(keys), exact: true) }

    private init(candidates: [String], exact: Bool) {
        let all = candidates.map { Array($0.utf8) }.filter { !$0.isEmpty }
        var buckets = [[[UInt8]]](repeating: [], count: 128)
        var mask: (UInt64, UInt64) = (0, 0)
        for c in all where c[0] < 128 {
            buckets[Int(c[0])].append(c)
            if c[0] < 64 { mask.0 |= 1 << UInt64(c[0]) } else { mask.1 |= 1 << UInt64(c[0] - 64) }
        }
        self.buckets = buckets
        self.firstBytes = mask
        self.exact = exact
        self.isEmpty = all.isEmpty
    }

    @inline(__always)
    private func mayStart(_ byte: UInt8) -> Bool {
        byte < 64 ? firstBytes.0 & (1 << UInt64(byte)) != 0 : byte < 128 && firstBytes.1 & (1 << UInt64(byte - 64)) != 0
    }

    @inline(__always)
    private static func normalized(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c | 0x20
        case UInt8(ascii: "-"): UInt8(ascii: "_")
        default: c
        }
    }

    func matches(_ key: String) -> Bool {
        guard !isEmpty else { return false }
        if let result = key.utf8.withContiguousStorageIfAvailable({ matches(utf8: $0) }) { return result }
        var copy = key
        return copy.withUTF8 { matches(utf8: $0) }
    }

    private func matches(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if exact {
            guard let first = bytes.first, mayStart(first) else { return false }
            return buckets[Int(first)].contains { $0.count == bytes.count && $0.elementsEqual(bytes) }
        }
        for start in bytes.indices {
            let first = Self.normalized(bytes[start])
            guard mayStart(first) else { continue }
            for candidate in buckets[Int(first)] where candidate.count <= bytes.count - start {
                var j = 1
                while j < candidate.count && Self.normalized(bytes[start + j]) == candidate[j] { j += 1 }
                if j == candidate.count { return true }
            }
        }
        return false
    }
}
