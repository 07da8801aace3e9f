/// Runs a destination's async `write` on the writer's own drain thread.
///
/// The write task prefers this executor (SE-0417), so its jobs (the start, and every resumption
/// after an `await`) are queued here and the drain thread runs them while it waits. An async
/// destination therefore needs no thread of Swift's cooperative pool: when that pool is busy or
/// blocked by user code, writes still make progress. (Code the write awaits elsewhere, an actor
/// or a callback thread, runs there and hands back here.)
///
/// `@unchecked Sendable`: all state is in `lock`; jobs are only run by the thread inside ``run``.
final class DrainExecutor: TaskExecutor, @unchecked Sendable {
    private struct State {
        var jobs: [UnownedJob] = []
        /// The write being waited for; a write that timed out may still finish later.
        var current = 0
        var finished: (run: Int, error: (any Error)?)? = nil
        /// Set when the drain thread has stopped: jobs go to the global executor from then on.
        var closed = false
    }

    private let lock = ConditionLock(State())

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let queued = lock.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.jobs.append(job)
            return true
        }
        if queued {
            lock.broadcast()
        } else {
            globalConcurrentExecutor.enqueue(job)
        }
    }

    /// Called by the drain thread as it stops. A write that timed out may still be waiting for its
    /// server; its remaining jobs, queued now or later, run on the global executor, so the task
    /// finishes and frees its batch instead of waiting forever for a thread that is gone.
    func close() {
        let leftover = lock.withLock { state -> [UnownedJob] in
            state.closed = true
            defer { state.jobs.removeAll() }
            return state.jobs
        }
        for job in leftover { globalConcurrentExecutor.enqueue(job) }
    }

    /// Runs `operation` as a task whose jobs run on the calling thread, until it finishes or the
    /// monotonic `deadline` passes. Returns `nil` on timeout (the task is cancelled; its remaining
    /// jobs run during later calls, or on the global executor after ``close()``), else the error it
    /// threw or `.none`.
    func run(deadline: UInt64, _ operation: @escaping @Sendable () async throws -> Void) -> (any Error)?? {
        let run = lock.withLock { state -> Int in
            state.current += 1
            state.finished = nil
            return state.current
        }
        let task = Task.detached(executorPreference: self) { [self] in
            var thrown: (any Error)?
            do { try await operation() } catch { thrown = error }
            lock.withLock { state in
                if state.current == run { state.finished = (run, thrown) }
            }
            lock.broadcast()
        }
        while true {
            enum Step { case job(UnownedJob), finished((any Error)?), timedOut }
            let step: Step = lock.withLock(waitingUntil: { !$0.jobs.isEmpty || $0.finished != nil }, deadline: deadline) { state, timedOut in
                if !state.jobs.isEmpty { return .job(state.jobs.removeFirst()) }
                if let finished = state.finished { return .finished(finished.error) }
                return .timedOut
            }
            switch step {
            case .job(let job):
                job.runSynchronously(on: asUnownedTaskExecutor())
            case .finished(let error):
                return .some(error)
            case .timedOut:
                task.cancel()
                return nil
            }
        }
    }
}
