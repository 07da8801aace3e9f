#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads configuration variables with OpenTelemetry's rules: an empty value is unset, enum values
/// are case-insensitive, only `true` (any case) is true, durations are integer milliseconds.
/// Invalid values are reported once on stderr and ignored, never a crash.
public struct Environment: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String] = Environment.process) { self.values = values }

    /// The variables of this process.
    public static var process: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let pair = String(cString: entry)
            if let eq = pair.firstIndex(of: "=") {
                result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }

    /// The value, with surrounding whitespace trimmed; `nil` when unset or empty.
    public subscript(name: String) -> String? {
        guard let raw = values[name] else { return nil }
        let trimmed = raw.trimmingASCIIWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The first of `names` that is set (signal-specific names before generic ones).
    public func first(_ names: String...) -> (name: String, value: String)? {
        for name in names { if let value = self[name] { return (name, value) } }
        return nil
    }

    /// `true` only for `true` in any case; anything else set is `false`.
    public func bool(_ name: String) -> Bool? {
        self[name].map { $0.lowercased() == "true" }
    }

    /// A non-negative integer number of milliseconds.
    public func milliseconds(_ name: String) -> Duration? {
        guard let text = self[name] else { return nil }
        guard let ms = Int(text), ms >= 0 else {
            Diagnostics.report("\(name)=\(text) is not a whole number of milliseconds; ignored")
            return nil
        }
        return .milliseconds(ms)
    }

    /// A positive integer.
    public func positiveInt(_ name: String) -> Int? {
        guard let text = self[name] else { return nil }
        guard let n = Int(text), n > 0 else {
            Diagnostics.report("\(name)=\(text) is not a positive whole number; ignored")
            return nil
        }
        return n
    }
}

extension StringProtocol {
    /// Drops leading and trailing spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
