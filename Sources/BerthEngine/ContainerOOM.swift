// State.OOMKilled: whether the kernel's OOM killer ended a process of the container,
// read from its cgroup's counters at exit, before the cgroup is removed.

extension Engine {
    /// Called by recordExit before releaseLaunch removes the cgroup: once it is gone,
    /// so is the count. A container without a cgroup reads as not OOM-killed.
    func noteOOMKill(_ record: ContainerRecord, in state: inout ContainerState) {
        guard let location = cgroupLocation(record.id) else { return }
        state.oomKilled = CgroupReader(location: location).oomKills() > 0 ? true : nil
    }
}
