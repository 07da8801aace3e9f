// Fuzz target `baggage`: the baggage header through BaggagePropagator and the Baggage API.
// The checks are in Tests/TrailTests/FuzzChecks (FuzzChecks.baggage), shared with FuzzRegressionTests.
// Build and run with Fuzz/run.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    runFuzzTarget("baggage", data, size, FuzzChecks.baggage)
}
