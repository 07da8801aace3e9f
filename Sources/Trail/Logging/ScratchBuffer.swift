#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One reusable encoding buffer per thread, so encoding a line allocates nothing once the buffer has
/// grown to the size of the lines.
///
/// The per-thread state is plain memory reached through `pthread_getspecific`, not an object:
/// using it costs no reference counting (an object would be retained and released on every line,
/// with atomic instructions, because the compiler cannot see that the thread keeps it alive).
enum ScratchBuffer {
    /// The per-thread caches of ``Logger``'s encoding.
    struct LineCaches: ~Copyable {
        let keys = FieldKeyCache()
        let sources = SourceCache()
    }

    /// What a line is encoded into: the bytes and the timestamp cache.
    struct Scratch {
        var encoder = JSONLineEncoder(capacity: 1024)
        var timestamps = TimestampCache()
    }

    private struct PerThread {
        var scratch = Scratch()
        /// A line of this thread is being encoded (see ``with(_:)``).
        var inUse = false
        let caches: UnsafeMutablePointer<LineCaches>
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { pointer in
            #if canImport(Darwin)
            ScratchBuffer.free(pointer)
            #else
            if let pointer { ScratchBuffer.free(pointer) }
            #endif
        }
        precondition(rc == 0, "pthread_key_create failed: \(rc)")
        return key
    }()

    private static func free(_ pointer: UnsafeMutableRawPointer) {
        let thread = pointer.assumingMemoryBound(to: PerThread.self)
        thread.pointee.caches.deinitialize(count: 1)
        thread.pointee.caches.deallocate()
        thread.deinitialize(count: 1)
        thread.deallocate()
    }

    @inline(never)
    private static func makePerThread() -> UnsafeMutablePointer<PerThread> {
        let caches = UnsafeMutablePointer<LineCaches>.allocate(capacity: 1)
        caches.initialize(to: LineCaches())
        let thread = UnsafeMutablePointer<PerThread>.allocate(capacity: 1)
        thread.initialize(to: PerThread(caches: caches))
        pthread_setspecific(key, thread)
        return thread
    }

    /// Runs `body` with this thread's scratch (its encoder emptied) and its key and call-site
    /// caches. A nested call on the same thread (a value's `appendJSON` that logs) gets a fresh
    /// scratch instead of corrupting the outer line; it shares the caches, which the outer call
    /// never holds on to across a value's `appendJSON`.
    @inline(__always)
    static func with<R>(_ body: (inout Scratch, borrowing LineCaches) -> R) -> R {
        let thread = pthread_getspecific(key)?.assumingMemoryBound(to: PerThread.self) ?? makePerThread()
        let caches = thread.pointee.caches
        guard !thread.pointee.inUse else {
            var fresh = Scratch()
            return body(&fresh, caches.pointee)
        }
        thread.pointee.inUse = true
        defer { thread.pointee.inUse = false }
        thread.pointee.scratch.encoder.bytes.removeAll(keepingCapacity: true)
        return body(&thread.pointee.scratch, caches.pointee)
    }
}
