#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes log lines to standard output: JSON, or a compact coloured line for people.
///
/// Each batch goes out in one `write(2)` of whole lines, so lines never interleave with other
/// writers of whole lines. A closed stdout (`EPIPE`) is reported once and the lines are counted as
/// failed; it never crashes the process (making a `StdoutSink` sets `SIGPIPE` to be ignored, as
/// servers usually do, so a closed pipe is an error code rather than a signal).
public struct StdoutSink: SynchronousDestination {
    public typealias Record = LogLine

    public enum Format: Sendable, Hashable {
        /// One JSON object per line.
        case json
        /// `10:04:05.123 INFO  request handled  method=GET status=200  trace=4bf92f35`.
        case console(colors: Bool)
        /// Console when stdout is a terminal or `TRAIL_FORMAT=console`; JSON otherwise
        /// (`TRAIL_FORMAT=json` forces JSON).
        case automatic
    }

    public let format: Format
    let fileDescriptor: Int32
    private let console: ConsoleFormatter?

    public init(format: Format = .automatic, environment: [String: String] = Environment.process) {
        self.init(format: format, fileDescriptor: 1, environment: environment)
    }

    init(format: Format, fileDescriptor: Int32, environment: [String: String] = Environment.process) {
        _ = Self.ignoreSIGPIPE
        self.fileDescriptor = fileDescriptor
        let resolved: Format
        switch format {
        case .automatic:
            let requested = Environment(environment)["TRAIL_FORMAT"]?.lowercased()
            let terminal = isatty(fileDescriptor) == 1
            if requested == "json" {
                resolved = .json
            } else if requested == "console" || terminal {
                resolved = .console(colors: ConsoleFormatter.wantsColors(terminal: terminal, environment: environment))
            } else {
                if let requested { Diagnostics.report("TRAIL_FORMAT=\(requested) is not json or console; using json") }
                resolved = .json
            }
        default:
            resolved = format
        }
        self.format = resolved
        if case .console(let colors) = resolved { console = ConsoleFormatter(colors: colors) } else { console = nil }
    }

    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    public func writeSynchronously(_ batch: [LogLine]) throws {
        var out: [UInt8] = []
        out.reserveCapacity(batch.reduce(0) { $0 + $1.byteCount + 32 })
        for line in batch {
            if let console { console.format(line, into: &out) } else { line.withBytes { out.append(contentsOf: $0) } }
        }
        try FileDescriptor.writeAll(out, to: fileDescriptor)
    }
}

/// Blocking writes of whole buffers.
enum FileDescriptor {
    struct WriteFailed: Error, RetryClassifiable, CustomStringConvertible {
        let errno: Int32
        var description: String { "write failed: \(String(cString: strerror(errno))) (errno \(errno))" }
        /// A closed pipe or descriptor stays closed; a full disk or an I/O error may pass.
        var isTransient: Bool { errno != EPIPE && errno != EBADF }
    }

    /// Writes every byte, retrying partial writes and `EINTR`; throws on any other error.
    static func writeAll(_ bytes: [UInt8], to fd: Int32) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WriteFailed(errno: errno)
                }
                offset += n
            }
        }
    }
}
