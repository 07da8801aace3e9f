/// W3C baggage: application-defined key/value pairs that travel with a request (the `baggage`
/// header).
///
/// Keys are RFC 7230 tokens. Values are arbitrary Unicode text: on the wire, every byte of their
/// UTF-8 form outside the `baggage-octet` range, and `%` itself, is percent-encoded ("Any code points
/// outside of the baggage-octet range MUST be percent-encoded. The percent code point (U+0025) MUST
/// be percent-encoded."). The properties that may follow a value (`;key=value` or `;key`) are kept
/// as an opaque ``Entry/metadata`` string and sent on unchanged.
///
/// Entries are ordered: first seen (or first set) first. A key appears at most once.
///
/// Limits: a platform "MUST propagate all list-members" when there are at most 64 of them and the
/// header takes at most 8192 bytes. Beyond that, whole members are dropped, never cut ("MUST NOT
/// propagate any partial list-members"); see ``headerValue``.
public struct Baggage: Hashable, Sendable, CustomStringConvertible {
    /// One list member: a key, its decoded value and its properties.
    public struct Entry: Hashable, Sendable {
        /// The key, an RFC 7230 token.
        public var key: String
        /// The decoded value (any Unicode text).
        public var value: String
        /// The member's properties as written after the value, without the first `;`, for example
        /// `propertyKey=propertyValue;flag`. `nil` when there are none.
        public var metadata: String?

        /// An entry as given; it is validated when it enters a ``Baggage``.
        public init(key: String, value: String, metadata: String? = nil) {
            self.key = key
            self.value = value
            self.metadata = metadata
        }
    }

    /// Why ``Baggage/setting(_:_:metadata:)`` refused an entry.
    public enum ValidationError: Error, Hashable, Sendable {
        /// The key is not an RFC 7230 token (it is empty or holds a separator, space or non-ASCII).
        case invalidKey(String)
        /// The metadata is not a `;`-separated list of `key` or `key=value` properties with token keys
        /// and `baggage-octet` values.
        case invalidMetadata(String)
    }

    /// Propagate every member when there are at most this many.
    public static let maximumMembers = 64
    /// Propagate every member when the header takes at most this many bytes.
    public static let maximumBytes = 8192
    /// The most non-empty members read from a received header: 180, the most the header grammar
    /// allows (`list-member 0*179( OWS "," OWS list-member )`).
    public static let maximumParsedMembers = 180

    /// The entries, in order.
    public private(set) var entries: [Entry]

    /// The empty baggage. Does not allocate.
    public init() { entries = [] }

    /// `true` when there is no entry.
    @inlinable
    public var isEmpty: Bool { entries.isEmpty }

    /// The number of entries.
    @inlinable
    public var count: Int { entries.count }

    /// The decoded value for `key`, or `nil`.
    public subscript(key: String) -> String? {
        entries.first { $0.key == key }?.value
    }

    /// The entry for `key`, with its metadata, or `nil`.
    public func entry(forKey key: String) -> Entry? {
        entries.first { $0.key == key }
    }

    // MARK: - Parsing

    /// Parses a (combined) `baggage` header value. Never fails.
    ///
    /// Members are separated by `,`; each is `key OWS "=" OWS value *(OWS ";" OWS property)`. The
    /// value is split at the first `=`, so it may contain `=`, and is percent-decoded (invalid UTF-8
    /// becomes U+FFFD). The spec leaves invalid input undefined; Trail drops **the invalid member
    /// only** and keeps the others: a key that is not a token, a value with a character outside
    /// `baggage-octet` (such as a space inside it), a member without `=`, or a malformed property.
    /// Empty members (`a=1,,b=2`) are skipped. When a key repeats, the last value wins and keeps the
    /// position of the first. Members beyond the propagation limits are dropped whole.
    ///
    /// Work is bounded whatever the header's size: reading stops after ``maximumParsedMembers``
    /// non-empty members, and a member longer than ``maximumBytes`` is skipped without decoding.
    /// Both only drop members of a header already beyond the propagation limits.
    public init(headerValue: some StringProtocol) {
        var parsed: [Entry] = []
        var members = 0
        Substring(headerValue).utf8.forEachListMember { rawMember in
            let member = rawMember.trimmingOWS()
            guard !member.isEmpty else { return true }
            members += 1
            guard member.count <= Self.maximumBytes, let entry = Self.parseMember(member) else {
                return members < Self.maximumParsedMembers
            }
            if let existing = parsed.firstIndex(where: { $0.key == entry.key }) {
                parsed[existing] = entry
            } else {
                parsed.append(entry)
            }
            return members < Self.maximumParsedMembers
        }
        self.entries = parsed
        self.entries = withinLimits().map(\.entry)
    }

    /// Parses several `baggage` header fields, combined with `,` in order (the limits apply to the
    /// combination of all fields).
    public init(headerFields: [String]) {
        switch headerFields.count {
        case 0: self.init()
        case 1: self.init(headerValue: headerFields[0])
        default: self.init(headerValue: headerFields.joined(separator: ","))
        }
    }

    private static func parseMember(_ member: Substring.UTF8View) -> Entry? {
        let pair: Substring.UTF8View
        var metadata: String?
        if let semicolon = member.firstIndex(of: UInt8(ascii: ";")) {
            pair = member[..<semicolon]
            let properties = member[member.index(after: semicolon)...].trimmingOWS()
            guard isValidMetadata(properties) else { return nil }
            metadata = String(Substring(properties))
        } else {
            pair = member
        }
        guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let key = pair[..<equals].trimmingOWS()
        let value = pair[pair.index(after: equals)...].trimmingOWS()
        guard HeaderSyntax.isToken(key), value.allSatisfy(isBaggageOctet) else { return nil }
        return Entry(key: String(Substring(key)), value: HeaderSyntax.percentDecode(value), metadata: metadata)
    }

    // MARK: - Validation

    /// `true` when `key` is a valid baggage key (a non-empty RFC 7230 token).
    public static func isValidKey(_ key: some StringProtocol) -> Bool {
        HeaderSyntax.isToken(key.utf8)
    }

    /// `true` when `metadata` is a valid property list: `property *(OWS ";" OWS property)` with
    /// `property = key OWS "=" OWS value / key OWS`.
    public static func isValidMetadata(_ metadata: some StringProtocol) -> Bool {
        isValidMetadata(Substring(metadata).utf8)
    }

    static func isValidMetadata(_ properties: Substring.UTF8View) -> Bool {
        for rawProperty in properties.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false) {
            let property = rawProperty.trimmingOWS()
            if let equals = property.firstIndex(of: UInt8(ascii: "=")) {
                let key = property[..<equals].trimmingOWS()
                let value = property[property.index(after: equals)...].trimmingOWS()
                guard HeaderSyntax.isToken(key), value.allSatisfy(isBaggageOctet) else { return false }
            } else {
                guard HeaderSyntax.isToken(property) else { return false }
            }
        }
        return true
    }

    /// `baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E`: printable ASCII except
    /// space, `"`, `,`, `;` and `\`.
    static func isBaggageOctet(_ c: UInt8) -> Bool {
        switch c {
        case 0x21, 0x23...0x2B, 0x2D...0x3A, 0x3C...0x5B, 0x5D...0x7E: return true
        default: return false
        }
    }

    // MARK: - Mutation

    /// A copy with `key` set to `value` (any Unicode text) and `metadata`. An existing entry for the
    /// key is replaced in place; a new key is appended.
    ///
    /// - Throws: ``ValidationError`` when the key is not a token or the metadata is malformed.
    public func setting(_ key: String, _ value: String, metadata: String? = nil) throws(ValidationError) -> Baggage {
        guard Self.isValidKey(key) else { throw .invalidKey(key) }
        var cleanMetadata: String?
        if let metadata {
            let trimmed = Substring(metadata).utf8.trimmingOWS()
            guard !trimmed.isEmpty else { throw .invalidMetadata(metadata) }
            guard Self.isValidMetadata(trimmed) else { throw .invalidMetadata(metadata) }
            cleanMetadata = String(Substring(trimmed))
        }
        var copy = self
        copy.set(Entry(key: key, value: value, metadata: cleanMetadata))
        return copy
    }

    /// A copy without the entry for `key` (the same value when there is none).
    public func removing(_ key: String) -> Baggage {
        var copy = self
        copy.entries.removeAll { $0.key == key }
        return copy
    }

    /// A copy with every entry of `other` set on top of these (`other` wins for a shared key).
    public func merging(_ other: Baggage) -> Baggage {
        guard !isEmpty else { return other }
        var copy = self
        for entry in other.entries { copy.set(entry) }
        return copy
    }

    private mutating func set(_ entry: Entry) {
        if let index = entries.firstIndex(where: { $0.key == entry.key }) {
            entries[index] = entry
        } else {
            entries.append(entry)
        }
    }

    // MARK: - Serialisation

    /// The `baggage` header value: `key=value;metadata` members joined by `,`, values
    /// percent-encoded. Empty when there is nothing to send.
    ///
    /// Members are taken in order while the header stays within 64 members and 8192 bytes; a member
    /// that would overflow the byte limit is dropped whole and later (smaller) ones may still fit.
    public var headerValue: String {
        withinLimits().map(\.encoded).joined(separator: ",")
    }

    /// The ``headerValue``.
    public var description: String { headerValue }

    /// The encoded form of one member.
    static func encode(_ entry: Entry) -> String {
        var member = entry.key
        member.append("=")
        member.append(HeaderSyntax.percentEncode(entry.value) { isBaggageOctet($0) && $0 != UInt8(ascii: "%") })
        if let metadata = entry.metadata {
            member.append(";")
            member.append(metadata)
        }
        return member
    }

    /// The entries that fit the propagation limits, with their encoded form.
    private func withinLimits() -> [(entry: Entry, encoded: String)] {
        var kept: [(entry: Entry, encoded: String)] = []
        var bytes = 0
        for entry in entries {
            guard kept.count < Self.maximumMembers else { break }
            let encoded = Self.encode(entry)
            let added = encoded.utf8.count + (kept.isEmpty ? 0 : 1)
            guard bytes + added <= Self.maximumBytes else { continue }
            bytes += added
            kept.append((entry, encoded))
        }
        return kept
    }
}
