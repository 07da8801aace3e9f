import Foundation

/// Loki's push API rules (PROTOCOLS.md §5.1, §5.3, §5.5) as a receiver validator.
extension RequestValidator {
    /// Loki limits the validator enforces.
    enum LokiLimits {
        static let maxLabelNames = 15
        static let maxLabelNameLength = 1024
        static let maxLabelValueLength = 2048
        /// `max_line_size` "256KB"; the lower reading (256,000 bytes) is enforced.
        static let maxLineBytes = 256_000
        static let maxTenantLength = 150
        /// `max_structured_metadata_size` (64 KB, read as 64,000 bytes) and `…_entries_count`.
        static let maxMetadataBytes = 64_000
        static let maxMetadataEntries = 128
    }

    /// `POST /loki/api/v1/push` with a JSON body: answers 400 (or 401 for a missing tenant when
    /// `requireTenant`) to what real Loki refuses, with a message saying what is wrong.
    static func lokiPush(requireTenant: Bool) -> RequestValidator {
        RequestValidator(name: "loki push") { request in
            if request.method != "POST" { return .status(405, body: "method \(request.method) not allowed, use POST") }
            if request.path != "/loki/api/v1/push" { return .status(404, body: "404 page not found: \(request.path)") }
            if let problem = lokiTenantProblem(request, required: requireTenant) { return problem }
            let mediaType = request.header("Content-Type")?.split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            guard let mediaType, !mediaType.isEmpty else { return bad("missing or empty Content-Type header") }
            guard mediaType == "application/json" else {
                return bad("Content-Type \(mediaType) is not the JSON push this validator checks (protobuf is not supported here)")
            }
            let encoding = request.header("Content-Encoding")?.lowercased() ?? ""
            guard ["", "gzip", "deflate"].contains(encoding) else { return bad("Content-Encoding \(encoding) not supported") }
            guard let body = try? request.decodedBody() else { return bad("cannot decompress the \(encoding) body") }
            guard let document = ReceivedJSON.parse(body) else { return bad("the body is not valid JSON") }
            if let problem = lokiStreamsProblem(document) { return bad(problem) }
            return nil
        }
    }

    private static func bad(_ message: String) -> ScriptedAnswer { .status(400, body: message + "\n") }

    private static func lokiTenantProblem(_ request: RecordedRequest, required: Bool) -> ScriptedAnswer? {
        guard let tenant = request.header("X-Scope-OrgID") else {
            return required ? .status(401, body: "no org id\n") : nil
        }
        if tenant.contains("|") { return bad("pushing to several tenants (\(tenant)) is not allowed") }
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!-_.*'()")
        if tenant.isEmpty || tenant.utf8.count > LokiLimits.maxTenantLength || tenant == "." || tenant == ".."
            || !tenant.allSatisfy(allowed.contains) {
            return bad("tenant ID \"\(tenant)\" is not valid")
        }
        return nil
    }

    /// The first rule the `{"streams":[…]}` document breaks, or `nil`.
    static func lokiStreamsProblem(_ document: ReceivedJSON) -> String? {
        guard let streams = document["streams"]?.array else { return "the body has no \"streams\" array" }
        for (index, stream) in streams.enumerated() {
            guard let labels = stream["stream"]?.members else { return "stream \(index) has no \"stream\" label object" }
            if let problem = lokiLabelsProblem(labels) { return "stream \(index): \(problem)" }
            guard let values = stream["values"]?.array else { return "stream \(index) has no \"values\" array" }
            for (entry, value) in values.enumerated() {
                if let problem = lokiEntryProblem(value) { return "stream \(index) entry \(entry): \(problem)" }
            }
        }
        return nil
    }

    static func lokiLabelsProblem(_ labels: [ReceivedJSON.Member]) -> String? {
        if labels.isEmpty { return "at least one label pair is required per stream" }
        if labels.count > LokiLimits.maxLabelNames {
            return "\(labels.count) label names, more than the limit of \(LokiLimits.maxLabelNames)"
        }
        var seen: Set<String> = []
        for label in labels {
            guard let value = label.value.string else { return "label \(label.key) has a value that is not a string" }
            if !isLokiLabelName(label.key) { return "invalid label name \"\(label.key)\": it must match [a-zA-Z_:][a-zA-Z0-9_:]*" }
            if label.key.utf8.count > LokiLimits.maxLabelNameLength { return "label name longer than \(LokiLimits.maxLabelNameLength) bytes" }
            if value.utf8.count > LokiLimits.maxLabelValueLength { return "label \(label.key) has a value longer than \(LokiLimits.maxLabelValueLength) bytes" }
            if !seen.insert(label.key).inserted { return "duplicate label name \"\(label.key)\"" }
        }
        return nil
    }

    static func isLokiLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func letter(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") || c == UInt8(ascii: "_") || c == UInt8(ascii: ":") }
        return letter(first) && name.utf8.allSatisfy { letter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func lokiEntryProblem(_ entry: ReceivedJSON) -> String? {
        guard let parts = entry.array, parts.count == 2 || parts.count == 3 else {
            return "an entry must be [\"<ns timestamp>\", \"<line>\"] or with a structured-metadata object third"
        }
        guard let timestamp = parts[0].string else { return "the timestamp must be sent as a string, not a number" }
        guard !timestamp.isEmpty, timestamp.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return "timestamp \"\(timestamp)\" is not a number of nanoseconds"
        }
        guard let line = parts[1].string else { return "the line must be a string" }
        if line.utf8.count > LokiLimits.maxLineBytes {
            return "line of \(line.utf8.count) bytes is longer than max_line_size \(LokiLimits.maxLineBytes)"
        }
        if parts.count == 3 {
            guard let metadata = parts[2].members else { return "structured metadata must be an object" }
            for member in metadata where member.value.string == nil {
                return "structured metadata \(member.key) must be a string (no nested objects)"
            }
            if metadata.count > LokiLimits.maxMetadataEntries {
                return "\(metadata.count) structured metadata entries, more than the limit of \(LokiLimits.maxMetadataEntries)"
            }
            let size = metadata.reduce(0) { $0 + $1.key.utf8.count + ($1.value.string?.utf8.count ?? 0) }
            if size > LokiLimits.maxMetadataBytes {
                return "structured metadata of \(size) bytes is larger than the limit of \(LokiLimits.maxMetadataBytes)"
            }
        }
        return nil
    }
}
