// WORKDIR's directory, when the image lacks it: created in a fresh layer directory
// (the step's layer) through RootfsWriter, so the path is resolved in the image's
// root (a symlinked component is followed inside it, never out) and the parents
// the layer must hold keep the image's metadata, as overlay's copy-up shows them.
// A new directory is 0755 and belongs to the stage's USER: podman 4.3 makes a
// missing working directory for the next RUN owned by that RUN's user (every
// component it creates), and BuildKit's WORKDIR does the same.
import BerthImage
import BerthSystem

enum BuildWorkdir {
    /// `path` is absolute and clean; `directory` is the new, empty layer directory;
    /// `user` is the config's USER ("" for root).
    static func create(_ path: String, in directory: String, image: MergedRootfs, user: String, timestamp: Int64?) throws {
        let writer = try RootfsWriter(layerDirectory: directory, image: image, location: "WORKDIR layer",
                                      options: RootfsWriteOptions.current(timestamp: timestamp))
        // A USER the image cannot resolve fails the RUN that uses it, as podman's
        // does; WORKDIR alone does not fail on it, so its directory stays root's.
        if !user.isEmpty, let owner = try? CopyOwner.resolve(user, in: image) {
            writer.newDirectoryOwner = (owner.uid, owner.gid)
        }
        let resolved = try writer.resolve(path, followFinal: true)
        _ = try writer.directory(resolved)
        try writer.finish()
    }
}
