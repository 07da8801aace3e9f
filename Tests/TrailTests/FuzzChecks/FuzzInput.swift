// Shared by the fuzz targets (Fuzz/run.sh compiles this directory into each of them) and by
// FuzzRegressionTests, which runs the committed seed corpus through the same checks. Foundation and
// Trail only: no Testing here.

@testable import Trail

/// A broken property: the fuzz targets turn it into a crash (`fatalError`), the tests into an issue.
struct FuzzFailure: Error, CustomStringConvertible {
    let description: String
}

/// Throws a ``FuzzFailure`` with `message` unless `condition` holds.
@inline(__always)
func fuzzRequire(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzFailure) {
    if !condition { throw FuzzFailure(description: message()) }
}

/// The body of every fuzz target's `LLVMFuzzerTestOneInput`: runs `check` on the input and stops
/// with `fatalError` on a broken property, which libFuzzer reports as a crash with its input.
func runFuzzTarget(_ name: String, _ data: UnsafePointer<UInt8>, _ size: Int, _ check: ([UInt8]) throws(FuzzFailure) -> Void) -> CInt {
    do {
        try check(Array(UnsafeBufferPointer(start: data, count: size)))
    } catch {
        fatalError("\(name): property violated: \(error)")
    }
    return 0
}

/// A fuzzer's bytes read as a sequence of choices. Past the end every read gives zero bytes, so any
/// input is a complete program.
struct FuzzInput {
    let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// A number in `0..<bound` (`bound` at most 256).
    mutating func choice(_ bound: Int) -> Int { Int(byte()) % bound }

    /// Eight bytes, little-endian.
    mutating func uint64() -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { value |= UInt64(byte()) << UInt64(shift) }
        return value
    }

    /// Up to `limit` raw bytes: a length byte, then that many bytes (fewer at the end of the input).
    mutating func chunk(limit: Int) -> [UInt8] {
        let count = min(Int(byte()), limit, bytes.count - min(position, bytes.count))
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    /// `bytes` split on `\n` into at most `limit` pieces (the last keeps any further `\n`).
    static func lines(_ bytes: [UInt8], limit: Int) -> [[UInt8]] {
        bytes.split(separator: 0x0A, maxSplits: limit - 1, omittingEmptySubsequences: false).map(Array.init)
    }

    /// A header list from `name:value` lines (a line without `:` is a name with an empty value);
    /// names and values are decoded as UTF-8, invalid sequences becoming U+FFFD.
    static func headers(_ bytes: [UInt8], limit: Int) -> HTTPHeaderList {
        var headers = HTTPHeaderList()
        for line in lines(bytes, limit: limit) {
            let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
            let value = colon < line.endIndex ? line[(colon + 1)...] : []
            headers.append(lossyText(line[..<colon]), lossyText(value))
        }
        return headers
    }
}

/// Bytes decoded as UTF-8, invalid sequences becoming U+FFFD.
func lossyText(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

/// `text` with SP and HTAB removed from both ends, as bytes.
func trimmedOWS(_ text: String) -> [UInt8] {
    var bytes = Array(text.utf8)[...]
    while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
    while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
    return Array(bytes)
}

/// `true` when every byte is a hex digit (lowercase only unless `uppercase`).
func isHex(_ bytes: some Collection<UInt8>, uppercase: Bool) -> Bool {
    bytes.allSatisfy { c in
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (uppercase && c >= 0x41 && c <= 0x46)
    }
}

/// Lowercase hex text left-padded with zeros to `width` characters.
func paddedLowerHex(_ bytes: some Collection<UInt8>, width: Int) -> String {
    let lower = bytes.map { $0 >= 0x41 && $0 <= 0x46 ? $0 | 0x20 : $0 }
    return String(repeating: "0", count: max(0, width - lower.count)) + lossyText(lower)
}

/// `true` when `text` is non-empty and all zeros.
func isAllZeros(_ text: String) -> Bool { !text.isEmpty && text.utf8.allSatisfy { $0 == UInt8(ascii: "0") } }
