import Testing
@testable import Trail

/// The configuration the variables select, with the reports it made.
private func sampler(_ env: [String: String]) -> (configuration: SamplerConfiguration, reports: [String]) {
    var reports: [String] = []
    let configuration = SamplerConfiguration.fromEnvironment(env, report: { reports.append($0) })
    return (configuration, reports)
}

private func limits(_ env: [String: String]) -> (limits: SpanLimits, reports: [String]) {
    var reports: [String] = []
    let limits = SpanLimits.fromEnvironment(env, report: { reports.append($0) })
    return (limits, reports)
}

@Suite struct TracingEnvironmentSamplerTests {
    @Test func withoutTheVariableTheSamplerIsParentBasedAlwaysOn() {
        #expect(sampler([:]).configuration == .parentBasedAlwaysOn)
        #expect(sampler(["OTEL_TRACES_SAMPLER": ""]).configuration == .parentBasedAlwaysOn)
        #expect(sampler(["OTEL_TRACES_SAMPLER": "  "]).configuration == .parentBasedAlwaysOn)
        #expect(SamplerConfiguration.default == .parentBasedAlwaysOn)
    }

    @Test(arguments: [
        ("always_on", SamplerConfiguration.alwaysOn),
        ("always_off", .alwaysOff),
        ("traceidratio", .traceIDRatio(1.0)),
        ("parentbased_always_on", .parentBasedAlwaysOn),
        ("parentbased_always_off", .parentBasedAlwaysOff),
        ("parentbased_traceidratio", .parentBasedTraceIDRatio(1.0)),
        ("ALWAYS_OFF", .alwaysOff),
        ("ParentBased_TraceIdRatio", .parentBasedTraceIDRatio(1.0)),
        (" always_on ", .alwaysOn),
    ])
    func eachSupportedNameSelectsItsSamplerInAnyCase(name: String, expected: SamplerConfiguration) {
        let result = sampler(["OTEL_TRACES_SAMPLER": name])
        #expect(result.configuration == expected)
        #expect(result.reports.isEmpty)
    }

    @Test func theArgumentSetsTheRatioOfBothRatioSamplers() {
        #expect(sampler(["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"]).configuration == .traceIDRatio(0.25))
        #expect(sampler(["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"]).configuration == .parentBasedTraceIDRatio(0))
        #expect(sampler(["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1"]).configuration == .traceIDRatio(1))
    }

    @Test(arguments: ["abc", "1.5", "-0.1", "nan", "inf", "50%"])
    func anInvalidArgumentIsReportedAndTheRatioIsOne(arg: String) {
        let result = sampler(["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": arg])
        #expect(result.configuration == .parentBasedTraceIDRatio(1.0))
        #expect(result.reports == ["OTEL_TRACES_SAMPLER_ARG=\(arg) is not a number from 0 to 1; using 1.0"])
    }

    @Test func samplersWithoutARatioIgnoreTheArgumentWithoutAReport() {
        let result = sampler(["OTEL_TRACES_SAMPLER": "always_on", "OTEL_TRACES_SAMPLER_ARG": "not-a-number"])
        #expect(result.configuration == .alwaysOn)
        #expect(result.reports.isEmpty)
    }

    @Test(arguments: ["jaeger_remote", "parentbased_jaeger_remote", "xray", "XRay"])
    func unsupportedSamplersAreReportedAndFallBackToTheDefault(name: String) {
        let result = sampler(["OTEL_TRACES_SAMPLER": name, "OTEL_TRACES_SAMPLER_ARG": "endpoint=http://localhost:14250"])
        #expect(result.configuration == .parentBasedAlwaysOn)
        #expect(result.reports == ["OTEL_TRACES_SAMPLER=\(name) is not supported by Trail; using parentbased_always_on"])
    }

    @Test func unknownSamplersAreReportedAndFallBackToTheDefault() {
        let result = sampler(["OTEL_TRACES_SAMPLER": "sometimes"])
        #expect(result.configuration == .parentBasedAlwaysOn)
        #expect(result.reports == ["OTEL_TRACES_SAMPLER=sometimes is not a known sampler; using parentbased_always_on"])
    }

    @Test func aDisabledSDKSamplesNothingWhateverTheSamplerVariableSays() {
        #expect(sampler(["OTEL_SDK_DISABLED": "true", "OTEL_TRACES_SAMPLER": "always_on"]).configuration == .alwaysOff)
        #expect(sampler(["OTEL_SDK_DISABLED": "TRUE"]).configuration == .alwaysOff)
        #expect(sampler(["OTEL_SDK_DISABLED": "false"]).configuration == .parentBasedAlwaysOn)
        #expect(sampler(["OTEL_SDK_DISABLED": "1"]).configuration == .parentBasedAlwaysOn)
    }

    @Test func eachConfigurationMakesTheMatchingSampler() {
        #expect(SamplerConfiguration.alwaysOn.makeSampler() is AlwaysOnSampler)
        #expect(SamplerConfiguration.alwaysOff.makeSampler() is AlwaysOffSampler)
        #expect((SamplerConfiguration.traceIDRatio(0.5).makeSampler() as? TraceIDRatioSampler)?.ratio == 0.5)
        let parentBased = SamplerConfiguration.parentBasedTraceIDRatio(0.5).makeSampler() as? ParentBasedSampler
        #expect((parentBased?.root as? TraceIDRatioSampler)?.ratio == 0.5)
        #expect((SamplerConfiguration.parentBasedAlwaysOn.makeSampler() as? ParentBasedSampler)?.root is AlwaysOnSampler)
        #expect((SamplerConfiguration.parentBasedAlwaysOff.makeSampler() as? ParentBasedSampler)?.root is AlwaysOffSampler)
    }

    @Test func makeSamplerReadsTheGivenEnvironment() {
        let made = SamplerConfiguration.makeSampler(fromEnvironment: ["OTEL_TRACES_SAMPLER": "always_off"])
        #expect(made is AlwaysOffSampler)
    }
}

@Suite struct TracingEnvironmentSpanLimitsTests {
    @Test func withoutVariablesTheLimitsAreTheDefaults() {
        let result = limits(["OTEL_SPAN_EVENT_COUNT_LIMIT": ""])
        #expect(result.limits == SpanLimits())
        #expect(result.limits.attributeCountLimit == 128)
        #expect(result.limits.attributeValueLengthLimit == nil)
        #expect(result.reports.isEmpty)
    }

    @Test func eachVariableSetsItsLimit() {
        let result = limits([
            "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "64", "OTEL_SPAN_EVENT_COUNT_LIMIT": "32",
            "OTEL_SPAN_LINK_COUNT_LIMIT": "16", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "1024",
        ])
        #expect(result.limits == SpanLimits(attributeCountLimit: 64, eventCountLimit: 32, linkCountLimit: 16, attributeValueLengthLimit: 1024))
    }

    @Test func spanSpecificVariablesWinOverTheGenericAttributeLimits() {
        let env = [
            "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "10", "OTEL_ATTRIBUTE_COUNT_LIMIT": "20",
            "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "100", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "200",
        ]
        #expect(limits(env).limits == SpanLimits(attributeCountLimit: 10, attributeValueLengthLimit: 100))
    }

    @Test func theGenericAttributeLimitsApplyWhenNoSpanSpecificVariableIsSet() {
        let env = ["OTEL_ATTRIBUTE_COUNT_LIMIT": "20", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "200"]
        #expect(limits(env).limits == SpanLimits(attributeCountLimit: 20, attributeValueLengthLimit: 200))
    }

    @Test func anInvalidSpanSpecificValueIsReportedAndTheGenericOneApplies() {
        let result = limits(["OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "lots", "OTEL_ATTRIBUTE_COUNT_LIMIT": "20"])
        #expect(result.limits.attributeCountLimit == 20)
        #expect(result.reports == ["OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=lots is not a non-negative whole number; ignored"])
    }

    @Test(arguments: ["-1", "1.5", "ten", "99999999999999999999999"])
    func invalidValuesAreReportedAndTheDefaultKept(value: String) {
        let result = limits(["OTEL_SPAN_LINK_COUNT_LIMIT": value, "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": value])
        #expect(result.limits == SpanLimits())
        #expect(result.reports.count == 2)
    }

    @Test func zeroIsAValidLimit() {
        let result = limits(["OTEL_SPAN_EVENT_COUNT_LIMIT": "0", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "0"])
        #expect(result.limits.eventCountLimit == 0)
        #expect(result.limits.attributeValueLengthLimit == 0)
        #expect(result.reports.isEmpty)
    }

    @Test func thePublicEntryPointReadsTheGivenEnvironment() {
        #expect(SpanLimits.fromEnvironment(["OTEL_SPAN_LINK_COUNT_LIMIT": "5"]).linkCountLimit == 5)
    }
}
