import Trail

/// `trail grep TRACE_ID [PATH…]`: every log line of one trace, in time order.
struct GrepCommand {
    static let usage = """
        usage: trail grep [--json] [--no-progress] TRACE_ID [PATH ...]

        Prints every log line of the trace TRACE_ID found in PATHs (files, or directories read
        recursively; default: the current directory), in time order. Rotated and gzipped files
        (app-2026-11-22T10-00-00.000.log.gz) are read too, streamed, never loaded whole.
        A line belongs to the trace when its "trace_id" (OpenTelemetry) or "trace.id" (ECS) field
        is TRACE_ID; lines that are not JSON are skipped.

        TRACE_ID  32 hex digits (uppercase is accepted and lowercased) or a traceparent value
        --json         print the lines as they are in the files (default: the console format)
        --no-progress  no progress report on stderr (shown when a search takes over a second)

        Files are read by up to 4 threads (TRAIL_GREP_THREADS=N sets the number).

        exit status: 0 lines found, 1 no line found, 2 bad arguments or an unreadable input
        (missing file, corrupt gzip: reported on stderr, the other inputs are still read)

        example:
          trail grep 4bf92f3577b34da6a3ce929d0e0e4736 /var/log/checkout
        """

    let traceID: TraceID
    let paths: [String]
    let json: Bool
    let progress: Bool

    init(arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(arguments, command: "grep", flags: ["--json", "--no-progress"])
        guard let first = parsed.operands.first else { throw CommandError("trail grep: missing TRACE_ID") }
        traceID = try Arguments.traceID(first, command: "grep")
        paths = parsed.operands.count > 1 ? Array(parsed.operands.dropFirst()) : ["."]
        json = parsed.flags.contains("--json")
        progress = !parsed.flags.contains("--no-progress")
    }

    func run() -> Int32 {
        var reporter = ProgressReporter(command: "grep")
        var search = TraceSearch(traceID: traceID, filter: .logs)
        if let threads = Environment().positiveInt("TRAIL_GREP_THREADS") { search.workers = min(threads, 64) }
        let result = search.run(paths: paths, progress: progress ? { reporter.report($0) } : nil)
        reporter.finish()
        let output = LineOutput(format: json ? .json : .console(colors: LineOutput.wantsColors(fileDescriptor: 1)))
        do {
            try output.write(result.matches.lazy.map(\.line))
        } catch {
            return ExitStatus.trouble  // stdout closed (`| head`): nothing more to say
        }
        for problem in result.problems { printError("trail grep: \(problem)") }
        if result.overlongLines > 0 {
            printError("trail grep: \(result.overlongLines) line(s) longer than 64 MiB were not searched")
        }
        if !result.problems.isEmpty { return ExitStatus.trouble }
        if result.matches.isEmpty {
            let bytes = result.files.reduce(0) { $0 + $1.size }
            printError("trail grep: no log line of trace \(traceID) in \(result.files.count) file\(result.files.count == 1 ? "" : "s") (\(formatBytes(bytes)))")
            return ExitStatus.notFound
        }
        return ExitStatus.success
    }
}
