#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A ``FileSink`` could not create, open or write its file. The description says what failed, on
/// which path, the system's reason, and what to check.
///
/// Its writer retries a batch (``RetryPolicy``) when trying again can help: a full disk, an I/O
/// error, too many open files. A failed write never leaves part of the batch in the file, so a
/// retried batch is written exactly once. A missing permission, a path that is not a directory,
/// or a closed sink are not retried.
public struct FileSinkError: Error, CustomStringConvertible, Sendable, RetryClassifiable {
    /// What the sink was doing.
    public enum Operation: Sendable, Hashable {
        /// Creating the file's directory (`mkdir -p`).
        case createDirectory
        /// Opening (or creating) the log file.
        case open
        /// Appending a batch; the file was cut back to its size before the batch.
        case write
        /// Writing after ``FileSink/shutdown()``.
        case closed
    }

    /// What failed.
    public let operation: Operation
    /// The file (or, for ``Operation/createDirectory``, the directory) concerned.
    public let path: String
    /// The system error number (`errno`), or 0 when there is none.
    public let errno: Int32
    /// What failed, on which path, the system's reason, and what to check, in one sentence.
    public let description: String
    /// Whether the writer should try the batch again (see the type's description).
    public let isTransient: Bool

    init(_ operation: Operation, path: String, errno code: Int32, _ description: String, retryable: Bool = true) {
        self.operation = operation
        self.path = path
        self.errno = code
        self.description = description
        switch operation {
        case .closed: isTransient = false
        case .write: isTransient = retryable && code != EBADF && code != EINVAL
        case .open, .createDirectory: isTransient = [ENOSPC, EIO, EINTR, EAGAIN, EMFILE, ENFILE, ENOMEM, EDQUOT].contains(code)
        }
    }

    /// `strerror` text with the number: `No space left on device (errno 28)`.
    static func reason(_ code: Int32) -> String { "\(String(cString: strerror(code))) (errno \(code))" }
}

/// Which file a descriptor or path is: a path that now names another file (or none) has been
/// rotated away by someone else.
struct FileIdentity: Sendable, Hashable {
    let device: UInt64
    let inode: UInt64

    init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}

/// The system calls behind ``FileSink``, with its error messages.
enum FileSinkIO {
    /// What an open file is: identity, current size, last change, and whether it can be rotated.
    struct Opened: Sendable {
        let fd: Int32
        let identity: FileIdentity
        let size: Int
        let modified: Double
        /// Only regular files are renamed (never `/dev/…` or a pipe).
        let isRegular: Bool
    }

    /// A write of raw bytes (the system `write`, or a test's stand-in): bytes written, or -1 with
    /// the error number.
    typealias WriteFunction = @Sendable (Int32, UnsafeRawBufferPointer) -> (written: Int, error: Int32)

    static let systemWrite: WriteFunction = { fd, bytes in
        let written = write(fd, bytes.baseAddress, bytes.count)
        return (written, written < 0 ? errno : 0)
    }

    /// Opens `path` for appending (creating it, mode 0644, and its directory if missing: at once
    /// with `createDirectory`, else when the path turns out to be missing).
    static func openForAppend(_ path: String, directory: String, createDirectory: Bool = false) throws -> Opened {
        if createDirectory { try makeDirectories(directory, for: path) }
        var fd = openRetryingInterrupts(path)
        if fd < 0 && errno == ENOENT {
            try makeDirectories(directory, for: path)
            fd = openRetryingInterrupts(path)
        }
        guard fd >= 0 else {
            let code = errno
            throw FileSinkError(.open, path: path, errno: code,
                "cannot open log file \(path): \(FileSinkError.reason(code)); check that the directory exists and is writable and that the path is not a directory")
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let code = errno
            close(fd)
            throw FileSinkError(.open, path: path, errno: code, "cannot inspect log file \(path) after opening it: \(FileSinkError.reason(code))")
        }
        #if canImport(Darwin)
        let modified = Double(status.st_mtimespec.tv_sec) + Double(status.st_mtimespec.tv_nsec) / 1e9
        #else
        let modified = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
        #endif
        return Opened(fd: fd, identity: FileIdentity(status), size: Int(status.st_size), modified: modified,
                      isRegular: (status.st_mode & S_IFMT) == S_IFREG)
    }

    private static func openRetryingInterrupts(_ path: String) -> Int32 {
        for _ in 0..<100 {
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EINTR { return fd }
        }
        return -1
    }

    /// `mkdir -p directory`; throws when a part of it cannot be created or is not a directory.
    static func makeDirectories(_ directory: String, for file: String) throws {
        if isDirectory(directory) { return }
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o755) == 0 { continue }
            var code = errno
            if code == EEXIST {
                if isDirectory(prefix) { continue }
                code = ENOTDIR  // a file (or a dangling link) is in the way
            }
            throw FileSinkError(.createDirectory, path: prefix, errno: code,
                "cannot create directory \(prefix) for log file \(file): \(FileSinkError.reason(code)); check that every part of the path is a directory (or can be created) and that the parent is writable")
        }
    }

    /// `true` when `path` is a directory (or a link to one).
    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// The size of the open file, for the rotation decision and to cut back a failed write.
    static func size(of fd: Int32, path: String) throws -> Int {
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let code = errno
            throw FileSinkError(.write, path: path, errno: code, "cannot inspect log file \(path): \(FileSinkError.reason(code))")
        }
        return Int(status.st_size)
    }

    /// The identity of the file `path` names now, or `nil` if none.
    static func identity(ofPath path: String) -> FileIdentity? {
        var status = stat()
        return stat(path, &status) == 0 ? FileIdentity(status) : nil
    }

    /// `true` when something exists at `path` (any kind of file).
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Appends all of `bytes` with one write loop (retrying partial writes and `EINTR`). On
    /// failure the file is cut back to `sizeBefore`, so it holds only whole lines, and the error
    /// is thrown.
    static func append(_ bytes: UnsafeRawBufferPointer, to fd: Int32, sizeBefore: Int, path: String, using write: WriteFunction) throws {
        var offset = 0
        while offset < bytes.count {
            let (written, code) = write(fd, UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            if written < 0 && code == EINTR { continue }
            if written > 0 {
                offset += written
                continue
            }
            let error = written < 0 ? code : EIO  // a write of nothing for a non-empty buffer: stop, don't spin
            var outcome = "nothing of the batch was written"
            var cutBack = true
            if offset > 0 {
                cutBack = ftruncate(fd, off_t(sizeBefore)) == 0
                outcome = cutBack
                    ? "the \(offset) bytes written of the batch were removed again, so the file holds only whole lines"
                    : "\(offset) bytes of the batch stay in the file and the last line is incomplete (truncating failed: \(FileSinkError.reason(errno)))"
            }
            // Retrying after a failed cut-back would write part of the batch twice.
            throw FileSinkError(.write, path: path, errno: error,
                "cannot write \(bytes.count) bytes to log file \(path): \(FileSinkError.reason(error)); \(outcome); check the free space and the file system",
                retryable: cutBack)
        }
    }
}

/// `SIGHUP` as "reopen your log files", the convention `logrotate`'s `postrotate` scripts rely on.
///
/// The handler only increments ``generation`` (an atomic add is async-signal-safe); sinks compare
/// it with the value they saw when they last opened their file, before each batch.
enum FileSinkHangup {
    static let generation = Atomic<UInt64>(0)

    private static let installed: Void = {
        // Touch the counter first: the handler must never be the one that initialises it.
        _ = generation.load(ordering: .relaxed)
        var action = sigaction()
        let handler: @convention(c) (Int32) -> Void = { _ in
            FileSinkHangup.generation.add(1, ordering: .relaxed)
        }
        #if canImport(Darwin)
        action.__sigaction_u.__sa_handler = handler
        #else
        action.__sigaction_handler.sa_handler = handler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        if sigaction(SIGHUP, &action, nil) != 0 {
            Diagnostics.report("file sink: cannot install the SIGHUP handler: \(FileSinkError.reason(errno)); files are still reopened when moved away")
        }
    }()

    /// Installs the handler (once per process; it replaces any earlier `SIGHUP` handler).
    static func install() { _ = installed }
}
