// What a container's start sets up on the host around its process, and what its
// exit or removal takes down again: its cgroup (ContainerCgroups.swift) and its
// networks (ContainerNetworks.swift).

extension Engine {
    /// Runs between clone and release (ContainerProcess.start): the child exists with
    /// its namespaces and id maps but has not run an instruction of its own. A throw
    /// here kills the child; `launch` then calls `releaseLaunch`. Returns what must
    /// be ready before the container's first instruction, run while the child sets
    /// up its rootfs (pasta's readiness: see Engine.startPasta). `pasta`: the wait
    /// for a pasta started before the clone (Engine.startPastaEarly).
    func prepareLaunch(_ record: ContainerRecord, pid: Int32, pasta: (() throws -> Void)? = nil) throws -> (() throws -> Void)? {
        try placeInCgroup(record, pid: pid)
        if let pasta { return pasta }
        if Engine.startsPasta(record) { return try startPasta(record, pid: pid) }
        try attachNetworks(record, pid: pid)
        return nil
    }

    /// Undoes `prepareLaunch`: on a recorded exit, on a failed start and on `rm`
    /// (after a monitor killed with -9 nothing else did). Idempotent, and it never
    /// throws: a part already gone is not an error, and what cannot be removed is
    /// reported as a warning so `rm` still removes the container.
    func releaseLaunch(_ record: ContainerRecord) {
        detachNetworks(record)
        removeCgroup(record)
    }
}
