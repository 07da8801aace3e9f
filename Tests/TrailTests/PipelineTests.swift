import Foundation
import Testing
import Trail
import TrailTesting

@Suite struct PipelineTests {
    @Test func linesAndSpansShareTheServiceNameAndOneFlush() async throws {
        let lines = InMemoryLogDestination()
        let spans = InMemorySpanExporter()
        let pipeline = Pipeline(
            serviceName: "checkout", destinations: [lines], spanExporters: [spans],
            spanWriterConfiguration: .init(name: "spans", maxDelay: .seconds(60)), environment: [:])
        let logger = Logger(label: "http", pipeline: pipeline)
        pipeline.tracer.withSpan("GET /cart") { _ in logger.info("handled") }
        #expect(await pipeline.flush(timeout: .seconds(5)), "the 60 s span delay does not hold the flush back")
        #expect(spans.spans.map(\.name) == ["GET /cart"])
        #expect(spans.spans.first?.resource.serviceName == "checkout")
        let line = try #require(lines.objects.first)
        #expect(line["service.name"] as? String == "checkout")
        #expect(line["trace_id"] as? String == spans.spans.first?.context.traceID.hexString)
    }

    @Test func theEnvironmentsServiceNameWinsForBoth() {
        let pipeline = Pipeline(serviceName: "code", destinations: [], environment: ["OTEL_SERVICE_NAME": "env"])
        #expect(pipeline.serviceName == "env")
        #expect(pipeline.tracer.resource.serviceName == "env")
    }

    @Test func shutdownStopsLogAndSpanWriters() async {
        let lines = InMemoryLogDestination()
        let spans = InMemorySpanExporter()
        let pipeline = Pipeline(serviceName: "s", destinations: [lines], spanExporters: [spans], environment: [:])
        let logger = Logger(label: "l", pipeline: pipeline)
        pipeline.tracer.withSpan("op") { _ in logger.info("before") }
        #expect(await pipeline.shutdown(timeout: .seconds(5)))
        #expect(lines.lines.count == 1 && spans.spans.count == 1)
        pipeline.tracer.withSpan("late") { _ in logger.info("after") }
        #expect(pipeline.writers[0].counters.droppedAfterShutdown == 1)
        #expect(pipeline.spanProcessors[0].writer.counters.droppedAfterShutdown == 1)
    }

    @Test func oneDestinationCanHaveItsOwnWriterSettings() async {
        let plain = InMemoryLogDestination()
        let careful = InMemoryLogDestination()
        let pipeline = Pipeline(serviceName: "s", destinations: [
            plain,
            careful.withWriterConfiguration { $0.overflow = .block(timeout: .seconds(1)); $0.maxQueueSize = 7 },
        ], spanExporters: [InMemorySpanExporter().withWriterConfiguration { $0.maxBatchSize = 3 }], environment: [:])
        #expect(pipeline.writers[0].configuration.overflow == .dropNewest)
        #expect(pipeline.writers[0].configuration.name == "logs.0")
        #expect(pipeline.writers[1].configuration.overflow == .block(timeout: .seconds(1)))
        #expect(pipeline.writers[1].configuration.maxQueueSize == 7)
        #expect(pipeline.writers[1].configuration.name == "logs.1")
        #expect(pipeline.spanProcessors[0].writer.configuration.maxBatchSize == 3)
        let logger = Logger(label: "l", pipeline: pipeline)
        logger.info("to both")
        #expect(await pipeline.flush(timeout: .seconds(5)))
        #expect(plain.lines.count == 1 && careful.lines.count == 1, "the wrapped destination is written directly")
    }
}
