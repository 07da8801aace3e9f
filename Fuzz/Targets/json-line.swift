// Fuzz target `json-line`: one log line through the logger's encoder, decoded and compared.
// The checks are in Tests/TrailTests/FuzzChecks (FuzzChecks.jsonLine), shared with FuzzRegressionTests.
// Build and run with Fuzz/run.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        try FuzzChecks.jsonLine(bytes)
    } catch {
        fatalError("json-line: property violated: \(error)")
    }
    return 0
}
