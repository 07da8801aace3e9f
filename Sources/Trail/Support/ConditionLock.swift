#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex, a condition variable on the monotonic clock, and the state they guard.
///
/// `@unchecked Sendable`: `state` is only read or written between `pthread_mutex_lock` and
/// `pthread_mutex_unlock` (inside `withLock`, or by `wait`, which re-acquires the mutex before
/// returning), and the pthread objects live at stable heap addresses for the object's lifetime.
final class ConditionLock<State>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var state: State

    init(_ state: State) {
        self.state = state
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if !canImport(Darwin)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Runs `body` with the lock held. `body` may call `wait` on the `Waiter` it is given.
    @inline(__always)
    func withLock<T>(_ body: (inout State, Waiter) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state, Waiter(lock: self))
    }

    @inline(__always)
    func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// Wakes every waiter.
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Wakes one waiter.
    func signal() { pthread_cond_signal(condition) }

    struct Waiter {
        let lock: ConditionLock

        /// Releases the lock until signalled or until the monotonic `deadline` (nanoseconds), then
        /// re-acquires it. Returns `false` on timeout. Spurious wake-ups happen: re-check the state.
        @discardableResult
        func wait(untilMonotonic deadline: UInt64) -> Bool {
            let now = SystemTraceClock.monotonicNow()
            guard deadline > now else { return false }
            #if canImport(Darwin)
            var ts = timespec(tv_sec: Int(deadline - now) / 1_000_000_000, tv_nsec: Int(deadline - now) % 1_000_000_000)
            return pthread_cond_timedwait_relative_np(lock.condition, lock.mutex, &ts) == 0
            #else
            var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            return pthread_cond_timedwait(lock.condition, lock.mutex, &ts) == 0
            #endif
        }
    }
}
