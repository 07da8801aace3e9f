#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex, a condition variable on the monotonic clock, and the state they guard.
///
/// Waiting is only possible through ``withLock(waitingUntil:deadline:_:)``, which re-reads the state
/// through its pointer after every wake-up. (An `inout` access held open across
/// `pthread_cond_timedwait` would let the optimiser keep values read before the wait, and a waiter
/// would never see another thread's changes: exclusivity says nobody else may touch an `inout`.)
///
/// `@unchecked Sendable`: the state is only read or written while the mutex is held, and the
/// pthread objects and the state live at stable heap addresses for the object's lifetime.
final class ConditionLock<State>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let state = UnsafeMutablePointer<State>.allocate(capacity: 1)

    init(_ initial: State) {
        state.initialize(to: initial)
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
        state.deinitialize(count: 1)
        state.deallocate()
        mutex.deallocate()
        condition.deallocate()
    }

    /// Runs `body` with the lock held.
    @inline(__always)
    func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state.pointee)
    }

    /// Takes the lock, waits (releasing it meanwhile) until `ready` holds or the monotonic
    /// `deadline` (nanoseconds) passes, then runs `body` with the lock held. `body` learns whether
    /// the wait ended by timing out.
    func withLock<T>(
        waitingUntil ready: (State) -> Bool, deadline: UInt64, _ body: (inout State, _ timedOut: Bool) throws -> T
    ) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var timedOut = false
        while !ready(state.pointee) {
            let now = SystemTraceClock.monotonicNow()
            guard deadline > now else {
                timedOut = true
                break
            }
            #if canImport(Darwin)
            var ts = timespec(tv_sec: Int(deadline - now) / 1_000_000_000, tv_nsec: Int(deadline - now) % 1_000_000_000)
            pthread_cond_timedwait_relative_np(condition, mutex, &ts)
            #else
            var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            pthread_cond_timedwait(condition, mutex, &ts)
            #endif
        }
        return try body(&state.pointee, timedOut)
    }

    /// Wakes every waiter.
    func broadcast() { pthread_cond_broadcast(condition) }
}
