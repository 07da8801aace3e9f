import Foundation
import Synchronization
import Trail

/// Writes each ended span as one JSON object per line to a file (or stdout), so a script can
/// check how the spans chain: `service`, `name`, `kind`, `trace_id`, `span_id`, `trace_flags`,
/// `parent_span_id`, `status`, start and end times, `attributes` and `events` (name and time).
///
/// A real deployment sends spans to Jaeger, Tempo or a collector with `OTLPSpanExporter`; this
/// exporter keeps the example self-contained. Both services share one instance.
final class SpanFileExporter: SynchronousDestination {
    typealias Record = SpanData

    private let handle: Mutex<FileHandle>

    /// Appends to `path` (created if missing); `nil` writes to stdout.
    init(path: String?) throws {
        if let path {
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw ExampleFailure("cannot create the span file \(path)")
                }
            }
            let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            file.seekToEndOfFile()
            handle = Mutex(file)
        } else {
            handle = Mutex(FileHandle.standardOutput)
        }
    }

    func writeSynchronously(_ batch: [SpanData]) throws {
        var bytes = Data()
        for span in batch {
            bytes.append(try JSONSerialization.data(withJSONObject: Self.object(span), options: [.sortedKeys]))
            bytes.append(UInt8(ascii: "\n"))
        }
        try handle.withLock { try $0.write(contentsOf: bytes) }
    }

    static func object(_ span: SpanData) -> [String: Any] {
        var attributes: [String: Any] = [:]
        for (key, value) in span.attributes { attributes[key] = json(value) }
        let status: String = switch span.status {
        case .unset: "unset"
        case .ok: "ok"
        case .error: "error"
        }
        return [
            "service": span.resource.serviceName,
            "name": span.name,
            "kind": "\(span.kind)",
            "trace_id": span.context.traceID.hexString,
            "span_id": span.context.spanID.hexString,
            "trace_flags": span.context.traceFlags.hexString,
            "parent_span_id": span.parentSpanID?.hexString ?? NSNull(),
            "status": status,
            "start_unix_nano": span.startTimeUnixNano,
            "end_unix_nano": span.endTimeUnixNano,
            "attributes": attributes,
            "events": span.events.map { ["name": $0.name, "time_unix_nano": $0.timeUnixNano] as [String: Any] },
        ]
    }

    static func json(_ value: AttributeValue) -> Any {
        switch value {
        case .string(let v): v
        case .int(let v): v
        case .double(let v): v
        case .bool(let v): v
        case .stringArray(let v): v
        case .intArray(let v): v
        case .doubleArray(let v): v
        case .boolArray(let v): v
        }
    }
}

struct ExampleFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
