/// Turns JSON log lines (either key schema) into one compact line for people:
///
/// ```
/// 10:04:05.123 INFO  request handled  method=GET status=200 duration_ms=12.5  http trace=4bf92f35
/// ```
///
/// Time (UTC, as in the line), level, message, the other fields as `key=value`, the logger and the
/// first 8 characters of the trace id. A line that is not a JSON object is passed through unchanged.
struct ConsoleFormatter: Sendable {
    var colors: Bool

    /// Keys shown in their own place, or not at all.
    static let timestampKeys: Set = ["timestamp", "@timestamp"]
    static let levelKeys: Set = ["level", "log.level"]
    static let messageKeys: Set = ["message"]
    static let traceKeys: Set = ["trace_id", "trace.id"]
    static let loggerKeys: Set = ["logger", "log.logger"]
    static let hiddenKeys: Set = [
        "span_id", "span.id", "trace_flags", "service.name", "source", "ecs.version",
        "log.origin.file.name", "log.origin.file.line", "log.origin.function",
    ]

    func format(_ line: LogLine, into out: inout [UInt8]) {
        line.withBytes { format($0, into: &out) }
    }

    func format(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        guard let fields = JSONLineScanner.fields(bytes) else {
            out.append(contentsOf: bytes)
            if bytes.last != 0x0A { out.append(0x0A) }
            return
        }
        var time = "", level = "", message = "", trace = "", logger = ""
        var rest: [String] = []
        for (key, value) in fields {
            if Self.timestampKeys.contains(key) { time = value.text }
            else if Self.levelKeys.contains(key) { level = value.text }
            else if Self.messageKeys.contains(key) { message = value.text }
            else if Self.traceKeys.contains(key) { trace = value.text }
            else if Self.loggerKeys.contains(key) { logger = value.text }
            else if !Self.hiddenKeys.contains(key) { rest.append("\(Self.singleLine(key))=\(Self.show(value))") }
        }
        var text = ""
        if let t = time.firstIndex(of: "T") {
            let clock = time[time.index(after: t)...].prefix { $0 != "Z" && $0 != "+" && $0 != "-" }.prefix(12)
            text += paint(Self.singleLine(String(clock)), "2") + " "
        }
        text += paint(Self.singleLine(Self.shortName(level: level)).padding(5), Self.color(level: level)) + " "
        text += Self.singleLine(message)
        if !rest.isEmpty { text += "  " + paint(rest.joined(separator: " "), "2") }
        if !logger.isEmpty { text += "  " + paint(Self.singleLine(logger), "36") }
        if !trace.isEmpty { text += " " + paint("trace=" + Self.singleLine(String(trace.prefix(8))), "35") }
        out.append(contentsOf: text.utf8)
        out.append(0x0A)
    }

    private func paint(_ text: String, _ code: String) -> String {
        colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Five characters at most, so messages line up: TRACE DEBUG INFO NOTE WARN ERROR CRIT.
    static func shortName(level: String) -> String {
        switch level.lowercased() {
        case "notice": "NOTE"
        case "warning", "warn": "WARN"
        case "critical", "fatal": "CRIT"
        default: level.uppercased()
        }
    }

    static func color(level: String) -> String {
        switch level.lowercased() {
        case "trace", "debug": "2"
        case "info", "notice": "32"
        case "warning", "warn": "33"
        default: "31;1"
        }
    }

    /// Strings unquoted when they are a single plain word, JSON-quoted otherwise; other values raw.
    static func show(_ value: JSONLineScanner.Value) -> String {
        switch value {
        case .raw(let raw): return singleLine(raw)
        case .string(let s):
            if !s.isEmpty, s.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "=" }) { return s }
            var encoder = JSONLineEncoder(capacity: s.utf8.count + 2)
            encoder.appendString(s)
            return String(decoding: encoder.bytes, as: UTF8.self)
        }
    }

    /// Control characters made visible, so a message (or a key, the logger, …) cannot break the console
    /// line or send escape sequences to the terminal either.
    static func singleLine(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}" }) else { return s }
        var encoder = JSONLineEncoder(capacity: s.utf8.count)
        encoder.appendEscaped(s)
        return String(decoding: encoder.bytes, as: UTF8.self)
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
