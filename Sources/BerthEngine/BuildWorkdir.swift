// WORKDIR's directory, when the image lacks it: created in a fresh layer directory
// (the step's layer), every missing component 0755.
import BerthImage
import BerthSystem

enum BuildWorkdir {
    /// `path` is absolute and clean; `directory` is the new, empty layer directory.
    static func create(_ path: String, in directory: String, image: MergedRootfs, user: String, timestamp: Int64?) throws {
        try FileSystem.makeDirectories(directory + path, mode: 0o755)
    }
}
