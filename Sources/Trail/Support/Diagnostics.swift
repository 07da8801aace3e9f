#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Trail's own problems (bad configuration, a failing destination) reported on stderr, each distinct
/// message once, so a broken setting is visible but never floods the output.
public enum Diagnostics {
    private static let seen = Mutex<Set<String>>([])

    /// Where messages go; tests may replace it. Defaults to a `trail: ` line on stderr.
    nonisolated(unsafe) public static var handler: @Sendable (String) -> Void = { message in
        let line = "trail: \(message)\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }

    /// Reports `message` unless the same text was reported before.
    public static func report(_ message: String) {
        let isNew = seen.withLock { $0.insert(message).inserted }
        if isNew { handler(message) }
    }
}
