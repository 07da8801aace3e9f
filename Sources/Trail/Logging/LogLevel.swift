/// How important a log line is, from `trace` (most detailed) to `critical`.
///
/// The names are swift-log's, so code moving from swift-log keeps its levels. Each level maps to an
/// OpenTelemetry severity number (the first of its range; `notice` is INFO2, like syslog Notice).
public enum LogLevel: UInt8, Comparable, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case trace, debug, info, notice, warning, error, critical

    /// The lowercase name written in the `level` field.
    public var name: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }

    /// The OpenTelemetry `SeverityNumber` (1–24).
    public var severityNumber: Int {
        switch self {
        case .trace: 1
        case .debug: 5
        case .info: 9
        case .notice: 10
        case .warning: 13
        case .error: 17
        case .critical: 21
        }
    }

    /// Parses a level name, case-insensitively; also accepts `warn`, `err`, `fatal` and `crit`.
    public init?(name: some StringProtocol) {
        switch name.lowercased() {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "notice": self = .notice
        case "warning", "warn": self = .warning
        case "error", "err": self = .error
        case "critical", "crit", "fatal": self = .critical
        default: return nil
        }
    }

    public var description: String { name }

    @inlinable
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
