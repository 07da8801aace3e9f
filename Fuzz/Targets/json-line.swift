// Fuzz target `json-line`: one log line through the logger's encoder, decoded and compared.
// The checks are in Tests/TrailTests/FuzzChecks (FuzzChecks.jsonLine), shared with FuzzRegressionTests.
// Build and run with Fuzz/run.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    runFuzzTarget("json-line", data, size, FuzzChecks.jsonLine)
}
