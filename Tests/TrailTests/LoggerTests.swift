import Foundation
import Testing
import Trail
import TrailTesting

/// A pipeline that collects lines in memory, for one test.
struct LogHarness {
    let logs = InMemoryLogDestination()
    let pipeline: Pipeline
    let logger: Logger

    init(fieldNames: FieldNames = .openTelemetry, level: LogLevel = .trace, redaction: Redaction = .default, environment: [String: String] = [:]) {
        pipeline = Pipeline(
            serviceName: "checkout", level: level, fieldNames: fieldNames, redaction: redaction, destinations: [logs],
            writerConfiguration: .init(name: "test-logs", maxQueueSize: 100_000, maxBatchSize: 512, maxDelay: .milliseconds(5)),
            environment: environment)
        logger = Logger(label: "http", pipeline: pipeline)
    }

    /// Flushes, then returns the lines parsed as JSON objects (and checks that every line parsed).
    func objects(sourceLocation: SourceLocation = #_sourceLocation) async -> [[String: Any]] {
        #expect(await pipeline.flush(timeout: .seconds(10)), sourceLocation: sourceLocation)
        let objects = logs.objects
        #expect(objects.count == logs.lines.count, "every line is valid JSON", sourceLocation: sourceLocation)
        return objects
    }
}

/// The keys of a JSON line in the order written.
func keyOrder(_ line: String) -> [String] {
    let data = Array(line.utf8)
    return data.withUnsafeBytes { bytes in
        // Top-level keys only: a key is a string directly after `{` or `,` at depth 1.
        var keys: [String] = []
        var depth = 0, i = 0, inString = false, start = 0, expectKey = false
        while i < bytes.count {
            let c = bytes[i]
            if inString {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") {
                    inString = false
                    if expectKey { keys.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)) }
                    expectKey = false
                }
            } else if c == UInt8(ascii: "\"") {
                inString = true
                start = i + 1
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
                expectKey = depth == 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
            } else if c == UInt8(ascii: ","), depth == 1 {
                expectKey = true
            }
            i += 1
        }
        return keys
    }
}

@Suite struct LoggerTests {
    @Test func aLineHasTheDocumentedKeysInOrderAndTypedValues() async throws {
        let h = LogHarness()
        h.logger.info("request handled", ["method": "GET", "status": 200, "duration_ms": 12.5, "cached": false, "tags": ["a", "b"], "none": String?.none])
        let object = try #require(await h.objects().first)
        #expect(object["message"] as? String == "request handled")
        #expect(object["level"] as? String == "info")
        #expect(object["service.name"] as? String == "checkout")
        #expect(object["logger"] as? String == "http")
        #expect(object["status"] as? Int == 200)
        #expect(object["duration_ms"] as? Double == 12.5)
        #expect(h.logs.lines[0].contains(#""cached":false"#), "a boolean, not 0")
        #expect(h.logs.lines[0].contains(#""duration_ms":12.5,"#) && h.logs.lines[0].contains(#""status":200,"#))
        #expect(object["tags"] as? [String] == ["a", "b"])
        #expect(object["none"] is NSNull)
        #expect(object["trace_id"] == nil && object["span_id"] == nil, "no trace keys outside a span")
        let source = try #require(object["source"] as? [String: Any])
        #expect(source["file"] as? String == "TrailTests/LoggerTests.swift")
        #expect(source["function"] as? String == "aLineHasTheDocumentedKeysInOrderAndTypedValues()")
        #expect(keyOrder(h.logs.lines[0]) == ["timestamp", "level", "message", "service.name", "logger", "method", "status", "duration_ms", "cached", "tags", "none", "source"])
        let timestamp = try #require(object["timestamp"] as? String)
        #expect(timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil)
        #expect(h.logs.lines[0].hasSuffix("}\n"))
        #expect(h.logs.lines[0].filter { $0 == "\n" }.count == 1)
    }

    @Test func insideASpanLinesCarryItsIDsAndFlags() async throws {
        let h = LogHarness()
        let tracer = Tracer(resource: .detect(serviceName: "checkout", environment: [:]))
        let span = tracer.withSpan("op") { span in
            h.logger.info("inside")
            return span.context
        }
        h.logger.info("outside")
        let objects = await h.objects()
        #expect(objects[0]["trace_id"] as? String == span.traceID.hexString)
        #expect(objects[0]["span_id"] as? String == span.spanID.hexString)
        #expect(objects[0]["trace_flags"] as? String == "03")
        #expect(keyOrder(h.logs.lines[0]).prefix(6) == ["timestamp", "level", "message", "trace_id", "span_id", "trace_flags"])
        #expect(objects[1]["trace_id"] == nil)
    }

    @Test func aDisabledLevelEvaluatesNeitherMessageNorFields() async {
        let h = LogHarness(level: .info)
        var evaluated = false
        func expensive() -> String { evaluated = true; return "x" }
        func expensiveFields() -> LogFields { evaluated = true; return ["k": 1] }
        h.logger.debug("\(expensive())", expensiveFields())
        h.logger.trace("\(expensive())")
        #expect(!evaluated)
        #expect(!h.logger.isEnabled(.debug) && h.logger.isEnabled(.warning))
        #expect(await h.objects().isEmpty)
    }

    @Test func everyLevelWritesItsName() async {
        let h = LogHarness()
        h.logger.trace("t"); h.logger.debug("d"); h.logger.info("i"); h.logger.notice("n")
        h.logger.warning("w"); h.logger.error("e"); h.logger.critical("c")
        #expect(await h.objects().compactMap { $0["level"] as? String } == ["trace", "debug", "info", "notice", "warning", "error", "critical"])
    }

    @Test func boundFieldsComeAfterCallFieldsAndTheCallWins() async throws {
        let h = LogHarness()
        let child = h.logger.with(["user_id": 42, "region": "eu"])
        child.info("a", ["region": "us", "order": 7])
        try await Context.withFields(["request_id": "r-1", "user_id": 0]) {
            try await Task.sleep(for: .milliseconds(1))
            child.info("b")
            h.logger.info("c")
        }
        h.logger.info("d")
        let objects = await h.objects()
        #expect(keyOrder(h.logs.lines[0]) == ["timestamp", "level", "message", "service.name", "logger", "region", "order", "user_id", "source"])
        #expect(objects[0]["region"] as? String == "us")
        #expect(objects[0]["user_id"] as? Int == 42)
        #expect(objects[1]["request_id"] as? String == "r-1")
        #expect(objects[1]["user_id"] as? Int == 42, "the logger's bound field wins over the context's")
        #expect(objects[2]["user_id"] as? Int == 0)
        #expect(objects[3]["request_id"] == nil)
    }

    @Test func aFieldNeverReplacesAReservedKey() async throws {
        let h = LogHarness()
        h.logger.with(["message": "bound"]).info("real", ["level": "fake", "trace_id": "forged", "timestamp": 1])
        let object = try #require(await h.objects().first)
        #expect(object["level"] as? String == "info")
        #expect(object["message"] as? String == "real")
        #expect(object["trace_id"] == nil)
        #expect(object["fields.level"] as? String == "fake")
        #expect(object["fields.trace_id"] as? String == "forged")
        #expect(object["fields.message"] as? String == "bound")
        let keys = keyOrder(h.logs.lines[0])
        #expect(Set(keys).count == keys.count, "no duplicate keys")
    }

    @Test func aReservedKeyAndItsRenamedFormInOneCallGiveOneKey() async throws {
        let h = LogHarness()
        h.logger.info("m", ["level": 1, "fields.level": 2])
        h.logger.info("m", ["fields.level": 3, "level": 4])
        let objects = await h.objects()
        #expect(objects[0]["fields.level"] as? Int == 2)
        #expect(objects[1]["fields.level"] as? Int == 4)
        for line in h.logs.lines { #expect(keyOrder(line).filter { $0 == "fields.level" }.count == 1) }
    }

    @Test func aKeyRepeatedInOneCallKeepsItsLastValue() async throws {
        let h = LogHarness()
        h.logger.info("dup", ["a": 1, "b": 2, "a": 3])
        let object = try #require(await h.objects().first)
        #expect(object["a"] as? Int == 3)
        #expect(keyOrder(h.logs.lines[0]).filter { $0 == "a" }.count == 1)
    }

    @Test func secretLookingKeysAreRedacted() async throws {
        let h = LogHarness()
        h.logger.with(["api-key": "k"]).info("login", ["password": "hunter2", "Authorization": "Bearer x", "user_token_id": 5, "user": "ada"])
        let object = try #require(await h.objects().first)
        #expect(object["password"] as? String == "[REDACTED]")
        #expect(object["Authorization"] as? String == "[REDACTED]")
        #expect(object["user_token_id"] as? String == "[REDACTED]")
        #expect(object["api-key"] as? String == "[REDACTED]")
        #expect(object["user"] as? String == "ada")
        #expect(!h.logs.lines[0].contains("hunter2"))
    }

    @Test func errorsWriteTypeMessageAndTheUnderlyingChain() async throws {
        let h = LogHarness()
        let root = NSError(domain: "db", code: 7, userInfo: [NSLocalizedDescriptionKey: "connection reset"])
        let wrapped = NSError(domain: "payments", code: 1, userInfo: [NSLocalizedDescriptionKey: "charge failed", NSUnderlyingErrorKey: root])
        h.logger.error("payment failed", ["order_id": "A-17"], error: wrapped)
        h.logger.error("plain", error: TestFailure())
        let objects = await h.objects()
        #expect(objects[0]["error.type"] as? String == "Foundation.NSError")
        #expect((objects[0]["error.message"] as? String)?.contains("charge failed") == true)
        #expect((objects[0]["error.stack_trace"] as? String)?.contains("caused by") == true)
        #expect(objects[1]["error.message"] as? String == "card declined")
        #expect(objects[1]["error.type"] as? String == String(reflecting: TestFailure.self))
    }

    @Test func theElasticCommonSchemaUsesItsOwnKeys() async throws {
        let h = LogHarness(fieldNames: .elasticCommonSchema)
        let tracer = Tracer(resource: .detect(serviceName: "checkout", environment: [:]))
        tracer.withSpan("op") { _ in h.logger.warning("slow", ["ms": 900]) }
        let object = try #require(await h.objects().first)
        #expect(keyOrder(h.logs.lines[0]).prefix(3) == ["@timestamp", "log.level", "message"])
        #expect(object["log.level"] as? String == "warning")
        #expect((object["trace.id"] as? String)?.count == 32)
        #expect((object["span.id"] as? String)?.count == 16)
        #expect(object["trace_flags"] == nil)
        #expect(object["ecs.version"] as? String == "8.11.0")
        #expect(object["log.logger"] as? String == "http")
        #expect(object["log.origin.file.line"] is Int)
        let timestamp = try #require(object["@timestamp"] as? String)
        #expect(timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
    }

    @Test func logLevelComesFromTheEnvironment() {
        let warn = Pipeline(serviceName: "s", destinations: [], environment: ["LOG_LEVEL": "WARN"])
        #expect(warn.defaultLevel == .warning)
        #expect(Logger(label: "x", pipeline: warn).level == .warning)
        let bad = Pipeline(serviceName: "s", level: .debug, destinations: [], environment: ["LOG_LEVEL": "loud"])
        #expect(bad.defaultLevel == .debug)
        let named = Pipeline(level: .info, destinations: [], environment: ["OTEL_SERVICE_NAME": "from-env"])
        #expect(named.serviceName == "from-env")
    }

    @Test func linesLoggedAcrossManyTasksCarryTheirOwnSpansIDs() async throws {
        let h = LogHarness()
        let tracer = Tracer(resource: .detect(serviceName: "checkout", environment: [:]))
        let expected = await withTaskGroup(of: [String: String].self) { group in
            for i in 0..<100 {
                group.addTask {
                    await tracer.withSpan("request") { span in
                        var seen: [String: String] = [:]
                        await Context.withFields(["request": i]) {
                            h.logger.info("start")
                            await withTaskGroup(of: Void.self) { inner in
                                for _ in 0..<3 { inner.addTask { await Task.yield(); h.logger.info("step") } }
                            }
                            let captured = Context.current
                            await Task.detached { captured.restore { h.logger.info("detached") } }.value
                        }
                        seen["\(i)"] = span.context.spanID.hexString
                        return seen
                    }
                }
            }
            return await group.reduce(into: [String: String]()) { $0.merge($1) { a, _ in a } }
        }
        let objects = await h.objects()
        #expect(objects.count == 100 * 5)
        for object in objects {
            let request = try #require(object["request"] as? Int)
            #expect(object["span_id"] as? String == expected["\(request)"])
        }
    }

    @Test func foundationValuesAndObjectsHaveNaturalJSONShapes() async throws {
        let h = LogHarness()
        let id = UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!
        h.logger.info("values", [
            "at": Date(timeIntervalSince1970: 1_700_000_000.25), "id": id, "url": URL(string: "https://example.com/a?b=1")!,
            "took": Duration.milliseconds(1500), "user": LogValue.object(["id": 42, "name": "Ada"]), "mixed": LogValue.array([1, "two", nil]),
        ])
        let object = try #require(await h.objects().first)
        #expect(object["at"] as? String == "2023-11-14T22:13:20.250000Z")
        #expect(object["id"] as? String == "e621e1f8-c36c-495a-93fc-0c247a3e6e5f")
        #expect(object["url"] as? String == "https://example.com/a?b=1")
        #expect(object["took"] as? Double == 1.5)
        let user = try #require(object["user"] as? [String: Any])
        #expect(user["id"] as? Int == 42 && user["name"] as? String == "Ada")
        let mixed = try #require(object["mixed"] as? [Any])
        #expect(mixed.count == 3 && mixed[0] as? Int == 1 && mixed[1] as? String == "two" && mixed[2] is NSNull)
    }

    @Test func contextFieldsAreEncodedForTheLoggersOwnSchemaAndRedaction() async throws {
        let ecs = LogHarness(fieldNames: .elasticCommonSchema, redaction: Redaction(patterns: ["internal"]))
        withFields(["message": "bound", "internal_note": "x", "password": "visible-here"]) {
            ecs.logger.info("real")
        }
        let object = try #require(await ecs.objects().first)
        #expect(object["message"] as? String == "real")
        #expect(object["fields.message"] as? String == "bound")
        #expect(object["internal_note"] as? String == "[REDACTED]")
        #expect(object["password"] as? String == "visible-here", "this pipeline's redaction list, not the shared one's")
    }
}
