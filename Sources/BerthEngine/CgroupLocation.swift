// Where a container's cgroup is (issue 14): RUNROOT/containers/ID/cgroup.json,
// written by placeInCgroup, read by stats, pause, top, exec, OOM detection and
// removeCgroup.
import BerthImage
import BerthSystem

package struct CgroupLocation: Codable, Sendable, Equatable {
    /// 1 or 2: the hierarchy the controllers are used from (hybrid hosts: 1).
    package var version: Int
    /// v2: {"": "/sys/fs/cgroup/…/berth-ID.scope"}. v1: controller → its directory,
    /// one key per controller ("memory", "cpu", "cpuacct", "pids", "freezer", "blkio",
    /// "cpuset", "devices", …), even where two share a mount.
    package var paths: [String: String]
    /// "systemd" or "cgroupfs".
    package var manager: String
    /// systemd manager: the scope unit's name.
    package var unit: String? = nil
}

extension Engine {
    func cgroupLocationFile(_ id: String) -> String { runtimeDir(id) + "/cgroup.json" }

    /// The container's cgroup, or nil when it has none (not running, or no cgroup).
    package func cgroupLocation(_ id: String) -> CgroupLocation? {
        let path = cgroupLocationFile(id)
        guard let bytes = try? FileSystem.readFile(path) else { return nil }
        return try? JSONCoding.decode(CgroupLocation.self, from: bytes, location: path)
    }
}
