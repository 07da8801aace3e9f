// Fuzz target `b3`: the b3 and X-B3-* headers through B3Propagator.
// The checks are in Tests/TrailTests/FuzzChecks (FuzzChecks.b3), shared with FuzzRegressionTests.
// Build and run with Fuzz/run.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    runFuzzTarget("b3", data, size, FuzzChecks.b3)
}
