import Foundation
import Trail

/// `trail show TRACE_ID --spans FILE --logs PATH…`: a trace's waterfall with its log lines.
struct ShowCommand {
    static let usage = """
        usage: trail show TRACE_ID [--spans PATH ...] [--logs PATH ...] [--html OUT.html] [--no-progress]

        Shows the trace TRACE_ID as a waterfall: its spans indented under their parents, a bar for
        the time each took within the trace, durations and status; each log line under the span
        that wrote it (by its span_id). Spans whose parent is not in the span file are shown at the
        top level; log lines of no span shown are listed at the end.

        --spans PATH ...  span files written by JSONLinesSpanExporter (or directories of them)
        --logs PATH ...   JSON log files or directories, as for trail grep (rotated, gzipped)
        --html OUT.html   write the trace as one self-contained HTML page instead (no network
                          needed): a waterfall whose spans open to show attributes, events, logs
        --no-progress     no progress report on stderr

        exit status: 0 trace shown, 1 nothing of the trace found, 2 bad arguments or an
        unreadable input

        example:
          trail show 4bf92f3577b34da6a3ce929d0e0e4736 --logs logs --spans logs/spans.jsonl
        """

    let traceID: TraceID
    let spanPaths: [String]
    let logPaths: [String]
    let html: String?
    let progress: Bool

    init(arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(arguments, command: "show", flags: ["--no-progress"], single: ["--html"], lists: ["--spans", "--logs"])
        guard let first = parsed.operands.first else { throw CommandError("trail show: missing TRACE_ID") }
        guard parsed.operands.count == 1 else {
            throw CommandError("trail show: unexpected argument '\(parsed.operands[1])' (paths go after --spans or --logs)")
        }
        traceID = try Arguments.traceID(first, command: "show")
        spanPaths = parsed.options["--spans"] ?? []
        logPaths = parsed.options["--logs"] ?? []
        guard !spanPaths.isEmpty || !logPaths.isEmpty else { throw CommandError("trail show: give --spans FILE, --logs PATH, or both") }
        html = parsed.options["--html"]?.first
        progress = !parsed.flags.contains("--no-progress")
    }

    func run() -> Int32 {
        var reporter = ProgressReporter(command: "show")
        let report: ((TraceSearch.Progress) -> Void)? = progress ? { reporter.report($0) } : nil
        let reading = TraceView.read(traceID: traceID, spanPaths: spanPaths, logPaths: logPaths, progress: report)
        reporter.finish()
        let view = reading.view
        let problems = reading.problems
        var status = ExitStatus.success
        if view.rows.isEmpty && view.unplacedLogs.isEmpty {
            printError("trail show: nothing of trace \(traceID) in \((spanPaths + logPaths).joined(separator: " "))")
            status = ExitStatus.notFound
        } else if let html {
            do {
                try TraceHTMLPage.render(view).write(toFile: html, atomically: true, encoding: .utf8)
                print("trail show: wrote \(html): \(view.rows.count) spans, \(view.rows.reduce(view.unplacedLogs.count) { $0 + $1.logs.count }) log lines")
            } catch {
                printError("trail show: cannot write \(html): \(error.localizedDescription); check that its directory exists and is writable")
                return ExitStatus.trouble
            }
        } else {
            print(TraceWaterfall(colors: LineOutput.wantsColors(fileDescriptor: 1)).render(view))
        }
        for problem in problems { printError("trail show: \(problem)") }
        return problems.isEmpty ? status : ExitStatus.trouble
    }
}
