/// Turns JSON log lines (either key schema) into one compact line for people:
///
/// ```
/// 10:04:05.123 INFO  request handled  method=GET status=200 duration_ms=12.5  http trace=4bf92f35
/// ```
///
/// Time (UTC, as in the line), level, message, the other fields as `key=value`, the logger and the
/// first 8 characters of the trace id. A line that is not a JSON object is passed through with only its
/// control characters made visible (``visibleControls(_:into:)``), so it cannot drive the terminal.
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
            let body = bytes.last == 0x0A ? UnsafeRawBufferPointer(rebasing: bytes.dropLast()) : bytes
            Self.visibleControls(body, into: &out)
            out.append(0x0A)
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

    /// `text` in the colour of the SGR `code` when colours are on.
    func paint(_ text: String, _ code: String) -> String {
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

    /// Whether a console on a terminal gets colours: yes unless `NO_COLOR` is set (no-color.org).
    static func wantsColors(terminal: Bool, environment: [String: String]) -> Bool {
        terminal && Environment(environment)["NO_COLOR"] == nil
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

extension ConsoleFormatter {
    /// Appends `bytes`, text that is not a JSON line, as it is except for what could drive a
    /// terminal: control characters other than tab (C0 including CR, LF and backspace, DEL, C1 such
    /// as the 8-bit CSI) and U+2028/U+2029 are written as visible `\u001b`-style escapes, and
    /// invalid UTF-8 as U+FFFD. Plain text (the common case) is copied without decoding.
    static func visibleControls(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        if bytes.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) {
            out.append(contentsOf: bytes)
            return
        }
        let hex = Hex.digits.utf8Start
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            let v = scalar.value
            if (v < 0x20 && v != 0x09) || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029 {
                out.append(contentsOf: "\\u".utf8)
                for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int(v >> UInt32(shift)) & 0xF]) }
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
