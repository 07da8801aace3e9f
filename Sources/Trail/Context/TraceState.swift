/// W3C `tracestate`: an ordered list of vendor key/value pairs that travels with `traceparent`.
///
/// Follows the grammar of the current W3C Trace Context editor's draft (Level 2), not the legacy
/// `tenant@system` key grammar of Level 1: a key is `^[a-z0-9][a-z0-9_\-*/@]{0,255}$`, so `foo@@bar`
/// is a valid key; a value is 1 to 256 printable ASCII characters other than `,` and `=`, and does
/// not end in a space.
///
/// A `TraceState` is immutable in spirit: ``setting(_:_:)`` and ``removing(_:)`` return a changed
/// copy, and they apply the spec's mutation rules, so every value built through this API is valid:
/// - "Modified keys MUST be moved to the beginning (left) of the list."
/// - "Adding a key/value pair MUST NOT result in the same key being present multiple times."
/// - "If adding an entry would cause the tracestate list to contain more than 32 list-members the
///   right-most list-member should be removed."
///
/// Entries keep their full length; the 512-character propagation limit is applied when the header
/// is written (``headerValue``).
public struct TraceState: Hashable, Sendable, CustomStringConvertible {
    /// One `key=value` list member.
    public struct Entry: Hashable, Sendable {
        /// The vendor key, e.g. `congo` or `fw529a3039@dt`.
        public var key: String
        /// The opaque vendor value.
        public var value: String

        /// An entry as given; it is validated when it enters a ``TraceState``.
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Why ``TraceState/setting(_:_:)`` refused a key or value.
    public enum ValidationError: Error, Hashable, Sendable {
        /// The key does not match `^[a-z0-9][a-z0-9_\-*/@]{0,255}$`.
        case invalidKey(String)
        /// The value is empty, longer than 256 characters, ends in a space, or holds a character
        /// outside printable ASCII or one of `,` and `=`.
        case invalidValue(String)
    }

    /// "There can be a maximum of 32 list-members in a list."
    public static let maximumMembers = 32
    /// Vendors "SHOULD propagate at least 512 characters of a combined header"; ``headerValue``
    /// truncates to this length.
    public static let maximumHeaderLength = 512
    /// "Entries larger than 128 characters long SHOULD be removed first" when truncating.
    public static let largeEntryLength = 128

    /// The list members, left (most recently modified) first. Keys are unique.
    public private(set) var entries: [Entry]

    /// The empty trace state. Does not allocate.
    public init() { entries = [] }

    /// `true` when there is no entry.
    @inlinable
    public var isEmpty: Bool { entries.isEmpty }

    /// The number of entries.
    @inlinable
    public var count: Int { entries.count }

    /// The value for `key`, or `nil`.
    public subscript(key: String) -> String? {
        entries.first { $0.key == key }?.value
    }

    // MARK: - Parsing

    /// Parses a (combined) `tracestate` header value; `nil` when it is invalid as a whole.
    ///
    /// Members are separated by `,`; spaces and tabs around a member are optional whitespace and
    /// empty members are skipped ("Vendors MUST accept empty tracestate headers"). Each member is
    /// split on its first `=`. Leading spaces of a value are part of it: "All leading spaces MUST be
    /// preserved as part of the value".
    ///
    /// Any invalid member, or more than 32 non-empty members, makes the whole value invalid; the
    /// caller drops it ("If the tracestate header cannot be parsed the vendor MAY discard the entire
    /// header"), which the conformance suite requires for `foo=,bar=3`, a 257-character key and 33
    /// members. When a key repeats, the first (left-most) member is kept.
    public init?(headerValue: some StringProtocol) {
        var entries: [Entry] = []
        var members = 0
        var valid = true
        // Lazily, member by member: reading stops at the first invalid one (or the 33rd), so a huge
        // header costs one scan and no copies.
        Substring(headerValue).utf8.forEachListMember { rawMember in
            let member = rawMember.trimmingOWS()
            if member.isEmpty { return true }
            members += 1
            guard members <= Self.maximumMembers,
                  let equals = member.firstIndex(of: UInt8(ascii: "="))
            else { valid = false; return false }
            let key = member[..<equals]
            let value = member[member.index(after: equals)...]
            guard Self.isValidKey(key), Self.isValidValue(value) else { valid = false; return false }
            let keyString = String(Substring(key))
            if !entries.contains(where: { $0.key == keyString }) {
                entries.append(Entry(key: keyString, value: String(Substring(value))))
            }
            return true
        }
        guard valid else { return nil }
        self.entries = entries
    }

    /// Parses several `tracestate` header fields. "When receiving multiple tracestate header fields,
    /// they MUST be combined into a single header according to RFC9110": they are joined with `,` in
    /// order and parsed with ``init(headerValue:)``.
    public init?(headerFields: [String]) {
        switch headerFields.count {
        case 0: self.init()
        case 1: self.init(headerValue: headerFields[0])
        default: self.init(headerValue: headerFields.joined(separator: ","))
        }
    }

    // MARK: - Validation

    /// `true` when `key` matches `^[a-z0-9][a-z0-9_\-*/@]{0,255}$` (the editor's-draft key grammar).
    public static func isValidKey(_ key: some StringProtocol) -> Bool {
        isValidKey(key.utf8)
    }

    /// `true` when `value` is 1 to 256 characters in `%x20-2B / %x2D-3C / %x3E-7E` and does not end
    /// in a space.
    public static func isValidValue(_ value: some StringProtocol) -> Bool {
        isValidValue(value.utf8)
    }

    static func isValidKey(_ key: some Collection<UInt8>) -> Bool {
        let count = key.count
        guard count >= 1, count <= 256 else { return false }
        var isFirst = true
        for c in key {
            let isLowerOrDigit = (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            if isFirst {
                guard isLowerOrDigit else { return false }
                isFirst = false
                continue
            }
            switch c {
            case _ where isLowerOrDigit: continue
            case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "@"): continue
            default: return false
            }
        }
        return true
    }

    static func isValidValue(_ value: some Collection<UInt8>) -> Bool {
        var count = 0
        var last: UInt8 = 0
        for c in value {
            guard c >= 0x20, c <= 0x7E, c != UInt8(ascii: ","), c != UInt8(ascii: "=") else { return false }
            count += 1
            last = c
        }
        return count >= 1 && count <= 256 && last != UInt8(ascii: " ")
    }

    // MARK: - Mutation

    /// A copy with `key` set to `value`, placed at the left of the list.
    ///
    /// An existing entry for `key` is removed first, so the key never repeats, and the order of the
    /// other entries is kept ("the order of unmodified key/value pairs MUST be preserved"). When the
    /// list would exceed 32 members, the right-most member is removed.
    ///
    /// - Throws: ``ValidationError`` when the key or the value does not meet the grammar; nothing is
    ///   changed then.
    public func setting(_ key: String, _ value: String) throws(ValidationError) -> TraceState {
        guard Self.isValidKey(key) else { throw .invalidKey(key) }
        guard Self.isValidValue(value) else { throw .invalidValue(value) }
        var copy = self
        copy.entries.removeAll { $0.key == key }
        copy.entries.insert(Entry(key: key, value: value), at: 0)
        if copy.entries.count > Self.maximumMembers { copy.entries.removeLast() }
        return copy
    }

    /// A copy without the entry for `key` (the same value when there is none).
    public func removing(_ key: String) -> TraceState {
        var copy = self
        copy.entries.removeAll { $0.key == key }
        return copy
    }

    // MARK: - Serialisation

    /// The `tracestate` header value, `key=value` members joined by `,`; empty when there is nothing
    /// to send (then the header should not be sent: vendors "SHOULD avoid sending" empty headers).
    ///
    /// When the full list is longer than 512 characters it is truncated by whole entries, as the spec
    /// asks: "the vendor MUST truncate whole entries. Entries larger than 128 characters long SHOULD
    /// be removed first. Then entries SHOULD be removed starting from the end of tracestate." Large
    /// entries are removed right-most first, and removal stops as soon as the list fits.
    public var headerValue: String {
        var kept = entries
        var length = Self.serializedLength(of: kept)
        if length > Self.maximumHeaderLength {
            var index = kept.count - 1
            while length > Self.maximumHeaderLength, index >= 0 {
                if Self.length(of: kept[index]) > Self.largeEntryLength {
                    kept.remove(at: index)
                    length = Self.serializedLength(of: kept)
                }
                index -= 1
            }
            while length > Self.maximumHeaderLength, !kept.isEmpty {
                kept.removeLast()
                length = Self.serializedLength(of: kept)
            }
        }
        var result = ""
        result.reserveCapacity(length)
        for (i, entry) in kept.enumerated() {
            if i > 0 { result.append(",") }
            result.append(entry.key)
            result.append("=")
            result.append(entry.value)
        }
        return result
    }

    /// The ``headerValue``.
    public var description: String { headerValue }

    /// The length of `key=value`.
    static func length(of entry: Entry) -> Int {
        entry.key.utf8.count + 1 + entry.value.utf8.count
    }

    /// The length of the entries joined by `,`.
    static func serializedLength(of entries: [Entry]) -> Int {
        entries.reduce(max(0, entries.count - 1)) { $0 + length(of: $1) }
    }
}
