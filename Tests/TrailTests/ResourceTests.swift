import Foundation
import Testing
@testable import Trail

/// A temporary directory standing in for `/`, removed when the test's closure returns.
private struct FixtureRoot {
    let path: String

    static func with<R>(_ body: (FixtureRoot) throws -> R) throws -> R {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("trail-resource-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(FixtureRoot(path: path))
    }

    func write(_ absolutePath: String, _ contents: String) throws {
        let url = URL(fileURLWithPath: path + absolutePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: false, encoding: .utf8)
    }

    func symlink(_ absolutePath: String, to target: String) throws {
        let url = URL(fileURLWithPath: path + absolutePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    func directory(_ absolutePath: String) throws {
        try FileManager.default.createDirectory(atPath: path + absolutePath, withIntermediateDirectories: true)
    }
}

/// A root with no files at all: nothing under `/proc`, `/etc` or `/var/run/secrets` exists.
private let emptyRoot = "/nonexistent-trail-test-root"

private let dockerID = "3f4e9d1c2b7a8e6f5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918f7e6d"
private let otherID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/// Detection with fixed inputs; the reports it makes are appended to `reports`.
private func detect(
    serviceName: String? = nil, serviceVersion: String? = nil, attributes: Attributes = [:],
    env: [String: String] = [:], root: String = emptyRoot, reports: inout [String]
) -> Resource {
    Resource.detect(
        serviceName: serviceName, serviceVersion: serviceVersion, attributes: attributes,
        environment: env, fileSystemRoot: root, report: { reports.append($0) })
}

private func detect(
    serviceName: String? = nil, serviceVersion: String? = nil, attributes: Attributes = [:],
    env: [String: String] = [:], root: String = emptyRoot
) -> Resource {
    var reports: [String] = []
    return detect(serviceName: serviceName, serviceVersion: serviceVersion, attributes: attributes,
                  env: env, root: root, reports: &reports)
}

@Suite struct ResourceServiceNameTests {
    let everySource: [String: String] = [
        "OTEL_SERVICE_NAME": "from-service-name-variable",
        "OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attributes-variable",
    ]

    @Test func otelServiceNameWinsOverTheAttributesVariableTheArgumentAndTheAttributes() {
        let resource = detect(serviceName: "from-argument", attributes: ["service.name": "from-attributes"], env: everySource)
        #expect(resource.serviceName == "from-service-name-variable")
    }

    @Test func serviceNameInOtelResourceAttributesWinsOverTheArgument() {
        var env = everySource
        env["OTEL_SERVICE_NAME"] = nil
        let resource = detect(serviceName: "from-argument", attributes: ["service.name": "from-attributes"], env: env)
        #expect(resource.serviceName == "from-attributes-variable")
    }

    @Test func theServiceNameArgumentWinsOverServiceNameInTheAttributesArgument() {
        let resource = detect(serviceName: "from-argument", attributes: ["service.name": "from-attributes"])
        #expect(resource.serviceName == "from-argument")
    }

    @Test func serviceNameInTheAttributesArgumentIsUsedWhenNothingElseNamesTheService() {
        #expect(detect(attributes: ["service.name": "from-attributes"]).serviceName == "from-attributes")
    }

    @Test func emptyValuesCountAsUnsetAtEveryLevel() {
        let env = ["OTEL_SERVICE_NAME": "", "OTEL_RESOURCE_ATTRIBUTES": "service.name="]
        #expect(detect(serviceName: "checkout", env: env).serviceName == "checkout")
        #expect(detect(serviceName: "", attributes: ["service.name": "fallback"]).serviceName == "fallback")
    }

    @Test func withoutANameTheServiceIsUnknownServiceColonTheExecutableName() throws {
        try FixtureRoot.with { root in
            try root.symlink("/proc/self/exe", to: "/opt/shop/bin/checkout-server")
            let resource = detect(root: root.path)
            #expect(resource.serviceName == "unknown_service:checkout-server")
            #expect(resource.attributes["process.executable.name"] == "checkout-server")
            #expect(resource.attributes["process.executable.path"] == "/opt/shop/bin/checkout-server")
        }
    }

    @Test func theFallbackIsBareUnknownServiceWhenTheExecutableNameIsNotKnown() {
        #expect(Resource.unknownServiceName(executableName: nil) == "unknown_service")
        #expect(Resource.unknownServiceName(executableName: "") == "unknown_service")
        #expect(Resource.unknownServiceName(executableName: "app") == "unknown_service:app")
    }

    @Test func theFallbackUsesTheRunningExecutableWhenProcIsNotAvailable() {
        let name = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? ""
        #expect(detect().serviceName == "unknown_service:\(name)")
    }

    @Test func serviceNameIsTheFirstAttributeAndServiceVersionTheSecond() {
        let resource = detect(serviceName: "checkout", serviceVersion: "2.1.0", attributes: ["team": "payments"])
        let keys = resource.attributes.map(\.key)
        #expect(Array(keys.prefix(2)) == ["service.name", "service.version"])
    }

    @Test func theServiceVersionArgumentIsOverriddenByOtelResourceAttributes() {
        #expect(detect(serviceVersion: "1.0.0").attributes["service.version"] == "1.0.0")
        let env = ["OTEL_RESOURCE_ATTRIBUTES": "service.version=1.0.1-hotfix"]
        #expect(detect(serviceVersion: "1.0.0", env: env).attributes["service.version"] == "1.0.1-hotfix")
        #expect(detect().attributes["service.version"] == nil)
    }

    @Test func theServiceVersionArgumentWinsOverTheAttributesArgument() {
        let resource = detect(serviceVersion: "2.0.0", attributes: ["service.version": "1.0.0"])
        #expect(resource.attributes["service.version"] == "2.0.0")
    }
}

@Suite struct ResourceAttributesVariableTests {
    @Test func theAttributesArgumentOverridesDetectedAttributesAndTheVariableOverridesTheArgument() {
        let resource = detect(
            attributes: ["host.name": "from-code", "deployment.environment.name": "staging", "team": "payments"],
            env: ["OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=production"])
        #expect(resource.attributes["host.name"] == "from-code")
        #expect(resource.attributes["deployment.environment.name"] == "production")
        #expect(resource.attributes["team"] == "payments")
    }

    @Test func valuesFromTheVariableAreStringsEvenWhenTheyLookLikeNumbers() {
        let resource = detect(env: ["OTEL_RESOURCE_ATTRIBUTES": "replicas=3,process.pid=42"])
        #expect(resource.attributes["replicas"] == .string("3"))
        #expect(resource.attributes["process.pid"] == .string("42"))
    }

    @Test func keysAndValuesAreTrimmedAndPercentDecoded() {
        let env = ["OTEL_RESOURCE_ATTRIBUTES": " list = a%2Cb , my%3Dkey=x%3Dy,space=%20padded%20,plus=a+b,accent=caf%C3%A9"]
        var reports: [String] = []
        let resource = detect(env: env, reports: &reports)
        #expect(resource.attributes["list"] == "a,b")
        #expect(resource.attributes["my=key"] == "x=y")
        #expect(resource.attributes["space"] == " padded ")
        #expect(resource.attributes["plus"] == "a+b")
        #expect(resource.attributes["accent"] == "café")
        #expect(reports.isEmpty)
    }

    @Test func emptyMembersAreSkippedAndAValueMaySplitAtTheFirstEqualsSign() {
        let resource = detect(env: ["OTEL_RESOURCE_ATTRIBUTES": "a=1,, ,b=x=y,"])
        #expect(resource.attributes["a"] == "1")
        #expect(resource.attributes["b"] == "x=y")
    }

    @Test(arguments: [
        "good=1,bad=%zz",          // not hex
        "good=1,bad=%2",           // escape cut short
        "good=1,bad=abc%",         // lone percent
        "good=1,bad=%FF%FE",       // not UTF-8
        "good=1,%zz=bad",          // bad key
        "good=1,novalue",          // no '='
        "good=1,=value",           // empty key
    ])
    func anyDecodeErrorDiscardsTheWholeVariableAndIsReportedOnce(value: String) {
        var reports: [String] = []
        let resource = detect(serviceName: "checkout", env: ["OTEL_RESOURCE_ATTRIBUTES": value], reports: &reports)
        #expect(resource.attributes["good"] == nil)
        #expect(resource.attributes["bad"] == nil)
        #expect(resource.serviceName == "checkout")
        #expect(reports.count == 1)
        #expect(reports.first?.hasPrefix("OTEL_RESOURCE_ATTRIBUTES=\(value) discarded") == true)
    }

    @Test func aDiscardedVariableAlsoLosesItsServiceName() {
        let resource = detect(serviceName: "checkout", env: ["OTEL_RESOURCE_ATTRIBUTES": "service.name=other,x=%g0"])
        #expect(resource.serviceName == "checkout")
    }
}

@Suite struct ResourceDetectedAttributesTests {
    @Test func theInstanceIDIsOneRandomUUIDForTheWholeProcess() throws {
        let first = try #require(detect().attributes["service.instance.id"])
        let second = try #require(Resource.detect(serviceName: "other").attributes["service.instance.id"])
        #expect(first == second)
        guard case .string(let id) = first else { Issue.record("not a string"); return }
        #expect(UUID(uuidString: id) != nil)
        #expect(id == id.lowercased())
    }

    @Test func theInstanceIDCanBeOverriddenFromTheEnvironment() {
        let resource = detect(env: ["OTEL_RESOURCE_ATTRIBUTES": "service.instance.id=pod-7"])
        #expect(resource.attributes["service.instance.id"] == "pod-7")
    }

    @Test func theTelemetrySDKIsTrailInSwift() {
        let attributes = detect().attributes
        #expect(attributes["telemetry.sdk.name"] == "trail")
        #expect(attributes["telemetry.sdk.language"] == "swift")
        #expect(attributes["telemetry.sdk.version"] == .string(TrailVersion.string))
    }

    @Test func hostAndProcessAttributesDescribeThisProcess() {
        let attributes = Resource.detect(environment: [:]).attributes
        #expect(attributes["process.pid"] == AttributeValue.int(Int(getpid())))
        #expect(attributes["process.runtime.name"] == "swift")
        #expect(attributes["process.runtime.version"] == nil)
        if case .string(let host)? = attributes["host.name"] { #expect(!host.isEmpty) } else { Issue.record("host.name missing") }
        #if arch(x86_64)
        #expect(attributes["host.arch"] == "amd64")
        #elseif arch(arm64)
        #expect(attributes["host.arch"] == "arm64")
        #endif
        #if os(Linux)
        #expect(attributes["os.type"] == "linux")
        if case .string(let path)? = attributes["process.executable.path"] {
            #expect(path.hasPrefix("/"))
            #expect(attributes["process.executable.name"] == .string(URL(fileURLWithPath: path).lastPathComponent))
        } else {
            Issue.record("process.executable.path missing on Linux")
        }
        #endif
    }

    @Test func detectionWithNoSystemFilesDoesNotFailAndAddsNoContainerOrKubernetesAttributes() {
        let attributes = detect(env: ["KUBERNETES_SERVICE_HOST": "10.0.0.1"]).attributes
        #expect(attributes["container.id"] == nil)
        #expect(attributes["k8s.namespace.name"] == nil)
        #expect(attributes["process.executable.path"] == nil)
    }

    @Test func mergingKeepsTheOrderAndLetsTheOtherResourceWin() {
        let base = Resource(attributes: ["service.name": "a", "team": "payments"])
        let merged = base.merging(Resource(attributes: ["region": "eu", "service.name": "b"]))
        #expect(merged.attributes == ["service.name": "b", "team": "payments", "region": "eu"])
    }
}

@Suite struct ResourceContainerTests {
    @Test(arguments: [
        "12:memory:/docker/\(dockerID)",
        "11:pids:/kubepods/besteffort/pod5e0f1c55-8b1c-4d1c-9b8a-2e3f4a5b6c7d/\(dockerID)",
        "0::/system.slice/docker-\(dockerID).scope",
        "1:name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5e0f1c55.slice/cri-containerd-\(dockerID).scope",
        "4:cpu:/ecs/0a1b2c3d4e5f/\(dockerID)",
    ])
    func aContainerIDIsFoundInCgroupLines(line: String) throws {
        try FixtureRoot.with { root in
            try root.write("/proc/self/cgroup", "13:rdma:/\n\(line)\n2:cpuset:/\n")
            #expect(detect(root: root.path).attributes["container.id"] == .string(dockerID))
        }
    }

    @Test(arguments: [
        "0::/",
        "0::/user.slice/user-1000.slice/session-3.scope",
        "12:memory:/docker/\(dockerID.dropLast())",                    // 63 digits
        "12:memory:/docker/\(dockerID.uppercased())",                  // not lowercase
        "12:memory:/docker/\(dockerID.dropLast())g",                   // not hex
        "12:memory:/docker/x\(dockerID)",                              // 65 characters, no '-'
        "not a cgroup line \(dockerID)",
    ])
    func linesWithoutA64DigitHexIDGiveNoContainerID(line: String) {
        #expect(ContainerDetection.containerID(fromCgroup: line + "\n") == nil)
    }

    @Test func withCgroupV2TheIDComesFromTheHostnameMountInMountinfo() throws {
        let mountinfo = """
            736 735 0:53 / / rw,relatime master:314 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABC
            737 736 0:56 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
            745 736 0:50 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k
            746 736 8:1 /var/lib/docker/containers/\(otherID)/mounts/shm /run/shm rw - ext4 /dev/sda1 rw
            747 736 8:1 /var/lib/docker/containers/\(dockerID)/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/sda1 rw
            748 736 8:1 /var/lib/docker/containers/\(dockerID)/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw

            """
        try FixtureRoot.with { root in
            try root.write("/proc/self/cgroup", "0::/\n")
            try root.write("/proc/self/mountinfo", mountinfo)
            #expect(detect(root: root.path).attributes["container.id"] == .string(dockerID))
        }
    }

    @Test func podmanOverlayContainersMountsGiveTheContainerID() {
        let line = "1001 1000 0:44 /containers/storage/overlay-containers/\(dockerID)/userdata/hostname /etc/hostname rw - tmpfs tmpfs rw"
        #expect(ContainerDetection.containerID(fromMountinfo: line) == dockerID)
    }

    @Test func mountsOfContainerDirectoriesElsewhereAreNotAContainerID() {
        let lines = """
            50 1 8:1 /var/lib/docker/containers/\(dockerID)/mounts/shm /var/lib/docker/containers/\(dockerID)/mounts/shm rw - tmpfs shm rw
            51 1 8:1 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/\(dockerID)/hostname /etc/hostname rw - ext4 /dev/sda1 rw
            52 1 8:1 /var/lib/docker/containers/\(dockerID.uppercased())/hostname /etc/hostname rw - ext4 /dev/sda1 rw
            53 1 8:1 /var/lib/docker/containers/\(dockerID)
            """
        #expect(ContainerDetection.containerID(fromMountinfo: lines) == nil)
    }

    @Test func theCgroupFileIsPreferredOverMountinfo() throws {
        try FixtureRoot.with { root in
            try root.write("/proc/self/cgroup", "12:memory:/docker/\(dockerID)\n")
            try root.write("/proc/self/mountinfo", "1 1 8:1 /docker/containers/\(otherID)/hostname /etc/hostname rw - ext4 /dev/sda1 rw\n")
            #expect(detect(root: root.path).attributes["container.id"] == .string(dockerID))
        }
    }

    @Test func anUnreadableCgroupFileIsIgnored() throws {
        try FixtureRoot.with { root in
            try root.directory("/proc/self/cgroup")   // open succeeds, read fails with EISDIR
            try root.directory("/proc/self/mountinfo")
            #expect(detect(root: root.path).attributes["container.id"] == nil)
        }
    }
}

@Suite struct ResourceKubernetesTests {
    let namespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

    @Test func inAPodTheNamespaceComesFromTheServiceAccountFileAndThePodNameFromHostname() throws {
        try FixtureRoot.with { root in
            try root.write(namespaceFile, "shop\n")
            let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "HOSTNAME": "checkout-7d9f8-abcde"]
            let attributes = detect(env: env, root: root.path).attributes
            #expect(attributes["k8s.namespace.name"] == "shop")
            #expect(attributes["k8s.pod.name"] == "checkout-7d9f8-abcde")
            #expect(attributes["k8s.pod.uid"] == nil)
            #expect(attributes["k8s.node.name"] == nil)
        }
    }

    @Test func withoutTheNamespaceFileThereIsNoNamespaceUnlessTheDownwardAPISetsOne() throws {
        try FixtureRoot.with { root in
            let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "HOSTNAME": "checkout-1"]
            #expect(detect(env: env, root: root.path).attributes["k8s.namespace.name"] == nil)
            var withVariable = env
            withVariable["POD_NAMESPACE"] = "shop"
            #expect(detect(env: withVariable, root: root.path).attributes["k8s.namespace.name"] == "shop")
        }
    }

    @Test func downwardAPIVariablesWinOverTheFileAndHostname() throws {
        try FixtureRoot.with { root in
            try root.write(namespaceFile, "from-file")
            let env = [
                "KUBERNETES_SERVICE_HOST": "10.96.0.1", "HOSTNAME": "custom-hostname",
                "K8S_NAMESPACE": "k8s-ns", "POD_NAMESPACE": "pod-ns",
                "POD_NAME": "checkout-2", "POD_UID": "5e0f1c55-8b1c-4d1c-9b8a-2e3f4a5b6c7d", "NODE_NAME": "node-a",
            ]
            let attributes = detect(env: env, root: root.path).attributes
            #expect(attributes["k8s.namespace.name"] == "k8s-ns")
            #expect(attributes["k8s.pod.name"] == "checkout-2")
            #expect(attributes["k8s.pod.uid"] == "5e0f1c55-8b1c-4d1c-9b8a-2e3f4a5b6c7d")
            #expect(attributes["k8s.node.name"] == "node-a")
        }
    }

    @Test func theK8sPrefixedVariablesWinOverTheShortOnes() {
        let env = [
            "KUBERNETES_SERVICE_HOST": "10.96.0.1", "K8S_POD_NAME": "a", "POD_NAME": "b",
            "K8S_POD_UID": "uid-a", "POD_UID": "uid-b", "K8S_NODE_NAME": "node-a", "NODE_NAME": "node-b",
        ]
        let attributes = detect(env: env).attributes
        #expect(attributes["k8s.pod.name"] == "a")
        #expect(attributes["k8s.pod.uid"] == "uid-a")
        #expect(attributes["k8s.node.name"] == "node-a")
    }

    @Test func outsideKubernetesNoK8sAttributesAreAddedEvenWithTheFilePresent() throws {
        try FixtureRoot.with { root in
            try root.write(namespaceFile, "shop")
            let attributes = detect(env: ["HOSTNAME": "laptop", "POD_NAME": "x", "KUBERNETES_SERVICE_HOST": ""], root: root.path).attributes
            #expect(!attributes.contains { $0.key.hasPrefix("k8s.") })
        }
    }
}
