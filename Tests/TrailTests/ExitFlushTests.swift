import Foundation
import Testing
@testable import Trail
import TrailTesting

@Suite struct ExitFlushTests {
    @Test func theExitFlushWritesWhatEveryLiveWriterAccepted() async throws {
        let spans = InMemorySpanExporter()
        let processor = BatchSpanProcessor(exporter: spans, configuration: .init(name: "exit-spans", maxDelay: .seconds(600)))
        let tracer = Tracer(resource: .detect(serviceName: "exit", environment: [:]), processors: [processor])
        let logs = InMemoryLogDestination()
        let pipeline = Pipeline(
            serviceName: "exit", destinations: [logs],
            writerConfiguration: .init(name: "exit-logs", maxDelay: .seconds(600)), environment: [:])
        tracer.withSpan("last span before exit") { _ in Logger(label: "t", pipeline: pipeline).info("last line before exit") }
        #expect(spans.spans.isEmpty && logs.lines.isEmpty, "nothing is written before the 10-minute delay")
        // What the atexit handler runs:
        try await onOwnThread { ExitFlush.flushAll(timeout: .seconds(5)) }
        #expect(spans.spans.map(\.name) == ["last span before exit"])
        #expect(logs.lines.count == 1 && logs.lines[0].contains("last line before exit"))
    }

    @Test func aSlowDestinationDoesNotKeepTheOthersFromBeingFlushed() async throws {
        struct Slow: SynchronousDestination {
            typealias Record = LogLine
            func writeSynchronously(_ batch: [LogLine]) throws { Thread.sleep(forTimeInterval: 0.3) }
        }
        let logs = InMemoryLogDestination()
        let pipeline = Pipeline(
            serviceName: "flush", destinations: [Slow(), logs],
            writerConfiguration: .init(name: "slow-first", maxDelay: .seconds(600)), environment: [:])
        Logger(label: "t", pipeline: pipeline).info("one")
        let flushed = try await onOwnThread { pipeline.flushBlocking(timeout: .milliseconds(50)) }
        #expect(flushed == false, "the slow destination times out")
        // Only the flush can have written it (the writers' delay is 600 s); its drain thread may
        // finish just after the 50 ms on a loaded machine.
        #expect(await eventually { logs.lines.count == 1 }, "the second destination was flushed anyway")
        _ = try await onOwnThread { pipeline.flushBlocking(timeout: .seconds(5)) }
    }
}
