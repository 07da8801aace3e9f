/// Several propagators run in order, as one.
///
/// - Injection: each propagator writes its headers, in order.
/// - Extraction: each propagator reads from the carrier into the result of the previous one. A
///   propagator that finds no valid span context leaves the span found by an earlier one alone, so
///   a later propagator overrides the span context only when it found a valid one. Baggage found by
///   several propagators is merged (a later one wins for a shared key).
///
/// Build one from `OTEL_PROPAGATORS` with ``fromEnvironment(_:report:)``; the default is
/// `tracecontext,baggage`.
public struct CompositePropagator: Propagator {
    /// The propagators, in the order they run.
    public let propagators: [any Propagator]

    /// Runs `propagators` in the given order.
    public init(_ propagators: [any Propagator]) {
        self.propagators = propagators
    }

    /// W3C Trace Context and W3C Baggage, OpenTelemetry's default (`tracecontext,baggage`).
    public static var `default`: CompositePropagator {
        CompositePropagator([TraceContextPropagator(), BaggagePropagator()])
    }

    /// The fields of every propagator, without repeats, in order.
    public var fields: [String] {
        var result: [String] = []
        for field in propagators.flatMap(\.fields) where !result.contains(field) { result.append(field) }
        return result
    }

    public func inject(_ context: Context, into carrier: inout some HeaderCarrier) {
        for propagator in propagators { propagator.inject(context, into: &carrier) }
    }

    public func extract(from carrier: some HeaderCarrier, into context: Context) -> Context {
        var result = context
        for propagator in propagators { result = propagator.extract(from: carrier, into: result) }
        return result
    }

    // MARK: - Configuration

    /// The propagators `OTEL_PROPAGATORS` names (``fromEnvironment(_:report:)``), read once per
    /// process: what the HTTP instrumentation and the swift-distributed-tracing tracer use unless
    /// given others.
    public static let environment: CompositePropagator = fromEnvironment()

    /// The propagators named by `OTEL_PROPAGATORS` in `environment`, or ``default`` when the variable
    /// is unset or empty. See ``init(names:report:)`` for the names.
    public static func fromEnvironment(
        _ environment: [String: String] = Environment.process,
        report: (String) -> Void = Diagnostics.report
    ) -> CompositePropagator {
        guard let value = Environment(environment)["OTEL_PROPAGATORS"] else { return .default }
        return CompositePropagator(names: value, report: report)
    }

    /// The propagators named in a comma-separated list, in order, as `OTEL_PROPAGATORS` spells them.
    ///
    /// Names are trimmed and compared ignoring case; a repeated name counts once (at its first
    /// place). Known names: `tracecontext`, `baggage`, `b3` (single header), `b3multi` (multiple
    /// headers), `jaeger`, and `none`, which adds nothing (a list of only `none` disables
    /// propagation). `xray` and `ottrace` are valid OpenTelemetry names that Trail does not implement;
    /// they and unknown names are passed to `report` (once each) and skipped.
    public init(names: String, report: (String) -> Void = Diagnostics.report) {
        var seen: Set<String> = []
        var propagators: [any Propagator] = []
        for rawName in names.split(separator: ",", omittingEmptySubsequences: true) {
            let name = rawName.trimmingASCIIWhitespace().lowercased()
            guard !name.isEmpty, seen.insert(name).inserted else { continue }
            switch name {
            case "tracecontext": propagators.append(TraceContextPropagator())
            case "baggage": propagators.append(BaggagePropagator())
            case "b3": propagators.append(B3Propagator(encoding: .single))
            case "b3multi": propagators.append(B3Propagator(encoding: .multiple))
            case "jaeger": propagators.append(JaegerPropagator())
            case "none": continue
            case "xray", "ottrace":
                report("OTEL_PROPAGATORS: the '\(name)' propagator is not supported by Trail; skipped")
            default:
                report("OTEL_PROPAGATORS: unknown propagator '\(name)'; skipped")
            }
        }
        self.init(propagators)
    }
}
