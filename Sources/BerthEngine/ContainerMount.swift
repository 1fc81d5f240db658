// `mount`/`unmount`: a container's merged rootfs mounted on the host at
// RUNROOT/containers/ID/merged, as podman's mount gives the storage's merged dir.
// A counter (RUNROOT/containers/ID/mount.count, under the container's lock) lets
// several users mount and each unmount; start and stop never touch this mount
// (the container mounts its own overlay in its own mount namespace), so it stays
// until the last unmount, `unmount -f` or `rm`.
import BerthImage
import BerthSystem

package struct MountedContainer: Sendable {
    package var record: ContainerRecord
    package var path: String
}

extension Engine {
    /// podman's refusal: a rootless user's mount would be invisible outside the user
    /// namespace, so it is made inside `berth unshare` only.
    static func checkCanMount(_ verb: String) throws {
        if StorePaths.isRootless && UserNamespace.isInitial {
            throw ContainerError.invalid("cannot run command \"berth \(verb)\" in rootless mode, must execute `berth unshare` first")
        }
    }

    func mountPath(_ id: String) -> String { runtimeDir(id) + "/merged" }
    private func mountCountPath(_ id: String) -> String { runtimeDir(id) + "/mount.count" }

    /// The mounts counted for the container; 0 when its path is not mounted here.
    private func mountCount(_ id: String) -> Int {
        guard MountPoint.isMountPoint(mountPath(id)) else { return 0 }
        return (try? FileSystem.readText(mountCountPath(id))).flatMap { Int($0) } ?? 1
    }

    /// Mounts the container's rootfs (or counts one more user of the mount) and returns its path.
    package func mountContainer(_ nameOrID: String) throws -> MountedContainer {
        try Engine.checkCanMount("mount")
        let record = try resolveContainer(nameOrID)
        let lock = try lockContainer(record.id)
        defer { lock.unlock() }
        let path = mountPath(record.id)
        let count = mountCount(record.id)
        if count == 0 {
            let lower = record.layers.reversed().map { store.layerDiffDir($0) }
            try FileSystem.makeDirectories(path, mode: 0o755)
            do {
                try MountPoint.overlay(lower: lower, upper: containerDir(record.id) + "/upper", work: containerDir(record.id) + "/work",
                                       at: path, userxattr: StorePaths.isRootless)
            } catch {
                throw ContainerError.invalid("mounting container \(record.name): \(error)")
            }
        }
        try AtomicFile.write(String(count + 1), to: mountCountPath(record.id), mode: 0o600, durable: false)
        recordEvent(.container("mount", record))
        return MountedContainer(record: record, path: path)
    }

    /// One user fewer of the mount (every one with `force`); unmounted at the last.
    package func unmountContainer(_ nameOrID: String, force: Bool) throws {
        try Engine.checkCanMount("unmount")
        let record = try resolveContainer(nameOrID)
        let lock = try lockContainer(record.id)
        defer { lock.unlock() }
        let count = mountCount(record.id)
        guard count > 0 else { return }
        if count > 1 && !force {
            try AtomicFile.write(String(count - 1), to: mountCountPath(record.id), mode: 0o600, durable: false)
            return
        }
        try releaseMount(record)
        recordEvent(.container("unmount", record))
    }

    /// Unmounts whatever `mount` left (rm: the files go next).
    func releaseMount(_ record: ContainerRecord) throws {
        let path = mountPath(record.id)
        if MountPoint.isMountPoint(path) {
            do {
                try MountPoint.unmount(path)
            } catch {
                throw ContainerError.invalid("unmounting container \(record.name): \(error)")
            }
        }
        try FileSystem.unlinkIfPresent(mountCountPath(record.id))
    }

    /// The containers mounted here, newest first (`mount` without arguments).
    package func mountedContainers() throws -> [MountedContainer] {
        try listContainers().filter { mountCount($0.record.id) > 0 }
            .map { MountedContainer(record: $0.record, path: mountPath($0.record.id)) }
    }
}
