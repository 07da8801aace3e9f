import Foundation

/// A ``FileSink``'s own background thread: compresses rotated files and applies retention, one job
/// at a time in the order submitted, so the write path never waits for either.
///
/// A dedicated `Thread`, not a Dispatch global queue: on Linux those share their pool with Swift's
/// cooperative executor, and compressing a large file there could hold up unrelated tasks.
final class FileSinkWorker: Sendable {
    enum Job: Sendable, Hashable {
        /// Delete leftovers of interrupted compressions; queue compression of uncompressed files.
        case recover
        /// Compress one rotated file (its full path).
        case compress(String)
        /// Delete rotated files beyond the sink's limits.
        case retention
    }

    private struct State {
        var jobs: [Job] = []
        var running = false
        var stopping = false
        var finished = false
    }

    private let lock = ConditionLock(State())

    /// Starts the thread; `perform` runs each job on it and may submit more.
    init(name: String, perform: @escaping @Sendable (Job, FileSinkWorker) -> Void) {
        let thread = Thread { [lock] in
            while true {
                let next: Job? = lock.withLock(
                    waitingUntil: { !$0.jobs.isEmpty || $0.stopping },
                    deadline: SystemTraceClock.monotonicNow() &+ 60_000_000_000
                ) { state, _ in
                    if state.jobs.isEmpty {
                        if state.stopping { state.finished = true }
                        return nil
                    }
                    state.running = true
                    return state.jobs.removeFirst()
                }
                if let next {
                    perform(next, self)
                    lock.withLock { $0.running = false }
                    lock.broadcast()
                } else if lock.withLock({ $0.finished }) {
                    lock.broadcast()
                    return
                }
            }
        }
        thread.name = "trail.\(name)"
        thread.start()
    }

    /// Queues `job`, unless the same job is already waiting (retention twice in a row is once).
    /// Jobs submitted after ``stop()`` still run before the thread exits, if it has not yet.
    func submit(_ job: Job) {
        let added = lock.withLock { state -> Bool in
            if state.finished || state.jobs.contains(job) { return false }
            state.jobs.append(job)
            return true
        }
        if added { lock.broadcast() }
    }

    /// Lets the thread finish the queued jobs and exit. Does not wait.
    func stop() {
        lock.withLock { $0.stopping = true }
        lock.broadcast()
    }

    /// Blocks until no job is queued or running, or `timeout` passes; `false` on timeout.
    func waitUntilIdle(timeout: Duration) -> Bool {
        let deadline = SystemTraceClock.monotonicNow() &+ timeout.clampedNanoseconds
        return lock.withLock(waitingUntil: { $0.finished || ($0.jobs.isEmpty && !$0.running) }, deadline: deadline) { state, _ in
            state.finished || (state.jobs.isEmpty && !state.running)
        }
    }
}
