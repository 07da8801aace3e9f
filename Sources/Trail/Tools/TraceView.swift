/// One trace put together for people: its spans in tree order and its log lines placed under the
/// span that wrote them. The terminal waterfall (``TraceWaterfall``) and the HTML page
/// (``TraceHTMLPage``) both draw from it.
package struct TraceView: Sendable {
    /// A log line of the trace.
    package struct LogEntry: Sendable {
        /// Nanoseconds since 1970 (0 when the line has no readable time).
        package var time: UInt64
        /// The `span_id` (or `span.id`) of the line, if any.
        package var spanID: SpanID?
        /// The JSON line, without its `\n`.
        package var line: [UInt8]

        package init(time: UInt64, spanID: SpanID?, line: [UInt8]) {
            self.time = time
            self.spanID = spanID
            self.line = line
        }

        /// A log line found by ``TraceSearch``, with its span id read from the line.
        package init(_ match: TraceSearch.Match) {
            var spanID: SpanID?
            match.line.withUnsafeBytes { bytes in
                for (key, value) in JSONLineScanner.fields(bytes) ?? [] where key == "span_id" || key == "span.id" {
                    if case .string(let hex) = value { spanID = SpanID(hex: hex, allowUppercase: true) }
                }
            }
            self.init(time: match.time, spanID: spanID, line: match.line)
        }
    }

    /// A span in tree order.
    package struct Row: Sendable {
        package var span: SpanData
        package var depth: Int
        /// The span has a parent that is not among the trace's spans (shown at the top level).
        package var isOrphan: Bool
        package var logs: [LogEntry]
    }

    package let traceID: TraceID
    /// Depth first: each span followed by its children, siblings by start time; roots and orphans
    /// (spans whose parent is missing) at depth 0, by start time.
    package let rows: [Row]
    /// Log lines of the trace that name no span of it (outside any span, or of a span not exported).
    package let unplacedLogs: [LogEntry]
    /// Start of the earliest span (or log line, with no spans) and end of the latest.
    package let start: UInt64
    package let end: UInt64

    /// `spans` of one trace (duplicates by span id are shown once) and its log lines in time order.
    package init(traceID: TraceID, spans: [SpanData], logs: [LogEntry]) {
        self.traceID = traceID
        var unique: [SpanID: SpanData] = [:]
        for span in spans where span.context.traceID == traceID { unique[span.context.spanID] = span }
        let spans = unique.values.sorted { ($0.startTimeUnixNano, $0.context.spanID) < ($1.startTimeUnixNano, $1.context.spanID) }
        var logsBySpan: [SpanID: [LogEntry]] = [:]
        var unplaced: [LogEntry] = []
        for entry in logs {
            if let id = entry.spanID, unique[id] != nil { logsBySpan[id, default: []].append(entry) } else { unplaced.append(entry) }
        }
        let children = Dictionary(grouping: spans) { span -> SpanID? in
            span.parentSpanID.flatMap { unique[$0] != nil ? $0 : nil }
        }
        var rows: [Row] = []
        var visited = Set<SpanID>()
        func visit(_ parent: SpanID?, depth: Int) {
            for span in children[parent] ?? [] where visited.insert(span.context.spanID).inserted {
                let orphan = parent == nil && span.parentSpanID != nil
                rows.append(Row(span: span, depth: depth, isOrphan: orphan, logs: logsBySpan[span.context.spanID] ?? []))
                visit(span.context.spanID, depth: depth + 1)
            }
        }
        visit(nil, depth: 0)
        // Spans in a parent cycle (corrupt data) have no root to hang from: show them at the top.
        for span in spans where visited.insert(span.context.spanID).inserted {
            rows.append(Row(span: span, depth: 0, isOrphan: true, logs: logsBySpan[span.context.spanID] ?? []))
        }
        self.rows = rows
        unplacedLogs = unplaced
        // The spans' times frame the trace; log times only when there are no spans.
        let starts = spans.isEmpty ? logs.map(\.time).filter { $0 > 0 } : spans.map(\.startTimeUnixNano)
        start = starts.min() ?? 0
        end = max(start, (spans.isEmpty ? logs.map(\.time).max() : spans.map(\.endTimeUnixNano).max()) ?? start)
    }

    /// Nanoseconds from the first start to the last end (at least 1).
    package var duration: UInt64 { max(end - start, 1) }

    package var services: [String] {
        var seen = Set<String>()
        return rows.map(\.span.resource.serviceName).filter { seen.insert($0).inserted }
    }

    /// `1.2 ms`-style text for a duration in nanoseconds.
    package static func format(duration ns: UInt64) -> String {
        switch ns {
        case ..<1_000: "\(ns) ns"
        case ..<1_000_000: "\(Double(ns / 100) / 10) µs"
        case ..<1_000_000_000: "\(Double(ns / 100_000) / 10) ms"
        default: "\(Double(ns / 100_000_000) / 10) s"
        }
    }
}

extension TraceView {
    /// A trace read back from files, and what could not be read.
    package struct Reading: Sendable {
        package var view: TraceView
        /// The log files searched (what `logPaths` expanded to).
        package var logFiles: [LogFiles.File]
        /// Paths that could not be read, and lines of the trace in the span files that are not spans.
        package var problems: [ReadFailure]
    }

    /// The trace `traceID` from span files (``JSONLinesSpanExporter``'s lines) and log files or
    /// directories (plain, rotated, gzipped): what `trail show` and `trail demo` display.
    package static func read(
        traceID: TraceID, spanPaths: [String], logPaths: [String], progress: ((TraceSearch.Progress) -> Void)? = nil
    ) -> Reading {
        let spanResult = spanPaths.isEmpty ? nil : TraceSearch(traceID: traceID, filter: .spans).run(paths: spanPaths, progress: progress)
        let logResult = logPaths.isEmpty ? nil : TraceSearch(traceID: traceID, filter: .logs).run(paths: logPaths, progress: progress)
        var problems = (spanResult?.problems ?? []) + (logResult?.problems ?? [])
        var spans: [SpanData] = []
        for match in spanResult?.matches ?? [] {
            if let span = match.line.withUnsafeBytes({ SpanJSONLine.decode($0) }) { spans.append(span) }
        }
        if let spanResult, spans.count < spanResult.matches.count {
            problems.append(ReadFailure("\(spanResult.matches.count - spans.count) line(s) of the trace in \(spanPaths.joined(separator: ", ")) are not spans (is it a span file of JSONLinesSpanExporter?)"))
        }
        let view = TraceView(traceID: traceID, spans: spans, logs: (logResult?.matches ?? []).map(LogEntry.init))
        return Reading(view: view, logFiles: logResult?.files ?? [], problems: problems)
    }
}
