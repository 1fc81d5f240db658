// What a container's start sets up on the host around its process, and what its
// exit or removal takes down again: its cgroup (ContainerCgroups.swift) and its
// networks (ContainerNetworks.swift).
import BerthRuntime

extension Engine {
    /// Runs between clone and release (ContainerProcess.start): the child exists with
    /// its namespaces and id maps but has not run an instruction of its own. A throw
    /// here, or from the work returned, kills the child; `launch` then calls
    /// `releaseLaunch`. Returns what may run while the child sets up its rootfs: the
    /// cgroup's making when `cgroupBesideSetUp` (else it is made here; `placed` runs
    /// once it is), and pasta's readiness (see Engine.startPasta). `pasta`: the wait
    /// for a pasta started before the clone (Engine.startPastaEarly).
    func prepareLaunch(_ record: ContainerRecord, pid: Int32, cgroupBesideSetUp: Bool, pasta: (() throws -> Void)? = nil,
                       placed: @escaping () -> Void = {}) throws -> LaunchWork {
        var work = LaunchWork()
        let place = {
            try self.placeInCgroup(record, pid: pid)
            placed()
        }
        if cgroupBesideSetUp { work.besideSetUp = place } else { try place() }
        if let pasta {
            work.atBarrier = pasta
        } else if Engine.startsPasta(record) {
            work.atBarrier = try startPasta(record, pid: pid)
        } else {
            try attachNetworks(record, pid: pid)
        }
        return work
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
