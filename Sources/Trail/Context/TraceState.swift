/// W3C `tracestate`: an ordered list of vendor key/value pairs that travels with `traceparent`.
/// (Placeholder shape; parsing, validation and mutation rules are implemented with propagation.)
public struct TraceState: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var key: String
        public var value: String
    }
    public private(set) var entries: [Entry]
    public init() { entries = [] }
    public var isEmpty: Bool { entries.isEmpty }
}
