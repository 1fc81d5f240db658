// /run/.containerenv: the file whose presence tells a process it runs in a container
// (podman's convention, which tools such as toolbox test). As podman, it names the
// engine, container and image only for --privileged containers and is empty otherwise.
import BerthRuntime
import BerthSystem
import Glibc

extension Engine {
    /// The read-only bind of the container's .containerenv, written at create (by the
    /// first start for a container an older berth created).
    func containerEnvironmentMount(_ record: ContainerRecord) throws -> MountSpec {
        let path = containerEnvironmentPath(record)
        if !FileSystem.exists(path) {
            try AtomicFile.write(record.privileged ? Self.containerEnvironment(record) : "", to: path, durable: false)
        }
        return MountSpec(kind: .bind, source: path, destination: "/run/.containerenv", flags: UInt(MS_RDONLY))
    }

    /// At create, before config.json makes the container visible: written in place.
    func writeUnpublishedContainerEnvironment(_ record: ContainerRecord) throws {
        try AtomicFile.writeUnpublished(record.privileged ? Self.containerEnvironment(record) : "", to: containerEnvironmentPath(record))
    }

    private func containerEnvironmentPath(_ record: ContainerRecord) -> String {
        containerDir(record.id) + "/userdata/.containerenv"
    }

    /// podman's lines, values quoted as Go's %q quotes them.
    static func containerEnvironment(_ record: ContainerRecord) -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.flatMap { $0 == "\"" || $0 == "\\" ? ["\\", $0] : [$0] } + "\""
        }
        return """
            engine=\(quoted("berth-" + BerthVersion.version))
            name=\(quoted(record.name))
            id=\(quoted(record.id))
            image=\(quoted(record.imageName))
            imageid=\(quoted(record.imageID))
            rootless=\(record.isRootless ? 1 : 0)

            """
    }
}
