/// Who produces the telemetry: `service.name` and the attributes that describe the process.
/// (Detection from the environment is implemented with the resource work.)
public struct Resource: Hashable, Sendable {
    public var attributes: Attributes
    public init(attributes: Attributes = [:]) { self.attributes = attributes }
    public var serviceName: String {
        if case .string(let name)? = attributes["service.name"] { return name }
        return "unknown_service"
    }
    public static func detect(serviceName: String? = nil) -> Resource {
        var resource = Resource()
        resource.attributes["service.name"] = .string(serviceName ?? "unknown_service")
        return resource
    }
}
