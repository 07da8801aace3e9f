import Foundation
import Testing
@testable import Trail

/// The console text for `line` (colors off unless asked).
func consoleText(_ line: String, colors: Bool = false) -> String {
    var out: [UInt8] = []
    Array(line.utf8).withUnsafeBytes { ConsoleFormatter(colors: colors).format($0, into: &out) }
    return String(decoding: out, as: UTF8.self)
}

/// The scanner's fields for `text`, or `nil`.
func scannedFields(_ text: String) -> [(key: String, value: JSONLineScanner.Value)]? {
    Array(text.utf8).withUnsafeBytes { JSONLineScanner.fields($0) }
}

@Suite struct ConsoleFormatTests {
    static let otelLine = #"{"timestamp":"2026-11-22T10:04:05.123456Z","level":"info","message":"request handled","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01","service.name":"checkout","logger":"http","method":"GET","status":200,"duration_ms":12.5,"cached":false,"source":{"file":"Checkout/Handler.swift","line":42,"function":"handle(_:)"}}"# + "\n"

    @Test func anOpenTelemetryLineRendersAsTimeLevelMessageFieldsLoggerAndTrace() {
        #expect(consoleText(Self.otelLine) == "10:04:05.123 INFO  request handled  method=GET status=200 duration_ms=12.5 cached=false  http trace=4bf92f35\n")
    }

    @Test func anElasticCommonSchemaLineRendersTheSameWay() {
        let line = #"{"@timestamp":"2026-11-22T10:04:05.123Z","log.level":"warning","message":"slow query","trace.id":"4bf92f3577b34da6a3ce929d0e0e4736","span.id":"00f067aa0ba902b7","service.name":"checkout","ecs.version":"8.11.0","log.logger":"db","ms":1500,"log.origin.file.name":"Db.swift","log.origin.file.line":7,"log.origin.function":"run()"}"# + "\n"
        #expect(consoleText(line) == "10:04:05.123 WARN  slow query  ms=1500  db trace=4bf92f35\n")
    }

    @Test func colorsWrapTheTimeLevelFieldsLoggerAndTraceInANSICodes() {
        let esc = "\u{1B}["
        #expect(consoleText(Self.otelLine, colors: true) ==
            "\(esc)2m10:04:05.123\(esc)0m \(esc)32mINFO \(esc)0m request handled  \(esc)2mmethod=GET status=200 duration_ms=12.5 cached=false\(esc)0m  \(esc)36mhttp\(esc)0m \(esc)35mtrace=4bf92f35\(esc)0m\n")
    }

    @Test func linesLoggedThroughAPipelineRenderInEitherSchema() async throws {
        for names in [FieldNames.openTelemetry, .elasticCommonSchema] {
            let h = LogHarness(fieldNames: names)
            let tracer = Tracer(resource: .detect(serviceName: "checkout", environment: [:]))
            let trace = tracer.withSpan("op") { span in
                h.logger.error("payment failed", ["order": 7, "note": "two words", "tags": ["a", "b"]])
                return span.context.traceID.hexString
            }
            _ = await h.objects()
            let text = consoleText(try #require(h.logs.lines.first))
            let expectedTail = #" ERROR payment failed  order=7 note="two words" tags=["a","b"]  http trace="# + trace.prefix(8) + "\n"
            #expect(text.hasSuffix(expectedTail), "\(text)")
            #expect(text.wholeMatch(of: /\d\d:\d\d:\d\d\.\d{3} .*\n/) != nil, "\(text)")
        }
    }

    @Test(arguments: ["plain text\n", "not json", "{\"a\":1", "[1,2]\n", "{\"a\":1}x\n", "", "  \n"])
    func inputThatIsNotAJSONObjectPassesThroughUnchanged(input: String) {
        #expect(consoleText(input) == (input.hasSuffix("\n") ? input : input + "\n"))
    }

    @Test func controlCharactersInTheMessageStayEscaped() {
        let line = #"{"timestamp":"2026-11-22T10:04:05.123456Z","level":"info","message":"a\nb\r\u001b[31mred\u2028end","logger":"l"}"#
        let text = consoleText(line)
        #expect(text == #"10:04:05.123 INFO  a\nb\r\u001b[31mred\u2028end  l"# + "\n")
        #expect(text.utf8.filter { $0 < 0x20 }.count == 1, "only the final newline")
    }

    @Test func aMessageWithoutControlCharactersIsShownAsIs() {
        let line = #"{"timestamp":"2026-11-22T10:04:05.123456Z","level":"debug","message":"say \"hi\" \\ café 😀"}"#
        #expect(consoleText(line) == "10:04:05.123 DEBUG say \"hi\" \\ café 😀\n")
    }

    @Test func fieldValuesThatAreNotOnePlainWordAreQuotedAndEscaped() {
        let line = #"{"level":"info","message":"m","a":"x y","b":"k=v","c":"","d":"line\nbreak","e":"plain-word_1","f":{"g":[1,"\""]},"h":null}"#
        #expect(consoleText(line) == #"INFO  m  a="x y" b="k=v" c="" d="line\nbreak" e=plain-word_1 f={"g":[1,"\""]} h=null"# + "\n")
    }

    @Test func keysLoggerLevelAndTraceFromALineCannotBreakTheConsoleLineEither() {
        let line = #"{"level":"in\nfo","message":"m","k\ney":"v","x\u001b[2J":1,"logger":"ht\rtp\u0085","trace_id":"ab\ncd"}"#
        let text = consoleText(line)
        #expect(text.utf8.filter { $0 < 0x20 }.count == 1, "only the final newline: \(text.debugDescription)")
        #expect(!text.unicodeScalars.contains { $0.value == 0x85 || $0.value == 0x1B })
        #expect(text.contains(#"k\ney=v"#) && text.contains(#"x\u001b[2J=1"#) && text.contains(#"ht\rtp\u0085"#))
    }

    @Test func aTimestampWithoutAFractionShowsTheClockOnly() {
        #expect(consoleText(#"{"timestamp":"2026-11-22T10:04:05Z","level":"info","message":"m"}"#) == "10:04:05 INFO  m\n")
    }

    // MARK: Scanner

    @Test func theScannerReadsTopLevelFieldsInOrderAndKeepsNestedValuesRaw() throws {
        let fields = try #require(scannedFields(#" { "a" : {"b":[1,{"c":"x\"}]"}]} , "d":"q\"uote\\","e":[],"f":-1.5e+3,"g":true,"h":null,"i":"\u00e9\ud83d\ude00\/"} "# + "\n"))
        #expect(fields.map(\.key) == ["a", "d", "e", "f", "g", "h", "i"])
        #expect(fields.map(\.value) == [
            .raw(#"{"b":[1,{"c":"x\"}]"}]}"#), .string("q\"uote\\"), .raw("[]"), .raw("-1.5e+3"), .raw("true"), .raw("null"), .string("é😀/"),
        ])
    }

    @Test func theScannerUnescapesKeysAndReadsAnEmptyObject() throws {
        #expect(try #require(scannedFields("{}")).isEmpty)
        #expect(try #require(scannedFields(#"{"k\n\"":"v\t"}"#)).map(\.key) == ["k\n\""])
        #expect(try #require(scannedFields(#"{"k":"v\t"}"#)).map(\.value) == [.string("v\t")])
    }

    @Test func theScannerReplacesLoneSurrogatesButKeepsTheLine() throws {
        #expect(try #require(scannedFields(#"{"a":"\ud800x","b":"\udc00"}"#)).map(\.value) == [.string("\u{FFFD}x"), .string("\u{FFFD}")])
        #expect(try #require(scannedFields(#"{"a":"\ud800\u0041"}"#)).map(\.value) == [.string("\u{FFFD}A")])
    }

    @Test(arguments: [
        "", "x", "[]", "\"s\"", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":1}x", "{\"a\":1}}",
        "{\"a\":\"unterminated}", "{a:1}", "{\"a\":1 \"b\":2}", "{\"a\":[1,2}", "{\"a\":[1,2}}", "{\"a\":{\"b\":1]}",
        "{\"a\":1 2}", "{\"a\":tru}", "{\"a\":nul}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":.5}",
        "{\"a\":1e}", "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":{\"b\"}}", "{\"a\":{1:2}}", "{\"a\":\"x\" \"y\"}",
        "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"raw\nnewline\"}", "{\"a\":NaN}", "{\"a\":[\"unterminated]}",
        "{\"a\":1]", "{\"a\":1}{\"b\":2}",
    ])
    func theScannerRejectsMalformedInputWithNil(input: String) {
        #expect(scannedFields(input) == nil)
    }

    @Test func theScannerRejectsVeryDeepNestingInsteadOfRecursingWithoutBound() {
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(scannedFields(deep) == nil)
        let fine = "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(scannedFields(fine)?.count == 1)
    }

    @Test func everyRandomLoggedLineScansToTheSameFieldsAsJSONSerialization() async throws {
        let h = LogHarness(redaction: .none)
        var generator = FieldGenerator(g: SeededGenerator(seed: 0x5EED_2001))
        for _ in 0..<300 {
            let line = GeneratedLine.make(using: &generator)
            h.logger.info(line.message, line.fields)
        }
        _ = await h.objects()
        for line in h.logs.lines {
            let fields = try #require(scannedFields(line))
            let object = try #require((try decodeJSON(line) as? [String: Any]).map(withoutBOMKeys))
            #expect(fields.count == object.count)
            for (key, value) in fields {
                switch value {
                case .string(let s): #expect((object[withoutBOM(key)] as? String).map(withoutBOM) == withoutBOM(s), "\(key.debugDescription)")
                case .raw(let raw): #expect(object[withoutBOM(key)] != nil && !(object[withoutBOM(key)] is String) && (try? decodeJSON(raw)) != nil, "\(raw)")
                }
            }
            let text = consoleText(line)
            #expect(text.utf8.filter { $0 < 0x20 }.count == 1 && text.hasSuffix("\n"), "\(text.debugDescription)")
        }
    }
}
