import Trail

/// Renders the spans of one trace as a terminal waterfall: one row per span, indented under its
/// parent, with a bar showing when it ran within the trace, its duration and its status.
struct Waterfall {
    var barWidth = 32
    var colors: Bool

    func render(_ spans: [SpanData]) -> String {
        guard let first = spans.min(by: { $0.startTimeUnixNano < $1.startTimeUnixNano }) else { return "" }
        let start = first.startTimeUnixNano
        let end = spans.map(\.endTimeUnixNano).max() ?? start
        let total = max(end - start, 1)
        let ids = Set(spans.map(\.context.spanID))
        let children = Dictionary(grouping: spans) { span -> SpanID? in
            span.parentSpanID.flatMap { ids.contains($0) ? $0 : nil }
        }
        let services = Set(spans.map(\.resource.serviceName))
        var lines = [
            "trace \(first.context.traceID)  \(spans.count) spans, \(services.count) service\(services.count == 1 ? "" : "s"), \(Self.format(duration: total))"
        ]
        let serviceWidth = services.map(\.count).max() ?? 0
        var rows: [(label: String, span: SpanData)] = []
        func visit(_ parent: SpanID?, depth: Int) {
            for span in (children[parent] ?? []).sorted(by: { $0.startTimeUnixNano < $1.startTimeUnixNano }) {
                rows.append((String(repeating: "  ", count: depth) + span.name, span))
                visit(span.context.spanID, depth: depth + 1)
            }
        }
        visit(nil, depth: 0)
        let labelWidth = min(rows.map(\.label.count).max() ?? 0, 48)
        for (label, span) in rows {
            let offset = Int(Double(span.startTimeUnixNano - start) / Double(total) * Double(barWidth))
            let length = max(1, Int((Double(span.durationNanoseconds) / Double(total) * Double(barWidth)).rounded()))
            let bar = String(repeating: " ", count: min(offset, barWidth - 1))
                + String(repeating: "█", count: min(length, barWidth - min(offset, barWidth - 1)))
            var status = ""
            switch span.status {
            case .error(let description): status = paint("✗ " + (description ?? "error"), code: "31")
            case .ok: status = paint("✓", code: "32")
            case .unset: break
            }
            let service = span.resource.serviceName.padding(serviceWidth)
            let kind = span.kind == .internal ? "" : " [\(span.kind)]"
            lines.append("  \(paint(service, code: "36"))  \(label.padding(labelWidth))  \(paint(bar.padding(barWidth), code: span.status.isError ? "31" : "34"))  \(Self.format(duration: span.durationNanoseconds).leftPadding(9))\(kind) \(status)")
        }
        return lines.joined(separator: "\n")
    }

    private func paint(_ text: String, code: String) -> String {
        colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    static func format(duration ns: UInt64) -> String {
        switch ns {
        case ..<1_000: "\(ns) ns"
        case ..<1_000_000: "\(Double(ns / 100) / 10) µs"
        case ..<1_000_000_000: "\(Double(ns / 100_000) / 10) ms"
        default: "\(Double(ns / 100_000_000) / 10) s"
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? String(prefix(width)) : self + String(repeating: " ", count: width - count)
    }

    func leftPadding(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
