import Foundation
import Testing
@testable import Trail

/// The fuzz targets' property checks (FuzzChecks/) run on every committed seed of Fuzz/corpus, so
/// `swift test` exercises the corpus too, and on the inputs fuzzing found that once broke a property.
@Suite struct FuzzRegressionTests {
    /// The targets of Fuzz/run.sh and their checks.
    static let targets: [(name: String, check: @Sendable ([UInt8]) throws(FuzzFailure) -> Void)] = [
        ("traceparent", FuzzChecks.traceContext),
        ("baggage", FuzzChecks.baggage),
        ("b3", FuzzChecks.b3),
        ("jaeger", FuzzChecks.jaeger),
        ("json-line", FuzzChecks.jsonLine),
        ("json-scan", FuzzChecks.jsonScan),
    ]

    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/corpus").standardizedFileURL

    /// Runs `check` on `input`, recording a failed property as an issue.
    static func run(_ target: String, _ input: [UInt8], label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let check = targets.first(where: { $0.name == target })?.check else {
            Issue.record("no target \(target)", sourceLocation: sourceLocation)
            return
        }
        do {
            try check(input)
        } catch {
            Issue.record("\(target)/\(label): \(error)", sourceLocation: sourceLocation)
        }
    }

    /// json-line: a nested `LogFields` with a repeated key was written with the key twice
    /// (`{"message":true,"message":false}`); the last value alone must be written, as on the top level.
    /// The input: level info, no span, empty message, no bound fields, one call field `a` holding
    /// an object with `message: true` then `message: false`.
    @Test func nestedObjectWithARepeatedKeyKeepsTheLastValueOnly() throws {
        let input: [UInt8] = [2, 0, 0, 0, 1, 1, 1, 0, 15, 13, 2, 0, 0, 9, 1, 0, 0, 0, 9, 0, 0]
        Self.run("json-line", input, label: "nested repeated key")

        let nested: LogFields = ["message": true, "id": 1, "message": false]
        let line = FuzzChecks.encodeLine(
            logger: FuzzChecks.lineLogger, level: .info, message: "m", fields: ["a": nested], context: Context())
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.contains(#""a":{"id":1,"message":false}"#), "\(text)")
    }

    /// json-line: fields bound with `Logger.with` that are written under the same key (`fields.message`
    /// and the reserved `message`, which becomes `fields.message`) were both written. The input (as
    /// the fuzzer found it): bound fields `fields.message`, …, `message`.
    @Test func boundFieldsWrittenUnderOneKeyKeepTheLastValueOnly() throws {
        let input: [UInt8] = [
            0x02, 0x00, 0x00, 0x02, 0x01, 0x0D, 0x03, 0x00, 0x03, 0x00, 0x0C, 0x04, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFF, 0xFF, 0xFF, 0x07, 0x05, 0x09, 0x01, 0x0A, 0x00, 0x00, 0x01, 0x00, 0x00,
        ]
        Self.run("json-line", input, label: "bound reserved key")

        let logger = FuzzChecks.lineLogger.with(["level": 1, "fields.level": 2, "message": "a", "fields.message": "b"])
        let line = String(decoding: FuzzChecks.encodeLine(logger: logger, level: .info, message: "m", fields: [:], context: Context()), as: UTF8.self)
        #expect(line.components(separatedBy: #""fields.level":"#).count == 2 && line.contains(#""fields.level":2"#), "\(line)")
        #expect(line.components(separatedBy: #""fields.message":"#).count == 2 && line.contains(#""fields.message":"b""#), "\(line)")
    }

    /// json-scan (a flaw of the check, not of the scanner): Foundation guesses UTF-16 or UTF-32 from
    /// zero bytes at the start, as JSON's old encoding detection does, and read `\0{\0}{` as the
    /// UTF-16 text `{}`. JSON text in UTF-8 holds no zero byte anywhere (outside strings only
    /// whitespace may appear, and a string must escape control characters), so the scanner rightly
    /// refuses it and the check no longer compares such inputs.
    @Test func inputsFoundationReadsAsUTF16AreNotComparedWithTheScanner() {
        let input: [UInt8] = [0x00, 0x7B, 0x00, 0x7D, 0x7B]
        Self.run("json-scan", input, label: "UTF-16 guess")
        #expect(input.withUnsafeBytes { JSONLineScanner.fields($0) } == nil)
        #expect(FuzzChecks.scannerIsRequiredToRead(input) == false)
    }

    @Test(arguments: ["traceparent", "baggage", "b3", "jaeger", "json-line", "json-scan"])
    func everyCommittedSeedKeepsTheProperties(target: String) throws {
        let directory = Self.corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names.count >= 8, "the seed corpus of \(target) is nearly empty")
        for name in names {
            let input = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
            Self.run(target, input, label: name)
        }
    }
}
