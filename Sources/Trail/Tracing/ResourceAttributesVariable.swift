/// Parses the `OTEL_RESOURCE_ATTRIBUTES` variable.
///
/// The specification (`specification/resource/sdk.md`): the value is `key1=value1,key2=value2`, in
/// the W3C Baggage format without `;` properties; all values are strings; "The , and = characters in
/// keys and values MUST be percent encoded"; and "In case of any error, e.g. failure during the
/// decoding process, the entire environment variable value SHOULD be discarded and an error SHOULD
/// be reported".
///
/// What counts as an error here: a member without `=`, an empty key, a `%` not followed by two hex
/// digits, or decoded bytes that are not UTF-8. Lenient on purpose: empty members are skipped, a
/// member is split at its first `=` (so an unencoded `=` in a value is kept), and `+` stays `+`
/// (this is percent-encoding, not form encoding).
enum ResourceAttributesVariable {
    /// The decoded pairs in their order, or `nil` after reporting why the whole value is discarded.
    static func parse(_ text: String, report: (String) -> Void) -> [(key: String, value: String)]? {
        var pairs: [(key: String, value: String)] = []
        for member in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmedMember = member.trimmingASCIIWhitespace()
            if trimmedMember.isEmpty { continue }
            guard let eq = trimmedMember.firstIndex(of: "=") else {
                report(discarded(text, because: "member '\(trimmedMember)' has no '='"))
                return nil
            }
            let rawKey = trimmedMember[..<eq].trimmingASCIIWhitespace()
            let rawValue = trimmedMember[trimmedMember.index(after: eq)...].trimmingASCIIWhitespace()
            guard let key = percentDecoded(rawKey) else {
                report(discarded(text, because: "key '\(rawKey)' is not valid percent-encoded UTF-8"))
                return nil
            }
            guard !key.isEmpty else {
                report(discarded(text, because: "member '\(trimmedMember)' has an empty key"))
                return nil
            }
            guard let value = percentDecoded(rawValue) else {
                report(discarded(text, because: "value '\(rawValue)' is not valid percent-encoded UTF-8"))
                return nil
            }
            pairs.append((key, value))
        }
        return pairs
    }

    /// `text` with every `%XX` replaced by its byte; `nil` for a bad escape or invalid UTF-8.
    static func percentDecoded(_ text: String) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func discarded(_ text: String, because reason: String) -> String {
        "OTEL_RESOURCE_ATTRIBUTES=\(text) discarded: \(reason)"
    }
}
