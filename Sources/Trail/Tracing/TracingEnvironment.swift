/// The sampler chosen by OpenTelemetry's `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`
/// variables.
///
/// ```swift
/// let tracer = Tracer(sampler: SamplerConfiguration.makeSampler(fromEnvironment: Environment.process),
///                     limits: .fromEnvironment())
/// ```
///
/// Rules (`specification/configuration/sdk-environment-variables.md`):
/// - `OTEL_TRACES_SAMPLER` is case-insensitive; unset or empty means `parentbased_always_on`.
///   Supported: `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`,
///   `parentbased_always_off`, `parentbased_traceidratio`. The names Trail does not implement
///   (`jaeger_remote`, `parentbased_jaeger_remote`, `xray`) and unknown names are reported once on
///   stderr and fall back to `parentbased_always_on`.
/// - `OTEL_TRACES_SAMPLER_ARG` is the ratio of the two ratio samplers: a number in `0...1`, 1.0 when
///   unset. An invalid value is reported and 1.0 is used. Other samplers ignore it.
/// - `OTEL_SDK_DISABLED=true` (any case) gives ``alwaysOff`` whatever the sampler variables say:
///   no span is recorded or exported, and contexts still propagate.
public enum SamplerConfiguration: Hashable, Sendable {
    /// `always_on`: ``AlwaysOnSampler``.
    case alwaysOn
    /// `always_off`: ``AlwaysOffSampler``.
    case alwaysOff
    /// `traceidratio`: ``TraceIDRatioSampler`` with this ratio.
    case traceIDRatio(Double)
    /// `parentbased_always_on`: ``ParentBasedSampler`` with an always-on root. The default.
    case parentBasedAlwaysOn
    /// `parentbased_always_off`: ``ParentBasedSampler`` with an always-off root.
    case parentBasedAlwaysOff
    /// `parentbased_traceidratio`: ``ParentBasedSampler`` with a ``TraceIDRatioSampler`` root.
    case parentBasedTraceIDRatio(Double)

    /// OpenTelemetry's default, `parentbased_always_on`.
    public static let `default` = SamplerConfiguration.parentBasedAlwaysOn

    /// The sampler this configuration describes.
    public func makeSampler() -> any Sampler {
        switch self {
        case .alwaysOn: AlwaysOnSampler()
        case .alwaysOff: AlwaysOffSampler()
        case .traceIDRatio(let ratio): TraceIDRatioSampler(ratio: ratio)
        case .parentBasedAlwaysOn: ParentBasedSampler(root: AlwaysOnSampler())
        case .parentBasedAlwaysOff: ParentBasedSampler(root: AlwaysOffSampler())
        case .parentBasedTraceIDRatio(let ratio): ParentBasedSampler(root: TraceIDRatioSampler(ratio: ratio))
        }
    }

    /// The configuration the variables in `environment` select (see the type's rules). Never fails:
    /// bad values are reported once on stderr and replaced by the defaults.
    public static func fromEnvironment(_ environment: [String: String] = Environment.process) -> SamplerConfiguration {
        fromEnvironment(environment, report: Diagnostics.report)
    }

    /// The sampler the variables in `environment` select: `fromEnvironment(environment).makeSampler()`.
    public static func makeSampler(fromEnvironment environment: [String: String] = Environment.process) -> any Sampler {
        fromEnvironment(environment).makeSampler()
    }

    static func fromEnvironment(_ environment: [String: String], report: (String) -> Void) -> SamplerConfiguration {
        let env = Environment(environment)
        if env.bool("OTEL_SDK_DISABLED") == true { return .alwaysOff }
        guard let name = env["OTEL_TRACES_SAMPLER"] else { return .default }
        switch name.lowercased() {
        case "always_on": return .alwaysOn
        case "always_off": return .alwaysOff
        case "traceidratio": return .traceIDRatio(ratio(env, report: report))
        case "parentbased_always_on": return .parentBasedAlwaysOn
        case "parentbased_always_off": return .parentBasedAlwaysOff
        case "parentbased_traceidratio": return .parentBasedTraceIDRatio(ratio(env, report: report))
        case "jaeger_remote", "parentbased_jaeger_remote", "xray":
            report("OTEL_TRACES_SAMPLER=\(name) is not supported by Trail; using parentbased_always_on")
            return .default
        default:
            report("OTEL_TRACES_SAMPLER=\(name) is not a known sampler; using parentbased_always_on")
            return .default
        }
    }

    /// `OTEL_TRACES_SAMPLER_ARG` as a ratio in `0...1`; 1.0 when unset or invalid.
    private static func ratio(_ env: Environment, report: (String) -> Void) -> Double {
        guard let text = env["OTEL_TRACES_SAMPLER_ARG"] else { return 1.0 }
        guard let ratio = Double(text), ratio >= 0, ratio <= 1 else {
            report("OTEL_TRACES_SAMPLER_ARG=\(text) is not a number from 0 to 1; using 1.0")
            return 1.0
        }
        return ratio
    }
}

extension SpanLimits {
    /// Span limits from OpenTelemetry's variables, each falling back to ``SpanLimits``' default:
    ///
    /// | Limit | Variables, winner first | Default |
    /// |---|---|---|
    /// | ``attributeCountLimit`` | `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT` | 128 |
    /// | ``eventCountLimit`` | `OTEL_SPAN_EVENT_COUNT_LIMIT` | 128 |
    /// | ``linkCountLimit`` | `OTEL_SPAN_LINK_COUNT_LIMIT` | 128 |
    /// | ``attributeValueLengthLimit`` | `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` | no limit |
    ///
    /// Values are non-negative whole numbers (0 is allowed and means none). An empty value is
    /// unset; an invalid one is reported once on stderr and ignored, so the next variable or the
    /// default applies.
    public static func fromEnvironment(_ environment: [String: String] = Environment.process) -> SpanLimits {
        fromEnvironment(environment, report: Diagnostics.report)
    }

    static func fromEnvironment(_ environment: [String: String], report: (String) -> Void) -> SpanLimits {
        let env = Environment(environment)
        func limit(_ names: String...) -> Int? {
            for name in names {
                guard let text = env[name] else { continue }
                if let n = Int(text), n >= 0 { return n }
                report("\(name)=\(text) is not a non-negative whole number; ignored")
            }
            return nil
        }
        var limits = SpanLimits()
        if let n = limit("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT") { limits.attributeCountLimit = n }
        if let n = limit("OTEL_SPAN_EVENT_COUNT_LIMIT") { limits.eventCountLimit = n }
        if let n = limit("OTEL_SPAN_LINK_COUNT_LIMIT") { limits.linkCountLimit = n }
        if let n = limit("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT") {
            limits.attributeValueLengthLimit = n
        }
        return limits
    }
}
