#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One reusable encoding buffer per thread, so encoding a line allocates nothing once the buffer has
/// grown to the size of the lines.
enum ScratchBuffer {
    /// The per-thread caches of ``Logger``'s encoding.
    final class LineCaches {
        let keys = FieldKeyCache()
        let sources = SourceCache()
    }

    final class Box {
        // Unchecked: a box is used by its own thread only, and a nested call never touches the
        // buffer or the timestamps that the outer one holds (`inUse`); dynamic exclusivity checks
        // cost a thread-local lookup per access.
        @exclusivity(unchecked) var bytes: [UInt8] = []
        @exclusivity(unchecked) var timestamps = TimestampCache()
        let caches = LineCaches()
        @exclusivity(unchecked) var inUse = false
        init() { bytes.reserveCapacity(1024) }
    }

    static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { pointer in
            #if canImport(Darwin)
            Unmanaged<Box>.fromOpaque(pointer).release()
            #else
            if let pointer { Unmanaged<Box>.fromOpaque(pointer).release() }
            #endif
        }
        precondition(rc == 0, "pthread_key_create failed: \(rc)")
        return key
    }()

    /// Runs `body` with this thread's buffer (emptied), timestamp cache and key and call-site
    /// caches. A nested call on the same thread (a value's `appendJSON` that logs) gets a fresh
    /// buffer and timestamp cache instead of corrupting the outer line; it shares the other caches,
    /// which the outer call never holds on to across a value's `appendJSON`.
    @inline(__always)
    static func with<R>(_ body: (inout [UInt8], inout TimestampCache, LineCaches) -> R) -> R {
        let box: Box
        if let existing = pthread_getspecific(key) {
            box = Unmanaged<Box>.fromOpaque(existing).takeUnretainedValue()
        } else {
            box = Box()
            pthread_setspecific(key, Unmanaged.passRetained(box).toOpaque())
        }
        guard !box.inUse else {
            var fresh: [UInt8] = []
            var cache = TimestampCache()
            return body(&fresh, &cache, box.caches)
        }
        box.inUse = true
        defer { box.inUse = false }
        box.bytes.removeAll(keepingCapacity: true)
        return body(&box.bytes, &box.timestamps, box.caches)
    }
}
