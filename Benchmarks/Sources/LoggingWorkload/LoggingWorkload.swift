// Workloads L1 and L2 of /work/shared/bench/WORKLOAD.md (v1) for Trail, shared by the ordo-one
// benchmarks and the plain-loop trail-bench so both measure the same code.
//
// L1: inside a span whose context is the workload's fixed ids (bound once around the loop with
//     `Context().with(span: Span(remote: ctx)).restore { }`), one
//     `logger.info("request handled", [5 fields])` through a Pipeline whose only destination drops
//     the lines (its writer thread still drains the queue), logger level info.
// L2: the same call at debug, logger level info (nothing is evaluated or written).
//
// The trace ids are not passed by the call: Trail's logger reads them from `Context.current` on every
// enabled call (the per-call pattern of WORKLOAD.md, like the zap/zerolog per-call peers).
import Synchronization
import Trail

/// A log destination that drops every line. It only counts the lines (and their bytes) it was given,
/// so the report can say how many reached the end of the pipeline.
public final class DiscardingLineSink: SynchronousDestination {
    public typealias Record = LogLine
    private let lines = Atomic<Int>(0)
    private let bytes = Atomic<Int>(0)

    public init() {}

    public func writeSynchronously(_ batch: [LogLine]) throws {
        var total = 0
        for line in batch { total &+= line.byteCount }
        lines.add(batch.count, ordering: .relaxed)
        bytes.add(total, ordering: .relaxed)
    }

    /// Lines that reached `writeSynchronously`.
    public var lineCount: Int { lines.load(ordering: .relaxed) }
    /// Their bytes (newlines included).
    public var byteCount: Int { bytes.load(ordering: .relaxed) }
}

/// The workload's fixed span context: W3C trace-context example ids, sampled.
public let workloadSpanContext = SpanContext(
    traceID: TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736")!,
    spanID: SpanID(hex: "00f067aa0ba902b7")!,
    traceFlags: .sampled)

/// The field names of the benchmark pipeline.
public enum LogKeys: Sendable {
    /// Trail's defaults (`FieldNames.openTelemetry`): `timestamp` (µs), `level`, `message`, `trace_id`,
    /// `span_id`, `trace_flags`, `service.name`, `logger`, the call's fields, `source{file,line,function}`.
    case defaults
    /// As close to the workload's key set as Trail allows: zap's names (`ts` with ms, `msg`), no
    /// `trace_flags`, no `source`. Trail still writes `service.name` and `logger`.
    case lean

    public var fieldNames: FieldNames {
        switch self {
        case .defaults:
            return .openTelemetry
        case .lean:
            return FieldNames(
                timestamp: "ts", level: "level", message: "msg", traceID: "trace_id", spanID: "span_id",
                traceFlags: nil, serviceName: "service.name", logger: "logger", errorType: "error.type",
                errorMessage: "error.message", errorStackTrace: "error.stack_trace", source: .none,
                timestampFractionDigits: 3)
        }
    }
}

/// A logger at `info` on a pipeline whose only destination discards lines, and the span context bound
/// in `spanContext`.
public final class LoggingFixture: Sendable {
    public let sink: DiscardingLineSink
    public let pipeline: Pipeline
    public let logger: Logger
    /// `Context()` with the workload's span: bind it with `spanContext.restore { ... }` around the loop.
    public let spanContext: Context

    /// - Parameters:
    ///   - keys: the pipeline's field names.
    ///   - withDestination: `false` makes a pipeline with no destination at all (diagnostic: the line
    ///     is encoded but not queued anywhere).
    ///   - withSpan: `false` binds an empty context (diagnostic: no trace ids on the line).
    public init(keys: LogKeys = .defaults, withDestination: Bool = true, withSpan: Bool = true) {
        let sink = DiscardingLineSink()
        // The environment is empty so LOG_LEVEL / OTEL_SERVICE_NAME of the shell cannot change the line.
        // Writer configuration: `.logDefaults` (queue 4096, batch 512, 100 ms, drop newest when full).
        let pipeline = Pipeline(
            serviceName: "trail-bench", level: .info, fieldNames: keys.fieldNames, destinations: withDestination ? [sink] : [],
            environment: [:])
        self.sink = sink
        self.pipeline = pipeline
        self.logger = Logger(label: "bench", level: .info, pipeline: pipeline)
        self.spanContext = withSpan ? Context().with(span: Span(remote: workloadSpanContext)) : Context()
    }

    public convenience init(_ variant: LogVariant) {
        self.init(keys: variant.keys, withDestination: variant != .l1NoDestination, withSpan: variant != .l1NoSpan)
    }

    /// Waits (up to 3 s) until the writer has written everything it accepted, then says what happened
    /// to the lines: accepted, written, dropped because the queue was full, and what the sink counted.
    public func report(name: String) -> String {
        guard let writer = pipeline.writers.first else { return "\(name): no destination, nothing queued" }
        let flushed = writer.flushBlocking(timeout: .seconds(3))
        let c = writer.counters
        let config = writer.configuration
        let offered = c.accepted + c.droppedQueueFull + c.droppedAfterShutdown
        let dropped = offered == 0 ? 0 : Double(c.droppedQueueFull) / Double(offered) * 100
        let perLine = sink.lineCount == 0 ? 0 : sink.byteCount / sink.lineCount
        return "\(name): writer: offered \(offered), accepted \(c.accepted), written \(c.written), dropped (queue full) \(c.droppedQueueFull) (\(formatPercent(dropped))), failed \(c.failed)"
            + (flushed ? "" : ", flush timed out")
            + "; sink discarded \(sink.lineCount) lines (\(perLine) bytes each); queue \(config.maxQueueSize), batch \(config.maxBatchSize), delay \(config.maxDelay)"
    }
}

func formatPercent(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) %"
}

/// `trail L1`: one enabled info line with the workload's message and 5 fields.
@inline(never)
public func callL1(_ logger: Logger) {
    logger.info("request handled", ["method": "GET", "path": "/api/users/42", "status": 200, "duration_ms": 12.5, "cached": false])
}

/// `trail L2`: the same call at debug; the logger is at info.
@inline(never)
public func callL2(_ logger: Logger) {
    logger.debug("request handled", ["method": "GET", "path": "/api/users/42", "status": 200, "duration_ms": 12.5, "cached": false])
}

/// Diagnostic: the L1 call without fields.
@inline(never)
public func callL1NoFields(_ logger: Logger) {
    logger.info("request handled")
}

/// The logging benchmarks, by workload name (the second column of the output lines).
public enum LogVariant: String, CaseIterable, Sendable {
    case l1 = "L1"
    case l2 = "L2"
    /// L1 with `LogKeys.lean` (no `source` object, no `trace_flags`, ms timestamp): not the headline
    /// number, it shows what Trail's extra default keys cost.
    case l1Lean = "L1-lean"
    /// Diagnostics (trail-bench only, not in the default runs): L1 through a pipeline with no
    /// destination (encoding without the queue), L1 outside any span (no ids), L1 without fields.
    case l1NoDestination = "L1-nodest"
    case l1NoSpan = "L1-nospan"
    case l1NoFields = "L1-nofields"

    /// The benchmarks run by default (ordo-one and trail-bench without arguments).
    public static let headline: [LogVariant] = [.l1, .l2, .l1Lean]

    public var keys: LogKeys { self == .l1Lean ? .lean : .defaults }

    /// Runs the call `iterations` times; the caller binds the span context around it.
    @inline(__always)
    public func run(_ logger: Logger, iterations: Int) {
        switch self {
        case .l1, .l1Lean, .l1NoDestination, .l1NoSpan:
            for _ in 0..<iterations { callL1(logger) }
        case .l2:
            for _ in 0..<iterations { callL2(logger) }
        case .l1NoFields:
            for _ in 0..<iterations { callL1NoFields(logger) }
        }
    }
}
