/// One OTLP `LogRecord` built from a JSON log line (OpenTelemetry logs data model).
struct OTLPLogRecord: Equatable, Sendable {
    var timeUnixNano: UInt64
    var observedTimeUnixNano: UInt64
    var severityNumber: Int
    var severityText: String
    var body: OTLPValue?
    var attributes: [OTLPKeyValue]
    var traceID: TraceID?
    var spanID: SpanID?
    /// The W3C trace flags (the low 8 bits of `LogRecord.flags`).
    var flags: UInt32
    var resource: Resource
    var scope: InstrumentationScope
}

extension OTLPLogRecord {
    /// The record for `line`, read with the reserved keys of `fieldNames`:
    /// - the timestamp field → `time_unix_nano` (and `observed_time_unix_nano`, the same value, as
    ///   the data model recommends when a record is created; `observedAt` when the line has no
    ///   readable timestamp, in which case `time_unix_nano` is left unset);
    /// - the line's level → `severity_number` (TRACE 1, DEBUG 5, INFO 9, notice INFO2 10, WARN 13,
    ///   ERROR 17, critical FATAL 21) and the level field's text, as written, → `severity_text`;
    /// - the message → `body` (a string);
    /// - trace id, span id and trace flags (lowercase hex) → the record's own fields; a value that
    ///   is not a valid id stays an attribute;
    /// - the service name → the resource's `service.name` (the other resource attributes come from
    ///   `resource`);
    /// - the logger name → the instrumentation scope's name;
    /// - every other top-level field → an attribute with its JSON type (string, integer, double,
    ///   boolean, array, nested object as a key-value list, null as an empty value).
    ///
    /// A line that is not a JSON object becomes a record whose body is the whole line as text.
    init(line: LogLine, fieldNames: FieldNames, resource: Resource, observedAt: UInt64) {
        self.init(
            timeUnixNano: 0, observedTimeUnixNano: observedAt, severityNumber: line.level.severityNumber,
            severityText: line.level.name, body: nil, attributes: [], traceID: nil, spanID: nil, flags: 0,
            resource: resource, scope: InstrumentationScope(name: ""))
        guard let fields = line.withBytes({ JSONLineScanner.fields($0) }) else {
            var text = line.text
            if text.hasSuffix("\n") { text.removeLast() }
            body = .string(text)
            return
        }
        for (key, value) in fields {
            if key == fieldNames.timestamp, case .string(let text) = value, let time = OTLPTimestamp.parse(text) {
                timeUnixNano = time
                observedTimeUnixNano = time
                continue
            }
            switch (key, value) {
            case (fieldNames.level, .string(let text)):
                severityText = text
            case (fieldNames.message, .string(let text)):
                body = .string(text)
            case (fieldNames.traceID, .string(let text)) where TraceID(hex: text).map(\.isValid) == true:
                traceID = TraceID(hex: text)
            case (fieldNames.spanID, .string(let text)) where SpanID(hex: text).map(\.isValid) == true:
                spanID = SpanID(hex: text)
            case (let name, .string(let text)) where name == fieldNames.traceFlags && text.utf8.count == 2 && UInt8(text, radix: 16) != nil:
                flags = UInt32(UInt8(text, radix: 16)!)
            case (fieldNames.serviceName, .string(let text)):
                self.resource.attributes["service.name"] = .string(text)
            case (fieldNames.logger, .string(let text)):
                scope = InstrumentationScope(name: text)
            case (_, .string(let text)):
                attributes.append(OTLPKeyValue(key: key, value: .string(text)))
            case (_, .raw(let text)):
                attributes.append(OTLPKeyValue(key: key, value: OTLPJSONValueParser.parse(text) ?? .string(text)))
            }
        }
    }
}

/// RFC 3339 timestamps as Trail writes them (`2026-11-22T10:04:05.123456Z`, any number of fraction
/// digits up to nanoseconds, `Z` or a `±hh:mm` offset) → nanoseconds since the Unix epoch.
enum OTLPTimestamp {
    static func parse(_ text: String) -> UInt64? {
        let b = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var n = 0
            for k in from..<(from + count) {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[k]) else { return nil }
                n = n * 10 + Int(b[k] - UInt8(ascii: "0"))
            }
            return n
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
              let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var nanos = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 100_000_000
            let start = i
            while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) {
                nanos += Int(b[i] - UInt8(ascii: "0")) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b.count == i + 6, b[i + 3] == UInt8(ascii: ":"),
                  let h = digits(i + 1, 2), let m = digits(i + 4, 2) {
            offset = (h * 60 + m) * 60 * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        guard seconds >= 0 else { return nil }
        return UInt64(seconds) * 1_000_000_000 + UInt64(nanos)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years, March-based years).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
