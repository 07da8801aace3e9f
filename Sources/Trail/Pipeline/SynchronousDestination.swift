/// A destination whose writes are plain blocking calls (stdout, files). Its writer calls
/// ``writeSynchronously(_:)`` straight from the drain thread, without a hop through Swift
/// concurrency, so it also works while the process exits.
public protocol SynchronousDestination<Record>: Destination {
    func writeSynchronously(_ batch: [Record]) throws
}

extension SynchronousDestination {
    public func write(_ batch: [Record]) async throws { try writeSynchronously(batch) }
}
