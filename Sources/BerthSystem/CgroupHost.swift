// Which cgroup hierarchies this host has (v1, hybrid or pure v2), where each
// controller is mounted, and which cgroup this process is in: read once from
// /proc/self/mountinfo and /proc/self/cgroup.
import Glibc

package struct CgroupHost: Sendable {
    package enum Layout: String, Sendable {
        /// v1 controllers only, or v1 controllers plus a mostly empty v2 mount
        /// (hybrid, the machines here): the controllers are used from v1.
        case v1
        /// Everything on one cgroup2 mount.
        case v2
        /// No cgroup filesystem at all.
        case none
    }

    package let layout: Layout
    /// v1: each controller → the directory its hierarchy is mounted on ("memory" →
    /// /sys/fs/cgroup/memory; "cpu" and "cpuacct" → /sys/fs/cgroup/cpu,cpuacct when co-mounted).
    package let v1Mounts: [String: String]
    /// Where the cgroup2 hierarchy is mounted (v2: /sys/fs/cgroup; hybrid: …/unified).
    package let unifiedMount: String?
    /// This process's cgroup in each hierarchy (/proc/self/cgroup): a v1 controller's
    /// name → its path; "" → the v2 path.
    package let ownPaths: [String: String]
    /// systemd runs the host (sd_booted's test: /run/systemd/system exists).
    package let hasSystemd: Bool

    /// The controllers berth places a v1 container in: the limits' and those stats,
    /// pause and top read (cpuacct, freezer).
    package static let v1Controllers = ["memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "devices", "freezer"]

    package init(layout: Layout, v1Mounts: [String: String], unifiedMount: String?, ownPaths: [String: String], hasSystemd: Bool) {
        self.layout = layout
        self.v1Mounts = v1Mounts
        self.unifiedMount = unifiedMount
        self.ownPaths = ownPaths
        self.hasSystemd = hasSystemd
    }

    /// This host's layout; a missing /proc reads as no cgroups.
    package static func detect() -> CgroupHost {
        let mountinfo = (try? FileSystem.readText("/proc/self/mountinfo")) ?? ""
        let own = (try? FileSystem.readText("/proc/self/cgroup")) ?? ""
        return parse(mountinfo: mountinfo, procCgroup: own, hasSystemd: FileSystem.isDirectory("/run/systemd/system"))
    }

    /// The layout from the text of /proc/self/mountinfo and /proc/self/cgroup.
    package static func parse(mountinfo: String, procCgroup: String, hasSystemd: Bool) -> CgroupHost {
        var v1: [String: String] = [:]
        var unified: String?
        for mount in cgroupMounts(mountinfo) {
            switch mount.type {
            case "cgroup2": unified = mount.mountPoint
            case "cgroup":
                for option in mount.options.split(separator: ",") where CgroupHost.v1Controllers.contains(String(option)) {
                    v1[String(option)] = mount.mountPoint
                }
            default: continue
            }
        }
        var own: [String: String] = [:]
        for line in procCgroup.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if fields[1].isEmpty { own[""] = String(fields[2]); continue }
            for controller in fields[1].split(separator: ",") { own[String(controller)] = String(fields[2]) }
        }
        let layout: Layout = !v1.isEmpty ? .v1 : unified != nil ? .v2 : .none
        return CgroupHost(layout: layout, v1Mounts: v1, unifiedMount: unified, ownPaths: own, hasSystemd: hasSystemd)
    }

    /// A mountinfo line of type cgroup or cgroup2: where, which, and its super options.
    private struct CgroupMount {
        var mountPoint: String
        var type: String
        var options: String
    }

    /// The mounts of type cgroup or cgroup2 in mountinfo, found by a scan of its bytes.
    /// Splitting every line as Strings cost every container start ~0.3 ms; splitting
    /// one at " - " (a String separator: the generic collection search of
    /// _StringProcessing) another ~0.2 ms, for the dozen lines that matter.
    private static func cgroupMounts(_ mountinfo: String) -> [CgroupMount] {
        let bytes = Array(mountinfo.utf8)
        let marker = Array(" - cgroup".utf8)
        var mounts: [CgroupMount] = []
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            // The first " - " ends the optional fields; the type follows it.
            var index = start
            while index + 2 < end && !(bytes[index] == 0x20 && bytes[index + 1] == 0x2D && bytes[index + 2] == 0x20) { index += 1 }
            if index + marker.count <= end && bytes[index..<(index + marker.count)].elementsEqual(marker) {
                let before = fields(bytes[start..<index]), after = fields(bytes[(index + 3)..<end])
                if before.count >= 5 && after.count >= 3 {
                    mounts.append(CgroupMount(mountPoint: before[4], type: after[0], options: after[2]))
                }
            }
            start = end + 1
        }
        return mounts
    }

    /// The space-separated fields of a mountinfo line's part.
    private static func fields(_ bytes: ArraySlice<UInt8>) -> [String] {
        bytes.split(separator: 0x20).map { String(decoding: $0, as: UTF8.self) }
    }

    /// 1 or 2: the hierarchy the controllers are used from.
    package var version: Int { layout == .v2 ? 2 : 1 }

    /// v2: the directory of a cgroup path ("/machine.slice/x" → /sys/fs/cgroup/machine.slice/x).
    package func unifiedDirectory(_ path: String) -> String? {
        unifiedMount.map { CgroupHost.join($0, path) }
    }

    /// v2: the systemd user instance's cgroup this process runs under
    /// (…/user-UID.slice/user@UID.service), the subtree systemd delegates to the user.
    package var userServicePath: String? {
        guard let own = ownPaths[""] else { return nil }
        var result = ""
        for part in own.split(separator: "/") {
            result += "/" + part
            if part.hasPrefix("user@") && part.hasSuffix(".service") { return result }
        }
        return nil
    }

    /// `base` and a cgroup path joined with one slash.
    package static func join(_ base: String, _ path: String) -> String {
        let trimmed = path.drop { $0 == "/" }
        if trimmed.isEmpty { return base }
        return base.hasSuffix("/") ? base + trimmed : base + "/" + trimmed
    }
}
