import Foundation
import Testing
@testable import Trail

/// Runs `Python/otlp_decode.py`, which decodes a payload with the official `opentelemetry-proto`
/// classes and prints it in a normalised JSON form (see the script's doc string).
enum OTLPPythonDecoder {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Python/otlp_decode.py")

    static let installHint = ".ci/run installs python3 and the package: python3 -m pip install 'opentelemetry-proto==1.45.2'"

    /// Decodes `payload` as `signal` (`traces` or `logs`) in `encoding` (`protobuf` or `json`).
    /// Throws, naming `.ci/run`, when python3 or the package is missing.
    static func decode<Item: Decodable & Equatable>(
        _ payload: [UInt8], signal: String, encoding: String, as: Item.Type
    ) async throws -> DecodedRequest<Item> {
        let output = try await onOwnThread { try run(payload, signal: signal, encoding: encoding) }
        do {
            return try JSONDecoder().decode(DecodedRequest<Item>.self, from: output)
        } catch {
            throw Failure(description: "cannot read the decoder's output (\(error)): \(String(decoding: output.prefix(2000), as: UTF8.self))")
        }
    }

    /// Blocking: call on a thread of its own. Waits at most 60 s for the process.
    private static func run(_ payload: [UInt8], signal: String, encoding: String) throws -> Data {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trail-otlp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("payload")
        let stdoutFile = directory.appendingPathComponent("stdout")
        let stderrFile = directory.appendingPathComponent("stderr")
        try Data(payload).write(to: input)
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        let out = try FileHandle(forWritingTo: stdoutFile)
        let err = try FileHandle(forWritingTo: stderrFile)
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, signal, encoding, input.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw Failure(description: "otlp_decode.py did not finish within 60 s")
        }
        process.waitUntilExit()
        let stderr = String(decoding: (try? Data(contentsOf: stderrFile)) ?? Data(), as: UTF8.self)
        switch process.terminationStatus {
        case 0: return try Data(contentsOf: stdoutFile)
        case 127: throw Failure(description: "python3 was not found. \(installHint)")
        case 2 where stderr.contains("not installed"): throw Failure(description: "\(stderr.trimmingCharacters(in: .whitespacesAndNewlines)). \(installHint)")
        default: throw Failure(description: "otlp_decode.py failed (status \(process.terminationStatus)): \(stderr)")
        }
    }
}

// MARK: The decoder's normalised output

struct DecodedRequest<Item: Decodable & Equatable>: Decodable {
    /// Protobuf only: the reference serializer writes exactly the bytes we sent.
    var canonical: Bool?
    var issues: [String]
    var resources: [DecodedResourceGroup<Item>]
}

extension DecodedRequest {
    /// Expects the decoder saw no issues and every resource, scope and item equals `expected`, in
    /// order; `name` labels a mismatching item.
    func expectMatches(_ expected: [DecodedResourceGroup<Item>], name: (Item) -> String) {
        #expect(issues == [])
        #expect(resources.count == expected.count)
        for (got, want) in zip(resources, expected) {
            #expect(got.resource == want.resource)
            #expect(got.scopes.count == want.scopes.count)
            for (gotScope, wantScope) in zip(got.scopes, want.scopes) {
                #expect(gotScope.scope == wantScope.scope)
                #expect(gotScope.items.count == wantScope.items.count)
                for (gotItem, wantItem) in zip(gotScope.items, wantScope.items) {
                    #expect(gotItem == wantItem, "\(name(wantItem))")
                }
            }
        }
    }
}

struct DecodedResourceGroup<Item: Decodable & Equatable>: Decodable, Equatable {
    var resource: DecodedResource
    var schemaUrl: String = ""
    var scopes: [DecodedScopeGroup<Item>]
}

struct DecodedResource: Decodable, Equatable {
    var attributes: [DecodedKeyValue]
    var droppedAttributesCount: Int = 0
}

struct DecodedScopeGroup<Item: Decodable & Equatable>: Decodable, Equatable {
    var scope: DecodedScope
    var schemaUrl: String = ""
    var items: [Item]
}

struct DecodedScope: Decodable, Equatable {
    var name: String
    var version: String
    var attributes: [DecodedKeyValue] = []
}

struct DecodedKeyValue: Decodable, Equatable {
    var key: String
    var value: DecodedValue
}

/// An `AnyValue` with its type; doubles as their bit pattern so that every value compares exactly.
indirect enum DecodedValue: Decodable, Equatable {
    case none
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(bits: UInt64)
    case array([DecodedValue])
    case kvlist([DecodedKeyValue])
    case bytes(hex: String)

    enum CodingKeys: String, CodingKey { case type, value }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "none": self = .none
        case "string": self = .string(try c.decode(String.self, forKey: .value))
        case "bool": self = .bool(try c.decode(Bool.self, forKey: .value))
        case "int": self = .int(Int64(try c.decode(String.self, forKey: .value))!)
        case "double": self = .double(bits: UInt64(try c.decode(String.self, forKey: .value), radix: 16)!)
        case "array": self = .array(try c.decode([DecodedValue].self, forKey: .value))
        case "kvlist": self = .kvlist(try c.decode([DecodedKeyValue].self, forKey: .value))
        case "bytes": self = .bytes(hex: try c.decode(String.self, forKey: .value))
        case let other: throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown AnyValue type \(other)")
        }
    }

    /// What an attribute value should decode to.
    init(_ value: AttributeValue) {
        switch value {
        case .string(let s): self = .string(s)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(bits: d.bitPattern)
        case .bool(let b): self = .bool(b)
        case .stringArray(let a): self = .array(a.map { .string($0) })
        case .intArray(let a): self = .array(a.map { .int($0) })
        case .doubleArray(let a): self = .array(a.map { .double(bits: $0.bitPattern) })
        case .boolArray(let a): self = .array(a.map { .bool($0) })
        }
    }
}

extension [DecodedKeyValue] {
    init(_ attributes: Attributes) {
        self = attributes.map { DecodedKeyValue(key: $0.key, value: DecodedValue($0.value)) }
    }
}

// MARK: Checks of the harness itself

@Suite struct OTLPPythonDecoderTests {
    /// The span golden vector of PROTOCOLS.md §3.2 (made by Python protobuf 7.36.2).
    static let goldenSpan = "0a88010a170a150a0c736572766963652e6e616d6512050a03737663126d0a050a036c696212640a104bf92f3577b34da6a3ce929d0e0e4736120800f067aa0ba902b72a06474554202f7830023900002a36fe9c97174140423936fe9c97174a200a19687474702e726573706f6e73652e7374617475735f636f6465120318c8017a021801850101010000"

    @Test func theGoldenSpanIsWrittenByteForByte() async throws {
        let span = SpanData(
            context: SpanContext(
                traceID: TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736")!, spanID: SpanID(hex: "00f067aa0ba902b7")!,
                traceFlags: .sampled),
            parentSpanID: nil, parentIsRemote: nil, name: "GET /x", kind: .server,
            startTimeUnixNano: 1_700_000_000_000_000_000, endTimeUnixNano: 1_700_000_000_001_000_000,
            attributes: ["http.response.status_code": 200], droppedAttributesCount: 0, events: [], droppedEventsCount: 0,
            links: [], droppedLinksCount: 0, status: .ok, resource: Resource(attributes: ["service.name": "svc"]),
            scope: InstrumentationScope(name: "lib"))
        let bytes = OTLPTraceProtobuf.encode([span])
        #expect(bytes.map { String(format: "%02x", $0) }.joined() == Self.goldenSpan)
    }

    @Test(.timeLimit(.minutes(2)))
    func theDecoderReadsTheGoldenSpan() async throws {
        let bytes = stride(from: 0, to: Self.goldenSpan.count, by: 2).map { offset -> UInt8 in
            let start = Self.goldenSpan.index(Self.goldenSpan.startIndex, offsetBy: offset)
            return UInt8(Self.goldenSpan[start..<Self.goldenSpan.index(start, offsetBy: 2)], radix: 16)!
        }
        let decoded = try await OTLPPythonDecoder.decode(bytes, signal: "traces", encoding: "protobuf", as: DecodedSpan.self)
        #expect(decoded.canonical == true)
        #expect(decoded.issues.isEmpty)
        let span = try #require(decoded.resources.first?.scopes.first?.items.first)
        #expect(span.name == "GET /x")
        #expect(span.flags == 0x101)
        #expect(span.attributes == [DecodedKeyValue(key: "http.response.status_code", value: .int(200))])
    }
}
