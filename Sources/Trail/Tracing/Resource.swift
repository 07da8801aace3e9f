import Foundation

/// The version of Trail, reported as `telemetry.sdk.version`.
public enum TrailVersion {
    /// The semantic version of this release of Trail.
    public static let string = "0.1.0"
}

/// Who produces the telemetry: `service.name` and the attributes that describe the service, the
/// process, the host and the container it runs in.
///
/// Usually made once at start-up with ``detect(serviceName:serviceVersion:attributes:environment:fileSystemRoot:)``
/// and handed to the ``Tracer``. A resource is a plain value: its ``attributes`` can be read and
/// changed like any other ``Attributes``.
public struct Resource: Hashable, Sendable {
    /// The resource's attributes, `service.name` first.
    public var attributes: Attributes

    /// A resource with exactly these attributes; nothing is detected.
    public init(attributes: Attributes = [:]) { self.attributes = attributes }

    /// The `service.name` attribute, or `unknown_service` when it is missing or not a string.
    public var serviceName: String {
        if case .string(let name)? = attributes["service.name"] { return name }
        return "unknown_service"
    }

    /// This resource with `other`'s attributes added; where both have a key, `other`'s value wins.
    ///
    /// Keys of this resource keep their position; keys only `other` has are appended in `other`'s
    /// order.
    public func merging(_ other: Resource) -> Resource {
        var merged = self
        for (key, value) in other.attributes { merged.attributes[key] = value }
        return merged
    }

    /// Detects the resource of this process.
    ///
    /// **`service.name`**, highest precedence first (an empty value counts as unset):
    /// 1. the `OTEL_SERVICE_NAME` variable;
    /// 2. `service.name` in the `OTEL_RESOURCE_ATTRIBUTES` variable;
    /// 3. the `serviceName` argument;
    /// 4. `service.name` in the `attributes` argument;
    /// 5. `unknown_service:` followed by the process executable name, or `unknown_service` when the
    ///    name is not known, as the semantic conventions require.
    ///
    /// The environment wins over code on purpose: an operator can rename or re-label a deployment
    /// without rebuilding it, as OpenTelemetry SDKs allow everywhere.
    ///
    /// **Every other attribute**, lowest precedence first, each layer overriding the ones before it:
    /// 1. detected attributes (below);
    /// 2. the `attributes` argument;
    /// 3. the `serviceVersion` argument, as `service.version`;
    /// 4. `OTEL_RESOURCE_ATTRIBUTES`, a `key1=value1,key2=value2` list whose keys and values are
    ///    trimmed and percent-decoded and whose values are all strings. If any member cannot be
    ///    decoded (a bad `%` escape, bytes that are not UTF-8, a member without `=`, an empty key),
    ///    the whole variable is discarded and the problem reported once on stderr, as the
    ///    specification says it SHOULD be. Empty members (`a=1,,b=2`) are skipped.
    ///
    /// **Detected attributes** (each only when it can be determined; a missing or unreadable file is
    /// never an error):
    /// - `service.instance.id`: a random UUID, the same for every call in this process;
    /// - `telemetry.sdk.name` (`trail`), `telemetry.sdk.language` (`swift`),
    ///   `telemetry.sdk.version` (``TrailVersion/string``);
    /// - `host.name` (`gethostname`), `host.arch` (`amd64`, `arm64`, …), `os.type` (`linux`, `darwin`, …);
    /// - `process.pid`, `process.executable.name`, `process.executable.path` (the target of
    ///   `/proc/self/exe`), `process.runtime.name` (`swift`). `process.runtime.version` is not set:
    ///   the Swift runtime does not report its version.
    /// - `container.id`: a 64-hex-digit id found in `/proc/self/cgroup` (cgroup v1, or v2 without a
    ///   cgroup namespace) or in `/proc/self/mountinfo` (cgroup v2: Docker's and Podman's
    ///   `…/containers/<id>/…` bind mounts);
    /// - Kubernetes, only when `KUBERNETES_SERVICE_HOST` is set (it is in every pod):
    ///   `k8s.namespace.name` from `K8S_NAMESPACE` or `POD_NAMESPACE`, else the service account's
    ///   `/var/run/secrets/kubernetes.io/serviceaccount/namespace` file; `k8s.pod.name` from
    ///   `K8S_POD_NAME` or `POD_NAME`, else `HOSTNAME`; `k8s.pod.uid` from `K8S_POD_UID` or
    ///   `POD_UID`; `k8s.node.name` from `K8S_NODE_NAME` or `NODE_NAME`. The variables other than
    ///   `HOSTNAME` are the ones a pod spec sets through the downward API.
    ///
    /// - Parameters:
    ///   - serviceName: the name the code gives the service; `nil` or empty means none.
    ///   - serviceVersion: `service.version`; `nil` or empty means none.
    ///   - attributes: more attributes, e.g. `service.namespace` or `deployment.environment.name`.
    ///   - environment: the variables to read; the process's by default.
    ///   - fileSystemRoot: the directory under which `/proc`, `/etc` and `/var/run/secrets` are read;
    ///     `/` by default (tests point it at a directory of fixtures).
    public static func detect(
        serviceName: String? = nil,
        serviceVersion: String? = nil,
        attributes: Attributes = [:],
        environment: [String: String] = Environment.process,
        fileSystemRoot: String = "/"
    ) -> Resource {
        detect(
            serviceName: serviceName, serviceVersion: serviceVersion, attributes: attributes,
            environment: environment, fileSystemRoot: fileSystemRoot, report: Diagnostics.report)
    }

    /// ``detect(serviceName:serviceVersion:attributes:environment:fileSystemRoot:)`` with the
    /// diagnostics sink injectable, for tests.
    static func detect(
        serviceName: String?,
        serviceVersion: String?,
        attributes: Attributes,
        environment: [String: String],
        fileSystemRoot: String,
        report: (String) -> Void
    ) -> Resource {
        let env = Environment(environment)
        let files = DetectionFileSystem(root: fileSystemRoot)
        let process = ResourceDetection.process(files)

        var merged: Attributes = ["service.instance.id": .string(processInstanceID)]
        for (key, value) in ResourceDetection.sdk() { merged[key] = value }
        for (key, value) in ResourceDetection.host() { merged[key] = value }
        for (key, value) in process.attributes { merged[key] = value }
        if let id = ContainerDetection.containerID(files) { merged["container.id"] = .string(id) }
        for (key, value) in ResourceDetection.kubernetes(env, files) { merged[key] = value }

        for (key, value) in attributes { merged[key] = value }
        if let version = serviceVersion, !version.isEmpty { merged["service.version"] = .string(version) }

        let fromVariable = env["OTEL_RESOURCE_ATTRIBUTES"].flatMap { text in
            ResourceAttributesVariable.parse(text, report: report)
        } ?? []
        for (key, value) in fromVariable where key != "service.name" { merged[key] = .string(value) }

        let name = firstNonEmpty(
            env["OTEL_SERVICE_NAME"],
            fromVariable.last(where: { $0.key == "service.name" })?.value,
            serviceName,
            attributes["service.name"].flatMap { if case .string(let s) = $0 { s } else { nil } }
        ) ?? unknownServiceName(executableName: process.executableName)

        // service.name first, then service.version, then the rest in the order built above.
        var result: Attributes = ["service.name": .string(name)]
        if let version = merged["service.version"] { result["service.version"] = version }
        for (key, value) in merged where key != "service.name" { result[key] = value }
        return Resource(attributes: result)
    }

    /// The fallback `service.name` the semantic conventions require: `unknown_service:<executable>`,
    /// or `unknown_service` when the executable name is not known.
    static func unknownServiceName(executableName: String?) -> String {
        guard let name = executableName, !name.isEmpty else { return "unknown_service" }
        return "unknown_service:" + name
    }

    /// `service.instance.id` of this process: made once, on first use, and kept for the process
    /// lifetime (a `static let` is initialised exactly once, thread-safely).
    static let processInstanceID: String = UUID().uuidString.lowercased()

    private static func firstNonEmpty(_ candidates: String?...) -> String? {
        for case let candidate? in candidates where !candidate.isEmpty { return candidate }
        return nil
    }
}
