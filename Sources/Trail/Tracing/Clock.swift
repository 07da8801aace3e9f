import struct Foundation.Date
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in time read from both clocks a span needs: the wall clock for export and the monotonic
/// clock for durations that survive wall-clock steps.
public struct TraceInstant: Hashable, Sendable {
    /// Nanoseconds since the Unix epoch (wall clock).
    public var wallUnixNano: UInt64
    /// Nanoseconds on a monotonic clock with an arbitrary origin.
    public var monotonicNano: UInt64

    public init(wallUnixNano: UInt64, monotonicNano: UInt64) {
        self.wallUnixNano = wallUnixNano
        self.monotonicNano = monotonicNano
    }
}

/// The source of span timestamps. Inject a manual clock in tests.
public protocol TraceClock: Sendable {
    func now() -> TraceInstant
    /// The monotonic reading alone (span ends need nothing else). Defaults to `now().monotonicNano`.
    func monotonicNow() -> UInt64
}

extension TraceClock {
    public func monotonicNow() -> UInt64 { now().monotonicNano }
}

/// The system clocks (`CLOCK_REALTIME` and `CLOCK_MONOTONIC`, both read through the vDSO).
public struct SystemTraceClock: TraceClock {
    public init() {}

    @inlinable
    public func now() -> TraceInstant {
        TraceInstant(wallUnixNano: Self.read(CLOCK_REALTIME), monotonicNano: Self.read(CLOCK_MONOTONIC))
    }

    @inlinable
    static func read(_ clock: clockid_t) -> UInt64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    @inlinable
    public func monotonicNow() -> UInt64 { Self.read(CLOCK_MONOTONIC) }

    /// Monotonic nanoseconds, for deadlines.
    @inlinable
    static func monotonicNow() -> UInt64 { read(CLOCK_MONOTONIC) }
}

extension Duration {
    /// Whole nanoseconds, saturating at zero for negative durations.
    @inlinable
    var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (ns, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : ns &+ UInt64(attoseconds / 1_000_000_000)
    }

    /// Seconds as a floating-point number (`1.5` for 1.5 s).
    package var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension Date {
    /// Nanoseconds since the Unix epoch (0 before it): a Foundation time as spans and log records
    /// carry it.
    var unixNano: UInt64 {
        let seconds = timeIntervalSince1970
        return seconds > 0 ? UInt64(seconds * 1_000_000_000) : 0
    }
}
