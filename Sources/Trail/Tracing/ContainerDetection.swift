/// Finds `container.id` from inside a container, from two files under `/proc/self`:
///
/// - `/proc/self/cgroup` (cgroup v1, and cgroup v2 without a cgroup namespace): each line is
///   `hierarchy-id:controllers:path`, and container runtimes name a path component after the
///   container: `/docker/<id>`, `/kubepods/besteffort/pod<uid>/<id>`, `docker-<id>.scope`,
///   `cri-containerd-<id>.scope`, `crio-<id>.scope`, `libpod-<id>.scope`.
/// - `/proc/self/mountinfo` (cgroup v2 with a cgroup namespace, where the cgroup file only says
///   `0::/`): Docker and Podman bind-mount `/etc/hostname`, `/etc/hosts` and `/etc/resolv.conf`
///   from the container's own directory, `/var/lib/docker/containers/<id>/hostname` or
///   `…/overlay-containers/<id>/userdata/hostname`. Only mounts onto those three files are looked
///   at, so a host that merely has container directories mounted somewhere is not mistaken for a
///   container. (Kubernetes with containerd mounts them from the pod *sandbox* directory, whose id
///   is not the container's; that is deliberately not reported.)
///
/// Only a 64-digit lowercase hexadecimal id counts; anything else is no container id.
enum ContainerDetection {
    /// The container id from the files under `files`' root, cgroup first; `nil` when none is found.
    static func containerID(_ files: DetectionFileSystem) -> String? {
        if let text = files.contents(of: "/proc/self/cgroup"), let id = containerID(fromCgroup: text) {
            return id
        }
        if let text = files.contents(of: "/proc/self/mountinfo", limit: 512 * 1024),
            let id = containerID(fromMountinfo: text)
        {
            return id
        }
        return nil
    }

    /// The first container id in the text of a `/proc/<pid>/cgroup` file.
    static func containerID(fromCgroup text: String) -> String? {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            // The innermost (last) component that names a container wins, e.g. for Docker in Docker.
            for component in fields[2].split(separator: "/").reversed() {
                if let id = id(inPathComponent: component) { return id }
            }
        }
        return nil
    }

    /// The first container id in the text of a `/proc/<pid>/mountinfo` file.
    static func containerID(fromMountinfo text: String) -> String? {
        let mountPoints: Set<Substring> = ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"]
        for line in text.split(separator: "\n") {
            // mount-id parent-id major:minor root mount-point options … - fstype source super-options
            let fields = line.split(separator: " ", maxSplits: 5)
            guard fields.count >= 5, mountPoints.contains(fields[4]) else { continue }
            let components = fields[3].split(separator: "/")
            for (index, component) in components.enumerated().dropLast()
            where component == "containers" || component == "overlay-containers" {
                let candidate = components[index + 1]
                if isContainerID(candidate) { return String(candidate) }
            }
        }
        return nil
    }

    /// The id in one cgroup path component: the component itself, or its last 64 characters after
    /// a `-` (runtime prefixes such as `docker-`), with a `.scope` suffix removed.
    static func id(inPathComponent component: Substring) -> String? {
        var name = component
        if name.hasSuffix(".scope") { name = name.dropLast(".scope".count) }
        guard name.utf8.count >= 64 else { return nil }
        let candidate = name.suffix(64)
        guard isContainerID(candidate) else { return nil }
        if candidate.startIndex != name.startIndex && name[name.index(before: candidate.startIndex)] != "-" {
            return nil
        }
        return String(candidate)
    }

    /// Exactly 64 lowercase hexadecimal digits.
    static func isContainerID(_ text: Substring) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }
}
