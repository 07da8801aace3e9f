/// Draws a ``TraceView`` for the terminal: one row per span, indented under its parent, with a bar
/// showing when it ran within the trace, its duration, kind and status; each span's log lines
/// (console format) right under it, and lines that name no span of the trace at the end.
///
/// ```
/// trace 78225939edf0f85d4b1ae7bfcdf14c32  5 spans, 2 services, 8.6 ms
///   frontend  GET /checkout   ████████████████████████████████  8.6 ms [server] ✗ payment failed
///               · 04:26:12.733 INFO  checkout started  order_id=1002  http trace=78225939
///   frontend    load cart     ██████████████                    3.6 ms
/// ```
package struct TraceWaterfall: Sendable {
    package var barWidth = 32
    package var colors: Bool
    /// Show log lines under their spans (`false`: spans only).
    package var showLogs = true

    package init(colors: Bool, showLogs: Bool = true) {
        self.colors = colors
        self.showLogs = showLogs
    }

    package func render(_ view: TraceView) -> String {
        let services = view.services
        var lines = [
            "trace \(view.traceID)  \(view.rows.count) span\(view.rows.count == 1 ? "" : "s"), \(services.count) service\(services.count == 1 ? "" : "s"), \(TraceView.format(duration: view.rows.isEmpty ? 0 : view.duration))"
        ]
        let serviceWidth = services.map(\.count).max() ?? 0
        let labels = view.rows.map { String(repeating: "  ", count: $0.depth) + ConsoleFormatter.singleLine($0.span.name) }
        let labelWidth = min(labels.map(\.count).max() ?? 0, 48)
        let formatter = ConsoleFormatter(colors: colors)
        for (row, label) in zip(view.rows, labels) {
            let span = row.span
            let offset = min(Int(Double(span.startTimeUnixNano - min(view.start, span.startTimeUnixNano)) / Double(view.duration) * Double(barWidth)), barWidth - 1)
            let length = max(1, Int((Double(span.durationNanoseconds) / Double(view.duration) * Double(barWidth)).rounded()))
            let bar = String(repeating: " ", count: offset) + String(repeating: "█", count: min(length, barWidth - offset))
            var status = ""
            switch span.status {
            case .error(let description): status = formatter.paint("✗ " + ConsoleFormatter.singleLine(description ?? "error"), "31")
            case .ok: status = formatter.paint("✓", "32")
            case .unset: break
            }
            let service = ConsoleFormatter.singleLine(span.resource.serviceName).fitted(serviceWidth)
            let kind = span.kind == .internal ? "" : " [\(SpanJSONLine.kindName(span.kind))]"
            let orphan = row.isOrphan ? formatter.paint(" (parent \(span.parentSpanID?.hexString ?? "?") not found)", "33") : ""
            lines.append("  \(formatter.paint(service, "36"))  \(label.fitted(labelWidth))  \(formatter.paint(bar.fitted(barWidth), span.status.isError ? "31" : "34"))  \(TraceView.format(duration: span.durationNanoseconds).leftFitted(9))\(kind) \(status)\(orphan)".trimmingTrailingSpaces)
            if showLogs {
                let indent = "  " + String(repeating: " ", count: serviceWidth) + "  " + String(repeating: "  ", count: row.depth + 1) + "· "
                for entry in row.logs { lines.append(indent + consoleText(entry, formatter)) }
            }
        }
        if showLogs && !view.unplacedLogs.isEmpty {
            lines.append("")
            lines.append("log lines of the trace outside the spans shown:")
            for entry in view.unplacedLogs { lines.append("  · " + consoleText(entry, formatter)) }
        }
        return lines.joined(separator: "\n")
    }

    private func consoleText(_ entry: TraceView.LogEntry, _ formatter: ConsoleFormatter) -> String {
        var out: [UInt8] = []
        entry.line.withUnsafeBytes { formatter.format($0, into: &out) }
        if out.last == 0x0A { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }

    /// Cut or padded with spaces to `width` characters.
    func fitted(_ width: Int) -> String {
        count >= width ? String(prefix(width)) : self + String(repeating: " ", count: width - count)
    }

    /// Padded on the left to `width` characters.
    func leftFitted(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
