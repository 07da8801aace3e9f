#if SwiftLog
import Logging
import Trail

/// A swift-log `LogHandler` that writes Trail's JSON lines: every `Logging.Logger` call goes through
/// a Trail ``Trail/Logger`` into the pipeline's destinations, with the active span's `trace_id` and
/// `span_id`, the call's source location, and the metadata as typed fields.
///
/// ```swift
/// import Logging
/// import TrailSwiftLog
///
/// Pipeline.bootstrap(serviceName: "checkout")
/// LoggingSystem.bootstrap(TrailLogHandler.init)          // every swift-log Logger now writes Trail lines
///
/// let logger = Logging.Logger(label: "payments")
/// logger.info("paid", metadata: ["order_id": "\(42)", "amount": "12.5"])
/// ```
///
/// Levels map one to one (swift-log and Trail have the same seven). The handler's `logLevel` starts
/// at the pipeline's level (`LOG_LEVEL`, else `info`) and is what swift-log checks before a call
/// reaches the handler. Metadata values become fields: a string stays a string; a
/// `stringConvertible` holding an integer, a floating-point number or a `Bool` keeps its JSON type
/// (`"\(42)"` interpolations are strings, as swift-log made them); arrays and dictionaries nest.
/// The handler's metadata and its metadata provider's come first, the call's metadata last; equal
/// keys keep the call's value.
public struct TrailLogHandler: LogHandler {
    /// Metadata added to every line of this handler (`logger[metadataKey: "k"] = "v"`).
    public var metadata: Logging.Logger.Metadata = [:]
    /// Gives metadata on every call, e.g. from a task-local. Trail's own trace ids need no provider.
    public var metadataProvider: Logging.Logger.MetadataProvider?
    private var logger: Trail.Logger

    /// A handler for swift-log's `label` on `pipeline` (the shared one by default): the signature
    /// `LoggingSystem.bootstrap` takes.
    public init(label: String, pipeline: Pipeline = .shared, metadataProvider: Logging.Logger.MetadataProvider? = nil) {
        logger = Trail.Logger(label: label, pipeline: pipeline)
        self.metadataProvider = metadataProvider
    }

    /// A handler for `label` on the shared pipeline.
    public init(label: String) {
        self.init(label: label, pipeline: .shared)
    }

    /// A handler for `label` with the metadata provider `LoggingSystem.bootstrap(_:metadataProvider:)` gives.
    public init(label: String, metadataProvider: Logging.Logger.MetadataProvider?) {
        self.init(label: label, pipeline: .shared, metadataProvider: metadataProvider)
    }

    /// The level below which swift-log does not call the handler.
    public var logLevel: Logging.Logger.Level {
        get { Self.level(logger.level) }
        set { logger.level = Self.level(newValue) }
    }

    public subscript(metadataKey key: String) -> Logging.Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line for `event`.
    public func log(event: LogEvent) {
        var fields = LogFields()
        func add(_ metadata: Logging.Logger.Metadata) {
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) { fields[key] = Self.fieldValue(value) }
        }
        if !metadata.isEmpty { add(metadata) }
        if let provided = metadataProvider?.get(), !provided.isEmpty { add(provided) }
        if let callMetadata = event.metadata, !callMetadata.isEmpty { add(callMetadata) }
        logger.log(level: Self.level(event.level), event.message.description, fields, error: event.error,
                   file: event.file, function: event.function, line: event.line)
    }

    static func level(_ level: Logging.Logger.Level) -> LogLevel {
        switch level {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }

    static func level(_ level: LogLevel) -> Logging.Logger.Level {
        switch level {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }

    /// A metadata value as a typed log value.
    static func fieldValue(_ metadataValue: Logging.Logger.Metadata.Value) -> LogValue {
        switch metadataValue {
        case .string(let text):
            return .string(text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let bool as Bool: return .bool(bool)
            case let int as any BinaryInteger: return Int64(exactly: int).map(LogValue.int) ?? .string(convertible.description)
            case let double as Double: return .double(double)
            case let float as Float: return .double(Double(float))
            default: return .string(convertible.description)
            }
        case .array(let values):
            return .array(values.map(fieldValue))
        case .dictionary(let dictionary):
            var object = LogFields()
            for (key, nested) in dictionary.sorted(by: { $0.key < $1.key }) { object[key] = fieldValue(nested) }
            return .object(object)
        }
    }
}

extension Logging.Logger.MetadataProvider {
    /// Adds `trace_id`, `span_id` and `trace_flags` of Trail's active span to every line, for
    /// programs that keep another swift-log handler but want its lines to carry Trail's trace ids:
    ///
    /// ```swift
    /// LoggingSystem.bootstrap({ label, provider in StreamLogHandler.standardOutput(label: label, metadataProvider: provider) },
    ///                         metadataProvider: .trail)
    /// ```
    public static var trail: Logging.Logger.MetadataProvider {
        Logging.Logger.MetadataProvider {
            guard let span = Trail.Context.current.spanContext, span.isValid else { return [:] }
            return [
                "trace_id": .string(span.traceID.hexString),
                "span_id": .string(span.spanID.hexString),
                "trace_flags": .string(span.traceFlags.hexString),
            ]
        }
    }
}
#endif
