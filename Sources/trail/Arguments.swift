#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Trail

/// A bad command line: the message, then the command's usage, on stderr; exit status 2.
struct CommandError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Exit statuses of every `trail` command.
enum ExitStatus {
    static let success: Int32 = 0
    /// `grep` / `show`: every input was read and nothing of the trace was found.
    static let notFound: Int32 = 1
    /// A bad command line, or an input that could not be read (after reading all the others).
    static let trouble: Int32 = 2
}

/// The command line of one subcommand, read by hand: options (`--name`, `--name VALUE`, or a
/// list of values up to the next option) anywhere, `--` ends the options, the rest are operands.
struct Arguments {
    var options: [String: [String]] = [:]
    var flags: Set<String> = []
    var operands: [String] = []

    /// `flags` take no value; `single` take one; `lists` take every following argument up to the
    /// next one starting with `-`. Anything else starting with `-` is an error.
    init(_ arguments: [String], command: String, flags allowedFlags: Set<String>, single: Set<String> = [], lists: Set<String> = []) throws(CommandError) {
        var rest = arguments[...]
        var onlyOperands = false
        while let argument = rest.popFirst() {
            if onlyOperands || !argument.hasPrefix("-") || argument == "-" {
                operands.append(argument)
            } else if argument == "--" {
                onlyOperands = true
            } else if allowedFlags.contains(argument) {
                flags.insert(argument)
            } else if single.contains(argument) {
                guard let value = rest.popFirst(), !value.hasPrefix("--") else { throw CommandError("trail \(command): \(argument) needs a value") }
                guard options[argument] == nil else { throw CommandError("trail \(command): \(argument) given twice") }
                options[argument] = [value]
            } else if lists.contains(argument) {
                var values: [String] = []
                while let next = rest.first, !next.hasPrefix("-") || next == "-" {
                    values.append(next)
                    rest.removeFirst()
                }
                guard !values.isEmpty else { throw CommandError("trail \(command): \(argument) needs at least one path") }
                options[argument, default: []] += values
            } else {
                throw CommandError("trail \(command): unknown option '\(argument)'")
            }
        }
    }

    /// A trace id from the command line: 32 hex digits (uppercase accepted and lowercased, since
    /// files hold the lowercase form), or a whole `traceparent` value; never the all-zero id.
    static func traceID(_ text: String, command: String) throws(CommandError) -> TraceID {
        var hex = text.trimmingWhitespace.lowercased()
        let parts = hex.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 4, parts[0].count == 2, parts[1].count == 32 { hex = String(parts[1]) }
        guard let id = TraceID(hex: hex) else {
            throw CommandError("trail \(command): '\(text)' is not a trace id: expected 32 hex digits, like 4bf92f3577b34da6a3ce929d0e0e4736 (or a traceparent)")
        }
        guard id.isValid else { throw CommandError("trail \(command): '\(text)' is the all-zero trace id, which no trace has") }
        return id
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        let start = scalars.firstIndex { !$0.properties.isWhitespace } ?? scalars.endIndex
        let end = scalars.lastIndex { !$0.properties.isWhitespace }.map { scalars.index(after: $0) } ?? start
        return String(scalars[start..<max(start, end)])
    }
}

/// Writes `message` (and a newline) to stderr, unbuffered.
func printError(_ message: String) {
    writeError(message.hasSuffix("\n") ? message : message + "\n")
}

func writeError(_ text: String) {
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
}

/// Human-readable byte counts: `812 KB`, `1.2 GB` (decimal units).
func formatBytes(_ bytes: Int) -> String {
    switch bytes {
    case ..<1_000: "\(bytes) B"
    case ..<1_000_000: "\(bytes / 1_000) KB"
    case ..<1_000_000_000: "\(Double(bytes / 100_000) / 10) MB"
    default: "\(Double(bytes / 100_000_000) / 10) GB"
    }
}

/// Progress of a long search on stderr: rewritten in place on a terminal, one line per report otherwise.
struct ProgressReporter {
    let command: String
    let terminal = isatty(2) == 1
    var reported = false

    mutating func report(_ progress: TraceSearch.Progress) {
        reported = true
        let seconds = progress.elapsed.seconds
        let rate = seconds > 0 ? Double(progress.bytesRead) / seconds : 0
        let text = "trail \(command): \(progress.filesDone)/\(progress.files) files, \(formatBytes(progress.bytesRead)) of \(formatBytes(progress.bytes)) scanned (\(formatBytes(Int(rate)))/s)"
        if terminal { writeError("\r\(text)\u{1B}[K") } else { printError(text) }
    }

    /// Clears the progress line on a terminal.
    func finish() {
        if terminal && reported { writeError("\r\u{1B}[K") }
    }
}
