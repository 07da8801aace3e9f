/// W3C baggage. (Placeholder shape; parsing and encoding are implemented with propagation.)
public struct Baggage: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var key: String
        public var value: String
        public var metadata: String?
    }
    public private(set) var entries: [Entry]
    public init() { entries = [] }
    public var isEmpty: Bool { entries.isEmpty }
}
