#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a pthread mutex, both in one allocation (a ``MutexBuffer``).
/// Copies of a `Locked` share the value and the mutex, as references to one object would.
///
/// Trail uses this instead of the standard library's `Synchronization.Mutex` because on Linux that
/// mutex waits on a futex that ThreadSanitizer does not see: every access guarded by it is
/// reported as a race, and a real race next to it could hide among the false ones. ThreadSanitizer
/// understands pthread mutexes, so the sanitizer pass over the test suite means something.
///
/// `@unchecked Sendable`: the value is only read or written while the mutex is held.
package struct Locked<Value>: @unchecked Sendable {
    private let storage: MutexBuffer<Value>

    /// Guards `value`.
    package init(_ value: Value) {
        storage = MutexBuffer.make(value)
    }

    /// Runs `body` with the mutex held and the value open for change.
    @inline(__always)
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try storage.withLock(body)
    }
}

/// A header guarded by a pthread mutex, the buffer's single tail element: one allocation, both at
/// stable addresses. ``Locked`` is one; a class that also keeps fields it reads without the mutex
/// subclasses it (`SpanStorage`).
package class MutexBuffer<Header>: ManagedBuffer<Header, pthread_mutex_t> {
    /// A buffer of this class holding `header`, its mutex ready.
    package final class func make(_ header: Header) -> Self {
        let buffer = unsafeDowncast(create(minimumCapacity: 1) { _ in header }, to: self)
        buffer.withUnsafeMutablePointerToElements { _ = pthread_mutex_init($0, nil) }
        return buffer
    }

    deinit {
        // The header is destroyed by ManagedBuffer; the tail element is ours.
        withUnsafeMutablePointerToElements { _ = pthread_mutex_destroy($0) }
    }

    /// Runs `body` with the mutex held and the header open for change.
    @inline(__always)
    package final func withLock<Result>(_ body: (inout Header) throws -> Result) rethrows -> Result {
        try withUnsafeMutablePointers { header, mutex in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&header.pointee)
        }
    }
}
