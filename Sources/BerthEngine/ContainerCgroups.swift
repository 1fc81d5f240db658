// A container's cgroup (issue 14): placement before its first instruction, limits,
// removal. Placeholder until the cgroups work lands: no cgroup is made.

extension Engine {
    /// Places the container's process `pid` in its own cgroup with its limits.
    func placeInCgroup(_ record: ContainerRecord, pid: Int32) throws {}

    /// Removes the container's cgroup; nothing when it is gone already.
    func removeCgroup(_ record: ContainerRecord) {}
}
