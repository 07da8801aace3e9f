// Small byte-level helpers shared by the header parsers: optional whitespace, RFC 7230 tokens,
// ASCII case-insensitive comparison and percent encoding.

extension Substring.UTF8View {
    /// Calls `body` with each `,`-separated member in order (empty ones included), until it returns
    /// `false`. Lazy, unlike `split`: a huge header costs no array of pieces, and the caller can stop
    /// at its limit.
    func forEachListMember(_ body: (Substring.UTF8View) -> Bool) {
        var start = startIndex
        while true {
            let end = self[start...].firstIndex(of: UInt8(ascii: ",")) ?? endIndex
            guard body(self[start..<end]), end != endIndex else { return }
            start = index(after: end)
        }
    }

    /// Drops optional whitespace (SP and HTAB) from both ends.
    func trimmingOWS() -> Substring.UTF8View {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == 0x20 || self[start] == 0x09 { start = index(after: start) }
        while end > start {
            let before = index(before: end)
            guard self[before] == 0x20 || self[before] == 0x09 else { break }
            end = before
        }
        return self[start..<end]
    }
}

enum HeaderSyntax {
    /// `true` for an RFC 7230 `tchar`: `!#$%&'*+-.^_`|~`, digits and letters.
    static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// `true` when `bytes` is a non-empty RFC 7230 `token`.
    static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isTokenChar)
    }

    /// `true` when the two names are equal ignoring ASCII case (HTTP header names).
    static func namesEqual(_ a: String, _ b: String) -> Bool {
        var ia = a.utf8.makeIterator()
        var ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return true
            case let (x?, y?) where lowercased(x) == lowercased(y): continue
            default: return false
            }
        }
    }

    /// `true` when `name` starts with `prefix`, ignoring ASCII case.
    static func name(_ name: String, hasPrefix prefix: String) -> Bool {
        var it = name.utf8.makeIterator()
        for p in prefix.utf8 {
            guard let c = it.next(), lowercased(c) == lowercased(p) else { return false }
        }
        return true
    }

    @inline(__always)
    static func lowercased(_ c: UInt8) -> UInt8 {
        c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c | 0x20 : c
    }

    // MARK: Percent encoding

    private static let upperHex: StaticString = "0123456789ABCDEF"

    /// Percent-encodes every UTF-8 byte of `text` for which `isAllowed` is `false`, as `%XX` with
    /// uppercase hex digits.
    static func percentEncode(_ text: String, allowing isAllowed: (UInt8) -> Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        let table = upperHex.utf8Start
        for c in text.utf8 {
            if isAllowed(c) {
                bytes.append(c)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(table[Int(c >> 4)])
                bytes.append(table[Int(c & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes `%XX` escapes (either case). A `%` not followed by two hex digits is kept as it is.
    /// Bytes that are not valid UTF-8 become U+FFFD. `+` is not a space.
    static func percentDecode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        guard input.contains(UInt8(ascii: "%")) else { return String(decoding: input, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "%"), i + 2 < input.count,
               let high = Hex.nibble(input[i + 1], allowUppercase: true),
               let low = Hex.nibble(input[i + 2], allowUppercase: true) {
                output.append(UInt8(high << 4 | low))
                i += 3
            } else {
                output.append(input[i])
                i += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Like ``percentDecode(_:)`` but `nil` when a `%` is not followed by two hex digits.
    static func strictPercentDecode(_ text: some StringProtocol) -> String? {
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%") {
                guard i + 2 < bytes.count,
                      Hex.nibble(bytes[i + 1], allowUppercase: true) != nil,
                      Hex.nibble(bytes[i + 2], allowUppercase: true) != nil
                else { return nil }
                i += 3
            } else {
                i += 1
            }
        }
        return percentDecode(bytes)
    }

    /// URI unreserved characters (RFC 3986): letters, digits, `-`, `.`, `_`, `~`.
    static func isUnreserved(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
