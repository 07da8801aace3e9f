// Fuzz target `traceparent`: traceparent + tracestate through TraceContextPropagator.
// The checks are in Tests/TrailTests/FuzzChecks (FuzzChecks.traceContext), shared with FuzzRegressionTests.
// Build and run with Fuzz/run.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    runFuzzTarget("traceparent", data, size, FuzzChecks.traceContext)
}
