import Foundation
import Testing
import Trail
import TrailTesting

/// The logger's fast path keeps per-thread caches (how each field key is written, the encoded call
/// site) and writes common value types without their `appendJSON`: lines must come out exactly as
/// without them, whatever pipelines, keys and call sites one thread mixes.
@Suite struct LoggerFastPathTests {
    @Test func keysAreWrittenPerPipelineWhenOneThreadLogsToSeveral() async throws {
        // The per-thread key cache must not carry one pipeline's schema or redaction to another.
        let otel = LogHarness()
        let ecs = LogHarness(fieldNames: .elasticCommonSchema, redaction: .none)
        for _ in 0..<3 {
            otel.logger.info("m", ["message": 1, "password": "p", "log.level": 2])
            ecs.logger.info("m", ["message": 1, "password": "p", "log.level": 2])
        }
        for object in await otel.objects() {
            #expect(object["fields.message"] as? Int == 1)
            #expect(object["password"] as? String == "[REDACTED]")
            #expect(object["log.level"] as? Int == 2)
        }
        for object in await ecs.objects() {
            #expect(object["fields.message"] as? Int == 1)
            #expect(object["password"] as? String == "p")
            #expect(object["fields.log.level"] as? Int == 2)
        }
    }

    @Test func callSitesAreWrittenPerLineAndPerPipelineWhenOneThreadLogsToSeveral() async throws {
        // The per-thread call-site cache must tell lines, functions, files and schemas apart.
        var names = FieldNames.openTelemetry
        names.source = .object(key: "src")
        let a = LogHarness(), b = LogHarness(fieldNames: names)
        let longFile = String(repeating: "dir/", count: 80) + "File.swift"  // longer than a cache slot
        for round in 0..<3 {
            a.logger.info("one")
            b.logger.info("one")
            a.logger.info("two", file: "Other/\"File\".swift", function: "f(\u{2028})", line: UInt(round))
            b.logger.info("three", file: longFile, function: "g()", line: 7)
        }
        let first = await a.objects(), second = await b.objects()
        #expect(first.count == 6 && second.count == 6)
        for (i, object) in first.enumerated() {
            let source = try #require(object["source"] as? [String: Any])
            if i % 2 == 0 {
                #expect(source["file"] as? String == "TrailTests/LoggerFastPathTests.swift")
                #expect(source["function"] as? String == "callSitesAreWrittenPerLineAndPerPipelineWhenOneThreadLogsToSeveral()")
            } else {
                #expect(source["file"] as? String == "Other/\"File\".swift")
                #expect(source["function"] as? String == "f(\u{2028})")
                #expect(source["line"] as? Int == i / 2)
            }
        }
        for (i, object) in second.enumerated() {
            #expect(object["source"] == nil)
            let source = try #require(object["src"] as? [String: Any])
            #expect(source["file"] as? String == (i % 2 == 0 ? "TrailTests/LoggerFastPathTests.swift" : longFile))
            if i % 2 == 1 { #expect(source["line"] as? Int == 7) }
        }
    }

    /// A value whose `appendJSON` logs a line of its own, to another pipeline or to the same one.
    private struct SelfLoggingValue: LogValueConvertible {
        let logger: Logger
        func appendJSON(to encoder: inout JSONLineEncoder) {
            logger.warning("inner \u{2028} line", ["depth": 1, "kind": "inner"])
            encoder.appendString("outer value")
        }
    }

    @Test func aValueThatLogsWhileItIsEncodedLeavesBothLinesWhole() async throws {
        // The nested call on the same thread gets its own buffer; the outer line, half written at
        // that moment, goes on where it was.
        let outer = LogHarness(), inner = LogHarness()
        for round in 0..<3 {
            outer.logger.info("outer", ["before": round, "value": SelfLoggingValue(logger: inner.logger), "after": "x"])
            outer.logger.info("same pipeline", ["value": SelfLoggingValue(logger: outer.logger), "after": round])
        }
        let outerLines = await outer.objects(), innerLines = await inner.objects()
        #expect(outerLines.count == 9 && innerLines.count == 3)
        for object in innerLines {
            #expect(object["message"] as? String == "inner \u{2028} line")
            #expect(object["level"] as? String == "warning")
            #expect(object["depth"] as? Int == 1 && object["kind"] as? String == "inner")
        }
        let outerOnly = outerLines.filter { $0["message"] as? String != "inner \u{2028} line" }
        #expect(outerOnly.count == 6)
        for (index, object) in outerOnly.enumerated() {
            #expect(object["value"] as? String == "outer value")
            if index % 2 == 0 {
                #expect(object["message"] as? String == "outer")
                #expect(object["before"] as? Int == index / 2 && object["after"] as? String == "x")
            } else {
                #expect(object["message"] as? String == "same pipeline")
                #expect(object["after"] as? Int == index / 2)
            }
        }
    }

    /// A value whose `appendJSON` logs a line with `keyCount` distinct keys (more than the
    /// per-thread key cache holds, so every slot is replaced), then writes a string.
    private struct CacheFlushingValue: LogValueConvertible {
        let logger: Logger
        let keyCount: Int
        func appendJSON(to encoder: inout JSONLineEncoder) {
            var fields = LogFields()
            for i in 0..<keyCount { fields["flush_\(i)"] = i }
            logger.debug("flush", fields)
            encoder.appendString("flushed")
        }
    }

    @Test func fieldsStayRightWhenKeysShareACacheSlotOrAValueReplacesTheCache() async throws {
        // The per-thread key cache is direct-mapped: two keys of one call may share a slot, and a
        // value's appendJSON may log and replace any slot. Calls of 2 to 40 keys in several
        // pipelines (each with its own slot layout) share slots; a value that logs 300 keys in the
        // middle of a call replaces every slot between the fields before and after it.
        let other = LogHarness()
        for round in 0..<6 {
            let h = LogHarness()
            for keyCount in [2, 5, 16, 17, 40] {
                var fields = LogFields()
                for i in 0..<keyCount { fields["key_\(round)_\(i)"] = i % 3 == 0 ? "s\(i)" as any LogValueConvertible : i }
                h.logger.info("many", fields)
                h.logger.info("many", fields)
                var mixed: LogFields = ["before": 1, "b": true]
                mixed["middle"] = CacheFlushingValue(logger: other.logger, keyCount: 300)
                mixed["after"] = "x"
                mixed["d"] = 2.5
                mixed["key_\(round)_0"] = keyCount
                h.logger.info("mixed", mixed)
            }
            let objects = await h.objects()
            #expect(objects.count == 15)
            for (index, object) in objects.enumerated() {
                let keyCount = [2, 5, 16, 17, 40][index / 3]
                if index % 3 == 2 {
                    #expect(object["before"] as? Int == 1 && object["b"] as? Bool == true && object["middle"] as? String == "flushed")
                    #expect(object["after"] as? String == "x" && object["d"] as? Double == 2.5)
                    #expect(object["key_\(round)_0"] as? Int == keyCount)
                } else {
                    for i in 0..<keyCount {
                        let key = "key_\(round)_\(i)"
                        if i % 3 == 0 { #expect(object[key] as? String == "s\(i)", "\(key) of \(keyCount)") } else { #expect(object[key] as? Int == i, "\(key) of \(keyCount)") }
                    }
                    #expect(object.keys.filter { $0.hasPrefix("key_") }.count == keyCount, "no other keys: \(object.keys.sorted())")
                }
            }
        }
        #expect(await other.objects().count == 30)
    }

    @Test func commonValueTypesAreWrittenExactlyAsTheirAppendJSON() async throws {
        // The logger writes String, Int, Bool and Double values without calling appendJSON: the text
        // must be the same.
        let h = LogHarness()
        let long = String(repeating: "a\"b\u{2028}c\u{85}\u{1}é😀", count: 200)
        let values: [any LogValueConvertible] = [
            "", "GET", "/api/users/42", "x\ny", long, String(repeating: "z", count: 5000), "a heap string \(Int.random(in: 0...9))",
            0, 7, -1, Int.max, Int.min, true, false, 12.5, 0.0, -0.0, 1e300, -1e-300, Double.nan, Double.infinity,
            -Double.infinity, 0.1 + 0.2, Float(1.5), Int8(-3), UInt.max, LogValue.string("s"), Optional<Int>.none,
        ]
        for value in values { h.logger.info("v", ["v": value, "after": 1]) }
        #expect(await h.pipeline.flush(timeout: .seconds(10)))
        let lines = h.logs.lines
        #expect(lines.count == values.count)
        for (line, value) in zip(lines, values) {
            var expected = JSONLineEncoder()
            value.appendJSON(to: &expected)
            let text = ",\"v\":" + String(decoding: expected.bytes, as: UTF8.self) + ",\"after\":1,"
            #expect(line.contains(text), "\(value)")
        }
    }

    @Test func fieldsOfEveryKindInterleavedKeepTheirOrderAndValues() async throws {
        // Runs of directly written values broken by a secret key, a value of another type, a double
        // with no short form, a long string and a repeated key.
        let h = LogHarness()
        let long = String(repeating: "q", count: 2000)
        h.logger.info("mixed", [
            "a": 1, "password": "hunter2", "b": 2.5, "c": LogValue.array([1, 2]), "d": "s", "e": 1e-7, "f": true,
            "a": 3, "g": long, "h": -4, "token": 5, "i": Double.nan,
        ])
        let objects = await h.objects()
        try #require(objects.count == 1)
        let line = h.logs.lines[0]
        // The repeated key is written once, where it was given last.
        let body = #""logger":"http","password":"[REDACTED]","b":2.5,"c":[1,2],"d":"s","e":1e-07,"f":true,"a":3,"g":""#
            + long + #"","h":-4,"token":"[REDACTED]","i":"NaN","#
        #expect(line.contains(body), "\(line)")
    }

    @Test func manyLongStringFieldsAreWrittenInOrderAcrossSeveralReservations() async throws {
        // 30 strings of 900 bytes: more than one reservation's room (4 KiB) holds.
        let h = LogHarness()
        var fields = LogFields()
        for i in 0..<30 { fields["k\(i)"] = String(repeating: Character(UnicodeScalar(UInt8(65 + i % 26))), count: 900) + "\"\(i)" }
        h.logger.info("long", fields)
        let objects = await h.objects()
        try #require(objects.count == 1)
        for i in 0..<30 {
            #expect(objects[0]["k\(i)"] as? String == String(repeating: Character(UnicodeScalar(UInt8(65 + i % 26))), count: 900) + "\"\(i)")
        }
        #expect(keyOrder(h.logs.lines[0]).filter { $0.hasPrefix("k") } == (0..<30).map { "k\($0)" })
    }

    @Test func equalKeysMadeDifferentlyAreOneKey() async throws {
        let h = LogHarness()
        let built = String("key_" + String(repeating: "x", count: 40).prefix(40))  // a heap string
        let long = "a_key_" + String(repeating: "é\\\"", count: 30)  // escaped: longer than a cache slot
        for round in 0..<3 {
            h.logger.info("dup", [built: 1, "key_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx": 2, "n": round])
            h.logger.info("long", [long: 1, "other": 2, String(long): 3, "Token-Id": 4])
        }
        let objects = await h.objects()
        #expect(objects.count == 6)
        for line in h.logs.lines {
            let keys = keyOrder(line)
            #expect(Set(keys).count == keys.count, "no duplicate keys: \(line)")
        }
        for (i, object) in objects.enumerated() {
            if i % 2 == 0 {
                #expect(object["key_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"] as? Int == 2)
            } else {
                #expect(object[long] as? Int == 3)
                #expect(object["other"] as? Int == 2)
                #expect(object["Token-Id"] as? String == "[REDACTED]")
            }
        }
    }

    @Test func keyClassificationStaysRightAcrossManyKeysAndPipelines() async throws {
        let strict = LogHarness(redaction: Redaction(patterns: ["secret", "token"]))
        let lax = LogHarness(redaction: .none)
        var rng = SeededGenerator(seed: 0xcafe)
        var expected: [(strict: Bool, key: String, value: Int)] = []
        for i in 0..<600 {
            // 200 distinct keys (more than the per-thread cache's 128 slots), some secret, some reserved.
            let n = Int(rng.next() % 200)
            let key = n % 17 == 0 ? "token_\(n)" : n % 23 == 0 ? "level" : "key_\(n)"
            let useStrict = i % 2 == 0
            (useStrict ? strict : lax).logger.info("k", [key: i])
            expected.append((useStrict, key, i))
        }
        let strictLines = await strict.objects(), laxLines = await lax.objects()
        var s = 0, l = 0
        for e in expected {
            let object = e.strict ? strictLines[s] : laxLines[l]
            if e.strict { s += 1 } else { l += 1 }
            let written = e.key == "level" ? "fields.level" : e.key
            if e.strict && e.key.hasPrefix("token") {
                #expect(object[written] as? String == "[REDACTED]")
            } else {
                #expect(object[written] as? Int == e.value, "\(e.key) in the \(e.strict ? "strict" : "lax") pipeline")
            }
        }
    }

    /// The logger reads the bound context in place (the runtime's task-local lookup): on a plain
    /// thread, outside any task, nested bindings and their fields are seen innermost first, and
    /// nothing once they have ended.
    @Test func onAPlainThreadTheInnermostBindingIsRead() async throws {
        let h = LogHarness()
        let outer = SpanContext(traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), traceFlags: .sampled)
        let inner = SpanContext(traceID: TraceID(high: 4, low: 5), spanID: SpanID(6), traceFlags: [])
        let logger = h.logger
        try await onOwnThread {
            logger.info("before")
            Context().with(span: Span(remote: outer)).restore {
                withFields(["request_id": "r-1"]) {
                    logger.info("outer")
                    Context.current.with(span: Span(remote: inner)).restore { logger.info("inner") }
                    logger.info("outer again")
                }
            }
            logger.info("after")
        }
        let objects = await h.objects()
        try #require(objects.count == 5)
        #expect(objects.map { $0["trace_id"] as? String } == [nil, outer.traceID.hexString, inner.traceID.hexString, outer.traceID.hexString, nil])
        #expect(objects.map { $0["span_id"] as? String } == [nil, outer.spanID.hexString, inner.spanID.hexString, outer.spanID.hexString, nil])
        #expect(objects.map { $0["request_id"] as? String } == [nil, "r-1", "r-1", "r-1", nil])
    }
}
