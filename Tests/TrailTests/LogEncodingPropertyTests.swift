import Foundation
import Testing
@testable import Trail

@Suite struct LogEncodingPropertyTests {
    /// Checks one logged line: one `\n`-terminated line, valid JSON, the documented keys in order, the
    /// values equal to the model.
    static func check(_ line: String, _ generated: GeneratedLine, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(line.hasSuffix("}\n") && line.utf8.filter { $0 == 0x0A }.count == 1, sourceLocation: sourceLocation)
        #expect(!line.utf8.dropLast().contains { $0 < 0x20 }, "no raw control byte", sourceLocation: sourceLocation)
        let object = try #require((try decodeJSON(line) as? [String: Any]).map(withoutBOMKeys), sourceLocation: sourceLocation)
        let keys = ["timestamp", "level", "message", "service.name", "logger"] + generated.model.map(\.0) + ["source"]
        #expect(keyOrder(line).count == keys.count, "no extra top-level key", sourceLocation: sourceLocation)
        #expect(object.count == keys.count, sourceLocation: sourceLocation)
        #expect((object["message"] as? String).map(withoutBOM) == withoutBOM(generated.message), sourceLocation: sourceLocation)
        #expect(object["level"] as? String == "info", sourceLocation: sourceLocation)
        for (key, model) in generated.model {
            #expect(object[withoutBOM(key)].map(model.matches) == true, "\(key.debugDescription): \(model.canonical)", sourceLocation: sourceLocation)
        }
    }

    @Test func randomNestedValuesRoundTripThroughALoggedLine() async throws {
        let h = LogHarness(redaction: .none)
        var generator = FieldGenerator(g: SeededGenerator(seed: 0x5EED_1001))
        var generated: [GeneratedLine] = []
        for _ in 0..<400 {
            let line = GeneratedLine.make(using: &generator)
            generated.append(line)
            h.logger.info(line.message, line.fields)
        }
        _ = await h.objects()
        let lines = h.logs.lines
        try #require(lines.count == generated.count)
        for (line, expected) in zip(lines, generated) { try Self.check(line, expected) }
    }

    @Test func hugeStringsRoundTripThroughALoggedLine() async throws {
        let h = LogHarness(redaction: .none)
        var generator = FieldGenerator(g: SeededGenerator(seed: 0x5EED_1002))
        let generated = GeneratedLine.make(using: &generator, hugeStrings: true)
        #expect(generated.message.utf8.count >= 1 << 20)
        h.logger.info(generated.message, generated.fields)
        _ = await h.objects()
        let line = try #require(h.logs.lines.first)
        #expect(line.utf8.count > 1 << 20)
        try Self.check(line, generated)
    }

    @Test func forgedLookingInputNeverAddsATopLevelKeyOrBreaksTheLine() async throws {
        let h = LogHarness(redaction: .none)
        let forger = Logger(label: "x\",\"level\":\"error", pipeline: h.pipeline)
        struct Forged: Error, CustomStringConvertible { var description: String { "boom\",\"level\":\"error\"}\n{\"a\":\"" } }
        let message = "\",\"level\":\"error"
        let fields: LogFields = [
            "a\",\"level\":\"error": "x\",\"message\":\"forged",
            "k\n\"}\n{\"": 1,
            "level": "fake",
            "message": ["nested\"": "}}]]"] as [String: String],
            "\u{2028}\u{85}": "\u{0}\u{2029}",
            "\\": "\\\"",
        ]
        h.logger.info(message, fields)
        forger.info(message, fields, error: Forged())
        let objects = await h.objects()
        try #require(objects.count == 2)
        for (line, object) in zip(h.logs.lines, objects) {
            #expect(line.utf8.filter { $0 == 0x0A }.count == 1 && line.hasSuffix("}\n"))
            #expect(object["level"] as? String == "info")
            #expect(object["message"] as? String == message)
            #expect(object["fields.level"] as? String == "fake")
            #expect((object["fields.message"] as? [String: Any])?["nested\""] as? String == "}}]]")
            #expect(object["a\",\"level\":\"error"] as? String == "x\",\"message\":\"forged")
            #expect(object["k\n\"}\n{\""] as? Int == 1)
            #expect(object["\u{2028}\u{85}"] as? String == "\u{0}\u{2029}")
            #expect(object["\\"] as? String == "\\\"")
        }
        let plainCount = 5 + 6 + 1  // reserved, the call's fields, source
        let errorCount = plainCount + 2  // error.type and error.message
        #expect(keyOrder(h.logs.lines[0]).count == plainCount)
        #expect(objects[0].count == plainCount)
        #expect(keyOrder(h.logs.lines[1]).count == errorCount)
        #expect(objects[1].count == errorCount)
        #expect(objects[1]["logger"] as? String == "x\",\"level\":\"error")
        #expect(objects[1]["error.message"] as? String == Forged().description)
    }

    // MARK: Python

    static let python3Available: Bool = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }

    /// Reads the lines file, checks each line strictly (one UTF-8 line, no raw control character,
    /// `json.loads` without NaN/Infinity literals or duplicate keys, a top-level object with an RFC 3339
    /// timestamp and a source object) and prints `ok <canonical>` or `bad <reason>` per line.
    static let pythonChecker = #"""
    import json, re, struct, sys

    def reject_constant(name):
        raise ValueError("non-standard constant " + name)

    def unique(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate key")
        return dict(pairs)

    def hexs(s):
        return s.encode("utf-8", "surrogatepass").hex()

    def canon(v):
        if isinstance(v, bool): return "t" if v else "F"
        if v is None: return "n"
        if isinstance(v, int): return "i" + str(v)
        if isinstance(v, float): return "f" + struct.pack(">d", v).hex()
        if isinstance(v, str): return "s" + hexs(v)
        if isinstance(v, list): return "[" + ",".join(canon(x) for x in v) + "]"
        if isinstance(v, dict): return "{" + ",".join(hexs(k) + ":" + canon(x) for k, x in v.items()) + "}"
        raise TypeError(str(type(v)))

    def check(raw):
        if any(b < 0x20 for b in raw): return "bad raw control byte"
        text = raw.decode("utf-8")
        if len(text.splitlines()) != 1: return "bad splitlines gives %d lines" % len(text.splitlines())
        obj = json.loads(text, parse_constant=reject_constant, object_pairs_hook=unique)
        if not isinstance(obj, dict): return "bad not an object"
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", obj.pop("timestamp", "")): return "bad timestamp"
        if not isinstance(obj.pop("source", None), dict): return "bad source"
        return "ok " + canon(obj)

    data = open(sys.argv[1], "rb").read()
    if not data.endswith(b"\n"): sys.exit("the last line has no newline")
    with open(sys.argv[2], "w") as out:
        for raw in data[:-1].split(b"\n"):
            try:
                out.write(check(raw) + "\n")
            except Exception as e:
                out.write("bad " + type(e).__name__ + ": " + str(e).replace("\n", " ") + "\n")
    """#

    @Test(.enabled(if: python3Available, "needs python3 on PATH"), .timeLimit(.minutes(2)))
    func pythonsJSONParserAcceptsEveryLineAndReadsTheSameValues() async throws {
        let h = LogHarness(redaction: .none)
        var generator = FieldGenerator(g: SeededGenerator(seed: 0x5EED_1003))
        var generated: [GeneratedLine] = []
        for i in 0..<500 {
            let line = GeneratedLine.make(using: &generator, hugeStrings: i == 0)
            generated.append(line)
            h.logger.info(line.message, line.fields)
        }
        _ = await h.objects()
        let lines = h.logs.lines
        try #require(lines.count == generated.count)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trail-enc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("check_lines.py")
        let input = directory.appendingPathComponent("lines.jsonl")
        let output = directory.appendingPathComponent("canonical.txt")
        try Data(Self.pythonChecker.utf8).write(to: script)
        try Data(lines.joined().utf8).write(to: input)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, input.path, output.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("python3 did not finish within 60 s")
            return
        }
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(process.terminationStatus == 0, "python3 failed: \(stderr)")

        let results = String(decoding: try Data(contentsOf: output), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        try #require(results.count == generated.count)
        for (index, (result, expected)) in zip(results, generated).enumerated() {
            #expect(result == "ok " + expected.canonical, "line \(index): \(result.prefix(300)) vs \(lines[index].prefix(300))")
        }
    }
}
