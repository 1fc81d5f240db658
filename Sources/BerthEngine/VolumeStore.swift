// Named volumes on disk (design.md §3): ROOT/volumes/NAME/{_data,volume.json}, written
// under ROOT/volumes/.lock; a volume appears only by the rename of a complete directory.
import BerthImage
import BerthSystem

extension Engine {
    /// Creates (name nil → anonymous, a 64-hex random name). Atomic: a kill -9 leaves no half-made volume
    /// that `volume ls` shows (write under a temp name + rename, under the volumes lock).
    package func createVolume(name: String?, driver: String, labels: [String: String], options: [String: String],
                              anonymous: Bool, ignoreIfExists: Bool) throws -> VolumeRecord {
        throw VolumeError.unsupported("volumes are not implemented yet")
    }

    package func volume(named name: String) throws -> VolumeRecord {
        throw VolumeError.notFound(name)
    }

    package func volumes() throws -> [VolumeRecord] { [] }

    /// ROOT/volumes/NAME/_data (podman's Mountpoint).
    package func volumeDataPath(_ name: String) -> String { store.root + "/volumes/" + name + "/_data" }

    /// Changes a volume's record under the volumes lock.
    package func updateVolume(_ name: String, _ change: (inout VolumeRecord) -> Void) throws {
        throw VolumeError.notFound(name)
    }

    /// The containers whose records mount this volume (a "volume" entry in their mounts).
    package func containersUsing(volume name: String) -> [ContainerRecord] { [] }

    /// Removes a volume; `force` first removes the containers using it, as podman does.
    package func removeVolume(_ name: String, force: Bool) throws {
        throw VolumeError.notFound(name)
    }

    /// The host path to bind into a container: for type=tmpfs / device= / o=bind volumes, mounts it first
    /// (reference-counted per container id).
    package func activateVolume(_ name: String, for containerID: String) throws -> String {
        volumeDataPath(name)
    }

    package func deactivateVolume(_ name: String, for containerID: String) {}
}
