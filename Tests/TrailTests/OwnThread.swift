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

/// Checks `condition` every 5 ms until it holds or `timeout` passes, and says whether it holds.
///
/// For a test's preconditions ("the drain thread holds the first record"): on a loaded machine or
/// under a sanitizer a thread can take seconds to run, so the bound is generous, and the test
/// requires the answer instead of going on with a state it did not expect. It returns as soon as
/// the condition holds, so the bound costs nothing when all is well.
func eventually(within timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < end else { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return true
}
