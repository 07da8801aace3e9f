import Foundation
import Trail

/// Collects log lines in memory, for tests: give it to a ``Pipeline`` and read what was logged.
///
/// ```swift
/// let logs = InMemoryLogDestination()
/// let pipeline = Pipeline(serviceName: "test", destinations: [logs])
/// Logger(label: "t", pipeline: pipeline).info("hello")
/// _ = await pipeline.flush()
/// #expect(logs.objects.first?["message"] as? String == "hello")
/// ```
public final class InMemoryLogDestination: SynchronousDestination {
    public typealias Record = LogLine
    private let collected = Locked<[String]>([])

    public init() {}

    public func writeSynchronously(_ batch: [LogLine]) throws {
        let texts = batch.map(\.text)
        collected.withLock { $0.append(contentsOf: texts) }
    }

    /// Every line received so far, `\n` included, in order.
    public var lines: [String] { collected.withLock { $0 } }

    /// Every line parsed with `JSONSerialization` (a line that does not parse is skipped; compare
    /// the count with ``lines`` to catch that).
    public var objects: [[String: Any]] {
        lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])) as? [String: Any]
        }
    }

    /// Forgets everything received.
    public func reset() { collected.withLock { $0.removeAll() } }
}
