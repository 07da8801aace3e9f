/// Records of one resource, split by instrumentation scope, in the order they were first seen.
struct OTLPResourceGroup<Item> {
    var resource: Resource
    var scopes: [(scope: InstrumentationScope, items: [Item])]
}

/// Groups a batch the way OTLP envelopes nest it: one `Resource…` entry per distinct resource, one
/// `Scope…` entry per distinct scope inside it. Order is kept: groups appear in the order of their
/// first record, and records keep their batch order inside a group.
enum OTLPGrouping {
    static func group<Item>(
        _ items: [Item], resource: (Item) -> Resource, scope: (Item) -> InstrumentationScope
    ) -> [OTLPResourceGroup<Item>] {
        var groups: [OTLPResourceGroup<Item>] = []
        // Batches usually hold one resource and few scopes: check the last group used first.
        var lastGroup = -1
        var lastScope = -1
        for item in items {
            let itemResource = resource(item)
            let itemScope = scope(item)
            if lastGroup < 0 || groups[lastGroup].resource != itemResource {
                lastGroup = groups.firstIndex { $0.resource == itemResource } ?? -1
                if lastGroup < 0 {
                    groups.append(OTLPResourceGroup(resource: itemResource, scopes: []))
                    lastGroup = groups.count - 1
                }
                lastScope = -1
            }
            if lastScope < 0 || groups[lastGroup].scopes[lastScope].scope != itemScope {
                lastScope = groups[lastGroup].scopes.firstIndex { $0.scope == itemScope } ?? -1
                if lastScope < 0 {
                    groups[lastGroup].scopes.append((itemScope, []))
                    lastScope = groups[lastGroup].scopes.count - 1
                }
            }
            groups[lastGroup].scopes[lastScope].items.append(item)
        }
        return groups
    }
}

/// The `flags` OTLP puts on spans and links: the W3C trace flags in bits 0–7, bit 8 set to say
/// whether the remote bit is known (always, here), bit 9 set when the context is remote.
/// "If creating from a source that does not have an equivalent flags field … the high 22 bits MUST
/// be set to zero" — they are.
enum OTLPFlags {
    static let hasIsRemote: UInt32 = 0x100
    static let isRemote: UInt32 = 0x200

    /// A span's flags: its own trace flags and whether its parent is remote (a root span: not).
    static func span(_ span: SpanData) -> UInt32 {
        UInt32(span.context.traceFlags.rawValue) | hasIsRemote | (span.parentIsRemote == true ? isRemote : 0)
    }

    /// A link's flags: the linked context's trace flags and whether that context is remote.
    static func link(_ link: SpanLink) -> UInt32 {
        UInt32(link.context.traceFlags.rawValue) | hasIsRemote | (link.context.isRemote ? isRemote : 0)
    }
}
