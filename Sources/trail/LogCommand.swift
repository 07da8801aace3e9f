import Trail

/// `trail log LEVEL MESSAGE [KEY=VALUE…]`: writes one Trail log line to stdout, for shell scripts.
struct LogCommand {
    static let usage = """
        usage: trail log [--service NAME] [--logger NAME] LEVEL MESSAGE [KEY=VALUE ...]

        Writes one structured log line to stdout (JSON, or the console format on a terminal;
        TRAIL_FORMAT=json|console chooses). LEVEL is trace, debug, info, notice, warning, error
        or critical. Values are typed: 42 is an integer, 1.5 a double, true/false booleans,
        null is null, anything else a string. A W3C TRACEPARENT variable puts the line in that trace.

        example:
          trail log --service backup info "backup finished" files=1204 seconds=81.5 incremental=true
        """

    var service: String?
    var loggerName = "shell"
    var level: LogLevel
    var message: String
    var fields = LogFields()

    init(arguments: [String]) throws(CommandError) {
        var rest = arguments[...]
        var service: String?
        var loggerName = "shell"
        while let first = rest.first, first.hasPrefix("--") {
            rest.removeFirst()
            guard let value = rest.popFirst() else { throw CommandError("trail log: \(first) needs a value") }
            switch first {
            case "--service": service = value
            case "--logger": loggerName = value
            default: throw CommandError("trail log: unknown option '\(first)'")
            }
        }
        guard let levelName = rest.popFirst() else { throw CommandError("trail log: missing LEVEL") }
        guard let level = LogLevel(name: levelName) else {
            throw CommandError("trail log: '\(levelName)' is not a level (trace, debug, info, notice, warning, error, critical)")
        }
        guard let message = rest.popFirst() else { throw CommandError("trail log: missing MESSAGE") }
        self.service = service
        self.loggerName = loggerName
        self.level = level
        self.message = message
        for pair in rest {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                throw CommandError("trail log: '\(pair)' is not KEY=VALUE")
            }
            fields[String(pair[..<eq])] = Self.typed(String(pair[pair.index(after: eq)...]))
        }
    }

    static func typed(_ text: String) -> any LogValueConvertible {
        if let int = Int64(text) { return int }
        if let double = Double(text), double.isFinite, text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return double }
        switch text {
        case "true": return true
        case "false": return false
        case "null": return LogValue.null
        default: return text
        }
    }

    func run() {
        var fieldNames = FieldNames.openTelemetry
        fieldNames.source = .none  // the call site would be this tool's source, not the script's
        let pipeline = Pipeline.bootstrap(serviceName: service, level: .trace, fieldNames: fieldNames)
        let logger = Logger(label: loggerName, pipeline: pipeline)
        var context = Context()
        if let traceparent = Environment()["TRACEPARENT"], let parent = SpanContext(traceparent: traceparent) {
            context = context.with(span: Span(remote: parent))
        }
        context.restore { logger.log(level: level, message, fields) }
        // The line is flushed when the process exits.
    }
}
