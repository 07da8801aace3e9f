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

extension OTLPGrouping {
    /// The protobuf envelope shared by `ExportTraceServiceRequest` and `ExportLogsServiceRequest`:
    /// field 1 `Resource…` entries holding their resource (1) and `Scope…` entries (2), each with
    /// its scope (1) and items (2).
    static func protobuf<Item>(
        _ items: [Item], resource: (Item) -> Resource, scope: (Item) -> InstrumentationScope,
        item writeItem: (inout ProtobufWriter, Item) -> Void
    ) -> [UInt8] {
        var writer = ProtobufWriter(capacity: items.count * 256)
        for group in group(items, resource: resource, scope: scope) {
            writer.messageField(1) { resourceEntry in
                resourceEntry.messageField(1) { $0.resource(group.resource) }
                for (scope, items) in group.scopes {
                    resourceEntry.messageField(2) { scopeEntry in
                        scopeEntry.messageField(1) { $0.scope(scope) }
                        for item in items { scopeEntry.messageField(2) { writeItem(&$0, item) } }
                    }
                }
            }
        }
        return writer.bytes
    }

    /// The OTLP/JSON form of the same envelope, with the signal's keys (`resourceSpans`,
    /// `scopeSpans`, `spans` or `resourceLogs`, `scopeLogs`, `logRecords`).
    static func json<Item>(
        _ items: [Item], resource: (Item) -> Resource, scope: (Item) -> InstrumentationScope,
        keys: (resource: StaticString, scope: StaticString, items: StaticString), item writeItem: (inout JSONLineEncoder, Item) -> Void
    ) -> [UInt8] {
        var json = JSONLineEncoder(capacity: items.count * 512)
        json.appendRaw("{")
        json.otlpKey(keys.resource)
        json.appendArray(group(items, resource: resource, scope: scope)) { group, json in
            json.appendRaw("{")
            json.otlpResource(group.resource)
            json.otlpKey(keys.scope)
            json.appendArray(group.scopes) { scope, json in
                json.appendRaw("{")
                json.otlpScope(scope.scope)
                json.otlpKey(keys.items)
                json.appendArray(scope.items) { item, json in writeItem(&json, item) }
                json.appendRaw("}")
            }
            json.appendRaw("}")
        }
        json.appendRaw("}")
        return json.bytes
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
