// WORKDIR's directory, when the image lacks it: created in a fresh layer directory
// (the step's layer) through RootfsWriter, so the path is resolved in the image's
// root (a symlinked component is followed inside it, never out) and the parents
// the layer must hold keep the image's metadata, as overlay's copy-up shows them.
// A new directory is 0755 root:root, as podman (and docker's classic builder) make it.
import BerthImage
import BerthSystem

enum BuildWorkdir {
    /// `path` is absolute and clean; `directory` is the new, empty layer directory.
    static func create(_ path: String, in directory: String, image: MergedRootfs, timestamp: Int64?) throws {
        let writer = try RootfsWriter(layerDirectory: directory, image: image, location: "WORKDIR layer",
                                      options: RootfsWriteOptions.current(timestamp: timestamp))
        let resolved = try writer.resolve(path, followFinal: true)
        _ = try writer.directory(resolved)
        try writer.finish()
    }
}
