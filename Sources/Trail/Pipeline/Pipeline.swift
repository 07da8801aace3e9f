#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where log lines go, and how they look: the service name, the default level, the key schema,
/// redaction, and one ``BatchingWriter`` per log destination.
///
/// Set it up once at start-up with ``bootstrap(serviceName:level:fieldNames:redaction:destinations:writerConfiguration:environment:)``;
/// loggers made afterwards write through it. Without a bootstrap, the default pipeline writes JSON
/// lines (or console lines on a terminal) to stdout at `info` (or `LOG_LEVEL`). Whatever was
/// accepted is flushed when the process exits normally (every ``BatchingWriter`` does that).
public final class Pipeline: Sendable {
    public let serviceName: String
    /// The level of loggers made without one (`LOG_LEVEL` overrides the configured value).
    public let defaultLevel: LogLevel
    public let fieldNames: FieldNames
    public let redaction: Redaction
    /// One writer per log destination, in the order given.
    public let writers: [BatchingWriter<LogLine>]

    let encoding: LineEncoding
    /// Unique for the process's lifetime (unlike an object's address, which a later pipeline may
    /// reuse): what encoded bound fields remember they were encoded for.
    let id: UInt64 = Pipeline.nextID.add(1, ordering: .relaxed).newValue
    private static let nextID = Atomic<UInt64>(0)
    /// Loggers made on this pipeline, to warn when it is replaced under them.
    private let loggerCount = Atomic<Int>(0)

    func noteLoggerCreated() { loggerCount.add(1, ordering: .relaxed) }

    /// A pipeline that is not the shared one (tests, or a second set of destinations).
    public init(
        serviceName: String? = nil,
        level: LogLevel = .info,
        fieldNames: FieldNames = .openTelemetry,
        redaction: Redaction = .default,
        destinations: [any Destination<LogLine>] = [StdoutSink()],
        writerConfiguration: BatchingWriter<LogLine>.Configuration = .logDefaults,
        environment: [String: String] = Environment.process
    ) {
        let env = Environment(environment)
        self.serviceName = env["OTEL_SERVICE_NAME"] ?? serviceName ?? Resource.detect(environment: environment).serviceName
        if let name = env["LOG_LEVEL"] {
            if let parsed = LogLevel(name: name) {
                defaultLevel = parsed
            } else {
                Diagnostics.report("LOG_LEVEL=\(name) is not one of trace, debug, info, notice, warning, error, critical; using \(level)")
                defaultLevel = level
            }
        } else {
            defaultLevel = level
        }
        self.fieldNames = fieldNames
        self.redaction = redaction
        self.writers = destinations.enumerated().map { index, destination in
            var configuration = writerConfiguration
            configuration.name = "\(writerConfiguration.name).\(index)"
            return BatchingWriter(destination: destination, configuration: configuration)
        }
        self.encoding = LineEncoding(serviceName: self.serviceName, fieldNames: fieldNames, redaction: redaction)
    }

    private static let sharedPipeline = Mutex<Pipeline?>(nil)

    /// The pipeline loggers use unless given another: the bootstrapped one, or the default.
    public static var shared: Pipeline {
        sharedPipeline.withLock { current in
            if let current { return current }
            let made = Pipeline()
            current = made
            return made
        }
    }

    /// Sets up the shared pipeline. Call it once, early: loggers keep the pipeline that was shared
    /// when they were made. A second call replaces it (the old one is flushed first).
    ///
    /// - Parameters:
    ///   - serviceName: `service.name` on every line (`OTEL_SERVICE_NAME` wins).
    ///   - level: the default minimum level (`LOG_LEVEL` wins).
    ///   - fieldNames: `.openTelemetry` (default) or `.elasticCommonSchema`, or your own.
    ///   - destinations: where lines go; by default ``StdoutSink`` (JSON, or console on a terminal).
    @discardableResult
    public static func bootstrap(
        serviceName: String? = nil,
        level: LogLevel = .info,
        fieldNames: FieldNames = .openTelemetry,
        redaction: Redaction = .default,
        destinations: [any Destination<LogLine>] = [StdoutSink()],
        writerConfiguration: BatchingWriter<LogLine>.Configuration = .logDefaults,
        environment: [String: String] = Environment.process
    ) -> Pipeline {
        let pipeline = Pipeline(
            serviceName: serviceName, level: level, fieldNames: fieldNames, redaction: redaction,
            destinations: destinations, writerConfiguration: writerConfiguration, environment: environment)
        let previous = sharedPipeline.withLock { current in
            defer { current = pipeline }
            return current
        }
        if let previous {
            let loggers = previous.loggerCount.load(ordering: .relaxed)
            if loggers > 0 {
                Diagnostics.report("Pipeline.bootstrap was called after \(loggers) logger(s) were made; they keep writing through the previous pipeline. Bootstrap before making loggers.")
            }
            _ = previous.flushBlocking(timeout: .seconds(2))
        }
        return pipeline
    }

    /// Queues a line on every destination.
    @inlinable
    func enqueue(_ line: LogLine) {
        for writer in writers { writer.enqueue(line) }
    }

    /// Writes out every line accepted so far; `false` if a destination did not finish in time.
    public func flush(timeout: Duration = .seconds(5)) async -> Bool {
        var ok = true
        for writer in writers { ok = await writer.flush(timeout: timeout) && ok }
        return ok
    }

    /// The blocking form of ``flush(timeout:)``, for synchronous code and exit handlers.
    public func flushBlocking(timeout: Duration = .seconds(5)) -> Bool {
        // Every writer is flushed, even after one has timed out.
        writers.reduce(true) { ok, writer in writer.flushBlocking(timeout: timeout) && ok }
    }

    /// Flushes and stops every destination; lines logged afterwards are counted as dropped.
    public func shutdown(timeout: Duration = .seconds(5)) async -> Bool {
        var ok = true
        for writer in writers { ok = await writer.shutdown(timeout: timeout) && ok }
        return ok
    }
}

extension BatchingWriter<LogLine>.Configuration {
    /// Logs: queue 4096 lines, batches of 512, written within 100 ms, dropping new lines when full.
    public static var logDefaults: Self {
        Self(name: "logs", maxQueueSize: 4096, maxBatchSize: 512, maxDelay: .milliseconds(100), writeTimeout: .seconds(10))
    }
}
