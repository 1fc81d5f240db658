// Where a detached container's monitor lives, per --cgroups, as podman 4.3 places
// conmon (libpod's moveConmonToCgroupAndSignal, checked against podman here):
// - enabled: in a cgroup of the monitors' own beside the containers: cgroupfs
//   `PARENT/conmon` (one shared by every monitor under that parent, as podman's
//   libpod_parent/conmon), systemd a scope `berth-conmon-ID.scope` in the
//   container's slice (podman's libpod-conmon-ID.scope). Not when systemd runs the
//   caller as a service ($INVOCATION_ID): the monitor then stays in the unit, so
//   stopping the unit stops it.
// - no-conmon: the monitor stays in the caller's cgroup; the container gets its own.
// - split: the caller's cgroup is split in two: its processes (the caller, the
//   monitor) move to a leaf `runtime` below it and the container goes below it
//   too (podman's MoveUnderCgroupSubtree("runtime") and libpod-payload-ID).
// - disabled: no cgroup for either.
import BerthSystem
import Glibc

extension Engine {
    /// The leaf the monitors of one parent share (cgroupfs manager).
    static let monitorCgroupName = "conmon"
    /// The leaf a split caller's processes move to.
    static let splitRuntimeName = "runtime"

    /// The systemd scope of a container's monitor.
    static func monitorScopeName(_ id: String) -> String { "berth-conmon-\(id).scope" }

    /// Moves this process, the monitor about to start `record`, where --cgroups
    /// puts it. A container without a cgroup (rootless on v1) leaves it where it is.
    func placeMonitor(_ record: ContainerRecord) throws {
        guard record.cgroups == nil, Environment.get("INVOCATION_ID") == nil else { return }
        guard let plan = try CgroupPlan.make(record, host: Engine.cgroupHost, rootless: record.isRootless) else { return }
        let pid = ProcessIdentity.pid
        if plan.unit != nil, let slice = plan.slice {
            try SystemdScope.start(unit: Engine.monitorScopeName(record.id), slice: slice, pid: pid,
                                   description: "berth monitor of container \(record.name) (\(record.id.prefix(12)))", limits: [], rootless: record.isRootless)
            return
        }
        var monitor = plan
        monitor.paths = plan.paths.mapValues { FileSystem.dirname(of: $0) + "/" + Engine.monitorCgroupName }
        // The leaf is shared, and another container's removal drops it while it is empty
        // (removeIdleMonitorCgroup), which can fall between its mkdir and this join:
        // make it again and join again.
        for attempt in 1... {
            try makeCgroup(monitor)
            do {
                try joinMonitorCgroup(monitor, pid: pid)
                return
            } catch let error as SystemError where error.isNotFound && attempt < 5 {
                continue
            }
        }
    }

    private func joinMonitorCgroup(_ monitor: CgroupPlan, pid: Int32) throws {
        for directory in Set(monitor.paths.values).sorted() {
            if monitor.version == 1 {
                // The calling thread moves itself (the monitor's only one that matters: the
                // rest end at its exec of the C monitor), which skips the kernel's global
                // threadgroup lock that a cgroup.procs write waits on (architecture.md).
                try CgroupFiles.write("0", to: "tasks", in: directory)
            } else {
                try CgroupFiles.join(pid, directory)
            }
        }
    }

    /// --cgroups=split: moves every process of this process's cgroup (the caller, and
    /// the monitor it started) into a `runtime` leaf below it, so the container's
    /// cgroup can go below it too: on v2 a cgroup with processes cannot hand
    /// controllers to children. A cgroup at the hierarchy's root stays as it is.
    func splitCallerCgroup(_ plan: CgroupPlan) throws {
        let host = Engine.cgroupHost
        var directories: [String] = []
        if plan.version == 2 {
            if let own = host.ownPaths[""], own != "/", let mount = host.unifiedMount { directories.append(CgroupHost.join(mount, own)) }
        } else {
            for controller in plan.paths.keys.sorted() {
                guard let own = host.ownPaths[controller], own != "/", let mount = host.v1Mounts[controller] else { continue }
                directories.append(CgroupHost.join(mount, own))
            }
        }
        for directory in Set(directories).sorted() {
            let runtime = directory + "/" + Engine.splitRuntimeName
            if CgroupFiles.has("cpuset.cpus", in: directory) {
                try CgroupFiles.makeDirectory(runtime)
                for file in ["cpuset.cpus", "cpuset.mems"] where (CgroupFiles.read(file, in: runtime) ?? "").isEmpty {
                    try CgroupFiles.write(CgroupFiles.read(file, in: directory) ?? "", to: file, in: runtime)
                }
            } else {
                try CgroupFiles.makeDirectory(runtime)
            }
            // A process that exits meanwhile is no error (podman's loop ignores each failure too).
            for pid in CgroupFiles.processes(in: directory) { try? CgroupFiles.join(pid, runtime) }
            let left = CgroupFiles.processes(in: directory)
            if plan.version == 2 && !left.isEmpty {
                throw ContainerError.invalid("--cgroups=split: processes \(left.map(String.init).joined(separator: " ")) stay in \(directory) and could not be moved to its \(Engine.splitRuntimeName) leaf")
            }
        }
    }

    /// Removes the monitors' shared cgroup of `location`'s parent once no monitor is
    /// left in it (an rmdir that fails with EBUSY means one still runs: it stays).
    func removeIdleMonitorCgroup(_ location: CgroupLocation) {
        guard location.unit == nil else { return }
        let directories = Set(location.paths.values.map { FileSystem.dirname(of: $0) + "/" + Engine.monitorCgroupName }).sorted()
        // placeMonitor makes the leaf in every hierarchy at once: where the first is
        // missing (every foreground run's case) there is nothing to look at in the others.
        guard let first = directories.first, FileSystem.isDirectory(first) else { return }
        for directory in directories {
            if FileSystem.isDirectory(directory), CgroupFiles.processes(in: directory).isEmpty { _ = rmdir(directory) }
        }
    }
}
