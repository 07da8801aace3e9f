import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends log lines to a file, and can rotate it by size and time, keep a bounded set of rotated
/// files, and gzip them in the background.
///
/// ```swift
/// let file = try FileSink(path: "/var/log/checkout/app.log", options: .init(
///     maxBytes: 100 * 1024 * 1024, interval: .dailyUTC, maxFiles: 14, compress: true))
/// Pipeline.bootstrap(serviceName: "checkout", destinations: [StdoutSink(), file])
/// ```
///
/// - **Writing.** Each batch is appended with one write loop to a file opened with `O_APPEND`
///   (created with mode 0644, its directory with `mkdir -p`). If a write fails part-way (a full
///   disk), the file is cut back to its size before the batch, so it only ever holds whole lines,
///   and the error is thrown (its writer counts the batch as failed and reports it once).
/// - **Rotation** happens only between batches, so no line and no batch is split across files.
///   Before a batch, the file is rotated if an ``Interval`` boundary has passed, or if it is not
///   empty and the batch would take it past ``Options/maxBytes`` (a batch larger than that goes alone
///   into a fresh file). `logs/app.log` is renamed to `logs/app-2026-11-22T10-00-00.000.log`: the
///   UTC time of the rotation to the millisecond, so names sort by time (`.gz` is appended once it
///   is compressed). Only regular files are rotated.
/// - **Retention** (``Options/maxFiles``, ``Options/maxAge``) deletes rotated files of this sink
///   (names of exactly that shape, nothing else) after each rotation and at start-up.
/// - **Compression** runs on the sink's own background thread, never on the write path; a crash
///   mid-compression leaves the uncompressed file, which is compressed at the next start-up.
///   ``shutdown()`` waits for pending compressions (at most 30 s) and closes the file.
/// - **External rotation.** Before each batch the sink checks that `path` still names its open
///   file; when `logrotate` (or anyone) moved or deleted it, the sink reopens `path`, creating it.
///   With ``Options/reopenOnSIGHUP`` it also reopens after a `SIGHUP`.
///
/// One sink per file: two sinks (or processes) rotating the same file would rename each other's
/// files. `FileSink` writes the bytes it is given; any `Destination<LogLine>` feeding it gets
/// JSON lines, and ``write(encodedLines:)`` takes other already-encoded lines.
public final class FileSink: SynchronousDestination {
    public typealias Record = LogLine

    /// Rotation, retention and compression. The default appends to one file forever, which is
    /// what an external `logrotate` expects; set ``maxBytes`` or ``interval`` to rotate in-process.
    public struct Options: Sendable, Hashable {
        /// Rotate before a batch that would take a non-empty file past this many bytes.
        /// `nil` (the default): no size limit.
        public var maxBytes: Int?
        /// Rotate at every hour or midnight. `nil` (the default): no time-based rotation.
        public var interval: Interval?
        /// Keep at most this many rotated files (the active file is not counted; `0` keeps none).
        /// `nil` (the default): no limit by count.
        public var maxFiles: Int?
        /// Delete rotated files rotated longer ago than this. `nil` (the default): no limit by age.
        public var maxAge: Duration?
        /// Gzip rotated files in the background (`app-….log.gz`). Default `false`.
        public var compress: Bool
        /// Reopen the file after the process receives `SIGHUP` (installs a process-wide handler
        /// that replaces any other `SIGHUP` handler and keeps the signal from ending the process).
        /// Default `false`: a moved or deleted file is noticed without it.
        public var reopenOnSIGHUP: Bool

        /// Options; every one is off by default (see each property).
        public init(
            maxBytes: Int? = nil, interval: Interval? = nil, maxFiles: Int? = nil, maxAge: Duration? = nil,
            compress: Bool = false, reopenOnSIGHUP: Bool = false
        ) {
            self.maxBytes = maxBytes
            self.interval = interval
            self.maxFiles = maxFiles
            self.maxAge = maxAge
            self.compress = compress
            self.reopenOnSIGHUP = reopenOnSIGHUP
        }
    }

    /// The active file.
    public let path: String
    /// The options in force (a non-positive `maxBytes` is turned off, a negative `maxFiles` is 0).
    public let options: Options

    private struct State {
        var fd: Int32 = -1
        var identity: FileIdentity?
        var isRegular = true
        var nextBoundary: Date?
        /// Milliseconds of the last rotation's name, so names keep increasing.
        var lastRotation: Int64 = .min
        /// ``FileSinkHangup/generation`` when the file was last opened.
        var hangups: UInt64 = 0
        var opens = 0
        var closed = false
    }

    private let state: Locked<State>
    private let naming: RotatedFileNaming
    private let worker: FileSinkWorker?
    private let now: @Sendable () -> Date
    private let writeFunction: FileSinkIO.WriteFunction
    private let shutdownTimeout: Duration

    /// Opens (or creates) the file at `path` for appending, creating its directory if missing.
    /// Throws a ``FileSinkError`` saying what to fix when the file cannot be opened.
    public convenience init(path: String, options: Options = Options()) throws {
        try self.init(path: path, options: options, now: { Date() })
    }

    /// `now` is the clock for rotation times and retention ages; `write` stands in for `write(2)`.
    init(
        path: String, options: Options, now: @escaping @Sendable () -> Date,
        write: @escaping FileSinkIO.WriteFunction = FileSinkIO.systemWrite, shutdownTimeout: Duration = .seconds(30)
    ) throws {
        var options = options
        if let maxBytes = options.maxBytes, maxBytes <= 0 {
            Diagnostics.report("FileSink(\(path)): maxBytes \(maxBytes) is not positive; not rotating by size")
            options.maxBytes = nil
        }
        if let maxFiles = options.maxFiles, maxFiles < 0 { options.maxFiles = 0 }
        self.path = path
        self.options = options
        self.now = now
        self.writeFunction = write
        self.shutdownTimeout = shutdownTimeout
        let naming = RotatedFileNaming(path: path)
        self.naming = naming

        if options.reopenOnSIGHUP { FileSinkHangup.install() }
        let hangups = FileSinkHangup.generation.load(ordering: .relaxed)
        let opened = try FileSinkIO.openForAppend(path, directory: naming.directory, createDirectory: true)
        var initial = State(fd: opened.fd, identity: opened.identity, isRegular: opened.isRegular, hangups: hangups, opens: 1)
        // A file last written before the current period began (a restart the next day) is rotated
        // by the first batch.
        initial.nextBoundary = options.interval?.nextBoundary(after: opened.size > 0 ? Date(timeIntervalSince1970: opened.modified) : now())
        state = Locked(initial)

        let managesFiles = options.compress || options.maxFiles != nil || options.maxAge != nil
        if !opened.isRegular && (managesFiles || options.maxBytes != nil || options.interval != nil) {
            Diagnostics.report("FileSink(\(path)): not a regular file; it is never rotated, compressed or deleted")
        }
        guard managesFiles && opened.isRegular else {
            worker = nil
            return
        }
        let files = RotatedFiles(naming: naming, maxFiles: options.maxFiles, maxAge: options.maxAge)
        let compress = options.compress
        let worker = FileSinkWorker(name: "file.\(naming.stem)") { job, worker in
            switch job {
            case .recover:
                let leftovers = files.recover()
                if compress { for file in leftovers { worker.submit(.compress(file)) } }
                worker.submit(.retention)
            case .compress(let file):
                do {
                    try Gzip.compressFile(atPath: file)
                } catch let failure as Gzip.Failure where failure.errno == ENOENT {
                    // Deleted by retention (or by hand) before its turn came: nothing to do.
                } catch {
                    Diagnostics.report("FileSink(\(path)): cannot compress rotated file \(file): \(error); it stays uncompressed and is tried again at the next start")
                }
            case .retention:
                files.applyRetention(now: now())
            }
        }
        worker.submit(.recover)
        self.worker = worker
    }

    deinit {
        state.withLock { state in
            if state.fd >= 0 { close(state.fd) }
        }
        worker?.stop()
    }

    /// Appends the batch's lines in one write (after rotating or reopening the file if due).
    public func writeSynchronously(_ batch: [LogLine]) throws {
        let count = batch.reduce(0) { $0 + $1.byteCount }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for line in batch { line.withBytes { bytes.append(contentsOf: $0) } }
        try bytes.withUnsafeBytes { try append($0) }
    }

    /// Appends already-encoded lines (each ending in `\n`) as one batch, under the same rotation,
    /// reopen and error rules as log lines. Safe to call from any thread; a call is never split
    /// across files, so pass whole lines.
    public func write(encodedLines bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }

    /// Closes the file and waits (at most 30 s, on a thread of its own) for pending compressions.
    /// Later writes throw ``FileSinkError/Operation/closed``.
    public func shutdown() async {
        await BlockingWork.run(name: "trail.file.shutdown") { self.shutdownBlocking() }
    }

    func shutdownBlocking() {
        let fd = state.withLock { state -> Int32 in
            defer { state.fd = -1 }
            state.closed = true
            return state.fd
        }
        if fd >= 0 { close(fd) }
        guard let worker else { return }
        worker.stop()
        if !worker.waitUntilIdle(timeout: shutdownTimeout) {
            Diagnostics.report("FileSink(\(path)): compressing rotated files took longer than \(shutdownTimeout) at shutdown; what is left is compressed at the next start")
        }
    }

    /// Blocks until compressions and retention queued so far are done (tests).
    func waitForBackgroundWork(timeout: Duration = .seconds(20)) -> Bool {
        worker?.waitUntilIdle(timeout: timeout) ?? true
    }

    /// How many times the file was opened (tests).
    var openCount: Int { state.withLock { $0.opens } }

    // MARK: - The write path

    private func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        try state.withLock { state in
            guard !state.closed else {
                throw FileSinkError(.closed, path: path, errno: 0, "cannot write to log file \(path): the sink was shut down")
            }
            try reopenIfNeeded(&state)
            var size = try FileSinkIO.size(of: state.fd, path: path)
            if try rotateIfDue(&state, size: size, incoming: bytes.count) {
                size = try FileSinkIO.size(of: state.fd, path: path)
            }
            try FileSinkIO.append(bytes, to: state.fd, sizeBefore: size, path: path, using: writeFunction)
        }
    }

    private func open(_ state: inout State) throws {
        let hangups = FileSinkHangup.generation.load(ordering: .relaxed)
        let opened = try FileSinkIO.openForAppend(path, directory: naming.directory)
        state.fd = opened.fd
        state.identity = opened.identity
        state.isRegular = opened.isRegular
        state.hangups = hangups
        state.opens += 1
    }

    /// Reopens `path` when the last open failed, after a `SIGHUP` (if enabled), or when `path` no
    /// longer names the open file (moved or deleted by `logrotate` or a person).
    private func reopenIfNeeded(_ state: inout State) throws {
        if state.fd >= 0 {
            let hangup = options.reopenOnSIGHUP && FileSinkHangup.generation.load(ordering: .relaxed) != state.hangups
            guard hangup || FileSinkIO.identity(ofPath: path) != state.identity else { return }
            close(state.fd)
            state.fd = -1
        }
        try open(&state)
    }

    /// Rotates before a batch of `incoming` bytes when a time boundary has passed or the batch
    /// would take the file past `maxBytes`; `true` when the open file changed.
    private func rotateIfDue(_ state: inout State, size: Int, incoming: Int) throws -> Bool {
        guard state.isRegular else { return false }
        var due = false
        if let boundary = state.nextBoundary {
            let current = now()
            if current >= boundary {
                state.nextBoundary = options.interval?.nextBoundary(after: current)
                due = size > 0  // an empty file stays: nothing to rotate
            }
        }
        if let maxBytes = options.maxBytes, size > 0, size + incoming > maxBytes { due = true }
        return due ? try rotate(&state) : false
    }

    private func rotate(_ state: inout State) throws -> Bool {
        var milliseconds = max(Int64((now().timeIntervalSince1970 * 1000).rounded(.down)), state.lastRotation &+ 1)
        var target = naming.path(naming.name(milliseconds: milliseconds))
        for _ in 0..<10_000 where FileSinkIO.exists(target) || FileSinkIO.exists(target + ".gz") {
            milliseconds += 1
            target = naming.path(naming.name(milliseconds: milliseconds))
        }
        if rename(path, target) != 0 {
            let code = errno
            if code == ENOENT {
                // Moved away by someone else since the check: start the new file.
                close(state.fd)
                state.fd = -1
                try open(&state)
                return true
            }
            Diagnostics.report("FileSink(\(path)): cannot rename the file to \(target) to rotate it: \(FileSinkError.reason(code)); writing on to \(path) past its rotation limit; check the directory's permissions")
            return false
        }
        state.lastRotation = milliseconds
        if options.compress { worker?.submit(.compress(target)) }
        worker?.submit(.retention)
        let old = state.fd
        state.fd = -1
        defer { close(old) }
        try open(&state)  // on failure the fd stays -1 and the next batch tries again
        return true
    }
}
