#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where log lines and spans go, and how lines look: the service name, the default level, the key
/// schema, redaction, one ``BatchingWriter`` per log destination, and a ``tracer`` whose spans go
/// to the span exporters (one ``BatchSpanProcessor`` each), under the same service name.
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
    /// A tracer with this pipeline's service name whose ended spans go to its span exporters.
    /// Make others with `Tracer(...)` if you need several; ``flush(timeout:)`` and
    /// ``shutdown(timeout:)`` act on this one's processors.
    public let tracer: Tracer
    /// One batch span processor per span exporter, in the order given.
    public let spanProcessors: [BatchSpanProcessor]

    let encoding: LineEncoding
    /// The writers' queues, in the order of `writers` (what a logger's line goes to), unretained:
    /// each writer keeps its queue alive for the pipeline's lifetime, and a logger keeps its
    /// pipeline, so ``enqueue(level:bytes:)`` saves a retain and a release per queue per line.
    private let lineQueues: [Unmanaged<BatchingWriter<LogLine>.Core>]
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
        spanExporters: [any Destination<SpanData>] = [],
        spanWriterConfiguration: BatchingWriter<SpanData>.Configuration? = nil,
        environment: [String: String] = Environment.process
    ) {
        let env = Environment(environment)
        // One service name for lines and spans: OTEL_SERVICE_NAME, else the given one, else detected.
        let resource = Resource.detect(serviceName: serviceName, environment: environment)
        self.serviceName = resource.serviceName
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
            let (target, configuration) = BatchingWriter<LogLine>.make(
                for: destination, base: writerConfiguration, name: "\(writerConfiguration.name).\(index)")
            return BatchingWriter(destination: target, configuration: configuration)
        }
        self.lineQueues = writers.map { Unmanaged.passUnretained($0.core) }
        self.encoding = LineEncoding(serviceName: self.serviceName, fieldNames: fieldNames, redaction: redaction)
        let spanConfiguration = spanWriterConfiguration ?? .spanDefaults(environment: environment)
        self.spanProcessors = spanExporters.enumerated().map { index, exporter in
            let (target, configuration) = BatchingWriter<SpanData>.make(
                for: exporter, base: spanConfiguration, name: "\(spanConfiguration.name).\(index)")
            return BatchSpanProcessor(exporter: target, configuration: configuration)
        }
        self.tracer = Tracer(resource: resource, processors: spanProcessors)
    }

    private static let sharedPipeline = Locked<Pipeline?>(nil)

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
    ///   - writerConfiguration: queue, batch, overflow and retry settings for each log destination
    ///     (one destination can differ: ``Destination/withWriterConfiguration(_:)``).
    ///   - spanExporters: where the spans of ``tracer`` go (none by default).
    ///   - spanWriterConfiguration: settings for each span exporter; OpenTelemetry's batch
    ///     processor defaults and the `OTEL_BSP_*` variables when `nil`.
    @discardableResult
    public static func bootstrap(
        serviceName: String? = nil,
        level: LogLevel = .info,
        fieldNames: FieldNames = .openTelemetry,
        redaction: Redaction = .default,
        destinations: [any Destination<LogLine>] = [StdoutSink()],
        writerConfiguration: BatchingWriter<LogLine>.Configuration = .logDefaults,
        spanExporters: [any Destination<SpanData>] = [],
        spanWriterConfiguration: BatchingWriter<SpanData>.Configuration? = nil,
        environment: [String: String] = Environment.process
    ) -> Pipeline {
        let pipeline = Pipeline(
            serviceName: serviceName, level: level, fieldNames: fieldNames, redaction: redaction,
            destinations: destinations, writerConfiguration: writerConfiguration, spanExporters: spanExporters,
            spanWriterConfiguration: spanWriterConfiguration, environment: environment)
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

    /// Queues the line of `bytes` on every destination.
    func enqueue(level: LogLevel, bytes: UnsafeRawBufferPointer) {
        for queue in lineQueues { _ = queue._withUnsafeGuaranteedRef { $0.enqueue(level: level, bytes: bytes) } }
    }

    /// Writes out every line and span accepted so far; `false` if a destination did not finish in time.
    public func flush(timeout: Duration = .seconds(5)) async -> Bool {
        // Every writer is flushed, even after one has timed out.
        var ok = true
        for writer in writers { ok = await writer.flush(timeout: timeout) && ok }
        for processor in spanProcessors { ok = await processor.forceFlush(timeout: timeout) && ok }
        return ok
    }

    /// The blocking form of ``flush(timeout:)``, for synchronous code and exit handlers.
    public func flushBlocking(timeout: Duration = .seconds(5)) -> Bool {
        let logs = writers.reduce(true) { ok, writer in writer.flushBlocking(timeout: timeout) && ok }
        return spanProcessors.reduce(logs) { ok, processor in processor.writer.flushBlocking(timeout: timeout) && ok }
    }

    /// Flushes and stops every destination and span exporter; lines and spans that arrive
    /// afterwards are counted as dropped.
    public func shutdown(timeout: Duration = .seconds(5)) async -> Bool {
        var ok = true
        for writer in writers { ok = await writer.shutdown(timeout: timeout) && ok }
        for processor in spanProcessors { ok = await processor.shutdown(timeout: timeout) && ok }
        return ok
    }
}

extension BatchingWriter<LogLine>.Configuration {
    /// Logs: queue 4096 lines (8 MiB at most), batches of 512 lines (1 MiB at most), written within
    /// 100 ms, dropping new lines when full, failed batches retried per ``RetryPolicy/default``.
    /// The writer's thread is woken when half the queue is filled rather than at every batch.
    public static var logDefaults: Self {
        var configuration = Self(
            name: "logs", maxQueueSize: 4096, maxQueueBytes: 8 << 20, maxBatchSize: 512, maxBatchBytes: 1 << 20,
            maxDelay: .milliseconds(100), writeTimeout: .seconds(10))
        configuration.wakesAtHalfQueue = true
        return configuration
    }
}
