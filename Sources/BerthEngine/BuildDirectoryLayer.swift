// The directories WORKDIR and VOLUME name, when the image lacks them: created in a
// fresh layer directory (the step's layer) through RootfsWriter, so the path is resolved in the image's
// root (a symlinked component is followed inside it, never out) and the parents
// the layer must hold keep the image's metadata, as overlay's copy-up shows them.
// Every directory it makes is 0755; WORKDIR's are owned by the stage's USER, as
// BuildKit makes them (and as buildah does when the next RUN needs the directory),
// VOLUME's by root, as buildah makes them.
import BerthImage
import BerthSystem

enum BuildDirectoryLayer {
    /// Whether any of `paths` (absolute) is missing from `image`.
    static func isNeeded(_ paths: [String], image: MergedRootfs) throws -> Bool {
        try paths.contains { try image.status($0) == nil }
    }

    /// `paths` are absolute; `directory` is the new, empty layer directory.
    static func create(_ paths: [String], in directory: String, image: MergedRootfs, user: String, timestamp: Int64?) throws {
        let owner = user.isEmpty ? nil : try UserSpec.resolve(user, in: image)
        let writer = try RootfsWriter(layerDirectory: directory, image: image, location: "WORKDIR layer",
                                      options: RootfsWriteOptions.current(timestamp: timestamp))
        let now = RootfsWriter.now()
        var made = Set<String>()
        for path in paths {
            let resolved = try writer.resolve(path, followFinal: true)
            var prefix = ""
            for component in resolved.split(separator: "/") {
                prefix += "/" + component
                guard !made.contains(prefix), try image.status(prefix) == nil else { continue }
                let metadata = RootfsWriter.Metadata(permissions: 0o755, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0,
                                                     modifiedSeconds: now.seconds, modifiedNanoseconds: now.nanoseconds)
                try writer.write(.directory, at: prefix, metadata: metadata)
                made.insert(prefix)
            }
        }
        try writer.finish()
    }
}
