// Fuzz target `jaeger`: uber-trace-id and uberctx-* through JaegerPropagator.
// The checks are in Tests/TrailTests/FuzzChecks (FuzzChecks.jaeger), shared with FuzzRegressionTests.
// Build and run with Fuzz/run.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    runFuzzTarget("jaeger", data, size, FuzzChecks.jaeger)
}
