/// A ``TraceView`` as one self-contained HTML file (`trail show --html`): inline CSS and script, no
/// network access, a waterfall whose spans open to show their attributes, events, links and log lines.
///
/// Nothing from the trace is ever written as HTML or script: the data goes in as JSON inside
/// `<script type="application/json">` (with `<`, `>` and `&` written as `\u003c`, `\u003e`, `\u0026`, so
/// a span named `</script>` cannot end the element), and the page's script puts it on screen with
/// `textContent` only. When it has drawn the page the script sets `data-rendered` on `<body>` to the
/// number of spans drawn; any script error is added to `data-errors` (headless-browser tests read both).
package enum TraceHTMLPage {
    package static func render(_ view: TraceView) -> String {
        var json = JSONLineEncoder(capacity: 4096 + view.rows.count * 1024)
        json.appendRaw("{\"traceId\":\"")
        view.traceID.appendHex(to: &json.bytes)
        json.appendRaw("\",\"startTime\":")
        json.appendTimestamp(unixNano: view.start, fractionDigits: 6)
        json.appendRaw(",\"duration\":")
        json.appendDecimal(view.rows.isEmpty ? 0 : view.duration)
        json.appendRaw(",\"services\":")
        json.appendArray(view.services) { service, json in json.appendString(service) }
        json.appendRaw(",\"spans\":")
        json.appendArray(view.rows) { row, json in appendRow(row, start: view.start, to: &json) }
        json.appendRaw(",\"unplacedLogs\":")
        json.appendArray(view.unplacedLogs) { entry, json in appendLog(entry, start: view.start, to: &json) }
        json.appendRaw("}")
        let data = scriptSafe(json.bytes)
        return TraceHTMLTemplate.page(title: "trace \(view.traceID.hexString)", data: data)
    }

    static func appendRow(_ row: TraceView.Row, start: UInt64, to json: inout JSONLineEncoder) {
        let span = row.span
        json.appendRaw("{\"id\":\"")
        span.context.spanID.appendHex(to: &json.bytes)
        json.appendRaw("\",\"parent\":")
        if let parent = span.parentSpanID {
            json.appendString(parent.hexString)
        } else {
            json.appendNull()
        }
        json.appendRaw(",\"name\":")
        json.appendString(span.name)
        json.appendRaw(",\"service\":")
        json.appendString(span.resource.serviceName)
        json.appendRaw(",\"kind\":\"")
        json.bytes.append(contentsOf: SpanJSONLine.kindName(span.kind).utf8)
        json.appendRaw("\",\"depth\":")
        json.appendInteger(row.depth)
        json.appendRaw(",\"orphan\":")
        json.appendBool(row.isOrphan)
        json.appendRaw(",\"offset\":")
        json.appendDecimal(span.startTimeUnixNano &- min(start, span.startTimeUnixNano))
        json.appendRaw(",\"duration\":")
        json.appendDecimal(span.durationNanoseconds)
        json.appendRaw(",\"startTime\":")
        json.appendTimestamp(unixNano: span.startTimeUnixNano, fractionDigits: 9)
        json.appendRaw(",\"status\":")
        switch span.status {
        case .unset: json.appendRaw("\"unset\"")
        case .ok: json.appendRaw("\"ok\"")
        case .error(let message):
            json.appendRaw("\"error\",\"statusMessage\":")
            json.appendString(message ?? "")
        }
        json.appendRaw(",\"scope\":")
        json.appendString(span.scope.name)
        json.appendRaw(",\"attributes\":")
        SpanJSONLine.appendAttributes(span.attributes, to: &json)
        json.appendRaw(",\"events\":")
        json.appendArray(span.events) { event, json in
            json.appendRaw("{\"name\":")
            json.appendString(event.name)
            json.appendRaw(",\"offset\":")
            json.appendDecimal(event.timeUnixNano &- min(start, event.timeUnixNano))
            json.appendRaw(",\"attributes\":")
            SpanJSONLine.appendAttributes(event.attributes, to: &json)
            json.appendRaw("}")
        }
        json.appendRaw(",\"links\":")
        json.appendArray(span.links) { link, json in
            json.appendString("\(link.context.traceID.hexString) / \(link.context.spanID.hexString)")
        }
        json.appendRaw(",\"logs\":")
        json.appendArray(row.logs) { entry, json in appendLog(entry, start: start, to: &json) }
        json.appendRaw("}")
    }

    /// A log line: its console text (no colours) and its fields, re-encoded from the parsed line.
    static func appendLog(_ entry: TraceView.LogEntry, start: UInt64, to json: inout JSONLineEncoder) {
        var console: [UInt8] = []
        entry.line.withUnsafeBytes { ConsoleFormatter(colors: false).format($0, into: &console) }
        if console.last == 0x0A { console.removeLast() }
        json.appendRaw("{\"offset\":")
        json.appendInteger(Int64(bitPattern: entry.time &- start))
        json.appendRaw(",\"text\":")
        json.appendString(String(decoding: console, as: UTF8.self))
        json.appendRaw(",\"fields\":")
        json.appendJSONValue(JSONValue.parse(entry.line) ?? .string(String(decoding: entry.line, as: UTF8.self)))
        json.appendRaw("}")
    }

    /// JSON text made safe inside `<script>`: `<`, `>` and `&` can only occur inside JSON strings,
    /// where their `\u` escapes mean the same.
    static func scriptSafe(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "<"): out.append(contentsOf: #"\u003c"#.utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: #"\u003e"#.utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: #"\u0026"#.utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Text escaped for HTML element content and attribute values.
    static func htmlEscaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
