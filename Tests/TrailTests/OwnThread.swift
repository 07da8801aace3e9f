import Foundation

/// Runs blocking `work` (a process wait, a blocking flush) on a thread of its own.
///
/// Swift's cooperative pool has one thread per core (2 on the CI machine), and destinations with an
/// async `write` need it: a test that blocks a pool thread can starve other tests' writers until
/// their flushes time out.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
