import Foundation
@testable import Trail

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

/// A task executor with threads of its own (SE-0417), for tasks whose progress a test measures
/// against the clock.
///
/// Other tests' synchronous work (a sync `@Test`, a generated gigabyte) runs on Swift's cooperative
/// pool too, and can hold both of its threads on a 2-core machine for seconds: tasks started with
/// `executorPreference: executor` run here instead and keep going. Call ``shutdown()`` when they
/// are done; the threads finish the jobs already queued, then end.
final class TestThreadsExecutor: TaskExecutor, @unchecked Sendable {
    private struct State {
        /// At most about one job per task waits here (a task's next job is queued after it ran).
        var jobs: [UnownedJob] = []
        var stopping = false
        var running = 0
    }

    private let lock = ConditionLock(State())

    init(threads: Int) {
        lock.withLock { $0.running = threads }
        for _ in 0..<threads { Thread { [self] in work() }.start() }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        lock.withLock { $0.jobs.append(job) }
        lock.broadcast()
    }

    /// Lets the threads end once the queue is empty, and waits (on a thread of its own) at most
    /// `timeout` for them to.
    func shutdown(timeout: Duration = .seconds(10)) async {
        lock.withLock { $0.stopping = true }
        lock.broadcast()
        let deadline = SystemTraceClock.monotonicNow() + timeout.clampedNanoseconds
        _ = try? await onOwnThread { [lock] in
            lock.withLock(waitingUntil: { $0.running == 0 }, deadline: deadline) { _, _ in }
        }
    }

    private func work() {
        while true {
            let job = lock.withLock(waitingUntil: { !$0.jobs.isEmpty || $0.stopping }, deadline: .max) { state, _ -> UnownedJob? in
                guard !state.jobs.isEmpty else {
                    state.running -= 1
                    return nil
                }
                return state.jobs.removeFirst()
            }
            guard let job else {
                lock.broadcast()
                return
            }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
