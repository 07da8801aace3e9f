// Fuzz target `json-scan`: any bytes read as a log line by JSONLineScanner (`trail grep`), compared
// with JSONSerialization.
// The checks are in Tests/TrailTests/FuzzChecks (FuzzChecks.jsonScan), shared with FuzzRegressionTests.
// Build and run with Fuzz/run.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    runFuzzTarget("json-scan", data, size, FuzzChecks.jsonScan)
}
