/// How a ``BatchingWriter`` retries a batch its destination failed to write.
///
/// A failed batch is written again after an exponentially growing, jittered delay, up to
/// ``maxAttempts`` tries in all, when the error is transient (see ``DestinationError``; errors that
/// say nothing are treated as transient, as are writes that time out). A permanent error, or the
/// last failed try, drops the batch and counts it in ``BatchingWriter/Counters/failed``. While a
/// batch waits, new records queue behind it under the writer's overflow policy; other destinations
/// are not affected.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries per batch, the first included; `1` never retries.
    public var maxAttempts: Int
    /// The delay before the first retry.
    public var initialBackoff: Duration
    /// The delay never grows beyond this.
    public var maxBackoff: Duration
    /// Each retry waits this many times longer than the previous one.
    public var multiplier: Double
    /// The fraction of each delay that is random: `0.2` waits between 80 % and 100 % of it, so that
    /// many processes retrying against one server spread out.
    public var jitter: Double
    /// A server's `Retry-After` is obeyed up to this long; longer requests are shortened to it.
    public var maxRetryAfter: Duration

    public init(
        maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(10),
        multiplier: Double = 2, jitter: Double = 0.2, maxRetryAfter: Duration = .seconds(60)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = max(.zero, initialBackoff)
        self.maxBackoff = max(self.initialBackoff, maxBackoff)
        self.multiplier = max(1, multiplier)
        self.jitter = min(1, max(0, jitter))
        self.maxRetryAfter = max(.zero, maxRetryAfter)
    }

    /// Five tries over about three seconds (0.2, 0.4, 0.8, 1.6 s, less up to 20 % jitter).
    public static var `default`: RetryPolicy { RetryPolicy() }

    /// One try: a failed batch is dropped at once.
    public static var never: RetryPolicy { RetryPolicy(maxAttempts: 1) }

    /// The wait after try number `attempt` (1-based) failed. `retryAfter`, when the destination
    /// passed one on, replaces the computed delay (capped at ``maxRetryAfter``). `random` is in 0..<1.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil, random: Double) -> Duration {
        if let retryAfter { return min(max(.zero, retryAfter), maxRetryAfter) }
        var backoff = initialBackoff
        for _ in 1..<max(1, attempt) {
            backoff = backoff * multiplier
            if backoff >= maxBackoff { break }
        }
        backoff = min(backoff, maxBackoff)
        return backoff * (1 - jitter * min(max(random, 0), 1))
    }
}

/// An error a destination throws to tell its writer whether trying again can help.
///
/// Throw ``DestinationError/transient(_:retryAfter:)`` for conditions that pass (a refused
/// connection, HTTP 429 or 5xx, a full disk) and ``DestinationError/permanent(_:)`` for those that
/// will not (HTTP 400, a payload the server rejects). Your own error types can conform to
/// ``RetryClassifiable`` instead. Any other error is treated as transient.
public struct DestinationError: Error, RetryClassifiable, CustomStringConvertible {
    public let message: String
    public let isTransient: Bool
    public let retryAfter: Duration?

    public static func transient(_ message: String, retryAfter: Duration? = nil) -> DestinationError {
        DestinationError(message: message, isTransient: true, retryAfter: retryAfter)
    }

    public static func permanent(_ message: String) -> DestinationError {
        DestinationError(message: message, isTransient: false, retryAfter: nil)
    }

    public var description: String { message + (isTransient ? "" : " (not retried)") }
}

/// An error that says whether a failed write is worth retrying, and when.
public protocol RetryClassifiable: Error {
    /// `false` drops the batch without retrying.
    var isTransient: Bool { get }
    /// How long the destination asked to wait (an HTTP `Retry-After`), if it did.
    var retryAfter: Duration? { get }
}

extension RetryClassifiable {
    public var retryAfter: Duration? { nil }
}
