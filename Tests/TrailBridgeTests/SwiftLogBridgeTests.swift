#if SwiftLog
import Foundation
import Logging
import Testing
import Trail
import TrailSwiftLog
import TrailTesting

/// swift-log calls through `TrailLogHandler`: Trail JSON lines with typed metadata, levels and ids.
@Suite struct SwiftLogBridgeTests {
    private func pipeline(_ destination: InMemoryLogDestination, spans: InMemorySpanExporter? = nil) -> Pipeline {
        Pipeline(serviceName: "bridge", level: .trace, destinations: [destination], spanExporters: spans.map { [$0] } ?? [], environment: [:])
    }

    @Test func swiftLogCallsBecomeTrailLinesWithTypedMetadata() async throws {
        let lines = InMemoryLogDestination()
        let pipeline = pipeline(lines)
        var logger = Logging.Logger(label: "payments") { TrailLogHandler(label: $0, pipeline: pipeline) }
        logger[metadataKey: "region"] = "eu-1"
        logger.logLevel = .debug
        logger.trace("not written: below the handler's level")
        logger.warning("card declined", metadata: [
            "order_id": "\(42)", "attempt": .stringConvertible(3), "amount": .stringConvertible(12.5),
            "retry": .stringConvertible(true), "tags": ["a", "b"], "card": ["brand": "visa", "last4": "4242"],
            "region": "us-2",
        ])
        #expect(await pipeline.shutdown(timeout: .seconds(5)))
        let objects = lines.objects
        try #require(objects.count == 1)
        let line = objects[0]
        #expect(line["message"] as? String == "card declined" && line["level"] as? String == "warning")
        #expect(line["logger"] as? String == "payments" && line["service.name"] as? String == "bridge")
        #expect(line["order_id"] as? String == "42", "an interpolation is a string, as swift-log made it")
        #expect(line["attempt"] as? Int == 3 && line["amount"] as? Double == 12.5 && line["retry"] as? Bool == true)
        #expect(line["tags"] as? [String] == ["a", "b"])
        #expect((line["card"] as? [String: String]) == ["brand": "visa", "last4": "4242"])
        #expect(line["region"] as? String == "us-2", "the call's metadata wins over the handler's")
        let source = try #require(line["source"] as? [String: Any])
        #expect((source["file"] as? String)?.hasSuffix("SwiftLogBridgeTests.swift") == true && source["line"] is Int)
    }

    @Test func linesInsideATrailSpanCarryItsIds() async throws {
        let lines = InMemoryLogDestination()
        let pipeline = pipeline(lines)
        let logger = Logging.Logger(label: "api") { TrailLogHandler(label: $0, pipeline: pipeline) }
        let span = await pipeline.tracer.withSpan("GET /users") { span in
            await Task.yield()
            logger.info("inside")
            return span
        }
        logger.info("outside")
        #expect(await pipeline.shutdown(timeout: .seconds(5)))
        let objects = lines.objects
        try #require(objects.count == 2)
        #expect(objects[0]["trace_id"] as? String == span.context.traceID.hexString)
        #expect(objects[0]["span_id"] as? String == span.context.spanID.hexString)
        #expect(objects[1]["trace_id"] == nil)
    }

    @Test func theMetadataProviderAddsTrailIdsToAnotherHandler() async throws {
        let pipeline = Pipeline(serviceName: "bridge", destinations: [], environment: [:])
        let provider = Logging.Logger.MetadataProvider.trail
        #expect(provider.get().isEmpty, "no span, no ids")
        let (span, metadata) = pipeline.tracer.withSpan("work") { span in (span, provider.get()) }
        #expect(metadata["trace_id"] == .string(span.context.traceID.hexString))
        #expect(metadata["span_id"] == .string(span.context.spanID.hexString))
        #expect(metadata["trace_flags"] == .string(span.context.traceFlags.hexString))
    }

    @Test func everyLevelMapsToTheSameTrailLevel() async throws {
        let lines = InMemoryLogDestination()
        let pipeline = pipeline(lines)
        var logger = Logging.Logger(label: "levels") { TrailLogHandler(label: $0, pipeline: pipeline) }
        logger.logLevel = .trace
        for level in Logging.Logger.Level.allCases { logger.log(level: level, "\(level)") }
        #expect(await pipeline.shutdown(timeout: .seconds(5)))
        #expect(lines.objects.map { $0["level"] as? String } == ["trace", "debug", "info", "notice", "warning", "error", "critical"])
    }
}
#endif
