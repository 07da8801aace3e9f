#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes log lines for the `trail` commands: raw JSON, or the console format of ``StdoutSink``
/// (``ConsoleFormatter``), which passes a line that is not a JSON object through with its control
/// characters made visible.
package struct LineOutput: Sendable {
    package enum Format: Sendable, Hashable {
        case json
        case console(colors: Bool)
    }

    package let format: Format
    let fileDescriptor: Int32

    package init(format: Format, fileDescriptor: Int32 = 1) {
        self.format = format
        self.fileDescriptor = fileDescriptor
    }

    /// Colours on a terminal, unless `NO_COLOR` is set.
    package static func wantsColors(fileDescriptor: Int32, environment: [String: String] = Environment.process) -> Bool {
        ConsoleFormatter.wantsColors(terminal: isatty(fileDescriptor) == 1, environment: environment)
    }

    /// Appends one line (without its `\n`) in this output's format, `\n`-terminated.
    package func append(_ line: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        switch format {
        case .json:
            out.append(contentsOf: line)
            out.append(0x0A)
        case .console(let colors):
            ConsoleFormatter(colors: colors).format(line, into: &out)
        }
    }

    /// Writes `lines` (each without its `\n`), in pieces of about 1 MiB.
    package func write(_ lines: some Sequence<[UInt8]>) throws {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        for line in lines {
            line.withUnsafeBytes { append($0, to: &out) }
            if out.count >= 1 << 20 {
                try FileDescriptor.writeAll(out, to: fileDescriptor)
                out.removeAll(keepingCapacity: true)
            }
        }
        if !out.isEmpty { try FileDescriptor.writeAll(out, to: fileDescriptor) }
    }

    /// Calls `body` with each line of `bytes` without its `\n`, and whether one followed it (the
    /// last piece may be the start of a line that goes on).
    private static func forEachLine(
        in bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, _ endsWithNewline: Bool) throws -> Void
    ) rethrows {
        var start = 0
        while start < bytes.count {
            let end = memchr(bytes.baseAddress! + start, 0x0A, bytes.count - start).map { UnsafeRawPointer($0) - bytes.baseAddress! } ?? bytes.count
            try body(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), end < bytes.count)
            start = end + 1
        }
    }

    /// `trail pretty`: reads lines from `input` until its end and writes each in this output's
    /// format as soon as it is complete (so `tail -f app.log | trail pretty` shows lines as they
    /// come). Lines that are not JSON objects, and lines longer than the reader's limit (64 MiB),
    /// pass through; in the console format with their control characters made visible.
    package func pretty(input: Int32) throws {
        var out: [UInt8] = []
        try LineReader().read(fd: input, name: "standard input", limit: nil) { piece in
            out.removeAll(keepingCapacity: true)
            switch piece {
            case .overlong(let bytes):
                if case .console = format {
                    // A piece of a line too long to parse: shown, but it cannot drive the terminal.
                    Self.forEachLine(in: bytes) { line, endsWithNewline in
                        ConsoleFormatter.visibleControls(line, into: &out)
                        if endsWithNewline { out.append(0x0A) }
                    }
                } else {
                    out.append(contentsOf: bytes)
                }
            case .lines(let bytes):
                try Self.forEachLine(in: bytes) { line, _ in
                    append(line, to: &out)
                    if out.count >= 1 << 20 {
                        try FileDescriptor.writeAll(out, to: fileDescriptor)
                        out.removeAll(keepingCapacity: true)
                    }
                }
            }
            if !out.isEmpty { try FileDescriptor.writeAll(out, to: fileDescriptor) }
        }
    }
}
