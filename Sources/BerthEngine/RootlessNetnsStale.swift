// A rootless network namespace left behind by a replaced pause process: the pause
// process (holder of the rootless user namespace) was killed while a container ran
// in the namespace, and the next berth made a new one. The namespace and its pasta
// stay in the old user namespace, whose root has no capability over the new one's
// containers (nor the other way round), so no later container can get an interface
// there. berth notices it before any work: with no container left in it, it is
// ended and made again in the new user namespace; otherwise the start fails with one
// error saying which containers hold it.
import BerthSystem

extension Engine {
    /// Ends the recorded pasta (and its namespace) when its user namespace is not the
    /// one of the container `pid` about to join, and no running container is left in
    /// it; throws when some are. Called under the rootless network namespace's lock.
    func replaceStaleRootlessNetns(_ pasta: inout RootlessNetnsPasta?, for record: ContainerRecord, pid: Int32) throws {
        guard let running = pasta, !RootlessNetnsProcess.isInUserNamespace(of: running.pid, orNestedIn: pid) else { return }
        let users = rootlessNetnsUsers(excluding: record.id).map { (try? readRecord($0))?.name ?? String($0.prefix(12)) }
        guard users.isEmpty else { throw Engine.staleRootlessNetns(record.name, users: users) }
        HelperProcess.end(pid: running.pid, startTime: running.startTime)
        pasta = nil
    }

    /// The error of a container that cannot join a rootless network namespace of
    /// another user namespace (`users`: the containers that still hold it).
    static func staleRootlessNetns(_ name: String, users: [String]) -> NetworkError {
        let holders = users.isEmpty ? "the containers still in it" : users.sorted().joined(separator: ", ")
        return NetworkError.invalid("container \(name) cannot join the rootless network namespace: it belongs to the user namespace of a pause process that was killed (berth made a new one since), and \(holders) still \(users.count == 1 ? "uses" : "use") it; stop or remove \(users.count == 1 ? "that container" : "those containers") (`berth stop`), then start this one again")
    }
}
