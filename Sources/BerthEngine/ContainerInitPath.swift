// --init-path PATH (podman's): with --init, the container's pid 1 is that init
// binary (catatonit, tini) bound read-only at /run/podman-init and run as
// `/run/podman-init -- COMMAND`, as podman runs it, instead of berth's built-in
// init. Without --init it does nothing, as in podman.
import BerthRuntime
import BerthSystem
import Glibc

extension Engine {
    /// Where podman binds the init binary inside the container.
    static let containerInitPath = "/run/podman-init"

    /// --init-path at create: an absolute path to an existing file.
    static func checkedInitPath(_ path: String?) throws -> String? {
        guard let path else { return nil }
        let absolute = FileSystem.absolute(path)
        guard FileSystem.exists(absolute), !FileSystem.isDirectory(absolute) else {
            throw ContainerError.invalid("--init-path \(path): no such file")
        }
        return absolute
    }

    /// At start: the external init replaces the built-in one.
    func applyInitPath(_ record: ContainerRecord, to spec: inout ContainerSpec) {
        guard record.useInit, let path = record.initPath else { return }
        spec.useInit = false
        spec.mounts.append(MountSpec(kind: .bind, source: path, destination: Engine.containerInitPath, flags: UInt(MS_RDONLY)))
        spec.arguments = [Engine.containerInitPath, "--"] + spec.arguments
    }
}
