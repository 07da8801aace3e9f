#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The detectors behind ``Resource/detect(serviceName:serviceVersion:attributes:environment:fileSystemRoot:)``,
/// except the container id (``ContainerDetection``). Each returns only what it could determine.
enum ResourceDetection {
    /// `telemetry.sdk.*`.
    static func sdk() -> Attributes {
        [
            "telemetry.sdk.name": "trail",
            "telemetry.sdk.language": "swift",
            "telemetry.sdk.version": .string(TrailVersion.string),
        ]
    }

    /// `host.name`, `host.arch` and `os.type`.
    static func host() -> Attributes {
        var attributes = Attributes()
        if let name = hostName() { attributes["host.name"] = .string(name) }
        if let arch = hostArch { attributes["host.arch"] = .string(arch) }
        if let os = osType { attributes["os.type"] = .string(os) }
        return attributes
    }

    /// `process.*`, and the executable name for the `unknown_service:` fallback.
    static func process(_ files: DetectionFileSystem) -> (attributes: Attributes, executableName: String?) {
        var attributes: Attributes = ["process.pid": .int(Int(getpid()))]
        let path = executablePath(files)
        let name = path.map(lastPathComponent) ?? CommandLine.arguments.first.map(lastPathComponent)
        let executableName = name.flatMap { $0.isEmpty ? nil : $0 }
        if let executableName { attributes["process.executable.name"] = .string(executableName) }
        if let path { attributes["process.executable.path"] = .string(path) }
        attributes["process.runtime.name"] = "swift"
        return (attributes, executableName)
    }

    /// `k8s.*`, only inside a pod (when `KUBERNETES_SERVICE_HOST` is set).
    static func kubernetes(_ env: Environment, _ files: DetectionFileSystem) -> Attributes {
        guard env["KUBERNETES_SERVICE_HOST"] != nil else { return [:] }
        var attributes = Attributes()
        let namespace = env.first("K8S_NAMESPACE", "POD_NAMESPACE")?.value
            ?? files.contents(of: "/var/run/secrets/kubernetes.io/serviceaccount/namespace", limit: 1024)?
                .trimmingASCIIWhitespace()
        if let namespace, !namespace.isEmpty { attributes["k8s.namespace.name"] = .string(namespace) }
        if let pod = env.first("K8S_POD_NAME", "POD_NAME", "HOSTNAME")?.value {
            attributes["k8s.pod.name"] = .string(pod)
        }
        if let uid = env.first("K8S_POD_UID", "POD_UID")?.value { attributes["k8s.pod.uid"] = .string(uid) }
        if let node = env.first("K8S_NODE_NAME", "NODE_NAME")?.value { attributes["k8s.node.name"] = .string(node) }
        return attributes
    }

    // MARK: - Helpers

    static func hostName() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let ok = buffer.withUnsafeMutableBufferPointer { gethostname($0.baseAddress!, $0.count - 1) == 0 }
        guard ok else { return nil }
        buffer[buffer.count - 1] = 0
        let name = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return name.isEmpty ? nil : name
    }

    /// The semantic conventions' `host.arch` value for this build.
    static var hostArch: String? {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #elseif arch(i386)
        "x86"
        #elseif arch(arm)
        "arm32"
        #elseif arch(powerpc64) || arch(powerpc64le)
        "ppc64"
        #elseif arch(s390x)
        "s390x"
        #else
        nil
        #endif
    }

    /// The semantic conventions' `os.type` value for this build.
    static var osType: String? {
        #if os(Linux)
        "linux"
        #elseif canImport(Darwin)
        "darwin"
        #elseif os(Windows)
        "windows"
        #elseif os(FreeBSD)
        "freebsd"
        #elseif os(OpenBSD)
        "openbsd"
        #else
        nil
        #endif
    }

    /// The target of `/proc/self/exe` (Linux), without the ` (deleted)` mark the kernel adds when
    /// the file was replaced; `nil` elsewhere.
    static func executablePath(_ files: DetectionFileSystem) -> String? {
        guard var target = files.readLink("/proc/self/exe"), !target.isEmpty else { return nil }
        let deleted = " (deleted)"
        if target.hasSuffix(deleted) { target.removeLast(deleted.count) }
        return target
    }

    static func lastPathComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? ""
    }
}

/// Reads the few small system files detection needs, under a root directory that tests replace.
/// Every failure is `nil`, never a crash or a throw.
struct DetectionFileSystem {
    let root: String

    init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root.isEmpty ? "/" : root
    }

    /// `absolutePath` under the root.
    func path(_ absolutePath: String) -> String {
        root == "/" ? absolutePath : root + absolutePath
    }

    /// The file as UTF-8 text (invalid bytes repaired), or `nil` if it cannot be opened or read.
    /// At most `limit` bytes are read; files in `/proc` report size 0, so it reads until end of file.
    func contents(of absolutePath: String, limit: Int = 64 * 1024) -> String? {
        let fd = open(path(absolutePath), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        // At most limit / 4096 + 1 successful reads, plus a bounded number of EINTR retries.
        var interruptions = 0
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, wanted) }
            if n > 0 {
                bytes.append(contentsOf: chunk[..<n])
            } else if n == 0 {
                break
            } else if errno == EINTR && interruptions < 16 {
                interruptions += 1
            } else {
                return nil
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The target of the symbolic link, or `nil`.
    func readLink(_ absolutePath: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = buffer.withUnsafeMutableBufferPointer { readlink(path(absolutePath), $0.baseAddress!, $0.count - 1) }
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
