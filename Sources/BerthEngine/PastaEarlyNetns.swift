// pasta on a network namespace made before the container, as podman does: berth
// makes the namespace first and starts pasta on it at once, so pasta's own start
// (~20 ms) runs beside the rest of berth's preparation (the spec, the clone, the
// cgroup, the child's mounts); the container then joins that namespace (the
// path --network ns: takes) and waits at its network barrier until pasta is
// ready. The namespace lives on berth's fd until the container has joined it,
// then on the container and pasta: nothing is bound in the file system, so
// nothing is left behind.
import BerthRuntime
import BerthSystem

/// A pasta started on a namespace made ahead (Engine.startPastaEarly).
struct EarlyPasta {
    let netns: FileDescriptor
    /// Waits for pasta's readiness (run at the container's network barrier).
    let wait: () throws -> Void

    /// Makes the container join the namespace instead of making one.
    func apply(to spec: inout ContainerSpec) {
        spec.newNetwork = false
        spec.joinNetworkNamespace = netns
        spec.barrier = true
    }
}

extension Engine {
    /// net.ipv4.ping_group_range in a container's own network namespace: ping
    /// for every group, as podman.
    static let pingGroupRange = "0 0"

    /// Whether --userns `mode` leaves the container in the user namespace berth
    /// starts it from (root's, or rootless the pause process's).
    static func sharesCallersUserNamespace(_ mode: String) -> Bool { mode == "" || mode == "host" }

    /// The user namespace that will own the container's network namespace when
    /// it is made ahead for pasta: the container's user namespace must exist
    /// already (berth's own as root or as root of the rootless user namespace,
    /// `.some(nil)`; rootless from the host, the pause process's, which the
    /// container joins), mirroring containerSpec. nil: not made ahead; a user
    /// namespace of the container's own (--userns=keep-id, or any mode other
    /// than the default and `host`, such as podman's `auto`) keeps pasta on the
    /// container's pid (Engine.startPasta).
    func earlyNetnsOwner(_ record: ContainerRecord) -> FileDescriptor?? {
        guard Engine.startsPasta(record), Engine.sharesCallersUserNamespace(record.userns) else { return nil }
        guard record.isRootless && UserNamespace.isInitial else { return .some(nil) }
        guard let userns = try? PauseProcess.userNamespace(runroot: paths.runroot) else { return nil }
        return .some(userns)
    }

    /// Makes the container's network namespace and starts pasta on it (recorded,
    /// so that releaseLaunch ends it whatever fails next), before anything else
    /// of the start; nil when the container's start takes the other path.
    func startPastaEarly(_ record: ContainerRecord) throws -> EarlyPasta? {
        guard let owner = earlyNetnsOwner(record) else { return nil }
        let mode = try UserModeNetworkMode(parsing: record.network)
        let netns: FileDescriptor
        do {
            netns = try NewNetworkNamespace.make(in: owner, pingGroupRange: Engine.pingGroupRange)
        } catch {
            throw NetworkError.invalid("container \(record.name): \(error)")
        }
        Stopwatch.mark("netns made")
        try FileSystem.makeDirectories(runtimeDir(record.id), mode: 0o755)
        let starting = try PastaNetwork.spawn(mode, ports: record.ports ?? [], target: .namespace(netns, owner: owner),
                                              runtimeDir: runtimeDir(record.id))
        return EarlyPasta(netns: netns, wait: try recordPasta(record, starting))
    }
}
