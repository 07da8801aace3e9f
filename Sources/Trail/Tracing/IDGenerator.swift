#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes new trace and span ids. Custom generators (for AWS X-Ray style ids, or deterministic ids in
/// tests) conform to this protocol; they must never return the all-zero id.
public protocol IDGenerator: Sendable {
    func newTraceID() -> TraceID
    func newSpanID() -> SpanID
}

/// The default generator: uniformly random ids from xoshiro256++, one generator per thread, each
/// seeded from the system CSPRNG (`SystemRandomNumberGenerator`, i.e. `getrandom(2)`).
///
/// All 128 bits of a trace id are random, so the W3C `random` trace flag is truthful.
/// There is no lock and no allocation on the hot path.
public struct RandomIDGenerator: IDGenerator {
    public init() {}

    @inlinable
    public func newTraceID() -> TraceID {
        while true {
            let id = TraceID(high: ThreadLocalRandom.next(), low: ThreadLocalRandom.next())
            if id.isValid { return id }
        }
    }

    @inlinable
    public func newSpanID() -> SpanID {
        while true {
            let id = SpanID(ThreadLocalRandom.next())
            if id.isValid { return id }
        }
    }
}

/// xoshiro256++ state per thread, kept in a pthread key. The state is created and seeded on a
/// thread's first use and freed by the key's destructor when the thread exits.
@usableFromInline
enum ThreadLocalRandom {
    typealias State = (UInt64, UInt64, UInt64, UInt64)

    // pthread_key_create runs once, when this global is first touched (Swift guarantees
    // thread-safe one-time initialisation of globals).
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { pointer in
            #if canImport(Darwin)
            pointer.assumingMemoryBound(to: State.self).deallocate()
            #else
            pointer?.assumingMemoryBound(to: State.self).deallocate()
            #endif
        }
        precondition(rc == 0, "pthread_key_create failed: \(rc)")
        return key
    }()

    @usableFromInline
    static func next() -> UInt64 {
        let state: UnsafeMutablePointer<State>
        if let existing = pthread_getspecific(key) {
            state = existing.assumingMemoryBound(to: State.self)
        } else {
            state = UnsafeMutablePointer<State>.allocate(capacity: 1)
            var seed = SystemRandomNumberGenerator()
            repeat {
                state.pointee = (seed.next(), seed.next(), seed.next(), seed.next())
            } while state.pointee == (0, 0, 0, 0)
            pthread_setspecific(key, state)
        }
        // xoshiro256++ (Blackman & Vigna), public-domain algorithm.
        var (s0, s1, s2, s3) = state.pointee
        let result = (s0 &+ s3).rotatedLeft(by: 23) &+ s0
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotatedLeft(by: 45)
        state.pointee = (s0, s1, s2, s3)
        return result
    }
}

extension UInt64 {
    @inlinable
    func rotatedLeft(by k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}
