import Foundation
@testable import Trail

extension RequestValidator {
    /// Zipkin's `POST /api/v2/spans` (PROTOCOLS.md §7): a JSON array of spans, each with a
    /// `traceId` of 16 or 32 lowercase hex digits, a 16-digit `id` (and `parentId`), a known `kind`
    /// if any, integer microsecond `timestamp`/`duration` (duration ≥ 1), string-only `tags`, and no
    /// endpoint with port 0. Valid requests get 202, as from Zipkin.
    static var zipkinSpans: RequestValidator {
        RequestValidator(name: "zipkin spans") { request in
            func bad(_ message: String) -> ScriptedAnswer { .status(400, body: message) }
            if request.method != "POST" { return .status(405, body: "use POST") }
            if request.path != "/api/v2/spans" { return .status(404, body: "not found: \(request.path)") }
            guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
                return .status(415, body: "Content-Type must be application/json")
            }
            guard let body = try? request.decodedBody(),
                  let spans = (try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]] else {
                return bad("body is not a JSON array of span objects")
            }
            func hex(_ value: Any?, lengths: Set<Int>) -> Bool {
                guard let text = value as? String, lengths.contains(text.utf8.count) else { return false }
                return text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
            }
            func integer(_ value: Any?) -> Int64? {
                guard let number = value as? NSNumber, !["d", "f"].contains(String(cString: number.objCType)) else { return nil }
                return number.int64Value
            }
            for span in spans {
                guard hex(span["traceId"], lengths: [16, 32]) else { return bad("traceId must be 16 or 32 lowercase hex digits") }
                guard hex(span["id"], lengths: [16]) else { return bad("id must be 16 lowercase hex digits") }
                if span["parentId"] != nil, !hex(span["parentId"], lengths: [16]) { return bad("parentId must be 16 lowercase hex digits") }
                if let kind = span["kind"], !["CLIENT", "SERVER", "PRODUCER", "CONSUMER"].contains(kind as? String ?? "") {
                    return bad("unknown kind \(kind)")
                }
                if span["timestamp"] != nil, integer(span["timestamp"]) == nil { return bad("timestamp must be integer microseconds") }
                if span["duration"] != nil, (integer(span["duration"]) ?? 0) < 1 { return bad("duration must be an integer ≥ 1 µs") }
                if let tags = span["tags"] {
                    guard let tags = tags as? [String: Any], tags.values.allSatisfy({ $0 is String }) else {
                        return bad("tags must map strings to strings")
                    }
                }
                for key in ["localEndpoint", "remoteEndpoint"] {
                    if let endpoint = span[key] as? [String: Any], let port = endpoint["port"], integer(port) == 0 {
                        return bad("\(key).port must not be 0")
                    }
                }
            }
            return nil
        }
    }
}
