#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a pthread mutex, both in one allocation (the value is the buffer's header,
/// the mutex its single tail element, so both keep a stable address for the buffer's lifetime).
/// Copies of a `Locked` share the value and the mutex, as references to one object would.
///
/// Trail uses this instead of the standard library's `Synchronization.Mutex` because on Linux that
/// mutex waits on a futex that ThreadSanitizer does not see: every access guarded by it is
/// reported as a race, and a real race next to it could hide among the false ones. ThreadSanitizer
/// understands pthread mutexes, so the sanitizer pass over the test suite means something.
///
/// `@unchecked Sendable`: the value is only read or written while the mutex is held.
package struct Locked<Value>: @unchecked Sendable {
    private final class Storage: ManagedBuffer<Value, pthread_mutex_t> {
        deinit {
            // The header (the value) is destroyed by ManagedBuffer; the tail element is ours.
            withUnsafeMutablePointerToElements { _ = pthread_mutex_destroy($0) }
        }
    }

    private let storage: Storage

    /// Guards `value`.
    package init(_ value: Value) {
        storage = unsafeDowncast(Storage.create(minimumCapacity: 1) { _ in value }, to: Storage.self)
        storage.withUnsafeMutablePointerToElements { _ = pthread_mutex_init($0, nil) }
    }

    /// Runs `body` with the mutex held and the value open for change.
    @inline(__always)
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try storage.withUnsafeMutablePointers { value, mutex in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&value.pointee)
        }
    }
}
