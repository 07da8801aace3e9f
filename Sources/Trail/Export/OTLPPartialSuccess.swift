import Foundation

/// The `partial_success` of an OTLP export response: how many records the server rejected and why.
struct OTLPPartialSuccess: Equatable {
    var rejected: Int64
    var message: String

    /// Reads `Export…ServiceResponse.partial_success` from a response body in protobuf (field 1,
    /// holding `1: int64 rejected_…` and `2: string error_message`) or JSON
    /// (`{"partialSuccess":{"rejectedSpans":"3","errorMessage":"…"}}`, the count a string or a
    /// number). `nil` for an empty body, a body without a partial success, or one that cannot be
    /// read; an empty partial success (nothing rejected, no message) is `nil` too.
    static func parse(_ body: [UInt8], json: Bool, signal: OTLPSignal) -> OTLPPartialSuccess? {
        guard !body.isEmpty else { return nil }
        let result = json ? parseJSON(body, signal: signal) : parseProtobuf(body)
        guard let result, result.rejected != 0 || !result.message.isEmpty else { return nil }
        return result
    }

    private static func parseProtobuf(_ body: [UInt8]) -> OTLPPartialSuccess? {
        var response = ProtobufReader(body[...])
        var found: OTLPPartialSuccess?
        do {
            while let (field, value) = try response.next() {
                guard field == 1, case .bytes(let inner) = value else { continue }
                var partial = found ?? OTLPPartialSuccess(rejected: 0, message: "")
                var reader = ProtobufReader(inner)
                while let (innerField, innerValue) = try reader.next() {
                    switch (innerField, innerValue) {
                    case (1, .integer(let n)): partial.rejected = Int64(bitPattern: n)
                    case (2, .bytes(let text)): partial.message = String(decoding: text, as: UTF8.self)
                    default: continue
                    }
                }
                found = partial
            }
        } catch {
            return nil
        }
        return found
    }

    private static func parseJSON(_ body: [UInt8], signal: OTLPSignal) -> OTLPPartialSuccess? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let partial = (object["partialSuccess"] ?? object["partial_success"]) as? [String: Any]
        else { return nil }
        let countKeys = signal == .traces ? ["rejectedSpans", "rejected_spans"] : ["rejectedLogRecords", "rejected_log_records"]
        var rejected: Int64 = 0
        for key in countKeys {
            if let text = partial[key] as? String, let n = Int64(text) { rejected = n }
            else if let number = partial[key] as? NSNumber { rejected = number.int64Value }
        }
        let message = (partial["errorMessage"] ?? partial["error_message"]) as? String ?? ""
        return OTLPPartialSuccess(rejected: rejected, message: message)
    }
}
