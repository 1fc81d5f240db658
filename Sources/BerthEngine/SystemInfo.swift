// `berth info`: where the store lives, whether we run rootless, and what the
// kernel and cgroup layout look like (design.md §11: hybrid v1 machines exist).
import BerthImage
package import BerthSystem

package struct SystemInfo: Sendable {
    package var rootless: Bool
    package var root: String
    package var runroot: String
    package var runrootSource: String
    package var cgroupVersion: String
    package var kernel: String
    package var arch: String
    package var imageCount: Int
    package var idMappings: String

    package static func collect(paths: StorePaths) -> SystemInfo {
        let store = ImageStore(root: paths.root, isRootless: StorePaths.isRootless)
        let uid = ProcessIdentity.uid
        let user = UserNamespace.userName(uid) ?? String(uid)
        let ranges = UserNamespace.subordinateRanges(file: "/etc/subuid", user: user, id: uid)
        let mappings = !StorePaths.isRootless ? "none (root)"
            : ranges.isEmpty ? "single id (no /etc/subuid range for \(user))"
            : ranges.map { "\($0.hostID)-\($0.hostID + $0.size - 1)" }.joined(separator: ", ")
        return SystemInfo(rootless: StorePaths.isRootless, root: paths.root, runroot: paths.runroot,
                          runrootSource: paths.runrootSource, cgroupVersion: cgroupVersion(), kernel: HostKernel.release,
                          arch: HostPlatform.architecture, imageCount: (try? store.images().count) ?? 0, idMappings: mappings)
    }

    /// v2 when /sys/fs/cgroup is cgroup2; hybrid when v1 controllers sit beside a
    /// cgroup2 mount at /sys/fs/cgroup/unified; v1 otherwise.
    static func cgroupVersion() -> String {
        let cgroup2Magic = 0x6367_7270
        if FileSystem.filesystemType("/sys/fs/cgroup") == cgroup2Magic { return "v2" }
        if FileSystem.filesystemType("/sys/fs/cgroup/unified") == cgroup2Magic { return "v1 (hybrid)" }
        return "v1"
    }

    package var text: String {
        """
        host:
          arch: \(arch)
          kernel: \(kernel)
          cgroupVersion: \(cgroupVersion)
          security:
            rootless: \(rootless)
          idMappings: \(idMappings)
        store:
          graphRoot: \(root)
          runRoot: \(runroot)
          runRootSource: \(runrootSource)
          imageStore:
            number: \(imageCount)

        """
    }
}
