// Fuzz target `traceparent`: traceparent + tracestate through TraceContextPropagator.
// The checks are in Tests/TrailTests/FuzzChecks (FuzzChecks.traceContext), shared with FuzzRegressionTests.
// Build and run with Fuzz/run.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        try FuzzChecks.traceContext(bytes)
    } catch {
        fatalError("traceparent: property violated: \(error)")
    }
    return 0
}
