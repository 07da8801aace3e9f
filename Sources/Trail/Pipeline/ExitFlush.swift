#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Something that can write out what it accepted before the process exits.
protocol ExitFlushable: AnyObject, Sendable {
    func flushBlocking(timeout: Duration) -> Bool
}

/// Every live batching writer, flushed by one `atexit` handler, so log lines and spans accepted
/// just before a normal exit are not lost even if nobody called `flush` or `shutdown`.
/// (A crash or `SIGKILL` skips `atexit`; only what was already written survives that.)
enum ExitFlush {
    private struct Entry: @unchecked Sendable {
        // @unchecked: a weak reference to a Sendable object, only touched under `writers`' lock.
        weak var writer: (any ExitFlushable)?
    }

    private static let writers = Locked<[Entry]>([])

    private static let installed: Void = {
        atexit { ExitFlush.flushAll(timeout: .seconds(2)) }
    }()

    static func register(_ writer: any ExitFlushable) {
        _ = installed
        writers.withLock { list in
            list.removeAll { $0.writer == nil }
            list.append(Entry(writer: writer))
        }
    }

    /// Flushes every live writer, giving each at most `timeout`.
    static func flushAll(timeout: Duration) {
        let live = writers.withLock { $0.compactMap(\.writer) }
        for writer in live { _ = writer.flushBlocking(timeout: timeout) }
    }
}
