// State.OOMKilled: whether the kernel's OOM killer ended a process of the container.
// Under cgroupfs berth removes the cgroup itself, after reading its counters at the exit.
// Under the systemd manager systemd removes the scope's cgroup the moment it empties,
// before berth has reaped the container, so its memory.events is watched while the
// container runs (MemoryEventsWatch): with a memory limit by a thread from before the
// container's first instruction (a fast allocation is killed, and its scope gone, before
// berth gets to wait), and for a detached container by the C monitor once it takes over.
import BerthSystem

extension Engine {
    /// memory.events of the cgroup placed for the container `pid` just now (between
    /// placement and release: before it can allocate), where systemd may remove it early:
    /// the systemd manager on cgroup v2. nil elsewhere, and at no cost on other hosts.
    /// Without a memory limit only the fd is held (read at the exit, or polled by the monitor).
    func watchMemoryEvents(_ record: ContainerRecord, pid: Int32) -> MemoryEventsWatch? {
        guard Engine.cgroupHost.hasSystemd, Engine.cgroupHost.layout == .v2,
              let location = cgroupLocation(record.id), location.manager == "systemd", location.version == 2,
              let directory = location.paths[""], let watch = MemoryEventsWatch(directory: directory) else { return nil }
        if record.resources?.memory != nil { watch.watch(untilExitOf: pid) }
        return watch
    }

    /// Called by recordExit before releaseLaunch removes the cgroup: once it is gone,
    /// so is the count. `observed`: a kill the watch saw while the container ran.
    /// A container without a cgroup reads as not OOM-killed.
    func noteOOMKill(_ record: ContainerRecord, in state: inout ContainerState, observed: Bool = false) {
        let counted = cgroupLocation(record.id).map { CgroupReader(location: $0).oomKills() > 0 } ?? false
        state.oomKilled = observed || counted ? true : nil
    }
}
