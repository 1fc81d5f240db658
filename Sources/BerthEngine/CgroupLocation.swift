// Where a container's cgroup is (issue 14): RUNROOT/containers/ID/cgroup.json,
// written by placeInCgroup, read by stats, pause, top, exec, OOM detection and
// removeCgroup.
import BerthImage
import BerthSystem
import BerthTemplate
import Synchronization

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

extension CgroupLocation {
    /// cgroup.json as JSONCoding.encode writes it (sorted keys, no escaped slashes),
    /// written out by hand: JSONEncoder's first use of a type costs a container start
    /// ~0.2 ms of Swift runtime lookups, a fifth of what placement may cost in all.
    var json: [UInt8] {
        var out = "{\"manager\":" + GoJSONString.quoted(manager, escapeHTML: false) + ",\"paths\":{"
        out += paths.keys.sorted().map { GoJSONString.quoted($0, escapeHTML: false) + ":" + GoJSONString.quoted(paths[$0] ?? "", escapeHTML: false) }.joined(separator: ",")
        out += "}"
        if let unit { out += ",\"unit\":" + GoJSONString.quoted(unit, escapeHTML: false) }
        out += ",\"version\":\(version)}"
        return Array(out.utf8)
    }
}

/// The cgroups this process placed containers in (placeInCgroup), by container ID, so
/// that the same process's OOM check and removal at the container's exit need not read
/// and decode cgroup.json again (~0.3 ms of a start's placement cost).
private let placedLocations = Mutex<[String: CgroupLocation]>([:])

extension Engine {
    func cgroupLocationFile(_ id: String) -> String { runtimeDir(id) + "/cgroup.json" }

    /// The container's cgroup, or nil when it has none (not running, or no cgroup).
    package func cgroupLocation(_ id: String) -> CgroupLocation? {
        if let placed = placedLocations.withLock({ $0[id] }) { return placed }
        let path = cgroupLocationFile(id)
        guard let bytes = try? FileSystem.readFile(path) else { return nil }
        return try? JSONCoding.decode(CgroupLocation.self, from: bytes, location: path)
    }

    /// Records in cgroup.json (and this process's memory) where `id`'s cgroup is.
    func recordCgroupLocation(_ location: CgroupLocation, for id: String) throws {
        // In place, not renamed: its readers (stats, exec, pause, top, update) act on a
        // running container only, and the running state is written after it; a berth
        // killed during the one write leaves at worst an empty file, and no directory
        // made yet.
        try AtomicFile.writeUnpublished(location.json, to: cgroupLocationFile(id))
        placedLocations.withLock { $0[id] = location }
    }

    /// Forgets this process's note of `id`'s cgroup (removeCgroup).
    func forgetCgroupLocation(_ id: String) {
        placedLocations.withLock { _ = $0.removeValue(forKey: id) }
    }
}
