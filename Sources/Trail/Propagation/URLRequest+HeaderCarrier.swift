#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Foundation

/// A `URLRequest` is a carrier, so an outgoing request can be injected directly:
///
/// ```swift
/// var request = URLRequest(url: url)
/// CompositePropagator.fromEnvironment().inject(Context.current, into: &request)
/// ```
///
/// `URLRequest` keeps one value per name (case-insensitively); fields added with `addValue` are
/// folded into one comma-separated value, which is what ``values(forHeader:)`` returns.
extension URLRequest: HeaderCarrier {
    public func values(forHeader name: String) -> [String] {
        value(forHTTPHeaderField: name).map { [$0] } ?? []
    }

    public mutating func setHeader(_ name: String, _ value: String) {
        setValue(value, forHTTPHeaderField: name)
    }

    public func forEachHeader(_ body: (_ name: String, _ value: String) -> Void) {
        for (name, value) in allHTTPHeaderFields ?? [:] { body(name, value) }
    }
}
