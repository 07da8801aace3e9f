/// W3C Baggage: the `baggage` header (`OTEL_PROPAGATORS` name `baggage`).
///
/// Extraction combines every `baggage` field with `,` and merges the entries found into the
/// context's baggage (an incoming value replaces a local one with the same key). Invalid members are
/// dropped one by one, as ``Baggage/init(headerValue:)`` describes. Injection writes the context's
/// baggage as one field, within the 64-member / 8192-byte limits, and nothing when it is empty.
public struct BaggagePropagator: Propagator {
    /// The W3C Baggage propagator.
    public init() {}

    public var fields: [String] { ["baggage"] }

    public func inject(_ context: Context, into carrier: inout some HeaderCarrier) {
        guard !context.baggage.isEmpty else { return }
        let value = context.baggage.headerValue
        if !value.isEmpty { carrier.setHeader("baggage", value) }
    }

    public func extract(from carrier: some HeaderCarrier, into context: Context) -> Context {
        let headerFields = carrier.values(forHeader: "baggage")
        guard !headerFields.isEmpty else { return context }
        let incoming = Baggage(headerFields: headerFields)
        guard !incoming.isEmpty else { return context }
        return context.with(baggage: context.baggage.merging(incoming))
    }
}
