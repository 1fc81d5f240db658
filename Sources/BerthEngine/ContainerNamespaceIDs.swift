// ps --ns: the inode numbers of a running container's namespaces, read from
// /proc/PID/ns as podman reads them ("net:[4026532008]" gives 4026532008).
import BerthSystem

extension Engine {
    /// /proc/PID/ns names, in podman's column order: cgroup, ipc, mnt, net, pid, user, uts.
    package static let namespaceKinds = ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"]

    /// The container's namespace inodes by kind; empty when it does not run (a
    /// namespace that cannot be read is left out, as podman leaves it blank).
    package func namespaceIDs(_ details: ContainerDetails) -> [String: String] {
        guard details.state.status == .running, details.state.pid > 0 else { return [:] }
        var ids: [String: String] = [:]
        for kind in Engine.namespaceKinds {
            guard let link = try? FileSystem.readLink("/proc/\(details.state.pid)/ns/\(kind)"),
                  let open = link.firstIndex(of: "["), let close = link.lastIndex(of: "]"), open < close else { continue }
            ids[kind] = String(link[link.index(after: open)..<close])
        }
        return ids
    }
}
