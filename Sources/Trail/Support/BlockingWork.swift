import Foundation

/// Blocking work awaited from async code without holding a thread of Swift's cooperative pool.
enum BlockingWork {
    /// Runs `work` on a thread of its own named `name` and returns its result. Not on a Dispatch
    /// global queue: on Linux those share their (core-count wide) pool with Swift's cooperative
    /// executor, so a blocked wait there can starve the very work it waits for.
    static func run<T: Sendable>(name: String, _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = name
            thread.start()
        }
    }
}
