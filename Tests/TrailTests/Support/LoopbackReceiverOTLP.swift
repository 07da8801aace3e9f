import Foundation
@testable import Trail

extension RequestValidator {
    /// An OTLP/HTTP collector (PROTOCOLS.md §3.1–3.4): `POST /v1/traces` or `/v1/logs` (else 404),
    /// `application/x-protobuf` or `application/json` (else 415), a body of at most 64 MiB (else 413)
    /// that decodes as the signal's request: protobuf whose spans have 16-byte trace ids and 8-byte
    /// span ids (log records: 16 and 8 bytes, or none), or JSON whose ids are 32 and 16 hex digits.
    /// Valid requests get 200 with an empty response in the request's content type.
    static var otlp: RequestValidator {
        var validator = RequestValidator(name: "otlp") { request in
            func bad(_ message: String) -> ScriptedAnswer { .status(400, body: message) }
            if request.method != "POST" { return .status(405, body: "use POST") }
            guard request.path == "/v1/traces" || request.path == "/v1/logs" else { return .status(404, body: "not found: \(request.path)") }
            let traces = request.path == "/v1/traces"
            let mediaType = request.header("Content-Type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard let body = try? request.decodedBody() else { return bad("the body cannot be decoded per Content-Encoding") }
            if body.count > 64 << 20 { return .status(413, body: "request larger than 64 MiB") }
            switch mediaType {
            case "application/x-protobuf":
                do { try checkProtobuf(body, traces: traces) } catch { return bad("invalid protobuf request: \(error)") }
            case "application/json":
                if let problem = checkJSON(body, traces: traces) { return bad("invalid JSON request: \(problem)") }
            default:
                return .status(415, body: "Content-Type must be application/x-protobuf or application/json")
            }
            return nil
        }
        validator.accept = { request in
            let json = request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true
            return .status(200, headers: [("Content-Type", json ? "application/json" : "application/x-protobuf")], body: json ? "{}" : "")
        }
        return validator
    }

    /// The length-delimited values of field `wanted` in a protobuf message.
    private static func messages(_ bytes: ArraySlice<UInt8>, field wanted: Int) throws -> [ArraySlice<UInt8>] {
        var reader = ProtobufReader(bytes)
        var found: [ArraySlice<UInt8>] = []
        while let (field, value) = try reader.next() {
            if field == wanted {
                guard case .bytes(let inner) = value else { throw ReceiverFailure("field \(field) is not length-delimited") }
                found.append(inner)
            }
        }
        return found
    }

    /// The spans or log records of an `ExportTraceServiceRequest` / `ExportLogsServiceRequest`:
    /// resource (field 1) → scope (2) → item (2), the same numbers for both signals (PROTOCOLS.md §3.2).
    static func otlpItems(_ body: [UInt8]) throws -> [ArraySlice<UInt8>] {
        var items: [ArraySlice<UInt8>] = []
        for resource in try messages(body[...], field: 1) {
            for scope in try messages(resource, field: 2) { items += try messages(scope, field: 2) }
        }
        return items
    }

    /// Checks the id lengths of each span or log record.
    private static func checkProtobuf(_ body: [UInt8], traces: Bool) throws {
        for (index, item) in try otlpItems(body).enumerated() {
            let number = index + 1
            let (traceField, spanField) = traces ? (1, 2) : (9, 10)
            let traceIDs = try messages(item, field: traceField), spanIDs = try messages(item, field: spanField)
            if traces {
                guard traceIDs.count == 1, traceIDs[0].count == 16 else { throw ReceiverFailure("span \(number): trace_id must be 16 bytes") }
                guard spanIDs.count == 1, spanIDs[0].count == 8 else { throw ReceiverFailure("span \(number): span_id must be 8 bytes") }
            } else {
                guard traceIDs.allSatisfy({ $0.count == 16 }) else { throw ReceiverFailure("log record \(number): trace_id must be 16 bytes or absent") }
                guard spanIDs.allSatisfy({ $0.count == 8 }) else { throw ReceiverFailure("log record \(number): span_id must be 8 bytes or absent") }
            }
        }
    }

    /// The same checks on OTLP/JSON: `resourceSpans[].scopeSpans[].spans[]` with hex ids.
    private static func checkJSON(_ body: [UInt8], traces: Bool) -> String? {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return "not a JSON object" }
        let (resourceKey, scopeKey, itemKey) = traces ? ("resourceSpans", "scopeSpans", "spans") : ("resourceLogs", "scopeLogs", "logRecords")
        func hex(_ value: Any?, length: Int) -> Bool {
            guard let text = value as? String, text.utf8.count == length else { return false }
            return text.allSatisfy(\.isHexDigit)
        }
        for resource in root[resourceKey] as? [[String: Any]] ?? [] {
            for scope in resource[scopeKey] as? [[String: Any]] ?? [] {
                for item in scope[itemKey] as? [[String: Any]] ?? [] {
                    if traces {
                        guard hex(item["traceId"], length: 32), hex(item["spanId"], length: 16) else { return "span ids must be 32 and 16 hex digits" }
                    } else {
                        if item["traceId"] != nil, !hex(item["traceId"], length: 32) { return "traceId must be 32 hex digits" }
                        if item["spanId"] != nil, !hex(item["spanId"], length: 16) { return "spanId must be 16 hex digits" }
                    }
                }
            }
        }
        return nil
    }
}
